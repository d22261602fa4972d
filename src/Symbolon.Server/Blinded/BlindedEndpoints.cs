// Blinded mode: RFC 9497 POPRF (ristretto255-SHA512) with one key per user; the unit id is the public info.
// docs/spec.md §10, docs/api.md.
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto;
using Symbolon.Crypto.Oprf;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;
using Symbolon.Server.Units;

namespace Symbolon.Server.Blinded;

/// <summary>
/// The server side of blinded items. The server holds one POPRF key per user (per epoch) and evaluates it on blinded
/// elements for the user's blinded units: it never sees a unit's key material or the client's input, yet every
/// evaluation takes the one path of every unit use (<see cref="UnitUse"/>): authenticated, device-bound, audited and
/// rate-limited exactly like a release.
/// </summary>
public static class BlindedEndpoints
{
    public static IEndpointRouteBuilder MapBlinded(this IEndpointRouteBuilder routes)
    {
        var blinded = routes.MapGroup("").WithTags("Blinded").RequireSession();
        blinded.MapGet(Routes.OprfKey, KeyAsync).WithName("OprfKey").ProducesProblems(ProblemTypes.NotFound, ProblemTypes.KeyDamaged);
        blinded.MapPost(Routes.OprfRotate, RotateAsync).WithName("RotateOprfKey").ProducesProblems(ProblemTypes.KeyDamaged);
        blinded.MapPost(Routes.OprfConfirm, ConfirmAsync).WithName("ConfirmOprfKey")
            .ProducesProblems(ProblemTypes.NotFound, ProblemTypes.ReauthenticationRequired, ProblemTypes.RateLimited);
        blinded.MapPost(Routes.UnitEvaluate, EvaluateAsync).RunsOwnWriteSet().WithName("EvaluateUnit").ProducesProblems(UnitUse.ProblemSlugs(UnitUseMode.Evaluate));
        return routes;
    }

    /// <summary>The public key of an active epoch (default: the newest). The user's first request creates epoch 1.</summary>
    private static async Task<Results<Ok<OprfKeyResponse>, ProblemHttpResult>> KeyAsync(
        [FromQuery(Name = Routes.EpochParameter)] int? epoch, [AsParameters] SessionContext session, OprfKeys keys)
    {
        var (_, db, _, _, cancellationToken) = session;
        var userId = session.Caller.UserId;
        var active = await db.OprfKeys.Where(k => k.UserId == userId && k.State == UnitVersionState.Active).ToListAsync(cancellationToken);
        if (epoch is null or 1 && active.Count == 0 && !await db.OprfKeys.AnyAsync(k => k.UserId == userId, cancellationToken))
        {
            active.Add((await keys.CreateAsync(session, 1)).Key);
        }

        var key = epoch is null ? active.MaxBy(k => k.Epoch) : active.SingleOrDefault(k => k.Epoch == epoch);
        return key is null ? Problems.NotFound() : PublicKey(keys, key);
    }

    /// <summary>
    /// Starts a key rotation: a new epoch. Older epochs keep evaluating until it is confirmed. While a rotation is in
    /// progress (two epochs active) it answers the newest instead of adding a third, so repeated calls cannot pile up keys.
    /// </summary>
    private static async Task<Results<Ok<OprfKeyResponse>, ProblemHttpResult>> RotateAsync([AsParameters] SessionContext session, OprfKeys keys)
    {
        var userId = session.Caller.UserId;
        var existing = await session.Db.OprfKeys.Where(k => k.UserId == userId).ToListAsync(session.CancellationToken);
        var active = existing.Where(k => k.State == UnitVersionState.Active).ToList();
        if (active.Count >= 2)
        {
            return PublicKey(keys, active.MaxBy(k => k.Epoch)!);
        }

        var (key, publicKey) = await keys.CreateAsync(session, (existing.Count == 0 ? 0 : existing.Max(k => k.Epoch)) + 1);
        return TypedResults.Ok(new OprfKeyResponse(key.Epoch, publicKey));
    }

