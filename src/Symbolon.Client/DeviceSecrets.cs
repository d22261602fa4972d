using System.Buffers.Text;
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
/// DPoP proofs (device.key), both mode 0600. The root key can be wrapped under a passphrase with Argon2id, and then
/// device.key is wrapped too (<see cref="LocalSecrets"/>), so a copied directory is useless without it.
/// </summary>
internal static partial class DeviceSecrets
{
    private const string RootKeyFile = "root.key";
    private const string DeviceKeyFile = "device.key";
    private const int SaltSize = 16;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static ClientRootKey LoadOrCreateRootKey(ClientHome home, string? passphrase) => LoadOrCreateRootKey(home, passphrase, null, out _);

    /// <summary>
    /// The root key, created (wrapped when a passphrase is given) on first use. A protected key with no passphrase given
    /// asks <paramref name="askPassphrase"/> (the CLI's prompt) if there is one.
    /// </summary>
    public static ClientRootKey LoadOrCreateRootKey(ClientHome home, string? passphrase, Func<string?>? askPassphrase, out bool passphraseProtected)
    {
        var path = home.File(RootKeyFile);
        if (!File.Exists(path))
        {
            using var fresh = ClientRootKey.Generate();
            WriteRootKey(path, fresh, passphrase, overwrite: false);
        }

        // Unprotected, the file is the key in base64: wiped like the key itself.
        var file = File.ReadAllBytes(path);
        try
        {
            return Decode(file, passphrase, askPassphrase, out passphraseProtected);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }

    /// <summary>Rewrites root.key wrapped under <paramref name="passphrase"/> (a first passphrase, or a new one), atomically.</summary>
    public static void ProtectRootKey(ClientHome home, ClientRootKey rootKey, string passphrase) =>
        WriteRootKey(home.File(RootKeyFile), rootKey, passphrase, overwrite: true);

    private static void WriteRootKey(string path, ClientRootKey rootKey, string? passphrase, bool overwrite)
    {
        var raw = new byte[ClientRootKey.KeySize];
        byte[]? encoded = null;
        try
        {
            rootKey.ExportUnsafe(raw);
            encoded = Encode(raw, passphrase);
            ClientHome.WriteAtomically(path, encoded, overwrite);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
            if (encoded is not null)
            {
                CryptographicOperations.ZeroMemory(encoded);
            }
        }
    }

    public static DeviceKey LoadOrCreateDeviceKey(ClientHome home) => LoadOrCreateDeviceKey(home, null);

    /// <summary>
    /// device.key, created on first use: PKCS#8, wrapped (<see cref="LocalSecrets"/>) when the root key is
    /// passphrase-protected. A plain one in a protected home (written before wrapping existed) is wrapped now.
    /// </summary>
    public static DeviceKey LoadOrCreateDeviceKey(ClientHome home, LocalSecrets? secrets)
    {
        var path = home.File(DeviceKeyFile);
        var wrap = secrets is { Protected: true };
        if (!File.Exists(path))
        {
            using var fresh = DeviceKey.Generate();
            var pkcs8 = fresh.ExportPkcs8Unsafe();
            try
            {
                ClientHome.WriteAtomically(path, wrap ? secrets!.Wrap(Labels.DeviceKeyWrap, pkcs8) : pkcs8, overwrite: false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }

        var file = File.ReadAllBytes(path);
        byte[]? bytes = null;
        try
        {
            if (LocalSecrets.IsWrapped(file))
            {
                bytes = secrets?.TryUnwrap(Labels.DeviceKeyWrap, file) ?? throw new InvalidOperationSymbolonException(
                    "device.key does not open with this root key: it is damaged, or belongs to another client directory.",
                    "Run `symbolon login --new-device` to enrol a new device key.");
            }
            else
            {
                bytes = file;
            }

            var key = DeviceKey.ImportPkcs8(bytes);
            if (wrap && !LocalSecrets.IsWrapped(file))
            {
                ClientHome.WriteAtomically(path, secrets!.Wrap(Labels.DeviceKeyWrap, bytes));
            }

            return key;
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationSymbolonException(
                "device.key is damaged: it is not a PKCS#8 P-256 private key.", "Run `symbolon login --new-device` to enrol a new device key.", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
            if (bytes is not null)
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }
    }

    /// <summary>Replaces the device key (after this device was revoked, a fresh key is a new device).</summary>
    public static void ResetDeviceKey(ClientHome home) => ClientHome.Delete(home.File(DeviceKeyFile));

    /// <summary>root.key's bytes for <paramref name="raw"/>; the caller wipes them (unprotected, they hold the key).</summary>
    private static byte[] Encode(byte[] raw, string? passphrase)
    {
        if (string.IsNullOrEmpty(passphrase))
        {
            return JsonSerializer.SerializeToUtf8Bytes(new RootKeyContent(Version, Unprotected) { Key = raw }, RootKeyJson.Default.RootKeyContent);
        }

        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var wrapped = new byte[raw.Length + TagSize];
        using (var wrappingKey = new SecretKeyHolder(DeriveWrappingKey(passphrase, salt, PassphraseMemoryKib, PassphrasePasses)))
        using (var aes = new AesGcm(wrappingKey.Bytes, TagSize))
        {
            aes.Encrypt(nonce, raw, wrapped.AsSpan(0, raw.Length), wrapped.AsSpan(raw.Length), Encoding.ASCII.GetBytes(WrapLabel));
        }

        return JsonSerializer.SerializeToUtf8Bytes(
            new RootKeyContent(Version, Argon2id) { MemoryKib = PassphraseMemoryKib, Passes = PassphrasePasses, Salt = salt, Nonce = nonce, Wrapped = wrapped },
            RootKeyJson.Default.RootKeyContent);
    }

    private static ClientRootKey Decode(byte[] file, string? passphrase, Func<string?>? askPassphrase, out bool passphraseProtected)
    {
        var root = Parse(file);
        try
        {
            passphraseProtected = root.Protection == Argon2id;
            return root.Protection switch
            {
                Unprotected => root.Key is { Length: ClientRootKey.KeySize } key ? ClientRootKey.Import(key) : throw Damaged($"`key` is missing or not {ClientRootKey.KeySize} bytes"),
                Argon2id => Unwrap(root, string.IsNullOrEmpty(passphrase) ? askPassphrase?.Invoke() : passphrase),
                _ => throw Damaged("`protection` is missing or unknown"),
            };
        }
        finally
        {
            root.Wipe();
        }
    }

    /// <summary>The file's members, base64 decoded straight into byte arrays (which <see cref="RootKeyContent.Wipe"/> clears).</summary>
    private static RootKeyContent Parse(byte[] file)
    {
        RootKeyContent? root;
        try
        {
            root = JsonSerializer.Deserialize<RootKeyContent>(file, RootKeyJson.Default.RootKeyContent);
        }
        catch (JsonException)
        {
            // Not passed on as the inner exception: its message may quote the file, which holds the key.
            throw Damaged("it is not the JSON this client writes");
        }

        if (root is null)
        {
            throw Damaged("it holds no key");
        }

        if (root.Version != Version)
        {
            root.Wipe();
            throw new InvalidOperationSymbolonException("root.key has an unknown version.", "It was written by a newer Symbolon client, or is damaged.");
        }

        return root;
    }

    private static ClientRootKey Unwrap(RootKeyContent root, string? passphrase)
    {
        if (string.IsNullOrEmpty(passphrase))
        {
            throw new NotLoggedInException("The device root key is protected by a passphrase.", "Pass --passphrase-fd N (the passphrase on file descriptor N), set SYMBOLON_PASSPHRASE, or run the command on a terminal to be asked.");
        }

        if (root is not { Salt.Length: SaltSize, Nonce.Length: NonceSize, Wrapped.Length: ClientRootKey.KeySize + TagSize, MemoryKib: > 0, Passes: > 0 })
        {
            throw Damaged("`salt`, `nonce`, `wrapped`, `memoryKib` or `passes` is missing or out of range");
        }

        var key = new byte[ClientRootKey.KeySize];
        try
        {
            using var wrappingKey = new SecretKeyHolder(DeriveStoredWrappingKey(passphrase, root.Salt, root.MemoryKib.Value, root.Passes.Value));
            using var aes = new AesGcm(wrappingKey.Bytes, TagSize);
            aes.Decrypt(root.Nonce, root.Wrapped.AsSpan(0, key.Length), root.Wrapped.AsSpan(key.Length), key, Encoding.ASCII.GetBytes(WrapLabel));
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

    /// <summary>The wrapping key under the file's own cost parameters; ones Argon2id refuses mean the file was altered.</summary>
    private static byte[] DeriveStoredWrappingKey(string passphrase, byte[] salt, long memoryKib, long passes)
    {
        try
        {
            return DeriveWrappingKey(passphrase, salt, memoryKib, passes);
        }
        catch (ArgumentException)
        {
            throw Damaged("`memoryKib` or `passes` is out of range");
        }
    }

    private static InvalidOperationSymbolonException Damaged(string why) =>
        new($"root.key is damaged: {why}.",
            "Restore root.key from a backup of this client directory: the items here open only with the key it holds (a new one, made if the file is removed, opens none of them).");

    private const int Version = 1;
    private const string Unprotected = "none";
    private const string Argon2id = "argon2id";
    private const string WrapLabel = Labels.RootKeyWrap;

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

    /// <summary>Names as written since version 1; members a protection does not use are left out.</summary>
    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, GenerationMode = JsonSourceGenerationMode.Metadata)]
    [JsonSerializable(typeof(RootKeyContent))]
    private sealed partial class RootKeyJson : JsonSerializerContext;

    /// <summary>
    /// root.key: the raw key (protection "none"), or the key wrapped under an Argon2id-derived key; byte members in
    /// base64 (System.Text.Json's encoding of byte arrays), so no string copy of the key is ever made.
    /// </summary>
    private sealed record RootKeyContent(int Version, string? Protection)
    {
        [JsonConverter(typeof(Base64AsWritten))]
        public byte[]? Key { get; init; }

        public long? MemoryKib { get; init; }

        public long? Passes { get; init; }

        [JsonConverter(typeof(Base64AsWritten))]
        public byte[]? Salt { get; init; }

        [JsonConverter(typeof(Base64AsWritten))]
        public byte[]? Nonce { get; init; }

        [JsonConverter(typeof(Base64AsWritten))]
        public byte[]? Wrapped { get; init; }

        public void Wipe()
        {
            foreach (var bytes in (byte[]?[])[Key, Salt, Nonce, Wrapped])
            {
                if (bytes is not null)
                {
                    CryptographicOperations.ZeroMemory(bytes);
                }
            }
        }
    }

    /// <summary>
    /// Byte members as version 1 files have them: base64 written as a JSON string by the default encoder, which escapes
    /// '+' as \u002B. Written here into buffers that are wiped, not through a string or the writer's own escaping
    /// (whose scratch buffers go back to the pool unwiped); read by System.Text.Json, which decodes either form.
    /// </summary>
    private sealed class Base64AsWritten : JsonConverter<byte[]>
    {
        private static ReadOnlySpan<byte> EscapedPlus => "\\u002B"u8;

        public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetBytesFromBase64();

        public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options)
        {
            var base64 = new byte[Base64.GetMaxEncodedToUtf8Length(value.Length)];
            var quoted = new byte[2 + (base64.Length * EscapedPlus.Length)];
            try
            {
                Base64.EncodeToUtf8(value, base64, out _, out var encoded);
                var length = 0;
                quoted[length++] = (byte)'"';
                foreach (var character in base64.AsSpan(0, encoded))
                {
                    if (character == (byte)'+')
                    {
                        EscapedPlus.CopyTo(quoted.AsSpan(length));
                        length += EscapedPlus.Length;
                    }
                    else
                    {
                        quoted[length++] = character;
                    }
                }

                quoted[length++] = (byte)'"';
                writer.WriteRawValue(quoted.AsSpan(0, length), skipInputValidation: true);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(base64);
                CryptographicOperations.ZeroMemory(quoted);
            }
        }
    }

    private sealed class SecretKeyHolder(byte[] bytes) : IDisposable
    {
        public byte[] Bytes { get; } = bytes;

        public void Dispose() => CryptographicOperations.ZeroMemory(Bytes);
    }
}
