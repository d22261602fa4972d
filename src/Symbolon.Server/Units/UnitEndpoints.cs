using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Keys;
using Symbolon.Server.Limits;
using Symbolon.Server.Operations;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Units;

/// <summary>
/// Units: one server share per stored credential. Another user's unit, a shredded unit and a retired version all
/// answer 404, never 403, so ids reveal nothing.
/// </summary>
public static partial class UnitEndpoints
{
    public static IEndpointRouteBuilder MapUnits(this IEndpointRouteBuilder routes)
    {
        var units = routes.MapGroup("/v1/units").WithTags("Units").RequireSession();
        units.MapGet("/", ListAsync).WithName("ListUnits");
        units.MapPost("/", CreateAsync).WithName("CreateUnit");
        units.MapPost("/{id:guid}/release", ReleaseAsync).WithName("ReleaseShare");
        units.MapPost("/{id:guid}/rotate", RotateAsync).WithName("RotateUnit");
        units.MapPost("/{id:guid}/confirm", ConfirmAsync).WithName("ConfirmRotation");
        units.MapDelete("/{id:guid}", ShredAsync).WithName("ShredUnit");
        return routes;
    }

    /// <summary>The unit and its share; for a blinded unit, version 0 and no share (there is none).</summary>
    public sealed record ShareResponse(Guid UnitId, int Version, byte[]? Share);

    /// <summary>
    /// Create or rotate. <see cref="Share"/> is normally absent and the server draws the share; a threshold client sends
    /// its own (one Shamir share of a secret it drew), which the server then treats exactly like one it drew.
    /// <see cref="Blinded"/> (create only) makes a blinded-mode unit: no share, evaluated with the user's POPRF key.
    /// </summary>
    public sealed record ShareRequest(byte[]? Share, bool Blinded = false);

    public sealed record ReleaseRequest(int? Version);

    public sealed record ConfirmRequest(int Version);

    public sealed record ReceiptView(long Sequence, byte[] ChainHash, Guid UnitId, Guid DeviceId, DateTimeOffset Time, byte[] Signature);

    public sealed record ReleaseResponse(Guid UnitId, int Version, byte[] Share, ReceiptView Receipt);

