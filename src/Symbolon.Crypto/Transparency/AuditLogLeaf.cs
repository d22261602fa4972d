// An audit record's leaf in the audit log's Merkle tree (RFC 9162 §2.1 over SHA-256):
// leaf_input = "symbolon.dev/v1/audit-log-leaf" ‖ u64be(sequence) ‖ chain hash (32). docs/spec.md §7.1.
using System.Buffers.Binary;
using System.Text;

namespace Symbolon.Crypto.Transparency;

/// <summary>
/// The leaf that names one audit record by its sequence and chain hash, so an inclusion proof of the leaf is a proof
/// of exactly the record a receipt names.
/// </summary>
public static class AuditLogLeaf
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.AuditLogLeaf);

    /// <summary>The leaf input (the label, the record's sequence, its chain hash).</summary>
    public static byte[] Input(long sequence, ReadOnlySpan<byte> chainHash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        Guard.Length(chainHash, MerkleTree.HashSize, nameof(chainHash));
        var input = new byte[Label.Length + 8 + MerkleTree.HashSize];
        Label.CopyTo(input, 0);
        BinaryPrimitives.WriteInt64BigEndian(input.AsSpan(Label.Length), sequence);
        chainHash.CopyTo(input.AsSpan(Label.Length + 8));
        return input;
    }

    /// <summary>The leaf hash, SHA-256(0x00 ‖ <see cref="Input"/>).</summary>
    public static byte[] Hash(long sequence, ReadOnlySpan<byte> chainHash) => MerkleTree.LeafHash(Input(sequence, chainHash));
}
