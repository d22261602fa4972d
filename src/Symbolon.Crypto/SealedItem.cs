// Sealed item v1: header ‖ AES-256-GCM(data key, nonce, padded payload, associated data = header) ‖ tag.
// Header (54 bytes): magic "SYMI" (4) ‖ version 0x01 (1) ‖ mode (1) ‖ vault id (16) ‖ unit id (16) ‖
// key version, big-endian (4) ‖ nonce (12). AES-GCM from System.Security.Cryptography. docs/spec.md §3.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>
/// Seals a <see cref="Credential"/> under a <see cref="DataKey"/> and opens it again. Nonces are drawn inside;
/// callers never supply one. Every failure to open is an <see cref="ItemOpenException"/> with one fixed message.
/// </summary>
public static class SealedItem
{
    /// <summary>The format version this code writes and the only one it reads.</summary>
    internal const byte FormatVersion = 1;

    /// <summary>Size of the header, which is also the AEAD's associated data.</summary>
    public const int HeaderSize = 54;

    /// <summary>Size of the AES-GCM nonce.</summary>
    internal const int NonceSize = 12;

    /// <summary>Size of the AES-GCM tag.</summary>
    internal const int TagSize = 16;

    /// <summary>Smallest sealed item: header, the smallest payload bucket, tag.</summary>
    internal const int MinSize = HeaderSize + CredentialEncoding.MinPaddedSize + TagSize;

    /// <summary>Largest sealed item: header, the largest payload bucket, tag.</summary>
    internal const int MaxSize = HeaderSize + CredentialEncoding.MaxPaddedSize + TagSize;

    private const int NonceOffset = HeaderSize - NonceSize;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes(Labels.SealedItemMagic);

    /// <summary>Encrypts a credential for the unit the key was derived for.</summary>
    public static byte[] Seal(DataKey key, Credential credential)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(credential);
        using var payload = CredentialEncoding.Encode(credential);
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return SealCore(key, nonce, payload.Span);
    }

    /// <summary>Decrypts an item. The caller disposes the credential as soon as it is done with it.</summary>
    /// <exception cref="ItemOpenException">The item is malformed, altered, or not sealed under this key.</exception>
    public static Credential Open(DataKey key, ReadOnlySpan<byte> sealedItem)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!TryParseHeader(sealedItem, out _))
        {
            throw new ItemOpenException();
        }

        using var payload = new SecretBuffer(sealedItem.Length - HeaderSize - TagSize);
        OpenCore(key, sealedItem, payload.Span);
        return CredentialEncoding.TryDecode(payload.Span) ?? throw new ItemOpenException();
    }

    /// <summary>
    /// Reads which vault, unit, key version and mode an item belongs to, so the caller knows which server share to
    /// ask for. Strict: anything but a well-formed v1 header is rejected. Nothing here is authenticated until
    /// <see cref="Open"/> succeeds.
    /// </summary>
    /// <exception cref="ItemOpenException">The item is not a well-formed v1 sealed item.</exception>
    public static ItemContext ReadContext(ReadOnlySpan<byte> sealedItem) =>
        TryParseHeader(sealedItem, out var context) ? context : throw new ItemOpenException();

    /// <summary>Seals an already padded payload with a given nonce. Internal: only vectors fix the nonce.</summary>
    internal static byte[] SealCore(DataKey key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> paddedPayload)
    {
        if (nonce.Length != NonceSize || !CredentialEncoding.IsPaddedSize(paddedPayload.Length))
        {
            throw new ArgumentException("`nonce.Length` must be 12 and the payload must be a padded bucket.", nameof(paddedPayload));
        }

        var sealedItem = new byte[HeaderSize + paddedPayload.Length + TagSize];
        WriteHeader(key.Context, nonce, sealedItem);
        using var aes = new AesGcm(key.Secret.Span, TagSize);
        aes.Encrypt(
            nonce,
            paddedPayload,
            sealedItem.AsSpan(HeaderSize, paddedPayload.Length),
            sealedItem.AsSpan(HeaderSize + paddedPayload.Length),
            sealedItem.AsSpan(0, HeaderSize));
        return sealedItem;
    }

    /// <summary>
    /// Opens into <paramref name="paddedPayload"/>, which must be exactly the ciphertext's length. On any failure the
    /// destination is left all zero and <see cref="ItemOpenException"/> is thrown.
    /// </summary>
    internal static void OpenCore(DataKey key, ReadOnlySpan<byte> sealedItem, Span<byte> paddedPayload)
    {
        paddedPayload.Clear();
        if (!TryParseHeader(sealedItem, out var context)
            || paddedPayload.Length != sealedItem.Length - HeaderSize - TagSize
            || context != key.Context)
        {
            throw new ItemOpenException();
        }

        try
        {
            using var aes = new AesGcm(key.Secret.Span, TagSize);
            aes.Decrypt(
                sealedItem.Slice(NonceOffset, NonceSize),
                sealedItem.Slice(HeaderSize, paddedPayload.Length),
                sealedItem[^TagSize..],
                paddedPayload,
                sealedItem[..HeaderSize]);
        }
        catch (AuthenticationTagMismatchException exception)
        {
            CryptographicOperations.ZeroMemory(paddedPayload);
            throw new ItemOpenException(ItemOpenException.FixedMessage, exception);
        }
    }

    private static void WriteHeader(ItemContext context, ReadOnlySpan<byte> nonce, Span<byte> destination)
    {
        Magic.CopyTo(destination);
        destination[4] = FormatVersion;
        destination[5] = (byte)context.Mode;
        ItemContext.WriteId(context.VaultId, destination[6..]);
        ItemContext.WriteId(context.UnitId, destination[22..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[38..], context.KeyVersion);
        nonce.CopyTo(destination[NonceOffset..]);
    }

    /// <summary>Every check that can be made before decrypting: lengths, magic, version, mode, ids, key version.</summary>
    private static bool TryParseHeader(ReadOnlySpan<byte> sealedItem, out ItemContext context)
    {
        context = default;
        if (sealedItem.Length < MinSize || sealedItem.Length > MaxSize
            || !CredentialEncoding.IsPaddedSize(sealedItem.Length - HeaderSize - TagSize)
            || !sealedItem[..4].SequenceEqual(Magic)
            || sealedItem[4] != FormatVersion)
        {
            return false;
        }

        var mode = (ItemMode)sealedItem[5];
        var vaultId = ItemContext.ReadId(sealedItem[6..]);
        var unitId = ItemContext.ReadId(sealedItem[22..]);
        var keyVersion = BinaryPrimitives.ReadUInt32BigEndian(sealedItem[38..]);
        if (mode is not (ItemMode.Split or ItemMode.Threshold or ItemMode.Blinded)
            || vaultId == Guid.Empty || unitId == Guid.Empty || keyVersion == 0)
        {
            return false;
        }

        context = new ItemContext(vaultId, unitId, keyVersion, mode);
        return true;
    }
}
