using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto.Dpop;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Devices;

public static class DeviceEndpoints
{
    public static IEndpointRouteBuilder MapDevices(this IEndpointRouteBuilder routes)
    {
        var devices = routes.MapGroup("/v1/devices").WithTags("Devices").RequireSession();
        devices.MapGet("/", ListAsync).WithName("ListDevices");
        devices.MapPost("/", EnrolAsync).WithName("EnrolDevice");
        devices.MapDelete("/{id:guid}", RevokeAsync).WithName("RevokeDevice");
        return routes;
    }

    public sealed record DeviceView(
        Guid Id,
        string Name,
        string Thumbprint,
        DateTimeOffset CreatedAt,
        DateTimeOffset? RevokedAt,
        DateTimeOffset? LockedAt,
        bool Current);

    /// <summary>Enrol another device's public key (a JWK) from an existing session, e.g. to provision a sync host.</summary>
    public sealed record EnrolRequest(string? Name, JsonElement? Jwk);

    private static async Task<Ok<DeviceView[]>> ListAsync(HttpContext http, SymbolonDbContext db, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == caller.UserId).ToListAsync(cancellationToken);
        return TypedResults.Ok(devices
            .OrderBy(d => d.CreatedAt)
            .Select(d => new DeviceView(d.Id, d.Name, d.Thumbprint, d.CreatedAt, d.RevokedAt, d.LockedAt, d.Id == caller.Device.Id))
            .ToArray());
    }

    private static async Task<Results<Created<DeviceView>, ProblemHttpResult>> EnrolAsync(
        EnrolRequest request, HttpContext http, SymbolonDbContext db, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var name = string.IsNullOrWhiteSpace(request.Name) ? "device" : request.Name.Trim();
        if (name.Length > 100 || request.Jwk is not { } jwk || !DevicePublicKey.TryParseJwk(jwk, out var key) || key is null)
        {
            return Problems.InvalidRequest("`jwk` must be a public P-256 JWK (kty EC, crv P-256, x, y; no private part) and `name` at most 100 characters.");
        }

        if (await db.Devices.AnyAsync(d => d.UserId == caller.UserId && d.Thumbprint == key.Thumbprint, cancellationToken))
        {
            return Problems.InvalidRequest("That key is already enrolled (or was revoked) for this account.");
        }

        var device = new Device
        {
            Id = Guid.CreateVersion7(),
            UserId = caller.UserId,
            Name = name,
            Thumbprint = key.Thumbprint,
            PublicJwk = key.ToJwkJson(),
            CreatedAt = time.GetUtcNow(),
        };
        db.Devices.Add(device);
        await audit.AppendAsync(db, AuditEvents.DeviceEnrolled, caller.UserId, device.Id, detail: "by device " + caller.Device.Id, cancellationToken: cancellationToken);
        return TypedResults.Created($"/v1/devices/{device.Id}", new DeviceView(device.Id, device.Name, device.Thumbprint, device.CreatedAt, null, null, false));
    }

    /// <summary>Revokes a device and ends all its sessions at once; it can never log in again with that key.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, HttpContext http, SymbolonDbContext db, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.GetCaller();
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id && d.UserId == caller.UserId, cancellationToken);
        if (device is null)
        {
            return Problems.NotFound();
        }

        var now = time.GetUtcNow();
        if (device.RevokedAt is null)
        {
            device.RevokedAt = now;
            var sessions = await db.Sessions.Where(s => s.DeviceId == id && s.RevokedAt == null).ToListAsync(cancellationToken);
            foreach (var session in sessions)
            {
                session.RevokedAt = now;
                session.RevokedReason = "device revoked";
            }

            await audit.AppendAsync(db, AuditEvents.DeviceRevoked, caller.UserId, device.Id, detail: "by device " + caller.Device.Id, cancellationToken: cancellationToken);
        }

        return TypedResults.NoContent();
    }
}
