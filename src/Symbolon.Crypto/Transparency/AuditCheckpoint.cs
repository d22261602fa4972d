// A signed checkpoint of the audit log: ECDSA P-256 / SHA-256 (IEEE P1363 signature) over
// "symbolon.dev/v1/audit-checkpoint" ‖ u64be(tree size) ‖ root hash (32) ‖ i64be(time, UTC ticks). docs/spec.md §7.1.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto.Transparency;

/// <summary>
/// The key server's statement that its audit log's first <see cref="TreeSize"/> leaves have the Merkle tree head
/// <see cref="RootHash"/>. Signed with the same audit key as release receipts.
/// </summary>
/// <param name="TreeSize">How many leaves the tree holds.</param>
/// <param name="RootHash">MTH of those leaves (32 bytes).</param>
/// <param name="Time">When the server signed it.</param>
public sealed record AuditCheckpoint(long TreeSize, byte[] RootHash, DateTimeOffset Time)
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.AuditCheckpoint);

    /// <summary>The exact bytes the server signs.</summary>
    internal byte[] SignedBytes()
    {
        if (RootHash is not { Length: MerkleTree.HashSize } || TreeSize < 0)
        {
            throw new InvalidOperationException("`RootHash.Length` must be 32 and `TreeSize` not negative.");
        }

        var bytes = new byte[Label.Length + 8 + MerkleTree.HashSize + 8];
        var body = bytes.AsSpan(Label.Length);
        Label.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(body, TreeSize);
        RootHash.CopyTo(body[8..]);
        BinaryPrimitives.WriteInt64BigEndian(body[40..], Time.UtcTicks);
        return bytes;
    }

    /// <summary>Signs with the server's audit key.</summary>
    public byte[] Sign(ECDsa auditKey)
    {
        ArgumentNullException.ThrowIfNull(auditKey);
        return auditKey.SignData(SignedBytes(), HashAlgorithmName.SHA256);
    }

    /// <summary>Checks a signature against the server's public audit key; false for a malformed checkpoint.</summary>
    public bool Verify(ECDsa auditPublicKey, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(auditPublicKey);
        return RootHash is { Length: MerkleTree.HashSize } && TreeSize >= 0 && signature.Length == 64
            && auditPublicKey.VerifyData(SignedBytes(), signature, HashAlgorithmName.SHA256);
    }
}
