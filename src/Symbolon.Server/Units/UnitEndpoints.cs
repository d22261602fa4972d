using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Crypto;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Blinded;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Units;

/// <summary>
/// Units: one server share per stored credential. Another user's unit, a shredded unit and a retired version all
/// answer 404, never 403, so ids reveal nothing. Shredding, and confirming a rotation that retires shares, pass
/// <see cref="DestructiveRequests"/>; a shredded unit stays restorable by its owner for the grace period
/// (<see cref="ReleaseLimitOptions.ShredGracePeriod"/>), after which the maintenance sweeper destroys its shares.
/// </summary>
public static class UnitEndpoints
{
    public static IEndpointRouteBuilder MapUnits(this IEndpointRouteBuilder routes)
    {
        var units = routes.MapGroup("").WithTags("Units").RequireSession();
        units.MapGet(Routes.Units, ListAsync).ReadsOnly().WithName("ListUnits");
        units.MapPost(Routes.Units, CreateAsync).WithName("CreateUnit");
        units.MapPost(Routes.UnitRelease, ReleaseAsync).RunsOwnWriteSet().WithName("ReleaseShare").ProducesProblems(UnitUse.ProblemSlugs(UnitUseMode.Release));
        units.MapPost(Routes.UnitUses, UseManyAsync).RunsOwnWriteSet().WithName("UseUnits")
            .ProducesProblems([ProblemTypes.InvalidRequest, .. UnitUse.ProblemSlugs(UnitUseMode.Release), ProblemTypes.KeyDamaged]);
        units.MapPost(Routes.UnitRotate, RotateAsync).WithName("RotateUnit").ProducesProblems(ProblemTypes.NotFound);
        units.MapPost(Routes.UnitConfirm, ConfirmAsync).WithName("ConfirmRotation")
            .ProducesProblems(ProblemTypes.NotFound, ProblemTypes.ReauthenticationRequired, ProblemTypes.RateLimited);
        units.MapDelete(Routes.Unit, ShredAsync).WithName("ShredUnit")
            .ProducesProblems(ProblemTypes.NotFound, ProblemTypes.ReauthenticationRequired, ProblemTypes.RateLimited);
        units.MapPost(Routes.UnitRestore, RestoreAsync).WithName("RestoreUnit").ProducesProblems(ProblemTypes.NotFound);
        return routes;
    }

    private static async Task<Ok<UnitView[]>> ListAsync([AsParameters] SessionContext session)
    {
        var (_, db, _, _, cancellationToken) = session;
        var userId = session.Caller.UserId;
        var units = await db.Units.AsNoTracking().Where(u => u.UserId == userId && u.ShreddedAt == null).ToListAsync(cancellationToken);
        var ids = units.Select(u => u.Id).ToList();
        var versions = await db.UnitVersions.AsNoTracking()
            .Where(v => ids.Contains(v.UnitId))
            .Select(v => new { v.UnitId, v.Version, v.State, v.CreatedAt, v.RetiredAt })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(units
            .OrderBy(u => u.CreatedAt)
            .Select(u => new UnitView(u.Id, u.CurrentVersion, u.CreatedAt, versions
                .Where(v => v.UnitId == u.Id)
                .OrderBy(v => v.Version)
                .Select(v => new VersionView(v.Version, v.State == UnitVersionState.Active ? VersionState.Active : VersionState.Retired, v.CreatedAt, v.RetiredAt))
                .ToArray()))
            .ToArray());
    }

    /// <summary>
    /// Draws a fresh share with the CSPRNG (or takes the client's), stores it sealed, and returns it once; the request's
    /// copies are wiped once the answer is written.
    /// </summary>
    private static async Task<Results<Created<ShareResponse>, ProblemHttpResult>> CreateAsync(
        ShareRequest? request, [AsParameters] SessionContext session, UnitShares shares)
    {
        WipeSupplied(session, request);
        if (InvalidShare(request) is { } invalid)
        {
            return invalid;
        }

        var caller = session.Caller;
        var blinded = request?.Blinded == true;
        if (blinded && request!.Share is not null)
        {
            return Problems.InvalidRequest(
                $"A blinded unit holds no share: send {Problems.Member(nameof(ShareRequest.Blinded))} or {Problems.Member(nameof(ShareRequest.Share))}, not both.");
        }

        var unit = new Unit
        {
            Id = Guid.CreateVersion7(),
            UserId = caller.UserId,
            Kind = blinded ? UnitKind.Blinded : UnitKind.Share,
            CurrentVersion = blinded ? 0 : 1,
            CreatedAt = session.Time.GetUtcNow(),
        };
        session.Db.Units.Add(unit);
        var share = blinded ? null : session.Http.WipeWhenDone(shares.AddVersion(session.Db, unit, 1, unit.CreatedAt, request?.Share));
        await session.Audit.AppendAsync(
            session.Db, AuditEvents.UnitCreated, caller.UserId, caller.Device.Id, unit.Id, blinded ? null : 1, blinded ? "blinded" : "", session.CancellationToken);
        // A share the client supplied is not echoed back: it has it, and it should cross the network once.
        return TypedResults.Created(Routes.UnitOf(unit.Id), new ShareResponse(unit.Id, unit.CurrentVersion, request?.Share is null ? share : null));
    }