    /// <summary>
    /// The client re-derived its items under <see cref="EpochRequest.Epoch"/>. Older epochs are retired and their keys
    /// destroyed only when no live blinded unit of the account that was ever evaluated still lacks an evaluation under
    /// that epoch: the items of the account's other devices (each derives its own inputs) must move first, or they
    /// could never open again. Until then the confirm reports how many are pending and keeps the older keys.
    /// </summary>
    private static async Task<Results<Ok<OprfConfirmResponse>, ProblemHttpResult>> ConfirmAsync(
        EpochRequest request, [AsParameters] SessionContext session, DestructiveRequests destructive)
    {
        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;
        var active = await db.OprfKeys.Where(k => k.UserId == caller.UserId && k.State == UnitVersionState.Active).ToListAsync(cancellationToken);
        if (!active.Any(k => k.Epoch == request.Epoch))
        {
            return Problems.NotFound();
        }

        var evaluated = db.AuditRecords.Where(r => r.UserId == caller.UserId && r.Event == AuditEvents.UnitEvaluated);
        var pending = await db.Units
            .Where(u => u.UserId == caller.UserId && u.Kind == UnitKind.Blinded && u.ShreddedAt == null)
            .Where(u => evaluated.Any(r => r.UnitId == u.Id) && !evaluated.Any(r => r.UnitId == u.Id && r.UnitVersion >= request.Epoch))
            .CountAsync(cancellationToken);
        var retiring = pending > 0 ? [] : active.Where(k => k.Epoch < request.Epoch).ToList();
        if (retiring.Count > 0 && await destructive.RefuseAsync(session) is { } refused)
        {
            return refused;
        }

        var retired = new List<int>();
        var now = time.GetUtcNow();
        foreach (var old in retiring)
        {
            OprfKeys.Retire(old, now);
            retired.Add(old.Epoch);
            await audit.AppendAsync(db, AuditEvents.OprfKeyRetired, caller.UserId, caller.Device.Id, unitVersion: old.Epoch, cancellationToken: cancellationToken);
        }

        if (retired.Count > 0)
        {
            // A shredded blinded unit still in its grace period was last sealed under a retired key (rotations leave their
            // old units shredded), so restoring it would give back an item that can never open: it is destroyed at the
            // sweeper's next pass instead, and restoring it answers 404.
            await db.Units.Where(u => u.UserId == caller.UserId && u.Kind == UnitKind.Blinded && u.ShreddedAt != null && u.DestroyAt > now)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.DestroyAt, now), cancellationToken);
        }

        return TypedResults.Ok(new OprfConfirmResponse(retired, pending));
    }

    /// <summary>
    /// Evaluates the user's POPRF key of the requested epoch on one blinded element, with the unit id as the public
    /// info, and proves it (DLEQ). Malformed input is refused before anything is counted or recorded; then the one path
    /// of every unit use, as for a release.
    /// </summary>
    private static async Task<Results<Ok<EvaluateResponse>, ProblemHttpResult>> EvaluateAsync(
        Guid id, EvaluateRequest request, [AsParameters] SessionContext session, UnitUse use, OprfKeys keys)
    {
        if (InvalidElement(request.BlindedElement) is { } invalid)
        {
            return invalid;
        }

        EvaluateResponse? evaluated = null;
        if (await use.RunManyAsync(session, [EvaluateStep(session, keys, id, request.BlindedElement, request.Epoch, answer => evaluated = answer)]) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(evaluated!);
    }

    /// <summary>The problem of a blinded element that is not a canonical, non-identity ristretto255 element; null when it is one.</summary>
    public static ProblemHttpResult? InvalidElement(byte[] blindedElement) =>
        OprfServer.IsValidBlindedElement(blindedElement)
            ? null
            : Problems.InvalidRequest(
                $"{Problems.Member(nameof(EvaluateRequest.BlindedElement))} must be a {OprfEvaluation.ElementSize}-byte ristretto255 element (base64; canonical, not the identity).");

    /// <summary>One evaluation of the key of <paramref name="epoch"/> on a valid <paramref name="blindedElement"/> for unit <paramref name="id"/>.</summary>
    public static UnitUseStep EvaluateStep(SessionContext session, OprfKeys keys, Guid id, byte[] blindedElement, int epoch, Action<EvaluateResponse> answered)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(keys);
        return UnitUseStep.Of<OprfKey, EvaluateResponse>(
            id,
            UnitUseMode.Evaluate,
            async () =>
            {
                var unit = await UnitUse.FindUnitAsync(session, id, UnitKind.Blinded, tracked: false);
                return (epoch, unit is null ? null : await OprfKeys.FindActiveAsync(session, epoch));
            },
            key =>
            {
                // Unwrapped before the write set; evaluated only once the use's record has committed, so a refused use
                // costs no evaluation. The key is disposed (wiped) with the response, whichever way it ends.
                var privateKey = keys.Open(key);
                if (privateKey is null)
                {
                    return null;
                }

                session.Http.Response.RegisterForDispose(privateKey);
                return receipt =>
                {
                    var evaluation = OprfServer.BlindEvaluate(privateKey, blindedElement, BlindedShare.Info(id));
                    return new EvaluateResponse(id, key.Epoch, evaluation.EvaluatedElements[0], evaluation.Proof.ToArray(), receipt);
                };
            },
            answered);
    }

    /// <summary>The epoch's public key, computed from the stored private key (so it always matches what evaluates).</summary>
    private static Results<Ok<OprfKeyResponse>, ProblemHttpResult> PublicKey(OprfKeys keys, OprfKey key)
    {
        using var privateKey = keys.Open(key);
        return privateKey is null ? Problems.KeyDamaged() : TypedResults.Ok(new OprfKeyResponse(key.Epoch, privateKey.PublicKey.ToArray()));
    }
}
