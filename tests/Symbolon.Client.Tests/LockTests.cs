using System.Text;
using Microsoft.Extensions.Time.Testing;
using Symbolon.Crypto.Dpop;
using FakeKeyServer = Symbolon.Client.Tests.SharedHomeTests.FakeKeyServer;

namespace Symbolon.Client.Tests;

/// <summary>Issue 14, finding 1: the idle lock holds on a stolen device (the server's idle timeout, revocation, wrapped secrets).</summary>
public sealed class LockTests : IDisposable
{
    private const string Passphrase = "a long passphrase";
    private static readonly Uri Server = new("http://127.0.0.1:5290/");
    private readonly string _path = Path.Combine(Path.GetTempPath(), "symbolon-lock-" + Guid.NewGuid().ToString("N"));
    private readonly string _copy = Path.Combine(Path.GetTempPath(), "symbolon-stolen-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_idle_lock_comes_after_the_servers_idle_timeout_and_ends_the_session_on_the_server()
    {
        var server = new FakeKeyServer { IdleTimeoutSeconds = 120 };
        using var client = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = server });
        await client.LoginAsync(Server, "alice", "a long enough password");
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(120), client.Status().LocksAt);

        _time.Advance(TimeSpan.FromSeconds(150));
        var locked = await Assert.ThrowsAsync<NotLoggedInException>(() => client.DevicesAsync());

        Assert.Contains("locked itself after 2 minutes", locked.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Logouts);
        Assert.Empty(Directory.GetFiles(_path, "session-*.json"));
    }

    [Fact]
    public async Task A_local_idle_timeout_can_shorten_the_lock_but_never_lengthen_it()
    {
        var server = new FakeKeyServer { IdleTimeoutSeconds = 120 };
        using var longer = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = new FakeKeyServer.Proxy(server), IdleTimeout = TimeSpan.FromHours(1) });
        await longer.LoginAsync(Server, "alice", "a long enough password");
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(120), longer.Status().LocksAt);

        using var shorter = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = new FakeKeyServer.Proxy(server), IdleTimeout = TimeSpan.FromSeconds(30) });
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), shorter.Status().LocksAt);
    }

    [Fact]
    public async Task Logout_ends_the_session_on_the_server_even_after_the_access_token_expired()
    {
        var server = new FakeKeyServer();
        using var client = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = server });
        await client.LoginAsync(Server, "alice", "a long enough password");
        _time.Advance(TimeSpan.FromMinutes(6));

        await client.LogoutAsync();

        Assert.Equal(1, server.Logouts);
        Assert.False(client.Status().LoggedIn);
    }

    [Fact]
    public async Task A_copied_protected_home_holds_no_usable_token_nor_device_key_without_the_passphrase()
    {
        var server = new FakeKeyServer();
        using (var client = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = server, Passphrase = Passphrase }))
        {
            await client.LoginAsync(Server, "alice", "a long enough password");
            Assert.True(client.SecretsProtected);
        }

        CopyDirectory(_path, _copy);
        var files = Directory.GetFiles(_copy, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        Assert.All(server.Issued, token => Assert.All(files, file => Assert.Equal(-1, file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)))));
        Assert.ThrowsAny<Exception>(() => DeviceKey.ImportPkcs8(File.ReadAllBytes(Path.Combine(_copy, "device.key"))).Dispose());

        var refused = Assert.Throws<NotLoggedInException>(() => VaultClient.Open(new VaultClientOptions { HomePath = _copy, Time = _time, HttpHandler = server }).Dispose());
        Assert.Contains("passphrase", refused.Message, StringComparison.Ordinal);

        // With the passphrase, the copy is the same device, still logged in.
        using var unlocked = VaultClient.Open(new VaultClientOptions { HomePath = _copy, Time = _time, HttpHandler = server, Passphrase = Passphrase });
        Assert.True(unlocked.Status().LoggedIn);
        Assert.Empty(await unlocked.DevicesAsync());
    }

    [Fact]
    public async Task A_home_protected_before_wrapping_existed_has_its_device_key_and_tokens_wrapped_on_next_use()
    {
        var server = new FakeKeyServer();
        using (var client = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = server, Passphrase = Passphrase }))
        {
            await client.LoginAsync(Server, "alice", "a long enough password");
        }

        // The device key as an older client left it: plain PKCS#8 beside a protected root key.
        var home = new ClientHome(_path);
        using var plainKey = DeviceKey.Generate();
        ClientHome.WriteAtomically(home.File("device.key"), plainKey.ExportPkcs8Unsafe());

        using (VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = _time, HttpHandler = server, Passphrase = Passphrase }))
        {
            Assert.Equal(LocalSecrets.Version, File.ReadAllBytes(home.File("device.key"))[0]);
        }

        // Without the wrapping key (no passphrase, so no root key) it does not open.
        Assert.Throws<InvalidOperationSymbolonException>(() => DeviceSecrets.LoadOrCreateDeviceKey(home, null).Dispose());
    }

    public void Dispose()
    {
        foreach (var path in new[] { _path, _copy })
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
