using System.Diagnostics.CodeAnalysis;

namespace Symbolon.Protocol;

/// <summary>
/// The stable RFC 9457 problem types (docs/api.md). A problem's <c>type</c> is <see cref="Base"/> + a slug; clients
/// decide by the slug, never by the title or detail.
/// </summary>
public static class ProblemTypes
{
    /// <summary>The prefix of every problem type URI.</summary>
    public const string Base = "https://symbolon.dev/problems/";

    /// <summary>400: the request is malformed; the detail names the member.</summary>
    public const string InvalidRequest = "invalid-request";

    /// <summary>401: wrong username or password (or identity token); which one is never said.</summary>
    public const string InvalidCredentials = "invalid-credentials";

    /// <summary>401: no valid session token with a DPoP proof from the session's device.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>401: the refresh token is unknown, expired or already used.</summary>
    public const string InvalidRefreshToken = "invalid-refresh-token";

    /// <summary>401: an operator route without the operator token.</summary>
    public const string OperatorRequired = "operator-required";

    /// <summary>403: the device key was revoked; only a new device key helps.</summary>
    public const string DeviceRevoked = "device-revoked";

    /// <summary>403: the device broke the distinct-unit quota; logging in again unlocks it.</summary>
    public const string DeviceLocked = "device-locked";

    /// <summary>403: a destructive request (shred, confirm a rotation, retire a blinded key, revoke a device) needs a
    /// session from a password or identity-provider login within the recent-login window; log in again and retry.</summary>
    public const string ReauthenticationRequired = "reauthentication-required";

    /// <summary>403: the account approves new devices, and this one has not been approved by an existing device yet.</summary>
    public const string DevicePendingApproval = "device-pending-approval";

    /// <summary>403: this server takes identity-provider logins only.</summary>
    public const string LocalAccountsDisabled = "local-accounts-disabled";

    /// <summary>404: no such resource for this account (another user's looks the same).</summary>
    public const string NotFound = "not-found";

    /// <summary>409: the username is taken.</summary>
    public const string AccountExists = "account-exists";

    /// <summary>429 with Retry-After: a release rate limit.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>429 with Retry-After: the distinct-unit quota; the device is now locked.</summary>
    public const string QuotaExceeded = "quota-exceeded";

    /// <summary>429 with Retry-After: too many failed logins.</summary>
    public const string LoginThrottled = "login-throttled";

    /// <summary>429 with Retry-After: too many sign-ups from one address.</summary>
    public const string SignupThrottled = "signup-throttled";

    /// <summary>413: the request body is larger than the server accepts (64 KiB).</summary>
    public const string RequestTooLarge = "request-too-large";

    /// <summary>500: the stored share failed its integrity check.</summary>
    public const string ShareDamaged = "share-damaged";

    /// <summary>500: the stored blinded-mode key failed its integrity check.</summary>
    public const string KeyDamaged = "key-damaged";

    /// <summary>Every slug, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        InvalidRequest, InvalidCredentials, Unauthorized, InvalidRefreshToken, OperatorRequired, DeviceRevoked, DeviceLocked,
        LocalAccountsDisabled, NotFound, AccountExists, RateLimited, QuotaExceeded, LoginThrottled, SignupThrottled,
        ShareDamaged, KeyDamaged, ReauthenticationRequired, DevicePendingApproval,
        RequestTooLarge,
    ];

    /// <summary>The HTTP status a problem of this type is always answered with.</summary>
    public static int StatusOf(string slug) => slug switch
    {
        InvalidRequest => 400,
        InvalidCredentials or Unauthorized or InvalidRefreshToken or OperatorRequired => 401,
        DeviceRevoked or DeviceLocked or LocalAccountsDisabled or ReauthenticationRequired or DevicePendingApproval => 403,
        NotFound => 404,
        AccountExists => 409,
        RequestTooLarge => 413,
        RateLimited or QuotaExceeded or LoginThrottled or SignupThrottled => 429,
        ShareDamaged or KeyDamaged => 500,
        _ => throw new ArgumentOutOfRangeException(nameof(slug), slug, "Not a Symbolon problem type."),
    };

    /// <summary>The type URI of a slug.</summary>
    public static string Uri(string slug) => Base + slug;

    /// <summary>The slug of one of our type URIs; false for anything else (another server's, or none).</summary>
    public static bool TryGetSlug(string? type, [NotNullWhen(true)] out string? slug)
    {
        slug = type is not null && type.StartsWith(Base, StringComparison.Ordinal) ? type[Base.Length..] : null;
        return slug is not null;
    }
}
