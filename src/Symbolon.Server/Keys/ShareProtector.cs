using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Symbolon.Crypto;

namespace Symbolon.Server.Keys;

/// <summary>
/// Seals server shares under the KEK with associated data
/// <c>"symbolon.dev/v1/server-share-at-rest" ‖ uuid(user) ‖ uuid(unit) ‖ u32be(version)</c>, so a row copied to
/// another user, unit or version fails to open.
/// </summary>
public sealed class ShareProtector(IKeyEncryptionKeyProvider keys)
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.ServerShareAtRest);

    public string CurrentKeyId => keys.CurrentKeyId;

    public byte[] Protect(ReadOnlySpan<byte> share, Guid userId, Guid unitId, int version)
    {
        Span<byte> associatedData = stackalloc byte[Label.Length + 36];
        WriteAssociatedData(associatedData, userId, unitId, version);
        return keys.Wrap(share, associatedData);
    }

    public byte[] ProtectWithNext(ReadOnlySpan<byte> share, Guid userId, Guid unitId, int version)
    {
        Span<byte> associatedData = stackalloc byte[Label.Length + 36];
        WriteAssociatedData(associatedData, userId, unitId, version);
        return keys.WrapWithNext(share, associatedData);
    }

    /// <summary>Opens a stored share into <paramref name="share"/>; false if the row was altered or moved.</summary>
    public bool TryUnprotect(string keyId, ReadOnlySpan<byte> sealedShare, Guid userId, Guid unitId, int version, Span<byte> share)
    {
        Span<byte> associatedData = stackalloc byte[Label.Length + 36];
        WriteAssociatedData(associatedData, userId, unitId, version);
        try
        {
            keys.Unwrap(keyId, sealedShare, associatedData, share);
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(share);
            return false;
        }
    }

    private static void WriteAssociatedData(Span<byte> destination, Guid userId, Guid unitId, int version)
    {
        Label.CopyTo(destination);
        userId.TryWriteBytes(destination[Label.Length..], bigEndian: true, out _);
        unitId.TryWriteBytes(destination[(Label.Length + 16)..], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(Label.Length + 32)..], checked((uint)version));
    }
}
