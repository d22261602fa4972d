using System.Text.Json;
using Symbolon.Crypto;

namespace Symbolon.Client.Tests;

public sealed class DeviceSecretsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "symbolon-client-" + Guid.NewGuid().ToString("N"));

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_root_key_and_device_key_are_created_once_and_reloaded_unchanged()
    {
        var home = new ClientHome(_path);
        using var first = DeviceSecrets.LoadOrCreateRootKey(home, passphrase: null);
        using var again = DeviceSecrets.LoadOrCreateRootKey(home, passphrase: null);
        using var device = DeviceSecrets.LoadOrCreateDeviceKey(home);
        using var deviceAgain = DeviceSecrets.LoadOrCreateDeviceKey(home);

        Assert.Equal(Export(first), Export(again));
        Assert.Equal(device.PublicJwk.Thumbprint, deviceAgain.PublicJwk.Thumbprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_path, "root.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_path, "device.key")));
    }

    [Fact]
    public void A_passphrase_protected_root_key_opens_only_with_its_passphrase()
    {
        var home = new ClientHome(_path);
        using var created = DeviceSecrets.LoadOrCreateRootKey(home, "a long passphrase");
        var file = File.ReadAllText(Path.Combine(_path, "root.key"));

        using var reopened = DeviceSecrets.LoadOrCreateRootKey(home, "a long passphrase");
        var wrong = Assert.Throws<NotLoggedInException>(() => DeviceSecrets.LoadOrCreateRootKey(home, "another passphrase").Dispose());
        var missing = Assert.Throws<NotLoggedInException>(() => DeviceSecrets.LoadOrCreateRootKey(home, null).Dispose());

        Assert.Equal(Export(created), Export(reopened));
        Assert.Equal("argon2id", JsonDocument.Parse(file).RootElement.GetProperty("protection").GetString());
        Assert.DoesNotContain(Convert.ToBase64String(Export(created)), file, StringComparison.Ordinal);
        Assert.Contains("passphrase", wrong.Message, StringComparison.Ordinal);
        Assert.NotNull(missing.Hint);
    }

    [Fact]
    public void Atomic_writes_replace_whole_files_and_leftovers_are_removed()
    {
        var home = new ClientHome(_path);
        var target = Path.Combine(home.ItemsPath, "x.json");
        ClientHome.WriteAtomically(target, "first"u8);
        ClientHome.WriteAtomically(target, "second"u8);
        File.WriteAllText(Path.Combine(home.ItemsPath, ".tmp-crashed"), "half a fi");
        File.SetLastWriteTimeUtc(Path.Combine(home.ItemsPath, ".tmp-crashed"), DateTime.UtcNow.AddHours(-1));
        File.WriteAllText(Path.Combine(home.ItemsPath, ".tmp-being-written"), "half a fi");

        home.RemoveLeftovers();

        // The fresh one may be another process's write in flight: it stays until it is old.
        Assert.Equal("second", File.ReadAllText(target));
        Assert.Equal([".tmp-being-written", "x.json"], Directory.GetFiles(home.ItemsPath).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        home.RemoveLeftovers(writtenBefore: DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(["x.json"], Directory.GetFiles(home.ItemsPath).Select(Path.GetFileName));
    }

    [Fact]
    public void Creating_a_key_file_never_replaces_one_that_appeared_meanwhile()
    {
        var home = new ClientHome(_path);
        var target = Path.Combine(_path, "root.key");

        var first = ClientHome.WriteAtomically(target, "first writer"u8, overwrite: false);
        var second = ClientHome.WriteAtomically(target, "second writer"u8, overwrite: false);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("first writer", File.ReadAllText(target));
        Assert.DoesNotContain(Directory.GetFiles(_path), f => Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_path, recursive: true);

    private static byte[] Export(ClientRootKey key)
    {
        var bytes = new byte[ClientRootKey.KeySize];
        key.ExportUnsafe(bytes);
        return bytes;
    }
}
