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

    /// <summary>The public key of an active epoch (default: the newest). The user's first request creates epoch 1.</summary>
    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> KeyAsync(
        int? epoch, HttpContext http, SymbolonDbContext db, ShareProtector protector, AuditLog audit, TimeProvider time, ILogger<KeyResponse> logger, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var active = await db.OprfKeys.Where(k => k.UserId == caller.UserId && k.State == UnitVersionState.Active).ToListAsync(cancellationToken);
        if (active.Count == 0 && !await db.OprfKeys.AnyAsync(k => k.UserId == caller.UserId, cancellationToken))
        {
            active.Add(await CreateKeyAsync(db, protector, audit, caller, 1, time, cancellationToken));
        }

        var key = epoch is null ? active.MaxBy(k => k.Epoch) : active.SingleOrDefault(k => k.Epoch == epoch);
        if (key is null)
        {
            return Problems.NotFound();
        }

        using var privateKey = Unwrap(protector, key, logger);
        return privateKey is null ? KeyDamaged() : TypedResults.Ok(new KeyResponse(key.Epoch, privateKey.PublicKey.ToArray()));
    }

    /// <summary>Starts a key rotation: a new epoch. Older epochs keep evaluating until the client confirms the new one.</summary>
    private static async Task<Ok<KeyResponse>> RotateAsync(
        HttpContext http, SymbolonDbContext db, ShareProtector protector, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var next = (await db.OprfKeys.Where(k => k.UserId == caller.UserId).MaxAsync(k => (int?)k.Epoch, cancellationToken) ?? 0) + 1;
        var key = await CreateKeyAsync(db, protector, audit, caller, next, time, cancellationToken, out var publicKey);
        return TypedResults.Ok(new KeyResponse(key.Epoch, publicKey));
    }

    /// <summary>The client re-derived its items under <see cref="EpochRequest.Epoch"/>: older epochs are retired and their keys destroyed.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ConfirmAsync(
        EpochRequest request, HttpContext http, SymbolonDbContext db, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var active = await db.OprfKeys.Where(k => k.UserId == caller.UserId && k.State == UnitVersionState.Active).ToListAsync(cancellationToken);
        if (!active.Any(k => k.Epoch == request.Epoch))
        {
            return Problems.NotFound();
        }

        foreach (var old in active.Where(k => k.Epoch < request.Epoch))
        {
            old.State = UnitVersionState.Retired;
            old.RetiredAt = time.GetUtcNow();
            old.SealedKey = [];
            await audit.AppendAsync(db, AuditEvents.OprfKeyRetired, caller.UserId, caller.Device.Id, unitVersion: old.Epoch, cancellationToken: cancellationToken);
        }

        return TypedResults.NoContent();
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
        if (request.BlindedElement is not { Length: OprfEvaluation.ElementSize })
        {
            return Problems.InvalidRequest($"`blindedElement` must be {OprfEvaluation.ElementSize} bytes (base64).");
        }

        var caller = http.GetCaller();
        var unit = await UnitEndpoints.FindUnitAsync(db, caller, id, cancellationToken, UnitKind.Blinded);
        var key = unit is null ? null : await db.OprfKeys.SingleOrDefaultAsync(
            k => k.UserId == caller.UserId && k.Epoch == request.Epoch && k.State == UnitVersionState.Active, cancellationToken);
        if (unit is null || key is null)
        {
            await audit.AppendAsync(db, AuditEvents.UnitDenied, caller.UserId, caller.Device.Id, id, request.Epoch, "not found", cancellationToken);
            metrics.Denied("not-found");
            return Problems.NotFound();
        }

        using var privateKey = Unwrap(protector, key, logger);
        if (privateKey is null)
        {
            await audit.AppendAsync(db, AuditEvents.UnitDenied, caller.UserId, caller.Device.Id, id, key.Epoch, "stored key failed its integrity check", cancellationToken);
            metrics.Denied("key-damaged");
            return KeyDamaged();
        }

        OprfEvaluation evaluation;
        try
        {
            evaluation = OprfServer.BlindEvaluate(privateKey, request.BlindedElement, BlindedShare.Info(id));
        }
        catch (OprfException)
        {
            return Problems.InvalidRequest("`blindedElement` is not a valid ristretto255 element (canonical, not the identity).");
        }

        if (await UnitEndpoints.RefuseAsync(http, db, caller, id, key.Epoch, limiter, audit, metrics, cancellationToken) is { } refused)
        {
            return refused;
        }

        var record = await audit.AppendAsync(db, AuditEvents.UnitEvaluated, caller.UserId, caller.Device.Id, id, key.Epoch, cancellationToken: cancellationToken);
        metrics.Released(Stopwatch.GetElapsedTime(started));
        return TypedResults.Ok(new EvaluateResponse(id, key.Epoch, evaluation.EvaluatedElements[0], evaluation.Proof.ToArray(), UnitEndpoints.Receipt(record, id, caller, signer)));
    }

    private static Task<OprfKey> CreateKeyAsync(
        SymbolonDbContext db, ShareProtector protector, AuditLog audit, Caller caller, int epoch, TimeProvider time, CancellationToken cancellationToken) =>
        CreateKeyAsync(db, protector, audit, caller, epoch, time, cancellationToken, out _);

    private static Task<OprfKey> CreateKeyAsync(
        SymbolonDbContext db, ShareProtector protector, AuditLog audit, Caller caller, int epoch, TimeProvider time, CancellationToken cancellationToken, out byte[] publicKey)
    {
        using var privateKey = OprfPrivateKey.Generate(OprfMode.Poprf);
        Span<byte> scalar = stackalloc byte[OprfPrivateKey.KeySize];
        OprfKey key;
        try
        {
            privateKey.ExportUnsafe(scalar);
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

        publicKey = privateKey.PublicKey.ToArray();
        db.OprfKeys.Add(key);
        return AppendCreatedAsync(db, audit, caller, key, cancellationToken);
    }

    private static async Task<OprfKey> AppendCreatedAsync(SymbolonDbContext db, AuditLog audit, Caller caller, OprfKey key, CancellationToken cancellationToken)
    {
        await audit.AppendAsync(db, AuditEvents.OprfKeyCreated, caller.UserId, caller.Device.Id, unitVersion: key.Epoch, cancellationToken: cancellationToken);
        return key;
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
