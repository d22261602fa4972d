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
/// <param name="StillActiveSql">
/// SQL that is true while the unit (@unit, the user's @user, not shredded) still has the secret of @version active: the
/// write set's re-check of what was read before it.
/// </param>
public sealed record UnitUseMode(UnitKind Kind, string UsedEvent, string DamagedDetail, string DamagedSlug, string StillActiveSql)
{
    /// <summary>A share release: the version's share, unwrapped under the KEK.</summary>
    public static UnitUseMode Release { get; } =
        new(UnitKind.Share, AuditEvents.UnitReleased, "stored share failed its integrity check", ProblemTypes.ShareDamaged, $"""
            EXISTS (SELECT 1 FROM "Units" AS u JOIN "UnitVersions" AS v ON v."UnitId" = u."Id"
                    WHERE u."Id" = @unit AND u."UserId" = @user AND u."ShreddedAt" IS NULL AND v."Version" = @version AND v."State" = {(int)UnitVersionState.Active})
            """);

    /// <summary>A blinded evaluation: the account's POPRF key of the epoch, evaluated on the client's blinded element.</summary>
    public static UnitUseMode Evaluate { get; } =
        new(UnitKind.Blinded, AuditEvents.UnitEvaluated, "stored key failed its integrity check", ProblemTypes.KeyDamaged, $"""
            EXISTS (SELECT 1 FROM "Units" AS u JOIN "OprfKeys" AS k ON k."UserId" = u."UserId"
                    WHERE u."Id" = @unit AND u."UserId" = @user AND u."ShreddedAt" IS NULL AND k."Epoch" = @version AND k."State" = {(int)UnitVersionState.Active})
            """);
}

