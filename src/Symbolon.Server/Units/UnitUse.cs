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
/// One use of a unit, as <see cref="UnitUse"/> runs it: the unit, the mode, how to find its version and stored secret, and the
/// secret step. <see cref="Of"/> builds one; the request's answer is filled through the step's callback after the commit.
/// </summary>
public sealed class UnitUseStep
{
    private UnitUseStep(Guid unitId, UnitUseMode mode, Func<Task<(int? Used, Func<Action<ReceiptView>?>? Open)>> findAsync)
    {
        UnitId = unitId;
        Mode = mode;
        FindAsync = findAsync;
    }

    public Guid UnitId { get; }

    public UnitUseMode Mode { get; }

    /// <summary>The version used and, when the unit has its active stored secret, the secret step (null: damaged).</summary>
    internal Func<Task<(int? Used, Func<Action<ReceiptView>?>? Open)>> FindAsync { get; }

    /// <summary>A use of <paramref name="unitId"/>.</summary>
    /// <param name="unitId">The unit, as the request names it.</param>
    /// <param name="mode">Release or evaluate.</param>
    /// <param name="findAsync">
    /// The caller's live unit's version (or key epoch) to use, null without such a unit, and its active stored secret,
    /// null without one; read against committed state, before the write set.
    /// </param>
    /// <param name="open">
    /// The secret step (unwrap the share, the key): how to answer once the use has its receipt, or null when the stored
    /// secret failed its integrity check. The answer runs after the commit.
    /// </param>
    /// <param name="answered">Takes the answer.</param>
    public static UnitUseStep Of<TSecret, TResponse>(
        Guid unitId, UnitUseMode mode, Func<Task<(int? Used, TSecret? Secret)>> findAsync, Func<TSecret, Func<ReceiptView, TResponse>?> open, Action<TResponse> answered)
        where TSecret : class
    {
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(findAsync);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(answered);
        return new(unitId, mode, async () =>
        {
            var (used, secret) = await findAsync();
            return (used, secret is null ? null : () => open(secret) is { } answer ? receipt => answered(answer(receipt)) : null);
        });
    }
}

