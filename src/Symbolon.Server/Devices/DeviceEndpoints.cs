using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto.Dpop;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Devices;

public static class DeviceEndpoints
{
    public static IEndpointRouteBuilder MapDevices(this IEndpointRouteBuilder routes)
    {
        var devices = routes.MapGroup("").WithTags("Devices").RequireSession();
        devices.MapGet(Routes.Devices, ListAsync).ReadsOnly().OpenToPendingDevices().WithName("ListDevices");
        devices.MapPost(Routes.Devices, EnrolAsync).OpenToPendingDevices().WithName("EnrolDevice");
        devices.MapDelete(Routes.Device, RevokeAsync).WithName("RevokeDevice")
            .ProducesProblems(ProblemTypes.NotFound, ProblemTypes.ReauthenticationRequired, ProblemTypes.RateLimited, ProblemTypes.DevicePendingApproval);
        devices.MapPost(Routes.DeviceApprove, ApproveAsync).WithName("ApproveDevice").ProducesProblems(ProblemTypes.NotFound, ProblemTypes.DevicePendingApproval);
        return routes;
    }

    private static async Task<Ok<DeviceView[]>> ListAsync([AsParameters] SessionContext session)
    {
        var caller = session.Caller;
        var devices = await session.Db.Devices.AsNoTracking().Where(d => d.UserId == caller.UserId).ToListAsync(session.CancellationToken);
        return TypedResults.Ok(devices
            .OrderBy(d => d.CreatedAt)
            .Select(d => View(d, d.Id == caller.Device.Id))
            .ToArray());
    }

    /// <summary>Enrols another device's public key (a JWK) from an existing session, e.g. to provision a sync host.</summary>
    private static async Task<Results<Created<DeviceView>, ProblemHttpResult>> EnrolAsync(EnrolDeviceRequest request, [AsParameters] SessionContext session)
    {
        var caller = session.Caller;
        if (!DeviceNames.TryNormalise(request.Name, out var name))
        {
            return Problems.InvalidRequest($"{Problems.Member(nameof(EnrolDeviceRequest.Name))} must be {DeviceNames.Rule}.");
        }

        if (!DevicePublicKey.TryParseJwk(request.Jwk, out var key))
        {
            return Problems.InvalidRequest(
                $"{Problems.Member(nameof(EnrolDeviceRequest.Jwk))} must be a public P-256 JWK (kty EC, crv P-256, x, y; no private part).");
        }

        if (await session.Db.Devices.AnyAsync(d => d.UserId == caller.UserId && d.Thumbprint == key.Thumbprint, session.CancellationToken))
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
            CreatedAt = session.Time.GetUtcNow(),

            // A device awaiting approval cannot vouch for another.
            PendingApproval = caller.Device.PendingApproval,
        };
        session.Db.Devices.Add(device);
        await session.Audit.AppendAsync(session.Db, AuditEvents.DeviceEnrolled, caller.UserId, device.Id, detail: "by device " + caller.Device.Id, cancellationToken: session.CancellationToken);
        return TypedResults.Created(Routes.DeviceOf(device.Id), View(device, current: false));
    }

    /// <summary>Revokes a device and ends all its sessions at once; it can never log in again with that key.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(Guid id, [AsParameters] SessionContext session, DestructiveRequests destructive)
    {
        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;

        if (await destructive.RefuseAsync(session) is { } refused)
        {
            return refused;
        }

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
            foreach (var revoked in sessions)
            {
                revoked.RevokedAt = now;
                revoked.RevokedReason = "device revoked";
            }

            await audit.AppendAsync(db, AuditEvents.DeviceRevoked, caller.UserId, device.Id, detail: "by device " + caller.Device.Id, cancellationToken: cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>An existing, approved device vouches for one that a login enrolled while the account required approval.</summary>
    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> ApproveAsync(Guid id, [AsParameters] SessionContext session)
    {
        var (_, db, audit, _, cancellationToken) = session;
        var caller = session.Caller;

        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id && d.UserId == caller.UserId && d.RevokedAt == null, cancellationToken);
        if (device is null)
        {
            return Problems.NotFound();
        }

        if (device.PendingApproval)
        {
            device.PendingApproval = false;
            await audit.AppendAsync(db, AuditEvents.DeviceApproved, caller.UserId, device.Id, detail: "by device " + caller.Device.Id, cancellationToken: cancellationToken);
        }

        return TypedResults.Ok(View(device, device.Id == caller.Device.Id));
    }

    private static DeviceView View(Device device, bool current) =>
        new(device.Id, device.Name, device.Thumbprint, device.CreatedAt, device.RevokedAt, device.LockedAt, current, device.PendingApproval);
}
