// A key server's signed receipt for one share release: ECDSA P-256 / SHA-256 (IEEE P1363 signature) over
// "symbolon.dev/v1/audit-receipt" ‖ u64be(sequence) ‖ chain hash (32) ‖ uuid(unit) ‖ uuid(device) ‖ i64be(time, UTC ticks).
// docs/spec.md §7.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>
/// Proof that the key server recorded a release in its audit chain at <see cref="Sequence"/> with
/// <see cref="ChainHash"/>. A client keeps receipts and later checks that the server's log still holds each of them.
/// </summary>
/// <param name="Sequence">The audit record's position in the chain, from 1.</param>
/// <param name="ChainHash">The chain hash after that record (32 bytes).</param>
/// <param name="UnitId">The unit released.</param>
/// <param name="DeviceId">The device it was released to.</param>
/// <param name="Time">When, as recorded by the server.</param>
public sealed record ReleaseReceipt(long Sequence, byte[] ChainHash, Guid UnitId, Guid DeviceId, DateTimeOffset Time)
{
    /// <summary>Size of the signed bytes after the label.</summary>
    private const int BodySize = 8 + 32 + 16 + 16 + 8;

    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.AuditReceipt);

    /// <summary>The exact bytes the server signs.</summary>
    internal byte[] SignedBytes()
    {
        if (ChainHash is not { Length: 32 })
        {
            throw new InvalidOperationException("`ChainHash.Length` must be 32.");
        }

        var bytes = new byte[Label.Length + BodySize];
        var body = bytes.AsSpan(Label.Length);
        Label.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(body, Sequence);
        ChainHash.CopyTo(body[8..]);
        ItemContext.WriteId(UnitId, body[40..]);
        ItemContext.WriteId(DeviceId, body[56..]);
        BinaryPrimitives.WriteInt64BigEndian(body[72..], Time.UtcTicks);
        return bytes;
    }

    /// <summary>Signs with the server's audit key.</summary>
    public byte[] Sign(ECDsa auditKey)
    {
        ArgumentNullException.ThrowIfNull(auditKey);
        return auditKey.SignData(SignedBytes(), HashAlgorithmName.SHA256);
    }

    /// <summary>Checks a signature against the server's public audit key; false for a malformed receipt.</summary>
    public bool Verify(ECDsa auditPublicKey, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(auditPublicKey);
        return ChainHash is { Length: 32 } && signature.Length == 64
            && auditPublicKey.VerifyData(SignedBytes(), signature, HashAlgorithmName.SHA256);
    }
}
