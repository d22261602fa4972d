using System.Text.Json;

namespace Symbolon.Protocol;

/// <summary>An enrolled device of the caller's account.</summary>
/// <param name="Id">The device.</param>
/// <param name="Name">Its name, as given at enrolment.</param>
/// <param name="Thumbprint">The RFC 7638 thumbprint of its public key (base64url).</param>
/// <param name="CreatedAt">When it was enrolled.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
/// <param name="LockedAt">When it broke the distinct-unit quota, if it is locked.</param>
/// <param name="Current">True for the device making the request.</param>
/// <param name="PendingApproval">True while the device awaits approval by an existing device (it cannot release).</param>
public sealed record DeviceView(
    Guid Id, string Name, string Thumbprint, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LockedAt, bool Current,
    bool PendingApproval = false);

/// <summary>Enrols another device's public key from an existing session (e.g. to provision a sync host).</summary>
/// <param name="Jwk">A public P-256 JWK: kty EC, crv P-256, x, y; a private part is refused.</param>
/// <param name="Name">At most 100 characters; default "device".</param>
public sealed record EnrolDeviceRequest(JsonElement Jwk, string? Name = null);
