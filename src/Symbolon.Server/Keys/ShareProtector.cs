using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Symbolon.Crypto;

namespace Symbolon.Server.Keys;

/// <summary>
/// Seals server shares under the KEK with associated data
/// <c>"symbolon.dev/v1/server-share-at-rest" ‖ uuid(user) ‖ uuid(unit) ‖ u32be(version)</c>, so a row copied to
/// another user, unit or version fails to open; and users' POPRF keys (blinded mode) with
/// <c>"symbolon.dev/v1/oprf-key-at-rest" ‖ uuid(user) ‖ uuid(nil) ‖ u32be(epoch)</c>.
/// </summary>
public sealed class ShareProtector(IKeyEncryptionKeyProvider keys)
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.ServerShareAtRest);
    private static readonly byte[] OprfLabel = Encoding.ASCII.GetBytes(Labels.OprfKeyAtRest);

    public string CurrentKeyId => keys.CurrentKeyId;

    public byte[] Protect(ReadOnlySpan<byte> share, Guid userId, Guid unitId, int version)
    {
        Span<byte> associatedData = stackalloc byte[Label.Length + 36];
        WriteAssociatedData(associatedData, userId, unitId, version, Label);
        return keys.Wrap(share, associatedData);
    }

    public byte[] ProtectWithNext(ReadOnlySpan<byte> share, Guid userId, Guid unitId, int version)
    {
        Span<byte> associatedData = stackalloc byte[Label.Length + 36];
        WriteAssociatedData(associatedData, userId, unitId, version, Label);
        return keys.WrapWithNext(share, associatedData);
    }

    /// <summary>Opens a stored share into <paramref name="share"/>; false if the row was altered or moved.</summary>
    public bool TryUnprotect(string keyId, ReadOnlySpan<byte> sealedShare, Guid userId, Guid unitId, int version, Span<byte> share)
    {
        Span<byte> associatedData = stackalloc byte[Label.Length + 36];
        WriteAssociatedData(associatedData, userId, unitId, version, Label);
        return TryUnwrap(keyId, sealedShare, associatedData, share);
    }

    public byte[] ProtectOprfKey(ReadOnlySpan<byte> key, Guid userId, int epoch, bool withNext = false)
    {
        Span<byte> associatedData = stackalloc byte[OprfLabel.Length + 36];
        WriteAssociatedData(associatedData, userId, Guid.Empty, epoch, OprfLabel);
        return withNext ? keys.WrapWithNext(key, associatedData) : keys.Wrap(key, associatedData);
    }

    /// <summary>Opens a stored POPRF key into <paramref name="key"/>; false if the row was altered or moved.</summary>
    public bool TryUnprotectOprfKey(string keyId, ReadOnlySpan<byte> sealedKey, Guid userId, int epoch, Span<byte> key)
    {
        Span<byte> associatedData = stackalloc byte[OprfLabel.Length + 36];
        WriteAssociatedData(associatedData, userId, Guid.Empty, epoch, OprfLabel);
        return TryUnwrap(keyId, sealedKey, associatedData, key);
    }

    private bool TryUnwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        try
        {
            keys.Unwrap(keyId, wrapped, associatedData, plaintext);
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    private static void WriteAssociatedData(Span<byte> destination, Guid userId, Guid unitId, int version, byte[] label)
    {
        label.CopyTo(destination);
        userId.TryWriteBytes(destination[label.Length..], bigEndian: true, out _);
        unitId.TryWriteBytes(destination[(label.Length + 16)..], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(label.Length + 32)..], checked((uint)version));
    }
}
