using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Online only: with the key server down nothing opens; when it is back, the same session works again.</summary>
public sealed class ServerAvailabilityTests
{
    [Fact]
    public async Task With_the_server_stopped_nothing_opens_and_after_a_restart_the_session_works_again()
    {
        await using var server = await KeyServer.StartAsync();
        using var device = new ClientDevice();
        await device.SignUpAsync(server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);

        await server.StopAsync();

        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.ServerUnreachable, "unreachable", hint: "key server is running");
        (await device.RunAsync("show", "acme", "--reveal", "--json")).AssertFailure(ExitCodes.ServerUnreachable, "unreachable", hint: "key server is running");
        (await device.RunWithInputAsync("other-password\n", "add", "other", "--username", "bot", "--password-stdin"))
            .AssertFailure(ExitCodes.ServerUnreachable, "unreachable", hint: "key server is running");
        Assert.Single(await device.ListAsync());

        // Same data directory and port: the session lives in the server's database, so no new login is needed.
        await server.StartAsync();

        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
        await device.AddAsync("other", "bot", "other-password");
        Assert.Equal("other-password", (await device.RevealAsync("other"))["password"]);
    }
}
