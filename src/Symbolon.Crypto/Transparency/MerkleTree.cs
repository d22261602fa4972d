// RFC 9162 §2.1 Merkle hash trees over SHA-256: leaf = SHA-256(0x00 ‖ input), node = SHA-256(0x01 ‖ left ‖ right),
// MTH({}) = SHA-256(""); inclusion proofs (§2.1.3) and consistency proofs (§2.1.4), generated and verified.
// Hashes are 32 bytes. docs/spec.md §7.1.
using System.Numerics;
using System.Security.Cryptography;

namespace Symbolon.Crypto.Transparency;

/// <summary>
/// The leaves <c>[Start, End)</c> of a tree: every hash in a proof is the MTH of one such range. Ranges that proofs
/// name split into perfect subtrees (<see cref="MerkleTree.PerfectSubtrees"/>), so a log that stores the hash of each
/// complete subtree answers any proof with O(log n) reads.
/// </summary>
/// <param name="Start">The first leaf index.</param>
/// <param name="End">One past the last leaf index.</param>
public readonly record struct MerkleRange(long Start, long End)
{
    /// <summary>How many leaves.</summary>
    public long Size => End - Start;
}

/// <summary>
/// A complete subtree of <c>2^Level</c> leaves starting at leaf <c>Index · 2^Level</c>. Level 0 is a leaf.
/// </summary>
/// <param name="Level">The height: the subtree holds 2^Level leaves.</param>
/// <param name="Index">Its position among the subtrees of that height, from the left.</param>
public readonly record struct PerfectSubtree(int Level, long Index)
{
    /// <summary>Its position in a flat (in-order) numbering of all nodes: leaves are even, level l sits at 2^(l+1)·Index + 2^l − 1.</summary>
    public long FlatIndex => ((2L * Index + 1) << Level) - 1;
}

/// <summary>RFC 9162 §2.1: the tree head, audit paths and consistency proofs, computed from leaf or subtree hashes.</summary>
public static class MerkleTree
{
    /// <summary>Size of every hash in bytes.</summary>
    public const int HashSize = 32;

    /// <summary>MTH of the empty tree: SHA-256 of the empty string.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData([]);

