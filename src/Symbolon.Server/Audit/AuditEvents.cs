namespace Symbolon.Server.Audit;

/// <summary>The audited events. The strings are stored and hashed, so they never change once released.</summary>
public static class AuditEvents
{
    public const string AccountCreated = "account.created";
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string LoginThrottled = "login.throttled";
    public const string SessionRefreshed = "session.refreshed";
    public const string SessionRevoked = "session.revoked";
    public const string RefreshTokenReused = "session.refresh-reused";
    public const string DeviceEnrolled = "device.enrolled";
    public const string DeviceRevoked = "device.revoked";
    public const string DeviceLocked = "device.locked";
    public const string UnitCreated = "unit.created";
    public const string UnitReleased = "unit.released";
    public const string UnitEvaluated = "unit.evaluated";
    public const string OprfKeyCreated = "oprf-key.created";
    public const string OprfKeyRetired = "oprf-key.retired";
    public const string UnitDenied = "unit.denied";
    public const string UnitRotated = "unit.rotated";
    public const string UnitRetired = "unit.retired";
    public const string UnitShredded = "unit.shredded";
    public const string RateLimited = "unit.rate-limited";
    public const string KekRotated = "kek.rotated";
    public const string PasswordChanged = "password.changed";
    public const string PasswordChangeFailed = "password.change-failed";
    public const string SessionsRevokedAll = "session.revoked-all";
    public const string AccountSettingsChanged = "account.settings-changed";
    public const string DeviceApproved = "device.approved";
    public const string UnitRestored = "unit.restored";
    public const string UnitDestroyed = "unit.destroyed";
}