/// <summary>
/// Every use of a unit's server secret (a share release, a blinded evaluation) takes this one path. Before any lock,
/// against committed state: the caller's live unit and the version (or key epoch) asked for, and the secret step's
/// preparation (the share or key unwrapped under the KEK). Then one plain-SQL write set under the account's lock only
/// (on SQLite, one set of the group commit): the proof id, a re-check of the session, device and secret, the rate limits
/// and distinct-unit quota, the audit record and the session's use, committed durably before the answer is written, so
/// no secret leaves without its record. After the commit, outside every lock: the metrics, the receipt's signature and
/// the answer (for an evaluation, the evaluation itself). Every refusal is audited and counted.
/// </summary>
public sealed class UnitUse(
    ReleaseLimiter limiter, SessionAuthenticator authenticator, AuditSigner signer, ServerMetrics metrics, TimeProvider time)
{
    /// <summary>Runs one use of a unit.</summary>
    /// <param name="session">The caller's request, behind <see cref="SessionEndpointFilter.RunsOwnWriteSet"/>.</param>
    /// <param name="unitId">The unit, as the route names it.</param>
    /// <param name="mode">Release or evaluate.</param>
    /// <param name="findAsync">
    /// The caller's live unit's version (or key epoch) to use, null without such a unit, and its active stored secret,
    /// null without one; read against committed state, before the write set.
    /// </param>
    /// <param name="open">
    /// The secret step (unwrap the share, the key): how to answer once the use has its receipt, or null when the stored
    /// secret failed its integrity check. The answer runs after the commit.
    /// </param>
    public async Task<Results<Ok<TResponse>, ProblemHttpResult>> RunAsync<TSecret, TResponse>(
        SessionContext session,
        Guid unitId,
        UnitUseMode mode,
        Func<Task<(int? Used, TSecret? Secret)>> findAsync,
        Func<TSecret, Func<ReceiptView, TResponse>?> open)
        where TSecret : class
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(findAsync);
        ArgumentNullException.ThrowIfNull(open);
        var started = Stopwatch.GetTimestamp();
        var http = session.Http;
        var caller = session.Caller;
        var unrecorded = http.Features.Get<UnrecordedUse>()
            ?? throw new InvalidOperationException("A unit's use runs behind RunsOwnWriteSet.");
        var (used, secret) = await findAsync();
        Func<ReceiptView, TResponse>? answer = null;
        var refusal = secret is null ? Refusal.NotFound
            : caller.Device.LockedAt is not null ? Refusal.DeviceLocked
            : caller.Device.PendingApproval ? Refusal.PendingApproval
            : (answer = open(secret)) is null ? Refusal.Damaged(mode)
            : null;

        var transactions = http.RequestServices.GetRequiredService<WriteTransactions>();
        var outcome = await transactions.RunSqlAsync(
            caller.UserId,
            // No request token inside the set: on SQLite it shares the writer's connection (see SqliteGroupCommit).
            set => WriteAsync(set, caller, unrecorded, unitId, mode, used, refusal, CancellationToken.None),
            durable: true,
            session.CancellationToken);
        switch (outcome)
        {
            case { Record: { } record } when answer is not null:
                metrics.Released(Stopwatch.GetElapsedTime(started));
                var receipt = new ReleaseReceipt(record.Sequence, record.Hash, unitId, caller.Device.Id, record.Time);
                return TypedResults.Ok(answer(new ReceiptView(receipt.Sequence, receipt.ChainHash, receipt.UnitId, receipt.DeviceId, receipt.Time, signer.Sign(receipt))));
            case { Refused: { } refused }:
                metrics.Denied(refused.Slug);
                return refused.Problem(http);
            default:
                return outcome.Failure ?? Problems.Unauthorized(http);
        }
    }

    /// <summary>Every problem a use of <paramref name="mode"/> can answer with (for the OpenAPI document).</summary>
    public static string[] ProblemSlugs(UnitUseMode mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        return [ProblemTypes.NotFound, ProblemTypes.DeviceLocked, ProblemTypes.DevicePendingApproval, ProblemTypes.RateLimited, ProblemTypes.QuotaExceeded, mode.DamagedSlug];
    }

    /// <summary>The caller's live unit with this id (of this kind, when given), or null: others' units look the same as none.</summary>
    public static Task<Unit?> FindUnitAsync(SessionContext session, Guid unitId, UnitKind? kind = null, bool tracked = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        var userId = session.Caller.UserId;
        return (tracked ? session.Db.Units : session.Db.Units.AsNoTracking()).SingleOrDefaultAsync(
            u => u.Id == unitId && u.UserId == userId && u.ShreddedAt == null && (kind == null || u.Kind == kind), session.CancellationToken);
    }

    /// <summary>The use's write set: everything it stores, and the outcome.</summary>
    private async Task<Outcome> WriteAsync(
        SqlSet set, Caller caller, UnrecordedUse unrecorded, Guid unitId, UnitUseMode mode, int? version, Refusal? refusal, CancellationToken cancellationToken)
    {
        if (!await authenticator.RecordUseAsync(set, caller, unrecorded.Presented, unrecorded.SessionUseDue, cancellationToken))
        {
            return new Outcome(null, null, null);
        }

        if (refusal is null)
        {
            var (sessionLive, deviceRevoked, deviceLocked, secretActive) = await ReadStateAsync(set, caller, unitId, mode, version, cancellationToken);
            if (deviceRevoked)
            {
                return new Outcome(null, null, Problems.DeviceRevoked());
            }

            if (!sessionLive)
            {
                return new Outcome(null, null, null);
            }

            refusal = !secretActive ? Refusal.NotFound
                : deviceLocked ? Refusal.DeviceLocked
                : await limiter.TryAcquireAsync(set, caller, unitId, cancellationToken) is { } denial ? Refusal.Limited(denial)
                : null;
        }

        var record = await AuditLog.AppendAsync(
            set,
            new AuditRecord
            {
                Time = time.GetUtcNow(),
                Event = refusal?.Event ?? mode.UsedEvent,
                UserId = caller.UserId,
                DeviceId = caller.Device.Id,
                UnitId = unitId,
                UnitVersion = version,
                Detail = refusal?.Detail ?? "",
            },
            cancellationToken);
        return refusal is null ? new Outcome(record, null, null) : new Outcome(null, refusal, null);
    }

    /// <summary>The session, device and secret as committed now, under the account's lock.</summary>
    private static async Task<(bool SessionLive, bool DeviceRevoked, bool DeviceLocked, bool SecretActive)> ReadStateAsync(
        SqlSet set, Caller caller, Guid unitId, UnitUseMode mode, int? version, CancellationToken cancellationToken)
    {
        var command = set.Command(
            $"""
            SELECT s."RevokedAt", d."RevokedAt", d."LockedAt", {mode.StillActiveSql}
            FROM "Sessions" AS s JOIN "Devices" AS d ON d."Id" = s."DeviceId" WHERE s."Id" = @session
            """,
            ("session", set.Id(caller.Session.Id)),
            ("unit", set.Id(unitId)),
            ("user", set.Id(caller.UserId)),
            ("version", version ?? 0));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (false, false, false, false);
            }

            return (reader.IsDBNull(0), !reader.IsDBNull(1), !reader.IsDBNull(2), Convert.ToBoolean(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            set.Release(command);
        }
    }

    /// <summary>The write set's outcome: the use's record, or the refusal that was audited, or a failure that was not.</summary>
    private sealed record Outcome(AuditRecord? Record, Refusal? Refused, ProblemHttpResult? Failure);

    /// <summary>A refused use: its audit event and detail, the metric's reason, and the problem it answers.</summary>
    private sealed record Refusal(string Event, string Detail, string Slug, Func<HttpContext, ProblemHttpResult> Problem)
    {
        public static Refusal NotFound { get; } = new(AuditEvents.UnitDenied, "not found", ProblemTypes.NotFound, _ => Problems.NotFound());

        public static Refusal DeviceLocked { get; } = new(AuditEvents.UnitDenied, "device locked", ProblemTypes.DeviceLocked, _ => Problems.DeviceLocked());

        public static Refusal PendingApproval { get; } =
            new(AuditEvents.UnitDenied, "device pending approval", ProblemTypes.DevicePendingApproval, _ => Problems.DevicePendingApproval());

        public static Refusal Damaged(UnitUseMode mode) =>
            new(AuditEvents.UnitDenied, mode.DamagedDetail, mode.DamagedSlug, _ => Problems.Damaged(mode.DamagedSlug));

        public static Refusal Limited(ReleaseDenial denial) =>
            new(denial.Kind == ProblemTypes.QuotaExceeded ? AuditEvents.DeviceLocked : AuditEvents.RateLimited, denial.Kind, denial.Kind,
                http => Problems.ReleaseDenied(http, denial));
    }
}
