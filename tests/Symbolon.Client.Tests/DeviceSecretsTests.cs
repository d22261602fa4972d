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

    public static TheoryData<string, string?> DamagedRootKeys() => new()
    {
        { "not json", null },
        { "{", null },
        { "null", null },
        { """{"version":1}""", null },
        { """{"version":1,"protection":"none"}""", null },
        { """{"version":1,"protection":"none","key":null}""", null },
        { """{"version":1,"protection":"none","key":"AAAA"}""", null },
        { """{"version":1,"protection":"none","key":"not base64!"}""", null },
        { """{"version":1,"protection":"none","key":5}""", null },
        { """{"version":1,"protection":"rot13","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""", null },
        { """{"version":1,"protection":"argon2id"}""", "a long passphrase" },
        { """{"version":1,"protection":"argon2id","memoryKib":65536,"passes":3,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","nonce":"AAAA","wrapped":"AAAA"}""", "a long passphrase" },
        { """{"version":1,"protection":"argon2id","memoryKib":1,"passes":3,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","nonce":"AAAAAAAAAAAAAAAA","wrapped":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}""", "a long passphrase" },
    };

    [Theory]
    [MemberData(nameof(DamagedRootKeys))]
    public void A_damaged_root_key_file_is_refused_as_damaged_with_a_hint(string content, string? passphrase)
    {
        var home = new ClientHome(_path);
        File.WriteAllText(Path.Combine(_path, "root.key"), content);

        var damaged = Assert.Throws<InvalidOperationSymbolonException>(() => DeviceSecrets.LoadOrCreateRootKey(home, passphrase).Dispose());

        Assert.StartsWith("root.key is damaged", damaged.Message, StringComparison.Ordinal);
        Assert.NotNull(damaged.Hint);
    }

    [Fact]
    public void A_damaged_device_key_file_is_refused_as_damaged_with_a_hint()
    {
        var home = new ClientHome(_path);
        File.WriteAllText(Path.Combine(_path, "device.key"), "not a key");

        var damaged = Assert.Throws<InvalidOperationSymbolonException>(() => DeviceSecrets.LoadOrCreateDeviceKey(home).Dispose());
        var opening = Assert.Throws<InvalidOperationSymbolonException>(() => VaultClient.Open(new VaultClientOptions { HomePath = _path }).Dispose());

        Assert.StartsWith("device.key is damaged", damaged.Message, StringComparison.Ordinal);
        Assert.Equal(damaged.Message, opening.Message);
        Assert.NotNull(damaged.Hint);
    }

    /// <summary>root.key as the first client wrote it (an anonymous object per protection): existing files keep reading, new ones read with older clients.</summary>
    [Fact]
    public void Root_key_files_are_written_byte_for_byte_as_before()
    {
        var home = new ClientHome(_path);
        var protectedHome = new ClientHome(Path.Combine(_path, "protected"));
        using var plain = DeviceSecrets.LoadOrCreateRootKey(home, passphrase: null);
        using var wrapped = DeviceSecrets.LoadOrCreateRootKey(protectedHome, "a long passphrase");
        var plainFile = File.ReadAllBytes(Path.Combine(_path, "root.key"));
        var wrappedFile = File.ReadAllBytes(Path.Combine(protectedHome.Path, "root.key"));
        var stored = JsonDocument.Parse(wrappedFile).RootElement;

        var plainBefore = JsonSerializer.SerializeToUtf8Bytes(new { version = 1, protection = "none", key = Convert.ToBase64String(Export(plain)) });
        var wrappedBefore = JsonSerializer.SerializeToUtf8Bytes(new
        {
            version = 1,
            protection = "argon2id",
            memoryKib = 64L * 1024,
            passes = 3L,
            salt = stored.GetProperty("salt").GetString(),
            nonce = stored.GetProperty("nonce").GetString(),
            wrapped = stored.GetProperty("wrapped").GetString(),
        });

        Assert.Equal(plainBefore, plainFile);
        Assert.Equal(wrappedBefore, wrappedFile);
    }

    public void Dispose() => Directory.Delete(_path, recursive: true);

    private static byte[] Export(ClientRootKey key)
    {
        var bytes = new byte[ClientRootKey.KeySize];
        key.ExportUnsafe(bytes);
        return bytes;
    }
}
