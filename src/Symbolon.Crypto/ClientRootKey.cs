// The device's client root key: 32 uniformly random bytes that never leave the device (docs/spec.md §1).
using System.Security.Cryptography;

namespace Symbolon.Crypto;

/// <summary>
/// The per-device client root key. Every unit's client share is derived from it; it never leaves the device.
/// The bytes sit in pinned memory that is zeroed on <see cref="Dispose"/>; reading them needs
/// <see cref="ExportUnsafe"/>, a name meant to be searched for in review.
/// </summary>
public sealed class ClientRootKey : IDisposable
{
    /// <summary>Size of the root key in bytes.</summary>
    public const int KeySize = 32;

    private readonly SecretBuffer _key;

    private ClientRootKey(SecretBuffer key) => _key = key;

    /// <summary>Draws a new root key from the operating system's CSPRNG.</summary>
    public static ClientRootKey Generate()
    {
        var key = new SecretBuffer(KeySize);
        RandomNumberGenerator.Fill(key.Span);
        return new ClientRootKey(key);
    }

    /// <summary>Loads a root key previously written with <see cref="ExportUnsafe"/>.</summary>
    /// <param name="key">Exactly <see cref="KeySize"/> bytes. The caller should wipe its copy afterwards.</param>
    public static ClientRootKey Import(ReadOnlySpan<byte> key)
    {
        Guard.Length(key, KeySize, nameof(key));
        return new ClientRootKey(new SecretBuffer(key));
    }

    /// <summary>
    /// Copies the raw key out, for storing it on the device. Unsafe by name: the caller owns the copy and must wipe it.
    /// </summary>
    /// <param name="destination">Exactly <see cref="KeySize"/> bytes.</param>
    public void ExportUnsafe(Span<byte> destination)
    {
        Guard.Length(destination, KeySize, nameof(destination));
        _key.Span.CopyTo(destination);
    }

    /// <summary>
    /// Derives the client share of one unit:
    /// <c>HKDF-SHA256(ikm = root key, salt = "", info = "symbolon.dev/v1/client-share" ‖ vault id ‖ unit id, L = 32)</c>.
    /// </summary>
    public ClientShare DeriveClientShare(Guid vaultId, Guid unitId)
    {
        Guard.NotEmpty(vaultId, nameof(vaultId));
        Guard.NotEmpty(unitId, nameof(unitId));
        return KeyDerivation.DeriveClientShare(_key.Span, vaultId, unitId);
    }

    /// <summary>
    /// A blinded item's private POPRF input (docs/spec.md §10): secret, known only to this device. Wipe
    /// <paramref name="input"/> (<see cref="BlindedShare.InputSize"/> bytes) after use.
    /// </summary>
    public void DeriveBlindedInput(Guid vaultId, Guid unitId, Span<byte> input) => BlindedShare.DeriveInput(_key.Span, vaultId, unitId, input);

    /// <summary>
    /// A 32-byte key for this device's own files: <c>HKDF-SHA256(ikm = root key, salt = "", info = label, L = 32)</c>,
    /// with <paramref name="label"/> one of <see cref="Labels.LocalSecretWrap"/> and <see cref="Labels.ItemFileMac"/>.
    /// Wipe <paramref name="destination"/> after use.
    /// </summary>
    public void DeriveLocalKey(string label, Span<byte> destination)
    {
        if (label is not (Labels.LocalSecretWrap or Labels.ItemFileMac))
        {
            throw new ArgumentException("`label` must be Labels.LocalSecretWrap or Labels.ItemFileMac", nameof(label));
        }

        Guard.Length(destination, KeySize, nameof(destination));
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key.Span, destination, [], System.Text.Encoding.ASCII.GetBytes(label));
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc />
    public override string ToString() => "ClientRootKey(redacted)";
}