/// <summary>
/// Every use of a unit's server secret (a share release, a blinded evaluation), alone or many in one request, takes this
/// one path. Before any lock, against committed state: the caller's live units and the versions (or key epochs) asked
/// for, and each secret step's preparation (the share or key unwrapped under the KEK). Then one plain-SQL write set under
/// the account's lock only (on SQLite, one set of the group commit): the proof id, a re-check of the session, device and
/// secrets, the rate limits and distinct-unit quota, an audit record per unit and the session's use, committed durably
/// before the answer is written, so no secret leaves without its record. After the commit, outside every lock: the
/// metrics, the receipts' signatures and the answer (for an evaluation, the evaluation itself). All or nothing: a use
/// refused refuses the request, and only the refused units are audited (as refused); every refusal is counted.
/// </summary>
public sealed class UnitUse(
    ReleaseLimiter limiter, SessionAuthenticator authenticator, AuditSigner signer, ServerMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// Runs the uses of <paramref name="steps"/> (distinct units) as one: each answered through its step, or none and the
    /// problem of the first refusal, naming every refused unit (extension member <c>units</c>).
    /// </summary>
    /// <param name="session">The caller's request, behind <see cref="SessionEndpointFilter.RunsOwnWriteSet"/>.</param>
    /// <param name="steps">The uses, one per unit.</param>
    public async Task<ProblemHttpResult?> RunManyAsync(SessionContext session, IReadOnlyList<UnitUseStep> steps)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(steps);
        var started = Stopwatch.GetTimestamp();
        var http = session.Http;
        var caller = session.Caller;
        var unrecorded = http.Features.Get<UnrecordedUse>()
            ?? throw new InvalidOperationException("A unit's use runs behind RunsOwnWriteSet.");
        var planned = new List<PlannedUse>(steps.Count);
        foreach (var step in steps)
        {
            var (used, open) = await step.FindAsync();
            Action<ReceiptView>? answer = null;
            var refusal = open is null ? Refusal.NotFound
                : caller.Device.LockedAt is not null ? Refusal.DeviceLocked
                : caller.Device.PendingApproval ? Refusal.PendingApproval
                : (answer = open()) is null ? Refusal.Damaged(step.Mode)
                : null;
            planned.Add(new PlannedUse(step, used, answer, refusal));
        }

        var transactions = http.RequestServices.GetRequiredService<WriteTransactions>();
        var outcome = await transactions.RunSqlAsync(
            caller.UserId,
            // No request token inside the set: on SQLite it shares the writer's connection (see SqliteGroupCommit).
            set => WriteAsync(set, caller, unrecorded, planned, CancellationToken.None),
            durable: true,
            session.CancellationToken);
        switch (outcome)
        {
            case { Records: { } records }:
                for (var index = 0; index < planned.Count; index++)
                {
                    metrics.Released(Stopwatch.GetElapsedTime(started));
                    var record = records[index];
                    var receipt = new ReleaseReceipt(record.Sequence, record.Hash, planned[index].Step.UnitId, caller.Device.Id, record.Time);
                    planned[index].Answer!(new ReceiptView(receipt.Sequence, receipt.ChainHash, receipt.UnitId, receipt.DeviceId, receipt.Time, signer.Sign(receipt)));
                }

                return null;
            case { Refused: { Count: > 0 } refused }:
                foreach (var (_, refusal) in refused)
                {
                    metrics.Denied(refusal.Slug);
                }

                var problem = refused[0].Refusal.Problem(http);
                problem.ProblemDetails.Extensions["units"] = refused.Select(r => r.UnitId).ToArray();
                return problem;
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

    /// <summary>The uses' write set: everything they store, and the outcome.</summary>
    private async Task<Outcome> WriteAsync(SqlSet set, Caller caller, UnrecordedUse unrecorded, List<PlannedUse> planned, CancellationToken cancellationToken)
    {
        if (!await authenticator.RecordUseAsync(set, caller, unrecorded.Presented, unrecorded.SessionUseDue, cancellationToken))
        {
            return new Outcome(null, null, null);
        }

        // A refusal found before the lock stands without further checks; otherwise each unit is re-checked under it.
        var refused = planned.Where(p => p.Refusal is not null).Select(p => (UnitId: p.Step.UnitId, Refusal: p.Refusal!)).ToList();
        if (refused.Count == 0)
        {
            foreach (var use in planned)
            {
                var (sessionLive, deviceRevoked, deviceLocked, secretActive) = await ReadStateAsync(set, caller, use.Step.UnitId, use.Step.Mode, use.Used, cancellationToken);
                if (deviceRevoked)
                {
                    return new Outcome(null, null, Problems.DeviceRevoked());
                }

                if (!sessionLive)
                {
                    return new Outcome(null, null, null);
                }

                if ((!secretActive ? Refusal.NotFound : deviceLocked ? Refusal.DeviceLocked : null) is { } refusal)
                {
                    refused.Add((use.Step.UnitId, refusal));
                }
            }
        }

        // Only a request whose every unit may be used takes tokens, for all of its units or none.
        if (refused.Count == 0 && await limiter.TryAcquireAsync(set, caller, [.. planned.Select(p => p.Step.UnitId)], cancellationToken) is { } denial)
        {
            var limited = Refusal.Limited(denial.Denial);
            refused.AddRange(denial.Refused.Select(unitId => (unitId, limited)));
        }

        var records = new List<AuditRecord>(planned.Count);
        foreach (var use in planned)
        {
            var refusal = refused.FirstOrDefault(r => r.UnitId == use.Step.UnitId).Refusal;
            if (refused.Count > 0 && refusal is null)
            {
                // Not refused itself, and not used either: a unit that was never released leaves no record.
                continue;
            }

            records.Add(await AuditLog.AppendAsync(
                set,
                new AuditRecord
                {
                    Time = time.GetUtcNow(),
                    Event = refusal?.Event ?? use.Step.Mode.UsedEvent,
                    UserId = caller.UserId,
                    DeviceId = caller.Device.Id,
                    UnitId = use.Step.UnitId,
                    UnitVersion = use.Used,
                    Detail = refusal?.Detail ?? "",
                },
                cancellationToken));
        }

        return refused.Count == 0 ? new Outcome(records, null, null) : new Outcome(null, refused, null);
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

    /// <summary>A use as found before the lock: its version, how to answer it, or why it is refused.</summary>
    private sealed record PlannedUse(UnitUseStep Step, int? Used, Action<ReceiptView>? Answer, Refusal? Refusal);

    /// <summary>The write set's outcome: the uses' records (in order), or the refusals that were audited, or a failure that was not.</summary>
    private sealed record Outcome(List<AuditRecord>? Records, List<(Guid UnitId, Refusal Refusal)>? Refused, ProblemHttpResult? Failure);

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
