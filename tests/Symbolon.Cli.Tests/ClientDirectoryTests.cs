using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>A client directory that cannot be used is an error with a hint, never a crash with a stack trace.</summary>
public sealed class ClientDirectoryTests
{
    [Fact]
    public async Task A_client_directory_that_is_a_file_is_reported_not_crashed_on()
    {
        using var work = new TempDirectory("home");
        var file = work.Combine("not-a-directory");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["SYMBOLON_HOME"] = file };

        (await CliProcess.RunAsync(environment, ["status"])).AssertFailure(1, "cannot use the client directory", hint: "SYMBOLON_HOME");
        (await CliProcess.RunAsync(environment, ["exec", "--env", "P=acme.password", "--", "true"])).AssertFailure(1, "cannot use the client directory", hint: "SYMBOLON_HOME");
        (await CliProcess.RunAsync(environment, ["login", "--new-device", "--server", "http://127.0.0.1:9", "--username", "nobody"], input: "password\n"))
            .AssertFailure(1, "cannot use the client directory", hint: "SYMBOLON_HOME");
    }
}
