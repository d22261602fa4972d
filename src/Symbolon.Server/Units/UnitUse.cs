using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Limits;
using Symbolon.Server.Operations;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Units;

/// <summary>What differs between the ways of using a unit's server secret, apart from the secret step itself.</summary>
/// <param name="Kind">The units it uses; a unit of another kind answers 404.</param>
/// <param name="UsedEvent">The audit event of a use.</param>
/// <param name="DamagedDetail">The audit detail of a use refused because the stored secret failed its integrity check.</param>
/// <param name="DamagedSlug">The problem type of that refusal (<see cref="Problems.Damaged"/> builds it).</param>
public sealed record UnitUseMode(UnitKind Kind, string UsedEvent, string DamagedDetail, string DamagedSlug)
{
    /// <summary>A share release: the version's share, unwrapped under the KEK.</summary>
    public static UnitUseMode Release { get; } =
        new(UnitKind.Share, AuditEvents.UnitReleased, "stored share failed its integrity check", ProblemTypes.ShareDamaged);

    /// <summary>A blinded evaluation: the account's POPRF key of the epoch, evaluated on the client's blinded element.</summary>
    public static UnitUseMode Evaluate { get; } =
        new(UnitKind.Blinded, AuditEvents.UnitEvaluated, "stored key failed its integrity check", ProblemTypes.KeyDamaged);
}

/// <summary>
/// Every use of a unit's server secret (a share release, a blinded evaluation) takes this one path: the caller's live unit
/// and the version (or key epoch) asked for; the device lock, the rate limits and the distinct-unit quota; the secret
/// step; then the audit record, in the session's transaction, which commits (durably) before the answer is written, so
/// no secret leaves without its record; the metrics; and the signed receipt. Every refusal is audited and counted.
/// </summary>
public sealed class UnitUse(ReleaseLimiter limiter, AuditSigner signer, ServerMetrics metrics)
{
    /// <summary>Runs one use of a unit.</summary>
    /// <param name="session">The caller's request, inside its session's write transaction.</param>
    /// <param name="unitId">The unit, as the route names it.</param>
    /// <param name="mode">Release or evaluate.</param>
    /// <param name="version">The version (or key epoch) asked for; null for the unit's current version.</param>
    /// <param name="findAsync">The active stored secret of that version of the unit, or null.</param>
    /// <param name="open">
    /// The secret step (unwrap the share, evaluate the key): how to answer once the use has its receipt, or null when the
    /// stored secret failed its integrity check.
    /// </param>
    public async Task<Results<Ok<TResponse>, ProblemHttpResult>> RunAsync<TSecret, TResponse>(
        SessionContext session,
        Guid unitId,
        UnitUseMode mode,
        int? version,
        Func<Unit, int, Task<TSecret?>> findAsync,
        Func<TSecret, Func<ReceiptView, TResponse>?> open)
        where TSecret : class
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(findAsync);
        ArgumentNullException.ThrowIfNull(open);
        var started = Stopwatch.GetTimestamp();
        var (http, db, audit, _, cancellationToken) = session;
        var caller = session.Caller;
        var unit = await FindUnitAsync(session, unitId, mode.Kind);
        var used = version ?? unit?.CurrentVersion;
        var secret = unit is null || used is not { } number ? null : await findAsync(unit, number);
        if (secret is null)
        {
            return await DenyAsync(session, unitId, used, AuditEvents.UnitDenied, "not found", ProblemTypes.NotFound, Problems.NotFound());
        }

        if (caller.Device.LockedAt is not null)
        {
            return await DenyAsync(session, unitId, used, AuditEvents.UnitDenied, "device locked", ProblemTypes.DeviceLocked, Problems.DeviceLocked());
        }

        if (await limiter.TryAcquireAsync(db, caller, unitId, cancellationToken) is { } denial)
        {
            var deniedEvent = denial.Kind == ProblemTypes.QuotaExceeded ? AuditEvents.DeviceLocked : AuditEvents.RateLimited;
            return await DenyAsync(session, unitId, used, deniedEvent, denial.Kind, denial.Kind, Problems.ReleaseDenied(http, denial));
        }

        if (open(secret) is not { } answer)
        {
            return await DenyAsync(session, unitId, used, AuditEvents.UnitDenied, mode.DamagedDetail, mode.DamagedSlug, Problems.Damaged(mode.DamagedSlug));
        }

        var record = await audit.AppendAsync(db, mode.UsedEvent, caller.UserId, caller.Device.Id, unitId, used, cancellationToken: cancellationToken);
        metrics.Released(Stopwatch.GetElapsedTime(started));
        var receipt = new ReleaseReceipt(record.Sequence, record.Hash, unitId, caller.Device.Id, record.Time);

        // Signed once the record has committed, outside the write lock: the signature is filled in before the answer is
        // written, and a failed commit answers no receipt (nor secret) at all.
        var signature = new byte[AuditSigner.SignatureSize];
        http.AfterCommit(() => signer.Sign(receipt).CopyTo(signature, 0));
        return TypedResults.Ok(answer(new ReceiptView(receipt.Sequence, receipt.ChainHash, receipt.UnitId, receipt.DeviceId, receipt.Time, signature)));
    }

    /// <summary>Every problem a use of <paramref name="mode"/> can answer with (for the OpenAPI document).</summary>
    public static string[] ProblemSlugs(UnitUseMode mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        return [ProblemTypes.NotFound, ProblemTypes.DeviceLocked, ProblemTypes.RateLimited, ProblemTypes.QuotaExceeded, mode.DamagedSlug];
    }

    /// <summary>The caller's live unit with this id (of this kind, when given), or null: others' units look the same as none.</summary>
    public static Task<Unit?> FindUnitAsync(SessionContext session, Guid unitId, UnitKind? kind = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var userId = session.Caller.UserId;
        return session.Db.Units.SingleOrDefaultAsync(
            u => u.Id == unitId && u.UserId == userId && u.ShreddedAt == null && (kind == null || u.Kind == kind), session.CancellationToken);
    }

    /// <summary>Audits a refused use (<paramref name="auditEvent"/>, <paramref name="detail"/>), counts it under <paramref name="slug"/>, and answers the problem.</summary>
    private async Task<ProblemHttpResult> DenyAsync(
        SessionContext session, Guid unitId, int? version, string auditEvent, string detail, string slug, ProblemHttpResult problem)
    {
        var caller = session.Caller;
        await session.Audit.AppendAsync(session.Db, auditEvent, caller.UserId, caller.Device.Id, unitId, version, detail, session.CancellationToken);
        metrics.Denied(slug);
        return problem;
    }
}
