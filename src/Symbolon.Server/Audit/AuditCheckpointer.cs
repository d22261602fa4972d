using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Crypto.Transparency;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

/// <summary>
/// Appends committed audit records to the audit log's Merkle tree and signs a checkpoint of the new size: every
/// <see cref="AuditOptions.CheckpointInterval"/>, and on demand. It takes the pending records (AuditPending) in sequence
/// order, appends their leaves and deletes their pending rows in one short transaction, so releases never wait for it.
/// Records can commit out of sequence order on PostgreSQL; one that commits late is simply in a later checkpoint. On PostgreSQL one node appends at a time (a
/// transaction-scoped advisory lock that the others do not wait for); on SQLite there is one node, and one append at
/// a time in it. A conflicting append (two writers on one leaf index) fails on the primary key and is retried.
/// </summary>
public sealed partial class AuditCheckpointer(
    IServiceScopeFactory scopes, AuditSigner signer, TimeProvider time, IOptions<ServerOptions> options, ILogger<AuditCheckpointer> logger) : BackgroundService
{
    /// <summary>The most records appended by one transaction; a longer backlog takes several.</summary>
    public const int BatchSize = 5_000;

    /// <summary>The PostgreSQL advisory lock key of the checkpointer: the ASCII bytes of "symbolo", then 0x01.</summary>
    private const long AdvisoryLockKey = 0x73796D626F6C6F01;

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Appends every committed pending record, signing a checkpoint after each batch. Returns the log's size.</summary>
    public async Task<long> CheckpointAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var (size, appended) = await AppendBatchAsync(cancellationToken);
                if (appended < BatchSize)
                {
                    return size;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One delay at a time rather than a PeriodicTimer: a clock that jumps (a test's fake clock moved by a month)
        // wakes it once, not once for every interval it skipped.
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.Audit.CheckpointInterval, time, stoppingToken);
            try
            {
                await CheckpointAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                AppendFailed(logger, exception);
            }
        }
    }

    private async Task<(long Size, int Appended)> AppendBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
        var postgres = db.Database.IsNpgsql();

        // PostgreSQL: the lock first, then the reads, so another node's append cannot slip in between. SQLite: reads
        // outside the write transaction (a read that later upgrades to a write fails when a release committed meanwhile).
        await using var transaction = postgres ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        if (postgres && !await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({AdvisoryLockKey}) AS \"Value\"").SingleAsync(cancellationToken))
        {
            return (await AuditTree.SizeAsync(db, cancellationToken), 0);
        }

        var size = await AuditTree.SizeAsync(db, cancellationToken);
        var startSize = size;
        var records = await db.AuditPending.AsNoTracking()
            .Join(db.AuditRecords, pending => pending.Sequence, record => record.Sequence, (pending, record) => new { record.Sequence, record.Hash })
            .OrderBy(r => r.Sequence)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        var checkpointed = await db.AuditCheckpoints.AnyAsync(c => c.TreeSize == size, cancellationToken);
        if (records.Count == 0 && (checkpointed || size == 0))
        {
            return (size, 0);
        }

        var frontier = new List<(PerfectSubtree Subtree, byte[] Hash)>();
        if (size > 0)
        {
            var existing = MerkleTree.PerfectSubtrees(new MerkleRange(0, size));
            var hashOf = await AuditTree.SubtreesAsync(db, existing, cancellationToken);
            frontier.AddRange(existing.Select(subtree => (subtree, hashOf(subtree))));
        }

        foreach (var record in records)
        {
            var leafHash = AuditLogLeaf.Hash(record.Sequence, record.Hash);
            db.AuditLeaves.Add(new AuditLeaf { LeafIndex = size, Sequence = record.Sequence, Hash = leafHash });
            foreach (var (subtree, hash) in AuditTree.Append(frontier, size, leafHash))
            {
                db.AuditNodes.Add(new AuditNode { FlatIndex = subtree.FlatIndex, Hash = hash });
            }

            size++;
        }

        db.AuditPending.RemoveRange(records.Select(record => new AuditPending { Sequence = record.Sequence }));

        var checkpoint = new AuditCheckpoint(size, AuditTree.Root(frontier), time.GetUtcNow());
        db.AuditCheckpoints.Add(new AuditCheckpointRow
        {
            TreeSize = checkpoint.TreeSize, RootHash = checkpoint.RootHash, Time = checkpoint.Time, Signature = signer.Sign(checkpoint),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }
        }
        catch (DbUpdateException)
        {
            // Another writer (a second process on one SQLite file) appended the same leaves, or took the same pending
            // records, first: its tree stands.
            if (!await AppendedElsewhereAsync(startSize, cancellationToken))
            {
                throw;
            }

            return (startSize, 0);
        }

        return (size, records.Count);
    }

    private async Task<bool> AppendedElsewhereAsync(long startSize, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await AuditTree.SizeAsync(scope.ServiceProvider.GetRequiredService<SymbolonDbContext>(), cancellationToken) > startSize;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit checkpointer could not append; it tries again at its next interval")]
    private static partial void AppendFailed(ILogger logger, Exception exception);

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