    /// <summary>Releases one version's share (default: the current one) through the one path of every unit use.</summary>
    private static async Task<Results<Ok<ReleaseResponse>, ProblemHttpResult>> ReleaseAsync(
        Guid id, ReleaseRequest? request, [AsParameters] SessionContext session, UnitUse use, UnitShares shares)
    {
        ReleaseResponse? released = null;
        if (await use.RunManyAsync(session, [ReleaseStep(session, shares, id, request?.Version, answer => released = answer)]) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(released!);
    }

    /// <summary>
    /// Many releases and blinded evaluations of distinct units in one request and one write set, all or none (each with
    /// its own limits, audit record and receipt, as one by one). Malformed requests are refused before anything is
    /// counted or recorded.
    /// </summary>
    private static async Task<Results<Ok<UseManyResponse>, ProblemHttpResult>> UseManyAsync(
        UseManyRequest request, [AsParameters] SessionContext session, UnitUse use, UnitShares shares, OprfKeys keys)
    {
        var releases = request.Releases ?? [];
        var evaluations = request.Evaluations ?? [];
        if (releases.Contains(null) || evaluations.Contains(null))
        {
            return Problems.InvalidRequest(
                $"Every entry of {Problems.Member(nameof(UseManyRequest.Releases))} and {Problems.Member(nameof(UseManyRequest.Evaluations))} must be an object naming a unit.");
        }

        var units = releases.Select(r => r.UnitId).Concat(evaluations.Select(e => e.UnitId)).ToList();
        if (units.Count is 0 or > UseManyRequest.MaxUnits)
        {
            return Problems.InvalidRequest(
                $"Name 1 to {UseManyRequest.MaxUnits} units in {Problems.Member(nameof(UseManyRequest.Releases))} and {Problems.Member(nameof(UseManyRequest.Evaluations))}; this request names {units.Count}.");
        }

        if (units.GroupBy(unit => unit).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            return Problems.InvalidRequest($"Unit {repeated.Key} is named more than once: name each unit once.");
        }

        if (evaluations.Select(e => BlindedEndpoints.InvalidElement(e.BlindedElement)).FirstOrDefault(invalid => invalid is not null) is { } malformed)
        {
            return malformed;
        }

        var released = new ReleaseResponse[releases.Count];
        var evaluated = new EvaluateResponse[evaluations.Count];
        UnitUseStep[] steps =
        [
            .. releases.Select((r, index) => ReleaseStep(session, shares, r.UnitId, r.Version, answer => released[index] = answer)),
            .. evaluations.Select((e, index) => BlindedEndpoints.EvaluateStep(session, keys, e.UnitId, e.BlindedElement, e.Epoch, answer => evaluated[index] = answer)),
        ];
        if (await use.RunManyAsync(session, steps) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(new UseManyResponse(released, evaluated));
    }

    /// <summary>The release of one version's share (default: the current one); the share is wiped once the answer is written.</summary>
    private static UnitUseStep ReleaseStep(SessionContext session, UnitShares shares, Guid id, int? version, Action<ReleaseResponse> answered) =>
        UnitUseStep.Of<UnitVersion, ReleaseResponse>(
            id,
            UnitUseMode.Release,
            () => UnitShares.FindForReleaseAsync(session.Db, session.Caller.UserId, id, version, session.CancellationToken),
            found =>
            {
                var opened = shares.TryOpen(session.Caller.UserId, found, out var share);
                session.Http.WipeWhenDone(share);
                return opened ? receipt => new ReleaseResponse(id, found.Version, share, receipt) : null;
            },
            answered);

    /// <summary>
    /// Adds a new version with a fresh share. Older versions stay releasable (so the client can open the item it is
    /// re-sealing) until the client confirms the new one; then they are retired and their shares destroyed.
    /// </summary>
    private static async Task<Results<Ok<ShareResponse>, ProblemHttpResult>> RotateAsync(
        Guid id, ShareRequest? request, [AsParameters] SessionContext session, UnitShares shares)
    {
        WipeSupplied(session, request);
        if (InvalidShare(request) is { } invalid)
        {
            return invalid;
        }

        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;
        var unit = await UnitUse.FindUnitAsync(session, id, UnitKind.Share);
        if (unit is null)
        {
            return Problems.NotFound();
        }

        var next = await db.UnitVersions.Where(v => v.UnitId == id).MaxAsync(v => v.Version, cancellationToken) + 1;
        var share = session.Http.WipeWhenDone(shares.AddVersion(db, unit, next, time.GetUtcNow(), request?.Share));
        await audit.AppendAsync(db, AuditEvents.UnitRotated, caller.UserId, caller.Device.Id, id, next, cancellationToken: cancellationToken);
        return TypedResults.Ok(new ShareResponse(id, next, request?.Share is null ? share : null));
    }

    /// <summary>The client has re-sealed under <see cref="ConfirmRequest.Version"/>: that becomes current, older versions are retired.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ConfirmAsync(
        Guid id, ConfirmRequest request, [AsParameters] SessionContext session, DestructiveRequests destructive)
    {
        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;
        var unit = await UnitUse.FindUnitAsync(session, id, UnitKind.Share);
        var versions = unit is null ? [] : await db.UnitVersions.Where(v => v.UnitId == id).ToListAsync(cancellationToken);
        if (unit is null || !versions.Any(v => v.Version == request.Version && v.State == UnitVersionState.Active))
        {
            return Problems.NotFound();
        }

        var retiring = versions.Where(v => v.Version < request.Version && v.State == UnitVersionState.Active).ToList();
        if (retiring.Count > 0 && await destructive.RefuseAsync(session) is { } refused)
        {
            return refused;
        }

        unit.CurrentVersion = request.Version;
        foreach (var old in retiring)
        {
            UnitShares.Retire(old, time.GetUtcNow());
            await audit.AppendAsync(db, AuditEvents.UnitRetired, caller.UserId, caller.Device.Id, id, old.Version, cancellationToken: cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// Shreds a unit: it answers 404 at once, and its shares are destroyed when the grace period ends (restorable until
    /// then), or at once with <see cref="Routes.NowParameter"/> (also for a unit already shredded and awaiting destruction).
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ShredAsync(
        Guid id,
        [FromQuery(Name = Routes.NowParameter)] bool? now,
        [AsParameters] SessionContext session,
        DestructiveRequests destructive,
        IOptions<ServerOptions> options)
    {
        if (await destructive.RefuseAsync(session) is { } refused)
        {
            return refused;
        }

        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;
        var at = time.GetUtcNow();
        var unit = now == true
            ? await db.Units.SingleOrDefaultAsync(u => u.Id == id && u.UserId == caller.UserId && (u.ShreddedAt == null || u.DestroyAt > at), cancellationToken)
            : await UnitUse.FindUnitAsync(session, id);
        if (unit is null)
        {
            return Problems.NotFound();
        }

        unit.ShreddedAt ??= at;
        var grace = options.Value.Limits.ShredGracePeriod;
        if (now == true || grace <= TimeSpan.Zero)
        {
            // The sealed bytes leave the rows now; the sweeper deletes the rows and checkpoints the log on its next pass.
            unit.DestroyAt = at;
            foreach (var version in await db.UnitVersions.Where(v => v.UnitId == id).ToListAsync(cancellationToken))
            {
                UnitShares.Retire(version, at);
            }

            await audit.AppendAsync(db, AuditEvents.UnitShredded, caller.UserId, caller.Device.Id, id, detail: "now", cancellationToken: cancellationToken);
        }
        else
        {
            unit.DestroyAt = at + grace;
            await audit.AppendAsync(db, AuditEvents.UnitShredded, caller.UserId, caller.Device.Id, id,
                detail: "restorable until " + unit.DestroyAt.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// Brings back a unit shredded within the grace period, with every version it had. A live unit of the caller's
    /// answers 204 unchanged, so a restore can be repeated (and a threshold member that missed the removal counts as
    /// restored); anything else answers 404.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> RestoreAsync(Guid id, [AsParameters] SessionContext session)
    {
        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;
        var at = time.GetUtcNow();
        var unit = await db.Units.SingleOrDefaultAsync(
            u => u.Id == id && u.UserId == caller.UserId && (u.ShreddedAt == null || u.DestroyAt > at), cancellationToken);
        if (unit is null)
        {
            return Problems.NotFound();
        }

        if (unit.ShreddedAt is null)
        {
            return TypedResults.NoContent();
        }

        unit.ShreddedAt = null;
        unit.DestroyAt = null;
        await audit.AppendAsync(db, AuditEvents.UnitRestored, caller.UserId, caller.Device.Id, id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The share a client sent is wiped with the others the request holds, whatever the answer.</summary>
    private static void WipeSupplied(SessionContext session, ShareRequest? request)
    {
        if (request?.Share is { } supplied)
        {
            session.Http.WipeWhenDone(supplied);
        }
    }

    private static ProblemHttpResult? InvalidShare(ShareRequest? request) =>
        request?.Share is { Length: not ServerShare.ShareSize }
            ? Problems.InvalidRequest(
                $"{Problems.Member(nameof(ShareRequest.Share))} must be {ServerShare.ShareSize} bytes (base64), or absent for a share drawn by the server.")
            : null;
}
