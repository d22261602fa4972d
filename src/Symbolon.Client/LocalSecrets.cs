// The device's local secrets besides the root key (docs/spec.md §1.1): one wrapping scheme for device.key and the
// session tokens, and the HMAC-SHA256 key that authenticates item files. Both keys are derived from the root key.
using System.Security.Cryptography;
using System.Text;
using Symbolon.Crypto;

namespace Symbolon.Client;

/// <summary>
/// Wraps device.key and session tokens when the root key is passphrase-protected, so a copied client directory holds
/// neither a usable token nor the device key without the passphrase:
/// <c>wrapped = 0x01 ‖ nonce (12) ‖ AES-256-GCM(local_secret_key, nonce, secret, aad = purpose)</c>, where the purpose
/// label names the file (<see cref="Labels.DeviceKeyWrap"/>, <see cref="Labels.SessionTokensWrap"/> ‖ server URL).
/// Without a passphrase nothing is wrapped: the root key sits in the clear beside them, so wrapping would hide nothing.
/// </summary>
internal sealed class LocalSecrets : IDisposable
{
    /// <summary>The version byte that opens every wrapped secret.</summary>
    public const byte Version = 1;

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private byte[]? _wrapKey;
    private readonly byte[] _itemMacKey = new byte[ClientRootKey.KeySize];

    public LocalSecrets(ClientRootKey rootKey, bool passphraseProtected)
    {
        rootKey.DeriveLocalKey(Labels.ItemFileMac, _itemMacKey);
        if (passphraseProtected)
        {
            _wrapKey = new byte[ClientRootKey.KeySize];
            rootKey.DeriveLocalKey(Labels.LocalSecretWrap, _wrapKey);
        }
    }

    /// <summary>True when the root key is wrapped under a passphrase, and so are device.key and the session tokens.</summary>
    public bool Protected => _wrapKey is not null;

    /// <summary>From now on secrets are wrapped: the root key has just been put under a passphrase.</summary>
    public void Protect(ClientRootKey rootKey)
    {
        if (_wrapKey is null)
        {
            var key = new byte[ClientRootKey.KeySize];
            rootKey.DeriveLocalKey(Labels.LocalSecretWrap, key);
            _wrapKey = key;
        }
    }

    /// <summary>True when <paramref name="file"/> is in the wrapped format (a PKCS#8 key opens with 0x30, JSON with '{').</summary>
    public static bool IsWrapped(ReadOnlySpan<byte> file) => file.Length > 0 && file[0] == Version;

    /// <summary>The secret wrapped for <paramref name="purpose"/>; only when <see cref="Protected"/>.</summary>
    public byte[] Wrap(string purpose, ReadOnlySpan<byte> secret)
    {
        var key = _wrapKey ?? throw new InvalidOperationException("Nothing is wrapped without a passphrase.");
        var wrapped = new byte[1 + NonceSize + secret.Length + TagSize];
        wrapped[0] = Version;
        var nonce = wrapped.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, secret, wrapped.AsSpan(1 + NonceSize, secret.Length), wrapped.AsSpan(1 + NonceSize + secret.Length), Encoding.UTF8.GetBytes(purpose));
        return wrapped;
    }

    /// <summary>The secret wrapped for <paramref name="purpose"/>, or null when it does not open (wrong key, altered, other purpose); the caller wipes it.</summary>
    public byte[]? TryUnwrap(string purpose, ReadOnlySpan<byte> wrapped)
    {
        if (_wrapKey is null || wrapped.Length < 1 + NonceSize + TagSize || wrapped[0] != Version)
        {
            return null;
        }

        var secret = new byte[wrapped.Length - 1 - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_wrapKey, TagSize);
            aes.Decrypt(wrapped.Slice(1, NonceSize), wrapped.Slice(1 + NonceSize, secret.Length), wrapped[^TagSize..], secret, Encoding.UTF8.GetBytes(purpose));
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(secret);
            return null;
        }
    }

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under the item-file key (docs/spec.md §3.1).</summary>
    public byte[] ItemMac(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_itemMacKey, data);

    /// <summary>
    /// vault.json's itemMacTag (docs/spec.md §3.1): HMAC-SHA256(item_mac_key, "symbolon.dev/v1/item-macs-complete" ‖ uuid(vault_id)),
    /// the record that every item file of this vault carries its MAC, which a writer of the directory cannot forge or move to another vault.
    /// </summary>
    public byte[] ItemMacsTag(Guid vaultId)
    {
        var label = Encoding.UTF8.GetBytes(Labels.ItemMacsComplete);
        var message = new byte[label.Length + 16];
        label.CopyTo(message, 0);
        _ = vaultId.TryWriteBytes(message.AsSpan(label.Length), bigEndian: true, out _);
        return ItemMac(message);
    }

    /// <summary>True when <paramref name="tag"/> is this vault's <see cref="ItemMacsTag"/>, compared in constant time.</summary>
    public bool IsItemMacsTag(Guid vaultId, ReadOnlySpan<byte> tag) =>
        tag.Length == 32 && CryptographicOperations.FixedTimeEquals(tag, ItemMacsTag(vaultId));

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_itemMacKey);
        if (_wrapKey is not null)
        {
            CryptographicOperations.ZeroMemory(_wrapKey);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"LocalSecrets(Protected = {Protected})";
}
