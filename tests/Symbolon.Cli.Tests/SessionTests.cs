using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Logging out, and the idle lock, close the vault until the next login.</summary>
public sealed class SessionTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task After_logout_nothing_opens_until_the_next_login()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");

        Assert.Contains("Logged out.", (await device.RunAsync("logout")).AssertSuccess().Stdout, StringComparison.Ordinal);

        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotLoggedIn, "not logged in", hint: "symbolon login");
        (await device.RunAsync("exec", "--env", "P=acme.password", "--", "true")).AssertFailure(ExitCodes.NotLoggedIn, "not logged in", hint: "symbolon login");
        Assert.Contains("Not logged in", (await device.RunAsync("status")).AssertSuccess().Stdout, StringComparison.Ordinal);

        // The server remembered from the login is reused; no --server needed.
        (await device.RunWithInputAsync(ClientDevice.AccountPassword + "\n", "login", "--username", device.Username, "--password-stdin")).AssertSuccess();
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
    }

    [Fact]
    public async Task After_the_idle_timeout_the_session_is_locked_until_the_next_login()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
        var sinceLastUse = System.Diagnostics.Stopwatch.StartNew();

        // The timeout is set only now, so a slow machine cannot lock the session during the steps above. A bounded
        // sleep is fine here: what is checked is the lock, not how fast it comes.
        device.IdleTimeoutSeconds = 2;
        var wait = TimeSpan.FromSeconds(3) - sinceLastUse.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, TestContext.Current.CancellationToken);
        }

        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotLoggedIn, "locked", hint: "symbolon login");
        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotLoggedIn, "not logged in", hint: "symbolon login");
        Assert.Contains("Not logged in", (await device.RunAsync("status")).AssertSuccess().Stdout, StringComparison.Ordinal);

        device.IdleTimeoutSeconds = null;
        await device.LoginAsync(Server);
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
    }
}
