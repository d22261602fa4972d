// The audit log's Merkle tree as stored (docs/spec.md §7.1, RFC 9162 §2.1): AuditLeaves holds each leaf, AuditNodes the
// hash of every complete subtree of two or more leaves. Roots and proofs read O(log n) rows.
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

public static class AuditTree
{
    /// <summary>How many leaves the log holds (they are contiguous from 0).</summary>
    public static async Task<long> SizeAsync(SymbolonDbContext db, CancellationToken cancellationToken) =>
        (await db.AuditLeaves.MaxAsync(leaf => (long?)leaf.LeafIndex, cancellationToken) ?? -1) + 1;

    /// <summary>The hashes of these complete subtrees, read in two queries; a missing one means the stored tree is damaged.</summary>
    public static async Task<Func<PerfectSubtree, byte[]>> SubtreesAsync(
        SymbolonDbContext db, IEnumerable<PerfectSubtree> subtrees, CancellationToken cancellationToken)
    {
        var wanted = subtrees.Distinct().ToList();
        var leafIndexes = wanted.Where(s => s.Level == 0).Select(s => s.Index).ToList();
        var flatIndexes = wanted.Where(s => s.Level > 0).Select(s => s.FlatIndex).ToList();
        var leaves = leafIndexes.Count == 0 ? [] : await db.AuditLeaves.AsNoTracking()
            .Where(leaf => leafIndexes.Contains(leaf.LeafIndex)).ToDictionaryAsync(leaf => leaf.LeafIndex, leaf => leaf.Hash, cancellationToken);
        var nodes = flatIndexes.Count == 0 ? [] : await db.AuditNodes.AsNoTracking()
            .Where(node => flatIndexes.Contains(node.FlatIndex)).ToDictionaryAsync(node => node.FlatIndex, node => node.Hash, cancellationToken);
        return subtree => (subtree.Level == 0 ? leaves.GetValueOrDefault(subtree.Index) : nodes.GetValueOrDefault(subtree.FlatIndex))
            ?? throw new InvalidOperationException($"The audit log's stored tree lacks the subtree at level {subtree.Level}, index {subtree.Index}.");
    }

    /// <summary>The MTHs of these ranges (a proof), in order.</summary>
    public static async Task<byte[][]> ProofAsync(SymbolonDbContext db, IReadOnlyList<MerkleRange> ranges, CancellationToken cancellationToken)
    {
        var subtree = await SubtreesAsync(db, ranges.SelectMany(MerkleTree.PerfectSubtrees), cancellationToken);
        return [.. ranges.Select(range => MerkleTree.RangeRoot(range, subtree))];
    }

