// Blinded mode: RFC 9497 POPRF (ristretto255-SHA512) with one key per user; the unit id is the public info.
// docs/spec.md §10, docs/api.md.
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto;
using Symbolon.Crypto.Oprf;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Keys;
using Symbolon.Server.Limits;
using Symbolon.Server.Operations;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;
using Symbolon.Server.Units;

namespace Symbolon.Server.Blinded;

/// <summary>
/// The server side of blinded items. The server holds one POPRF key per user (per epoch) and evaluates it on blinded
/// elements for the user's blinded units: it never sees a unit's key material or the client's input, yet every
/// evaluation is authenticated, device-bound, audited and rate-limited exactly like a release.
/// </summary>
public static partial class BlindedEndpoints
{
    public static IEndpointRouteBuilder MapBlinded(this IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/v1/oprf").WithTags("Blinded").RequireSession();
        keys.MapGet("/key", KeyAsync).WithName("OprfKey");
        keys.MapPost("/rotate", RotateAsync).WithName("RotateOprfKey");
        keys.MapPost("/confirm", ConfirmAsync).WithName("ConfirmOprfKey");
        routes.MapGroup("/v1/units").WithTags("Blinded").RequireSession().MapPost("/{id:guid}/evaluate", EvaluateAsync).WithName("EvaluateUnit");
        return routes;
    }

    public sealed record KeyResponse(int Epoch, byte[] PublicKey);

    public sealed record EpochRequest(int Epoch);

    public sealed record EvaluateRequest(byte[]? BlindedElement, int Epoch);

    public sealed record EvaluateResponse(Guid UnitId, int Epoch, byte[] EvaluatedElement, byte[] Proof, UnitEndpoints.ReceiptView Receipt);

    /// <summary>
    /// What a confirm did: the epochs retired now, and how many of the account's blinded units (items of other devices
    /// or homes) have not been evaluated under the confirmed epoch yet — while any remain, older keys are kept.
    /// </summary>
    public sealed record ConfirmResponse(int[] Retired, int PendingUnits);

    /// <summary>The public key of an active epoch (default: the newest). The user's first request creates epoch 1.</summary>
    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> KeyAsync(
        int? epoch, HttpContext http, SymbolonDbContext db, ShareProtector protector, AuditLog audit, TimeProvider time, ILogger<KeyResponse> logger, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var active = await db.OprfKeys.Where(k => k.UserId == caller.UserId && k.State == UnitVersionState.Active).ToListAsync(cancellationToken);
        if (epoch is null or 1 && active.Count == 0 && !await db.OprfKeys.AnyAsync(k => k.UserId == caller.UserId, cancellationToken))
        {
            active.Add((await CreateKeyAsync(db, protector, audit, caller, 1, time, cancellationToken)).Key);
        }

        var key = epoch is null ? active.MaxBy(k => k.Epoch) : active.SingleOrDefault(k => k.Epoch == epoch);
        return key is null ? Problems.NotFound() : PublicKey(protector, key, logger);
    }

    /// <summary>
    /// Starts a key rotation: a new epoch. Older epochs keep evaluating until it is confirmed. While a rotation is in
    /// progress (two epochs active) it answers the newest instead of adding a third, so repeated calls cannot pile up keys.
    /// </summary>
    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RotateAsync(
        HttpContext http, SymbolonDbContext db, ShareProtector protector, AuditLog audit, TimeProvider time, ILogger<KeyResponse> logger, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var keys = await db.OprfKeys.Where(k => k.UserId == caller.UserId).ToListAsync(cancellationToken);
        var active = keys.Where(k => k.State == UnitVersionState.Active).ToList();
        if (active.Count >= 2)
        {
            return PublicKey(protector, active.MaxBy(k => k.Epoch)!, logger);
        }

        var (key, publicKey) = await CreateKeyAsync(db, protector, audit, caller, (keys.Count == 0 ? 0 : keys.Max(k => k.Epoch)) + 1, time, cancellationToken);
        return TypedResults.Ok(new KeyResponse(key.Epoch, publicKey));
    }

    /// <summary>
    /// The client re-derived its items under <see cref="EpochRequest.Epoch"/>. Older epochs are retired and their keys
    /// destroyed only when no live blinded unit of the account that was ever evaluated still lacks an evaluation under
    /// that epoch: the items of the account's other devices (each derives its own inputs) must move first, or they
    /// could never open again. Until then the confirm reports how many are pending and keeps the older keys.
    /// </summary>
    private static async Task<Results<Ok<ConfirmResponse>, ProblemHttpResult>> ConfirmAsync(
        EpochRequest request, HttpContext http, SymbolonDbContext db, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
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
        var retired = new List<int>();
        foreach (var old in pending > 0 ? [] : active.Where(k => k.Epoch < request.Epoch))
        {
            old.State = UnitVersionState.Retired;
            old.RetiredAt = time.GetUtcNow();
            old.SealedKey = [];
            retired.Add(old.Epoch);
            await audit.AppendAsync(db, AuditEvents.OprfKeyRetired, caller.UserId, caller.Device.Id, unitVersion: old.Epoch, cancellationToken: cancellationToken);
        }

        return TypedResults.Ok(new ConfirmResponse([.. retired], pending));
    }