    public sealed record VersionView(int Version, string State, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

    public sealed record UnitView(Guid Id, int CurrentVersion, DateTimeOffset CreatedAt, VersionView[] Versions);

    private static async Task<Ok<UnitView[]>> ListAsync(HttpContext http, SymbolonDbContext db, CancellationToken cancellationToken)
    {
        var userId = http.GetCaller().UserId;
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
                .Select(v => new VersionView(v.Version, v.State == UnitVersionState.Active ? "active" : "retired", v.CreatedAt, v.RetiredAt))
                .ToArray()))
            .ToArray());
    }

    /// <summary>Draws a fresh share with the CSPRNG (or takes the client's), stores it sealed, and returns it once.</summary>
    private static async Task<Results<Created<ShareResponse>, ProblemHttpResult>> CreateAsync(
        ShareRequest? request, HttpContext http, SymbolonDbContext db, ShareProtector protector, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidShare(request) is { } invalid)
        {
            return invalid;
        }

        var caller = http.GetCaller();
        var blinded = request?.Blinded == true;
        if (blinded && request!.Share is not null)
        {
            return Problems.InvalidRequest("A blinded unit holds no share: send `blinded` or `share`, not both.");
        }

        var unit = new Unit
        {
            Id = Guid.CreateVersion7(),
            UserId = caller.UserId,
            Kind = blinded ? UnitKind.Blinded : UnitKind.Share,
            CurrentVersion = blinded ? 0 : 1,
            CreatedAt = time.GetUtcNow(),
        };
        db.Units.Add(unit);
        var share = blinded ? null : AddVersion(db, protector, unit, 1, unit.CreatedAt, request?.Share);
        await audit.AppendAsync(db, AuditEvents.UnitCreated, caller.UserId, caller.Device.Id, unit.Id, blinded ? null : 1, blinded ? "blinded" : "", cancellationToken);
        // A share the client supplied is not echoed back: it has it, and it should cross the network once.
        return TypedResults.Created($"/v1/units/{unit.Id}", new ShareResponse(unit.Id, unit.CurrentVersion, request?.Share is null ? share : null));
    }

    /// <summary>
    /// Releases one version's share after the limits allow it and its audit record is in the same transaction; the
    /// transaction commits (durably) before the response is written, so no share leaves without its record.
    /// </summary>
    private static async Task<Results<Ok<ReleaseResponse>, ProblemHttpResult>> ReleaseAsync(
        Guid id,
        ReleaseRequest? request,
        HttpContext http,
        SymbolonDbContext db,
        ShareProtector protector,
        ReleaseLimiter limiter,
        AuditLog audit,
        AuditSigner signer,
        ServerMetrics metrics,
        ILogger<ShareResponse> logger,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var caller = http.GetCaller();
        var unit = await FindUnitAsync(db, caller, id, cancellationToken, UnitKind.Share);
        var versionNumber = request?.Version ?? unit?.CurrentVersion ?? 0;
        var version = unit is null ? null : await db.UnitVersions.SingleOrDefaultAsync(
            v => v.UnitId == id && v.Version == versionNumber && v.State == UnitVersionState.Active, cancellationToken);
        if (unit is null || version is null)
        {
            await DenyAsync(db, audit, metrics, caller, id, versionNumber == 0 ? null : versionNumber, "not found", "not-found", cancellationToken);
            return Problems.NotFound();
        }

        if (await RefuseAsync(http, db, caller, id, version.Version, limiter, audit, metrics, cancellationToken) is { } refused)
        {
            return refused;
        }

        var share = new byte[ServerShare.ShareSize];
        if (!protector.TryUnprotect(version.KekId, version.SealedShare, caller.UserId, id, version.Version, share))
        {
            LogDamagedShare(logger, id, version.Version);
            await DenyAsync(db, audit, metrics, caller, id, version.Version, "stored share failed its integrity check", "share-damaged", cancellationToken);
            return TypedResults.Problem(Problems.Details(StatusCodes.Status500InternalServerError, "share-damaged",
                "The stored share is damaged.", "The server's copy of this share failed its integrity check. The operator has been told."));
        }

        var record = await audit.AppendAsync(db, AuditEvents.UnitReleased, caller.UserId, caller.Device.Id, id, version.Version, cancellationToken: cancellationToken);
        metrics.Released(Stopwatch.GetElapsedTime(started));
        return TypedResults.Ok(new ReleaseResponse(id, version.Version, share, Receipt(record, id, caller, signer)));
    }

    /// <summary>
    /// The checks every use of a unit passes before its secret work (release or evaluation): the device is not locked,
    /// and the rate limits and the distinct-unit quota allow it. A refusal is audited and answered; null means go on.
    /// </summary>
    internal static async Task<ProblemHttpResult?> RefuseAsync(
        HttpContext http, SymbolonDbContext db, Caller caller, Guid unitId, int? version, ReleaseLimiter limiter, AuditLog audit, ServerMetrics metrics, CancellationToken cancellationToken)
    {
        if (caller.Device.LockedAt is not null)
        {
            await DenyAsync(db, audit, metrics, caller, unitId, version, "device locked", "device-locked", cancellationToken);
            return Problems.DeviceLocked();
        }

        if (await limiter.TryAcquireAsync(db, caller, unitId, cancellationToken) is { } denial)
        {
            var auditEvent = denial.Kind == "quota-exceeded" ? AuditEvents.DeviceLocked : AuditEvents.RateLimited;
            await audit.AppendAsync(db, auditEvent, caller.UserId, caller.Device.Id, unitId, version, denial.Kind, cancellationToken);
            metrics.Denied(denial.Kind);
            return Problems.TooManyRequests(http, denial.Kind, denial.RetryAfter, denial.Detail);
        }

        return null;
    }

    /// <summary>Audits a refused use of a unit (<paramref name="detail"/>) and counts it under <paramref name="reason"/>; the caller answers the problem.</summary>
    internal static async Task DenyAsync(
        SymbolonDbContext db, AuditLog audit, ServerMetrics metrics, Caller caller, Guid unitId, int? version, string detail, string reason, CancellationToken cancellationToken)
    {
        await audit.AppendAsync(db, AuditEvents.UnitDenied, caller.UserId, caller.Device.Id, unitId, version, detail, cancellationToken);
        metrics.Denied(reason);
    }

    /// <summary>The signed receipt of a use's audit record.</summary>
    internal static ReceiptView Receipt(AuditRecord record, Guid unitId, Caller caller, AuditSigner signer)
    {
        var receipt = new ReleaseReceipt(record.Sequence, record.Hash, unitId, caller.Device.Id, record.Time);
        return new ReceiptView(receipt.Sequence, receipt.ChainHash, receipt.UnitId, receipt.DeviceId, receipt.Time, signer.Sign(receipt));
    }

    /// <summary>
    /// Adds a new version with a fresh share. Older versions stay releasable (so the client can open the item it is
    /// re-sealing) until the client confirms the new one; then they are retired and their shares destroyed.
    /// </summary>
    private static async Task<Results<Ok<ShareResponse>, ProblemHttpResult>> RotateAsync(
        Guid id, ShareRequest? request, HttpContext http, SymbolonDbContext db, ShareProtector protector, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidShare(request) is { } invalid)
        {
            return invalid;
        }

        var caller = http.GetCaller();
        var unit = await FindUnitAsync(db, caller, id, cancellationToken, UnitKind.Share);
        if (unit is null)
        {
            return Problems.NotFound();
        }

        var next = await db.UnitVersions.Where(v => v.UnitId == id).MaxAsync(v => v.Version, cancellationToken) + 1;
        var share = AddVersion(db, protector, unit, next, time.GetUtcNow(), request?.Share);
        await audit.AppendAsync(db, AuditEvents.UnitRotated, caller.UserId, caller.Device.Id, id, next, cancellationToken: cancellationToken);
        return TypedResults.Ok(new ShareResponse(id, next, request?.Share is null ? share : null));
    }

    /// <summary>The client has re-sealed under <see cref="ConfirmRequest.Version"/>: that becomes current, older versions are retired.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ConfirmAsync(
        Guid id, ConfirmRequest request, HttpContext http, SymbolonDbContext db, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var unit = await FindUnitAsync(db, caller, id, cancellationToken, UnitKind.Share);
        var versions = unit is null ? [] : await db.UnitVersions.Where(v => v.UnitId == id).ToListAsync(cancellationToken);
        if (unit is null || !versions.Any(v => v.Version == request.Version && v.State == UnitVersionState.Active))
        {
            return Problems.NotFound();
        }

        unit.CurrentVersion = request.Version;
        foreach (var old in versions.Where(v => v.Version < request.Version && v.State == UnitVersionState.Active))
        {
            Retire(old, time.GetUtcNow());
            await audit.AppendAsync(db, AuditEvents.UnitRetired, caller.UserId, caller.Device.Id, id, old.Version, cancellationToken: cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>Crypto-shreds a unit: every stored share is destroyed; the id answers 404 from now on.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ShredAsync(
        Guid id, HttpContext http, SymbolonDbContext db, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var unit = await FindUnitAsync(db, caller, id, cancellationToken);
        if (unit is null)
        {
            return Problems.NotFound();
        }

        var now = time.GetUtcNow();
        unit.ShreddedAt = now;
        foreach (var version in await db.UnitVersions.Where(v => v.UnitId == id).ToListAsync(cancellationToken))
        {
            Retire(version, now);
        }

        await audit.AppendAsync(db, AuditEvents.UnitShredded, caller.UserId, caller.Device.Id, id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The caller's live unit with this id (of this kind, when given), or null: others' units look the same as none.</summary>
    internal static Task<Unit?> FindUnitAsync(SymbolonDbContext db, Caller caller, Guid id, CancellationToken cancellationToken, UnitKind? kind = null) =>
        db.Units.SingleOrDefaultAsync(u => u.Id == id && u.UserId == caller.UserId && u.ShreddedAt == null && (kind == null || u.Kind == kind), cancellationToken);

    private static ProblemHttpResult? InvalidShare(ShareRequest? request) =>
        request?.Share is { Length: not ServerShare.ShareSize }
            ? Problems.InvalidRequest($"`share` must be {ServerShare.ShareSize} bytes (base64), or absent for a share drawn by the server.")
            : null;

    private static byte[] AddVersion(SymbolonDbContext db, ShareProtector protector, Unit unit, int version, DateTimeOffset now, byte[]? supplied)
    {
        var share = supplied ?? RandomNumberGenerator.GetBytes(ServerShare.ShareSize);
        db.UnitVersions.Add(new UnitVersion
        {
            UnitId = unit.Id,
            Version = version,
            SealedShare = protector.Protect(share, unit.UserId, unit.Id, version),
            KekId = protector.CurrentKeyId,
            State = UnitVersionState.Active,
            CreatedAt = now,
        });
        return share;
    }

    /// <summary>Destroying the sealed bytes is the shred: without them no KEK can bring the share back.</summary>
    private static void Retire(UnitVersion version, DateTimeOffset now)
    {
        version.State = UnitVersionState.Retired;
        version.RetiredAt = now;
        version.SealedShare = [];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored share of unit {UnitId} version {Version} failed its integrity check (tampered row or wrong KEK)")]
    private static partial void LogDamagedShare(ILogger logger, Guid unitId, int version);
}
