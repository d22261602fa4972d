using Symbolon.Client.Sessions;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;

namespace Symbolon.Client;

/// <summary>
/// The client's check of a key server's audit log (docs/spec.md §7.1): the audit key pinned on first use, the newest
/// checkpoint's signature, consistency with the checkpoint this device verified last, and an inclusion proof for every
/// kept receipt whose record is checkpointed. A server (or a database writer) that rewound, truncated or rewrote the log
/// since then fails here with <see cref="AuditLogException"/>; one that only dropped a receipt's record reports it as missing.
/// </summary>
internal static class AuditLogCheck
{
    public static async Task<AuditCheckResult> RunAsync(
        VaultContext vault, Uri server, IReadOnlyList<StoredReceipt> receipts, IReadOnlyDictionary<long, byte[]> records, CancellationToken cancellationToken)
    {
        var api = vault.Server(server);
        var key = await api.AuditKeyAsync(cancellationToken);
        var pinned = Pinned(vault.State, server);
        RequireSameKey(pinned, key, server);
        var listed = ReceiptLog.Check(receipts, key, records);

        CheckpointView? latest;
        try
        {
            latest = await api.LatestCheckpointAsync(cancellationToken);
        }
        catch (ItemNotFoundException)
        {
            latest = null;
        }

        if (latest is null)
        {
            if (pinned is { TreeSize: > 0 })
            {
                throw new AuditLogException($"The key server at {server} publishes no audit checkpoint, but this device verified one of {Plural.Count(pinned.TreeSize, "record")}: its log was removed.");
            }

            Pin(vault, server, key, null);
            var (unlogged, overdue) = ByAge(vault, receipts.Where(r => !listed.Missing.Contains(r.Sequence)));
            return new AuditCheckResult(receipts.Count, [.. listed.Missing, .. overdue], 0, unlogged, null);
        }

        using (var auditKey = ReceiptLog.AuditKey(key))
        {
            if (!new AuditCheckpoint(latest.TreeSize, latest.RootHash, latest.Time).Verify(auditKey, latest.Signature))
            {
                throw new AuditLogException($"The key server at {server} published an audit checkpoint of {Plural.Count(latest.TreeSize, "record")} that its audit key did not sign.");
            }
        }

        if (pinned is { TreeSize: > 0 })
        {
            if (latest.TreeSize < pinned.TreeSize)
            {
                throw new AuditLogException(
                    $"The key server at {server} rewound its audit log: this device verified a checkpoint of {Plural.Count(pinned.TreeSize, "record")}, and the newest the server publishes holds {latest.TreeSize}.");
            }

            var proof = latest.TreeSize == pinned.TreeSize ? [] : (await api.ConsistencyProofAsync(pinned.TreeSize, latest.TreeSize, cancellationToken)).Proof;
            if (!MerkleTree.VerifyConsistency(pinned.TreeSize, latest.TreeSize, pinned.RootHash, latest.RootHash, proof))
            {
                throw new AuditLogException(
                    $"The key server at {server} rewrote its audit log: its checkpoint of {Plural.Count(latest.TreeSize, "record")} does not extend the checkpoint of {Plural.Count(pinned.TreeSize, "record")} this device verified.");
            }
        }

        var included = 0;
        var pending = new List<StoredReceipt>();
        foreach (var receipt in receipts.Where(r => !listed.Missing.Contains(r.Sequence)))
        {
            InclusionProofView inclusion;
            try
            {
                inclusion = await api.InclusionProofAsync(receipt.Sequence, latest.TreeSize, cancellationToken);
            }
            catch (ItemNotFoundException)
            {
                pending.Add(receipt);
                continue;
            }

            if (!MerkleTree.VerifyInclusion(inclusion.LeafIndex, latest.TreeSize, AuditLogLeaf.Hash(receipt.Sequence, receipt.ChainHash), inclusion.Path, latest.RootHash))
            {
                throw new AuditLogException(
                    $"The key server at {server} has no proof that its checkpoint of {Plural.Count(latest.TreeSize, "record")} includes record {receipt.Sequence} as its receipt names it.");
            }

            included++;
        }

        Pin(vault, server, key, latest);
        var (young, old) = ByAge(vault, pending);
        return new AuditCheckResult(receipts.Count, [.. listed.Missing, .. old], included, young, latest.TreeSize);
    }

    /// <summary>Receipts not yet in a checkpoint: pending within the grace period, missing after it.</summary>
    private static (List<long> Pending, List<long> Overdue) ByAge(VaultContext vault, IEnumerable<StoredReceipt> receipts)
    {
        var cutoff = vault.Options.Time.GetUtcNow() - vault.Options.AuditGracePeriod;
        var list = receipts.ToList();
        return ([.. list.Where(r => r.Time > cutoff).Select(r => r.Sequence)], [.. list.Where(r => r.Time <= cutoff).Select(r => r.Sequence)]);
    }

    private static void RequireSameKey(PinnedAuditLog? pinned, AuditKeyView key, Uri server)
    {
        if (pinned is not null && (pinned.KeyX != key.X || pinned.KeyY != key.Y))
        {
            throw new AuditLogException($"The key server at {server} now presents a different audit key than the one pinned on this device; its receipts and checkpoints are not trusted.");
        }
    }

    /// <summary>Pins the key (first use) and the newest verified checkpoint; never moves a pin back to a smaller tree.</summary>
    private static void Pin(VaultContext vault, Uri server, AuditKeyView key, CheckpointView? checkpoint) => vault.UpdateState(state =>
    {
        var current = Pinned(state, server);
        RequireSameKey(current, key, server);
        if (current is not null && (checkpoint is null || checkpoint.TreeSize <= current.TreeSize))
        {
            return state;
        }

        var pin = new PinnedAuditLog(server, key.X, key.Y, checkpoint?.TreeSize ?? 0, checkpoint?.RootHash ?? []);
        return state with { AuditLogs = [.. (state.AuditLogs ?? []).Where(p => p.Server != server), pin] };
    });

    private static PinnedAuditLog? Pinned(VaultState state, Uri server) => state.AuditLogs?.FirstOrDefault(p => p.Server == server);
}
