using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// `exec` starts the command with the credentials in its environment, passes stdin through, forwards signals and exits
/// with the command's own code; and no verb ever takes a secret from its arguments.
/// </summary>
public sealed class ExecTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task Exec_sets_the_variables_and_passes_stdin_and_the_exit_code_through()
    {
        using var device = await SignedUpWithAcmeAsync();

        var piped = (await device.RunWithInputAsync("line from stdin\n",
            "exec", "--env", "VENDOR_USER=acme.username", "--env", "VENDOR_PASS=acme.password", "--",
            "sh", "-c", """read line; [ "$VENDOR_PASS" = "acme-password-1" ] || exit 9; echo "$VENDOR_USER got: $line" """)).AssertSuccess();
        Assert.Equal("<concealed by symbolon> got: line from stdin\n", piped.Stdout);

        var exited = await device.RunAsync("exec", "--env", "VENDOR_USER=acme.username", "--", "sh", "-c", "echo to stderr >&2; exit 42");
        Assert.Equal(42, exited.ExitCode);
        Assert.Contains("to stderr", exited.Stderr, StringComparison.Ordinal);
        Assert.Null(exited.ErrorLine);
    }

    [Fact]
    public async Task Exec_forwards_SIGTERM_to_the_command_and_exits_with_its_code()
    {
        using var device = await SignedUpWithAcmeAsync();
        using var running = device.Start("exec", "--env", "VENDOR_PASS=acme.password", "--",
            "sh", "-c", """trap "exit 77" TERM; echo ready; while true; do sleep 0.1; done""");
        Assert.True(await running.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60)), "the command never printed 'ready'");

        // To the symbolon process only, as a service manager would send it; it must pass it on.
        await running.SignalAsync("TERM");

        var result = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 77, result.ToString());
    }

    [Fact]
    public async Task Exec_does_not_start_the_command_when_an_item_cannot_be_opened()
    {
        using var device = await SignedUpWithAcmeAsync();
        using var work = new TempDirectory("exec");
        var marker = work.Combine("started");

        (await device.RunAsync("exec", "--env", "P=nothing.password", "--", "touch", marker)).AssertFailure(ExitCodes.Usage, "No item named 'nothing'", hint: "symbolon list");
        (await device.RunAsync("exec", "--env", "P=acme.colour", "--", "touch", marker)).AssertFailure(ExitCodes.Usage, "has no field 'colour'", hint: "Fields: username, password");
        (await device.RunAsync("exec", "--env", "no-dot-here", "--", "touch", marker)).AssertFailure(ExitCodes.Usage, "is not VAR=item.field", hint: "--env VENDOR_PASS=acme.password");
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Secrets_are_never_taken_from_arguments()
    {
        using var device = await SignedUpWithAcmeAsync();

        // Standard input closed and no --password-stdin: the password is not read from anywhere else.
        (await device.RunAsync("add", "beta", "--username", "bot")).AssertFailure(ExitCodes.Usage, "got end of input");
        (await device.RunAsync("add", "beta", "--username", "bot", "--password-stdin")).AssertFailure(ExitCodes.Usage, "got end of input");
        (await device.RunAsync("add", "beta", "--username", "bot", "hunter2-from-args")).AssertFailure(ExitCodes.Usage, "hunter2-from-args", hint: "symbolon --help");
        (await device.RunAsync("add", "beta", "--username", "bot", "--password", "hunter2-from-args")).AssertFailure(ExitCodes.Usage, "--password", hint: "symbolon --help");
        (await device.RunAsync("login", "--server", Server.Url, "--username", device.Username)).AssertFailure(ExitCodes.Usage, "got end of input");
        (await device.RunAsync("login", "--server", Server.Url, "--username", device.Username, ClientDevice.AccountPassword)).AssertFailure(ExitCodes.Usage, "Unrecognized", hint: "symbolon --help");

        Assert.Equal(["acme"], (await device.ListAsync()).Select(i => i.GetProperty("name").GetString()));
    }

    private async Task<ClientDevice> SignedUpWithAcmeAsync()
    {
        var device = new ClientDevice();
        try
        {
            await device.SignUpAsync(Server);
            await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}
