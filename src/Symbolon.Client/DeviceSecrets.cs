using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NSec.Cryptography;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Client;

/// <summary>
/// The device's two keys, created on first use: the client root key (root.key) and the P-256 device key that signs
/// DPoP proofs (device.key), both mode 0600. The root key can be wrapped under a passphrase with Argon2id, so a copied
/// directory is useless without it.
/// </summary>
internal static class DeviceSecrets
{
    private const string RootKeyFile = "root.key";
    private const string DeviceKeyFile = "device.key";
    private const int SaltSize = 16;

    public static ClientRootKey LoadOrCreateRootKey(ClientHome home, string? passphrase)
    {
        var path = home.File(RootKeyFile);
        if (!File.Exists(path))
        {
            using var fresh = ClientRootKey.Generate();
            var raw = new byte[ClientRootKey.KeySize];
            try
            {
                fresh.ExportUnsafe(raw);
                ClientHome.WriteAtomically(path, Encode(raw, passphrase), overwrite: false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(raw);
            }
        }

        return Decode(File.ReadAllBytes(path), passphrase);
    }

    public static DeviceKey LoadOrCreateDeviceKey(ClientHome home)
    {
        var path = home.File(DeviceKeyFile);
        if (!File.Exists(path))
        {
            using var fresh = DeviceKey.Generate();
            var pkcs8 = fresh.ExportPkcs8Unsafe();
            try
            {
                ClientHome.WriteAtomically(path, pkcs8, overwrite: false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            return DeviceKey.ImportPkcs8(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Replaces the device key (after this device was revoked, a fresh key is a new device).</summary>
    public static void ResetDeviceKey(ClientHome home) => ClientHome.Delete(home.File(DeviceKeyFile));

    private static byte[] Encode(byte[] raw, string? passphrase)
    {
        if (string.IsNullOrEmpty(passphrase))
        {
            return JsonSerializer.SerializeToUtf8Bytes(new RootKeyContent(Version, Unprotected) { Key = Convert.ToBase64String(raw) }, FileJson);
        }

        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var wrapped = new byte[raw.Length + 16];
        using (var wrappingKey = new SecretKeyHolder(DeriveWrappingKey(passphrase, salt, PassphraseMemoryKib, PassphrasePasses)))
        using (var aes = new AesGcm(wrappingKey.Bytes, 16))
        {
            aes.Encrypt(nonce, raw, wrapped.AsSpan(0, raw.Length), wrapped.AsSpan(raw.Length), Encoding.ASCII.GetBytes(WrapLabel));
        }

        return JsonSerializer.SerializeToUtf8Bytes(
            new RootKeyContent(Version, Argon2id)
            {
                MemoryKib = PassphraseMemoryKib,
                Passes = PassphrasePasses,
                Salt = Convert.ToBase64String(salt),
                Nonce = Convert.ToBase64String(nonce),
                Wrapped = Convert.ToBase64String(wrapped),
            },
            FileJson);
    }

    private static ClientRootKey Decode(byte[] file, string? passphrase)
    {
        var root = JsonSerializer.Deserialize<RootKeyContent>(file, FileJson);
        if (root?.Version != Version)
        {
            throw new InvalidOperationSymbolonException("root.key has an unknown version.");
        }

        if (root.Protection == Unprotected)
        {
            var raw = Convert.FromBase64String(root.Key!);
            try
            {
                return ClientRootKey.Import(raw);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(raw);
            }
        }

        if (string.IsNullOrEmpty(passphrase))
        {
            throw new NotLoggedInException("The device root key is protected by a passphrase.", "Set SYMBOLON_PASSPHRASE or pass --passphrase-stdin.");
        }

        var key = new byte[ClientRootKey.KeySize];
        var wrapped = Convert.FromBase64String(root.Wrapped!);
        try
        {
            using var wrappingKey = new SecretKeyHolder(DeriveWrappingKey(passphrase, Convert.FromBase64String(root.Salt!), root.MemoryKib!.Value, root.Passes!.Value));
            using var aes = new AesGcm(wrappingKey.Bytes, 16);
            aes.Decrypt(Convert.FromBase64String(root.Nonce!), wrapped.AsSpan(0, key.Length), wrapped.AsSpan(key.Length), key, Encoding.ASCII.GetBytes(WrapLabel));
            return ClientRootKey.Import(key);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new NotLoggedInException("The passphrase does not unlock the device root key.", "Check the passphrase.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private const int Version = 1;
    private const string Unprotected = "none";
    private const string Argon2id = "argon2id";
    private const string WrapLabel = Labels.RootKeyWrap;

    /// <summary>Names as written since version 1; members a protection does not use are left out.</summary>
    private static readonly JsonSerializerOptions FileJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private const long PassphraseMemoryKib = 64 * 1024;
    private const long PassphrasePasses = 3;

    private static byte[] DeriveWrappingKey(string passphrase, byte[] salt, long memoryKib, long passes)
    {
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKib, NumberOfPasses = passes });
        var passphraseBytes = Encoding.UTF8.GetBytes(passphrase);
        try
        {
            return algorithm.DeriveBytes(passphraseBytes, salt, 32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphraseBytes);
        }
    }

    /// <summary>root.key: the raw key (protection "none"), or the key wrapped under an Argon2id-derived key (base64 throughout).</summary>
    private sealed record RootKeyContent(int Version, string Protection)
    {
        public string? Key { get; init; }

        public long? MemoryKib { get; init; }

        public long? Passes { get; init; }

        public string? Salt { get; init; }

        public string? Nonce { get; init; }

        public string? Wrapped { get; init; }
    }

    private sealed class SecretKeyHolder(byte[] bytes) : IDisposable
    {
        public byte[] Bytes { get; } = bytes;

        public void Dispose() => CryptographicOperations.ZeroMemory(Bytes);
    }
}
