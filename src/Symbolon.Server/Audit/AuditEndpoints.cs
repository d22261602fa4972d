using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        var audit = routes.MapGroup("").WithTags("Audit");
        audit.MapGet(Routes.Audit, ListOwnAsync).RequireSession().ReadsOnly().WithName("ListAudit").ProducesProblems(ProblemTypes.InvalidRequest);
        audit.MapGet(Routes.AuditVerify, VerifyAsync).WithName("VerifyAudit").Authenticates(ApiAuthentication.Operator);
        audit.MapGet(Routes.AuditKey, PublicKey).WithName("AuditKey");
        audit.MapGet(Routes.AuditLatestCheckpoint, LatestCheckpointAsync).WithName("LatestAuditCheckpoint").ProducesProblems(ProblemTypes.NotFound);
        audit.MapGet(Routes.AuditCheckpoints, CheckpointsAsync).WithName("ListAuditCheckpoints").ProducesProblems(ProblemTypes.InvalidRequest);
        audit.MapPost(Routes.AuditCheckpoints, CheckpointNowAsync).WithName("CheckpointAudit").Authenticates(ApiAuthentication.Operator).ProducesProblems(ProblemTypes.NotFound);
        audit.MapGet(Routes.AuditConsistencyProof, ConsistencyProofAsync).WithName("AuditConsistencyProof").ProducesProblems(ProblemTypes.InvalidRequest);
        audit.MapGet(Routes.AuditInclusionProof, InclusionProofAsync).RequireSession().WithName("AuditInclusionProof")
            .ProducesProblems(ProblemTypes.InvalidRequest, ProblemTypes.NotFound);
        return routes;
    }

    /// <summary>The newest signed checkpoint; 404 before the checkpointer has logged anything.</summary>
    private static async Task<Results<Ok<CheckpointView>, ProblemHttpResult>> LatestCheckpointAsync(SymbolonDbContext db, CancellationToken cancellationToken)
    {
        var latest = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(cancellationToken);
        return latest is null ? Problems.NotFound() : TypedResults.Ok(AuditTree.View(latest));
    }

    /// <summary>Operator only: appends every committed record and signs a checkpoint now, instead of at the next interval.</summary>
    private static async Task<Results<Ok<CheckpointView>, ProblemHttpResult>> CheckpointNowAsync(
        HttpContext http, SymbolonDbContext db, OperatorToken operatorToken, AuditCheckpointer checkpointer, CancellationToken cancellationToken)
    {
        if (!operatorToken.IsPresentedBy(http))
        {
            return Problems.OperatorRequired(http);
        }

        await checkpointer.CheckpointAsync(cancellationToken);
        return await LatestCheckpointAsync(db, cancellationToken);
    }

    /// <summary>Checkpoints of trees larger than <paramref name="after"/> leaves, oldest first.</summary>
    private static async Task<Results<Ok<CheckpointView[]>, ProblemHttpResult>> CheckpointsAsync(
        [FromQuery(Name = Routes.AfterParameter)] long? after, [FromQuery(Name = Routes.LimitParameter)] int? limit, SymbolonDbContext db, CancellationToken cancellationToken)
    {
        var take = limit ?? AuditPage.DefaultSize;
        if (take is < 1 or > AuditPage.MaxSize || after < 0)
        {
            return Problems.InvalidRequest($"`{Routes.LimitParameter}` must be 1-{AuditPage.MaxSize} and `{Routes.AfterParameter}` not negative.");
        }

        var from = after ?? 0;
        var rows = await db.AuditCheckpoints.AsNoTracking().Where(c => c.TreeSize > from).OrderBy(c => c.TreeSize).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(AuditTree.View).ToArray());
    }

    /// <summary>Anonymous: the consistency proof between two tree sizes the log has reached.</summary>
    private static async Task<Results<Ok<ConsistencyProofView>, ProblemHttpResult>> ConsistencyProofAsync(
        [FromQuery(Name = Routes.FromParameter)] long from, [FromQuery(Name = Routes.ToParameter)] long to, SymbolonDbContext db, CancellationToken cancellationToken)
    {
        var size = await AuditTree.SizeAsync(db, cancellationToken);
        if (from < 1 || from > to || to > size)
        {
            return Problems.InvalidRequest($"`{Routes.FromParameter}` and `{Routes.ToParameter}` must satisfy 1 <= from <= to <= {size} (the log's size).");
        }

        var proof = await AuditTree.ProofAsync(db, MerkleTree.ConsistencyRanges(from, to), cancellationToken);
        return TypedResults.Ok(new ConsistencyProofView(from, to, proof));
    }

    /// <summary>
    /// The inclusion proof of one of the caller's records in the tree of <paramref name="treeSize"/> leaves. Another user's
    /// record, and one not yet in that tree, answer as not found.
    /// </summary>
    private static async Task<Results<Ok<InclusionProofView>, ProblemHttpResult>> InclusionProofAsync(
        [FromQuery(Name = Routes.SequenceParameter)] long sequence, [FromQuery(Name = Routes.TreeSizeParameter)] long treeSize, [AsParameters] SessionContext session)
    {
        var db = session.Db;
        var size = await AuditTree.SizeAsync(db, session.CancellationToken);
        if (sequence < 1 || treeSize < 1 || treeSize > size)
        {
            return Problems.InvalidRequest($"`{Routes.SequenceParameter}` must be at least 1 and `{Routes.TreeSizeParameter}` from 1 to {size} (the log's size).");
        }

        var userId = session.Caller.UserId;
        var leaf = await db.AuditLeaves.AsNoTracking()
            .Where(l => l.Sequence == sequence && l.LeafIndex < treeSize && db.AuditRecords.Any(r => r.Sequence == sequence && r.UserId == userId))
            .Select(l => (long?)l.LeafIndex)
            .SingleOrDefaultAsync(session.CancellationToken);
        if (leaf is not { } leafIndex)
        {
            return Problems.NotFound();
        }

        var path = await AuditTree.ProofAsync(db, MerkleTree.InclusionRanges(leafIndex, treeSize), session.CancellationToken);
        return TypedResults.Ok(new InclusionProofView(sequence, leafIndex, treeSize, path));
    }

    /// <summary>The caller's own records, oldest first, after sequence <paramref name="after"/>.</summary>
    private static async Task<Results<Ok<AuditRecordView[]>, ProblemHttpResult>> ListOwnAsync(
        [FromQuery(Name = Routes.AfterParameter)] long? after, [FromQuery(Name = Routes.LimitParameter)] int? limit, [AsParameters] SessionContext session)
    {
        var take = limit ?? AuditPage.DefaultSize;
        if (take is < 1 or > AuditPage.MaxSize || after < 0)
        {
            return Problems.InvalidRequest($"`{Routes.LimitParameter}` must be 1-{AuditPage.MaxSize} and `{Routes.AfterParameter}` not negative.");
        }

        var userId = session.Caller.UserId;
        var from = after ?? 0;
        var records = await session.Db.AuditRecords.AsNoTracking()
            .Where(r => r.UserId == userId && r.Sequence > from)
            .OrderBy(r => r.Sequence)
            .Take(take)
            .ToListAsync(session.CancellationToken);
        return TypedResults.Ok(records
            .Select(r => new AuditRecordView(r.Sequence, r.Time, r.Event, r.DeviceId, r.UnitId, r.UnitVersion, r.Detail, r.Hash))
            .ToArray());
    }

    /// <summary>Operator only: walks the whole chain and the log. Authorised by the operator token in the data directory.</summary>
    private static async Task<Results<Ok<AuditVerification>, ProblemHttpResult>> VerifyAsync(
        HttpContext http, SymbolonDbContext db, OperatorToken operatorToken, AuditSigner signer, CancellationToken cancellationToken)
    {
        if (!operatorToken.IsPresentedBy(http))
        {
            return Problems.OperatorRequired(http);
        }

        return TypedResults.Ok(await VerifyChainAsync(db, signer, cancellationToken));
    }

    /// <summary>
    /// Every chain (docs/spec.md §7), then the log's leaves, pending records, stored subtrees and every checkpoint (§7.1),
    /// all read from one snapshot, so appends and checkpoints committing meanwhile cannot look like tampering.
    /// </summary>
    public static Task<AuditVerification> VerifyChainAsync(SymbolonDbContext db, AuditSigner signer, CancellationToken cancellationToken) =>
        InSnapshotAsync(db, async () =>
        {
            var heads = await db.AuditHeads.AsNoTracking().ToListAsync(cancellationToken);
            var records = await db.AuditRecords.AsNoTracking().OrderBy(r => r.ChainId).ThenBy(r => r.ChainSequence).ToListAsync(cancellationToken);
            var chain = AuditChain.Verify(records, heads);
            if (!chain.Valid)
            {
                return chain;
            }

            var (problem, leaves, checkpoints) = await AuditTree.VerifyAsync(db, records.ToDictionary(r => r.Sequence, r => r.Hash), signer.Verify, cancellationToken);
            return chain with { Valid = problem is null, Problem = problem, HeadHash = problem is null ? chain.HeadHash : null, LogLeaves = leaves, Checkpoints = problem is null ? checkpoints : 0 };
        }, cancellationToken);

    private static async Task<T> InSnapshotAsync<T>(SymbolonDbContext db, Func<Task<T>> read, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            return await read();
        }

        // SQLite: a deferred transaction reads one WAL snapshot and takes no write lock (EF's own would be IMMEDIATE).
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
            await db.Database.UseTransactionAsync(transaction, cancellationToken);
            try
            {
                return await read();
            }
            finally
            {
                await db.Database.UseTransactionAsync(null, cancellationToken);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static Ok<AuditKeyView> PublicKey(AuditSigner signer) => TypedResults.Ok(new AuditKeyView(
        "EC", "P-256", System.Buffers.Text.Base64Url.EncodeToString(signer.PublicKeyX),
        System.Buffers.Text.Base64Url.EncodeToString(signer.PublicKeyY)));
}

/// <summary>
/// The operator's bearer token for operator endpoints: random, in operator.token (mode 0600) in the data directory,
/// created on first run. Compared in constant time via its SHA-256.
/// </summary>
public sealed class OperatorToken
{
    private readonly byte[] _hash;

    public OperatorToken(DataDirectory dataDirectory)
    {
        Path = dataDirectory.File("operator.token");
        if (!File.Exists(Path))
        {
            DataDirectory.WriteSecretFile(Path, Encoding.ASCII.GetBytes("syo_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))));
        }

        _hash = SHA256.HashData(Encoding.ASCII.GetBytes(File.ReadAllText(Path).Trim()));
    }

    public string Path { get; }

    public bool IsPresentedBy(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var prefix = Headers.BearerScheme + " ";
        return header.StartsWith(prefix, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.ASCII.GetBytes(header[prefix.Length..].Trim())), _hash);
    }

    public override string ToString() => "OperatorToken(redacted)";
}