    /// <summary>
    /// Evaluates the user's POPRF key of the requested epoch on one blinded element, with the unit id as the public
    /// info, and proves it (DLEQ). Malformed input is refused before anything is counted or recorded; then the same
    /// device, rate and quota checks as a release; the audit record commits before the answer.
    /// </summary>
    private static async Task<Results<Ok<EvaluateResponse>, ProblemHttpResult>> EvaluateAsync(
        Guid id,
        EvaluateRequest request,
        HttpContext http,
        SymbolonDbContext db,
        ShareProtector protector,
        ReleaseLimiter limiter,
        AuditLog audit,
        AuditSigner signer,
        ServerMetrics metrics,
        ILogger<KeyResponse> logger,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (request.BlindedElement is null || !OprfServer.IsValidBlindedElement(request.BlindedElement))
        {
            return Problems.InvalidRequest($"`blindedElement` must be a {OprfEvaluation.ElementSize}-byte ristretto255 element (base64; canonical, not the identity).");
        }

        var caller = http.GetCaller();
        var unit = await UnitEndpoints.FindUnitAsync(db, caller, id, cancellationToken, UnitKind.Blinded);
        var key = unit is null ? null : await db.OprfKeys.SingleOrDefaultAsync(
            k => k.UserId == caller.UserId && k.Epoch == request.Epoch && k.State == UnitVersionState.Active, cancellationToken);
        if (unit is null || key is null)
        {
            await UnitEndpoints.DenyAsync(db, audit, metrics, caller, id, request.Epoch, "not found", "not-found", cancellationToken);
            return Problems.NotFound();
        }

        if (await UnitEndpoints.RefuseAsync(http, db, caller, id, key.Epoch, limiter, audit, metrics, cancellationToken) is { } refused)
        {
            return refused;
        }

        using var privateKey = Unwrap(protector, key, logger);
        if (privateKey is null)
        {
            await UnitEndpoints.DenyAsync(db, audit, metrics, caller, id, key.Epoch, "stored key failed its integrity check", "key-damaged", cancellationToken);
            return KeyDamaged();
        }

        var evaluation = OprfServer.BlindEvaluate(privateKey, request.BlindedElement, BlindedShare.Info(id));
        var record = await audit.AppendAsync(db, AuditEvents.UnitEvaluated, caller.UserId, caller.Device.Id, id, key.Epoch, cancellationToken: cancellationToken);
        metrics.Released(Stopwatch.GetElapsedTime(started));
        return TypedResults.Ok(new EvaluateResponse(id, key.Epoch, evaluation.EvaluatedElements[0], evaluation.Proof.ToArray(), UnitEndpoints.Receipt(record, id, caller, signer)));
    }

    private static async Task<(OprfKey Key, byte[] PublicKey)> CreateKeyAsync(
        SymbolonDbContext db, ShareProtector protector, AuditLog audit, Caller caller, int epoch, TimeProvider time, CancellationToken cancellationToken)
    {
        OprfKey key;
        byte[] publicKey;
        var scalar = new byte[OprfPrivateKey.KeySize];
        using (var privateKey = OprfPrivateKey.Generate(OprfMode.Poprf))
        {
            privateKey.ExportUnsafe(scalar);
            publicKey = privateKey.PublicKey.ToArray();
        }

        try
        {
            key = new OprfKey
            {
                UserId = caller.UserId,
                Epoch = epoch,
                SealedKey = protector.ProtectOprfKey(scalar, caller.UserId, epoch),
                KekId = protector.CurrentKeyId,
                State = UnitVersionState.Active,
                CreatedAt = time.GetUtcNow(),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }

        db.OprfKeys.Add(key);
        await audit.AppendAsync(db, AuditEvents.OprfKeyCreated, caller.UserId, caller.Device.Id, unitVersion: key.Epoch, cancellationToken: cancellationToken);
        return (key, publicKey);
    }

    /// <summary>The epoch's public key, computed from the stored private key (so it always matches what evaluates).</summary>
    private static Results<Ok<KeyResponse>, ProblemHttpResult> PublicKey(ShareProtector protector, OprfKey key, ILogger logger)
    {
        using var privateKey = Unwrap(protector, key, logger);
        return privateKey is null ? KeyDamaged() : TypedResults.Ok(new KeyResponse(key.Epoch, privateKey.PublicKey.ToArray()));
    }

    private static OprfPrivateKey? Unwrap(ShareProtector protector, OprfKey key, ILogger logger)
    {
        Span<byte> scalar = stackalloc byte[OprfPrivateKey.KeySize];
        try
        {
            if (!protector.TryUnprotectOprfKey(key.KekId, key.SealedKey, key.UserId, key.Epoch, scalar))
            {
                LogDamagedKey(logger, key.UserId, key.Epoch);
                return null;
            }

            return OprfPrivateKey.Import(OprfMode.Poprf, scalar);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    private static ProblemHttpResult KeyDamaged() =>
        TypedResults.Problem(Problems.Details(StatusCodes.Status500InternalServerError, "key-damaged",
            "The stored key is damaged.", "The server's copy of this account's blinded-mode key failed its integrity check. The operator has been told."));

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored POPRF key of user {UserId} epoch {Epoch} failed its integrity check (tampered row or wrong KEK)")]
    private static partial void LogDamagedKey(ILogger logger, Guid userId, int epoch);
}
