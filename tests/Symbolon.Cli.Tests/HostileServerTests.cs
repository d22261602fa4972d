using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Issue 14, findings 5 and 7: what a key server (or the network) says cannot steer or spoof the CLI.</summary>
public sealed class HostileServerTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task Device_names_from_a_server_are_printed_with_control_characters_escaped()
    {
        const string Name = "laptop\u001b[2J\u001b]0;owned\u0007\nsymbolon: error: fake\u202e";
        using var hostile = new HostileServer(request => request.Url!.AbsolutePath switch
        {
            "/v1/sessions" => (200, HostileServer.Session(), null),
            "/v1/devices" => (200, $$"""[{"id":"{{Guid.NewGuid()}}","name":{{System.Text.Json.JsonSerializer.Serialize(Name)}},"thumbprint":"x","createdAt":"2026-11-27T12:00:00Z","revokedAt":null,"lockedAt":null,"current":true}]""", null),
            _ => (404, null, null),
        });
        using var device = new ClientDevice();
        (await device.RunWithInputAsync("password\n", "login", "--server", hostile.Url, "--username", "mallory", "--password-stdin")).AssertSuccess();

        var listed = (await device.RunAsync("devices", "list")).AssertSuccess();

        Assert.DoesNotContain('\u001b', listed.Stdout);
        Assert.DoesNotContain('\u0007', listed.Stdout);
        Assert.DoesNotContain('\u202e', listed.Stdout);
        Assert.Single(listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(@"laptop\u001b[2J\u001b]0;owned\u0007\u000asymbolon: error: fake\u202e", listed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_is_an_error_and_is_not_followed()
    {
        using var redirecting = new HostileServer(request => (307, null, Server.Url + request.Url!.PathAndQuery));
        using var device = new ClientDevice();

        var created = await device.RunWithInputAsync(ClientDevice.AccountPassword + "\n",
            "account", "create", "--server", redirecting.Url, "--username", device.Username, "--password-stdin");

        created.AssertFailure(1, "redirect");
        Assert.Contains(Server.Url, created.ErrorLine, StringComparison.Ordinal);
        (await device.RunWithInputAsync(ClientDevice.AccountPassword + "\n", "login", "--server", Server.Url, "--username", device.Username, "--password-stdin"))
            .AssertFailure(ExitCodes.Denied, "wrong");
    }

    [Fact]
    public async Task Plain_http_is_refused_except_to_this_machine()
    {
        using var device = new ClientDevice();

        var refused = await device.RunWithInputAsync("password\n", "login", "--server", "http://keys.example:5290", "--username", "mallory", "--password-stdin");

        refused.AssertFailure(1, "plain http is allowed only to this machine", hint: "https://");
    }

    [Fact]
    public async Task Login_to_another_server_keeps_the_default_unless_asked()
    {
        using var other = new HostileServer(request => request.Url!.AbsolutePath == "/v1/sessions" ? (200, HostileServer.Session(), null) : (404, null, null));
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);

        var login = (await device.RunWithInputAsync("password\n", "login", "--server", other.Url, "--username", "mallory", "--password-stdin")).AssertSuccess();

        Assert.Contains($"symbolon: warning: the default server stays {Server.Url}", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("--make-default", login.Stderr, StringComparison.Ordinal);
        Assert.StartsWith(Server.Url, (await device.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("server").GetString(), StringComparison.Ordinal);

        (await device.RunWithInputAsync("password\n", "login", "--server", other.Url, "--username", "mallory", "--password-stdin", "--make-default")).AssertSuccess();
        Assert.StartsWith(other.Url, (await device.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("server").GetString(), StringComparison.Ordinal);
    }
}