    /// <summary>SHA-256(0x00 ‖ <paramref name="leafInput"/>).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> leafInput)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x00]);
        hash.AppendData(leafInput);
        return hash.GetHashAndReset();
    }

    /// <summary>SHA-256(0x01 ‖ <paramref name="left"/> ‖ <paramref name="right"/>), both 32 bytes.</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Guard.Length(left, HashSize, nameof(left));
        Guard.Length(right, HashSize, nameof(right));
        return NodeHashCore(left, right);
    }

    /// <summary>The complete subtrees that make up <paramref name="range"/>, largest (leftmost) first.</summary>
    /// <exception cref="ArgumentException">The range is empty or does not start on a boundary of its largest subtree (no proof names such a range).</exception>
    public static IReadOnlyList<PerfectSubtree> PerfectSubtrees(MerkleRange range)
    {
        if (range.Start < 0 || range.Size < 1)
        {
            throw new ArgumentException("`range` must hold at least one leaf from index 0 on.", nameof(range));
        }

        var subtrees = new List<PerfectSubtree>();
        var start = range.Start;
        var remaining = range.Size;
        while (remaining > 0)
        {
            var level = 63 - BitOperations.LeadingZeroCount((ulong)remaining);
            var size = 1L << level;
            if (start % size != 0)
            {
                throw new ArgumentException("`range` must start on a boundary of its largest complete subtree.", nameof(range));
            }

            subtrees.Add(new PerfectSubtree(level, start >> level));
            start += size;
            remaining -= size;
        }

        return subtrees;
    }

    /// <summary>MTH of <paramref name="range"/> from the hashes of its complete subtrees (folded from the right).</summary>
    public static byte[] RangeRoot(MerkleRange range, Func<PerfectSubtree, byte[]> subtreeHash)
    {
        ArgumentNullException.ThrowIfNull(subtreeHash);
        var subtrees = PerfectSubtrees(range);
        var root = subtreeHash(subtrees[^1]);
        for (var index = subtrees.Count - 2; index >= 0; index--)
        {
            root = NodeHash(subtreeHash(subtrees[index]), root);
        }

        return root;
    }

    /// <summary>
    /// RFC 9162 §2.1.3.1 PATH(m, D[n]): the ranges whose MTHs form the inclusion proof of leaf <paramref name="index"/>
    /// in a tree of <paramref name="treeSize"/> leaves, in proof order (from the leaf up).
    /// </summary>
    public static IReadOnlyList<MerkleRange> InclusionRanges(long index, long treeSize)
    {
        if (treeSize < 1 || index < 0 || index >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "`index` must be from 0 to `treeSize` − 1.");
        }

        var ranges = new List<MerkleRange>();
        Path(index, 0, treeSize, ranges);
        return ranges;
    }

    /// <summary>
    /// RFC 9162 §2.1.4.1 PROOF(m, D[n]): the ranges whose MTHs form the consistency proof from the first
    /// <paramref name="oldSize"/> leaves to <paramref name="newSize"/> leaves, in proof order. Empty when the sizes are equal.
    /// </summary>
    public static IReadOnlyList<MerkleRange> ConsistencyRanges(long oldSize, long newSize)
    {
        if (oldSize < 1 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), "`oldSize` must be from 1 to `newSize`.");
        }

        var ranges = new List<MerkleRange>();
        SubProof(oldSize, 0, newSize, true, ranges);
        return ranges;
    }

    /// <summary>MTH(D[n]) of these leaf hashes.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        return leafHashes.Count == 0 ? EmptyRoot() : RangeRoot(new MerkleRange(0, leafHashes.Count), InMemory(leafHashes));
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of these leaf hashes.</summary>
    public static byte[][] InclusionProof(IReadOnlyList<byte[]> leafHashes, long index)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var subtree = InMemory(leafHashes);
        return [.. InclusionRanges(index, leafHashes.Count).Select(range => RangeRoot(range, subtree))];
    }

    /// <summary>The consistency proof from the tree of the first <paramref name="oldSize"/> of these leaf hashes to all of them.</summary>
    public static byte[][] ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long oldSize)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var subtree = InMemory(leafHashes);
        return [.. ConsistencyRanges(oldSize, leafHashes.Count).Select(range => RangeRoot(range, subtree))];
    }

    /// <summary>
    /// RFC 9162 §2.1.3.2: true when <paramref name="proof"/> shows the leaf with <paramref name="leafHash"/> at
    /// <paramref name="index"/> in the tree of <paramref name="treeSize"/> leaves whose head is <paramref name="root"/>.
    /// Never throws on a malformed proof.
    /// </summary>
    public static bool VerifyInclusion(long index, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0 || index >= treeSize || leafHash.Length != HashSize || root.Length != HashSize || proof.Any(p => p is not { Length: HashSize }))
        {
            return false;
        }

        var fn = index;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHashCore(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHashCore(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// RFC 9162 §2.1.4.2: true when <paramref name="proof"/> shows that the tree of <paramref name="oldSize"/> leaves
    /// with head <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/> leaves with head
    /// <paramref name="newRoot"/>. Equal sizes need an empty proof and equal heads. Never throws on a malformed proof.
    /// </summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (oldSize < 1 || oldSize > newSize || oldRoot.Length != HashSize || newRoot.Length != HashSize || proof.Any(p => p is not { Length: HashSize }))
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        }

        if (proof.Count == 0)
        {
            return false;
        }

        var path = (oldSize & (oldSize - 1)) == 0 ? [oldRoot.ToArray(), .. proof] : proof.ToList();
        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHashCore(c, fr);
                sr = NodeHashCore(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHashCore(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 & CryptographicOperations.FixedTimeEquals(fr, oldRoot) & CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }

    // §2.1.3.1, with the leaves D[start, start + size) and m counted from start.
    private static void Path(long m, long start, long size, List<MerkleRange> ranges)
    {
        if (size == 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(size);
        if (m < k)
        {
            Path(m, start, k, ranges);
            ranges.Add(new MerkleRange(start + k, start + size));
        }
        else
        {
            Path(m - k, start + k, size - k, ranges);
            ranges.Add(new MerkleRange(start, start + k));
        }
    }

    // §2.1.4.1 SUBPROOF(m, D[start, start + size), b).
    private static void SubProof(long m, long start, long size, bool complete, List<MerkleRange> ranges)
    {
        if (m == size)
        {
            if (!complete)
            {
                ranges.Add(new MerkleRange(start, start + size));
            }

            return;
        }

        var k = LargestPowerOfTwoBelow(size);
        if (m <= k)
        {
            SubProof(m, start, k, complete, ranges);
            ranges.Add(new MerkleRange(start + k, start + size));
        }
        else
        {
            SubProof(m - k, start + k, size - k, false, ranges);
            ranges.Add(new MerkleRange(start, start + k));
        }
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n ≥ 2).</summary>
    private static long LargestPowerOfTwoBelow(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    private static Func<PerfectSubtree, byte[]> InMemory(IReadOnlyList<byte[]> leafHashes) => subtree =>
    {
        var start = subtree.Index << subtree.Level;
        return subtree.Level == 0
            ? leafHashes[(int)start]
            : NodeHashCore(
                InMemory(leafHashes)(new PerfectSubtree(subtree.Level - 1, 2 * subtree.Index)),
                InMemory(leafHashes)(new PerfectSubtree(subtree.Level - 1, (2 * subtree.Index) + 1)));
    };

    private static byte[] NodeHashCore(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashSize)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        return SHA256.HashData(buffer);
    }
}