    /// <summary>
    /// Checks the stored tree against the records and every checkpoint: each leaf names an existing record with the right
    /// hash and no record twice, every record is either in a leaf or pending (never both, never neither), every stored
    /// subtree hash is right, and each checkpoint's root (at its size) and signature hold. Returns the problem, or null.
    /// </summary>
    public static async Task<(string? Problem, long Leaves, long Checkpoints)> VerifyAsync(
        SymbolonDbContext db, IReadOnlyDictionary<long, byte[]> recordHashes, Func<AuditCheckpoint, byte[], bool> verifySignature, CancellationToken cancellationToken)
    {
        var pending = await db.AuditPending.AsNoTracking().Select(p => p.Sequence).ToListAsync(cancellationToken);
        var logged = new HashSet<long>(pending);
        var leaves = await db.AuditLeaves.AsNoTracking().OrderBy(leaf => leaf.LeafIndex).ToListAsync(cancellationToken);
        var stored = await db.AuditNodes.AsNoTracking().ToDictionaryAsync(node => node.FlatIndex, node => node.Hash, cancellationToken);
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.TreeSize).ToListAsync(cancellationToken);
        var frontier = new List<(PerfectSubtree Subtree, byte[] Hash)>();
        var checkpointIndex = 0;
        var computedNodes = 0;
        for (var size = 0L; size <= leaves.Count; size++)
        {
            while (checkpointIndex < checkpoints.Count && checkpoints[checkpointIndex].TreeSize == size)
            {
                var row = checkpoints[checkpointIndex++];
                var root = Root(frontier);
                var checkpoint = new AuditCheckpoint(row.TreeSize, row.RootHash, row.Time);
                if (!CryptographicOperations.FixedTimeEquals(root, row.RootHash))
                {
                    return ($"the checkpoint of tree size {size} does not match the leaves", leaves.Count, checkpoints.Count);
                }

                if (!verifySignature(checkpoint, row.Signature))
                {
                    return ($"the checkpoint of tree size {size} does not carry the audit key's signature", leaves.Count, checkpoints.Count);
                }
            }

            if (size == leaves.Count)
            {
                break;
            }

            var leaf = leaves[(int)size];
            if (leaf.LeafIndex != size)
            {
                return ($"leaf {size} is missing", leaves.Count, checkpoints.Count);
            }

            if (!recordHashes.TryGetValue(leaf.Sequence, out var recordHash)
                || !CryptographicOperations.FixedTimeEquals(AuditLogLeaf.Hash(leaf.Sequence, recordHash), leaf.Hash))
            {
                return ($"leaf {size} does not match record {leaf.Sequence}", leaves.Count, checkpoints.Count);
            }

            if (!logged.Add(leaf.Sequence))
            {
                return ($"record {leaf.Sequence} is in leaf {size} and also in an earlier leaf or pending", leaves.Count, checkpoints.Count);
            }

            foreach (var (subtree, hash) in Append(frontier, size, leaf.Hash))
            {
                computedNodes++;
                if (!stored.TryGetValue(subtree.FlatIndex, out var storedHash) || !CryptographicOperations.FixedTimeEquals(storedHash, hash))
                {
                    return ($"the stored subtree at level {subtree.Level}, index {subtree.Index} does not match the leaves", leaves.Count, checkpoints.Count);
                }
            }
        }

        if (checkpointIndex < checkpoints.Count)
        {
            return ($"a checkpoint names tree size {checkpoints[checkpointIndex].TreeSize} but the log holds {leaves.Count} leaves", leaves.Count, checkpoints.Count);
        }

        if (pending.FirstOrDefault(sequence => !recordHashes.ContainsKey(sequence)) is var ghost and > 0)
        {
            return ($"pending record {ghost} does not exist", leaves.Count, checkpoints.Count);
        }

        if (recordHashes.Keys.FirstOrDefault(sequence => !logged.Contains(sequence)) is var unlogged and > 0)
        {
            return ($"record {unlogged} is neither in the log's tree nor pending", leaves.Count, checkpoints.Count);
        }

        return computedNodes != stored.Count
            ? ("the log stores subtrees that no leaves make", leaves.Count, checkpoints.Count)
            : (null, leaves.Count, checkpoints.Count);
    }

    /// <summary>
    /// Appends leaf <paramref name="index"/> to the frontier (the complete subtrees of the tree so far, largest first) and
    /// returns the subtrees it completes, each to be stored.
    /// </summary>
    public static List<(PerfectSubtree Subtree, byte[] Hash)> Append(List<(PerfectSubtree Subtree, byte[] Hash)> frontier, long index, byte[] leafHash)
    {
        var completed = new List<(PerfectSubtree, byte[])>();
        frontier.Add((new PerfectSubtree(0, index), leafHash));
        while (frontier.Count >= 2 && frontier[^1].Subtree.Level == frontier[^2].Subtree.Level)
        {
            var (left, right) = (frontier[^2], frontier[^1]);
            var merged = (new PerfectSubtree(left.Subtree.Level + 1, left.Subtree.Index / 2), MerkleTree.NodeHash(left.Hash, right.Hash));
            frontier.RemoveRange(frontier.Count - 2, 2);
            frontier.Add(merged);
            completed.Add(merged);
        }

        return completed;
    }

    /// <summary>MTH of the tree whose frontier this is.</summary>
    public static byte[] Root(List<(PerfectSubtree Subtree, byte[] Hash)> frontier)
    {
        if (frontier.Count == 0)
        {
            return MerkleTree.EmptyRoot();
        }

        var root = frontier[^1].Hash;
        for (var index = frontier.Count - 2; index >= 0; index--)
        {
            root = MerkleTree.NodeHash(frontier[index].Hash, root);
        }

        return root;
    }

    public static CheckpointView View(AuditCheckpointRow row) => new(row.TreeSize, row.RootHash, row.Time, row.Signature);
}
