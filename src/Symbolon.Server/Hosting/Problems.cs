using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Symbolon.Protocol;
using Symbolon.Server.Limits;

namespace Symbolon.Server.Hosting;

/// <summary>
/// Every RFC 9457 problem the server answers, built here and nowhere else, with the stable <c>type</c> URIs of
/// <see cref="ProblemTypes"/> (docs/api.md). Messages are generic where detail would help an attacker: a bad password
/// and an unknown account read the same.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult InvalidRequest(string detail) =>
        Make(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "The request is not valid.", detail);

    public static ProblemHttpResult InvalidCredentials() =>
        Make(StatusCodes.Status401Unauthorized, ProblemTypes.InvalidCredentials, "Login failed.", "The username or password is wrong.");

    /// <summary>The one 401 of every failed session check, with the DPoP challenge.</summary>
    public static ProblemHttpResult Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = Headers.DpopChallenge;
        return Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Authentication required.",
            "A valid, unexpired session token and a DPoP proof from the session's device are required.");
    }

    public static ProblemHttpResult InvalidRefreshToken() =>
        Make(StatusCodes.Status401Unauthorized, ProblemTypes.InvalidRefreshToken, "The session cannot be refreshed.",
            "The refresh token is unknown, expired or already used. Log in again.");

    public static ProblemHttpResult OperatorRequired(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = Headers.BearerScheme;
        return Make(StatusCodes.Status401Unauthorized, ProblemTypes.OperatorRequired, "Operator authentication required.",
            "Send the operator token from the data directory as a Bearer token.");
    }

    public static ProblemHttpResult DeviceRevoked() =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.DeviceRevoked, "This device was revoked.", "Enrol a new device key to continue.");

    public static ProblemHttpResult DeviceLocked() =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.DeviceLocked, "This device is locked.",
            "The device released too many distinct units. Log in again to unlock it.");

    public static ProblemHttpResult ReauthenticationRequired() =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.ReauthenticationRequired, "A recent login is required.",
            "This request destroys data: log in again (with the password or the identity provider) and retry within a few minutes.");

    public static ProblemHttpResult DevicePendingApproval() =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.DevicePendingApproval, "This device awaits approval.",
            "The account approves new devices: approve this one from an existing device (`symbolon devices approve ID`).");

    public static ProblemHttpResult LocalAccountsDisabled() =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.LocalAccountsDisabled, "Local accounts are disabled.", "Log in through the configured identity provider.");

    public static ProblemHttpResult RequestTooLarge() =>
        Make(StatusCodes.Status413PayloadTooLarge, ProblemTypes.RequestTooLarge, RequestTooLargeTitle, RequestTooLargeDetail);

    public const string RequestTooLargeTitle = "The request is too large.";

    public static readonly string RequestTooLargeDetail = $"Request bodies are limited to {RequestLimits.MaxBodyBytes / 1024} KiB.";

    public static ProblemHttpResult NotFound() =>
        Make(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found.", "No such resource for this account.");

    public static ProblemHttpResult AccountExists() =>
        Make(StatusCodes.Status409Conflict, ProblemTypes.AccountExists, "The account cannot be created.", "Choose another username.");

    /// <summary>A release rate limit or the distinct-unit quota (<see cref="ReleaseDenial.Kind"/> is the slug).</summary>
    public static ProblemHttpResult ReleaseDenied(HttpContext context, ReleaseDenial denial) =>
        TooManyRequests(context, denial.Kind, denial.RetryAfter, denial.Detail);

    public static ProblemHttpResult LoginThrottled(HttpContext context, TimeSpan retryAfter) =>
        TooManyRequests(context, ProblemTypes.LoginThrottled, retryAfter, "Too many failed logins. Wait before trying again.");

    public static ProblemHttpResult SignupThrottled(HttpContext context, TimeSpan retryAfter) =>
        TooManyRequests(context, ProblemTypes.SignupThrottled, retryAfter, "Too many accounts created from this address. Wait before trying again.");

    public static ProblemHttpResult ShareDamaged() =>
        Make(StatusCodes.Status500InternalServerError, ProblemTypes.ShareDamaged, "The stored share is damaged.",
            "The server's copy of this share failed its integrity check. The operator has been told.");

    public static ProblemHttpResult KeyDamaged() =>
        Make(StatusCodes.Status500InternalServerError, ProblemTypes.KeyDamaged, "The stored key is damaged.",
            "The server's copy of this account's blinded-mode key failed its integrity check. The operator has been told.");

    /// <summary>The 500 of a stored secret that failed its integrity check: <see cref="ProblemTypes.ShareDamaged"/> or <see cref="ProblemTypes.KeyDamaged"/>.</summary>
    public static ProblemHttpResult Damaged(string slug) => slug switch
    {
        ProblemTypes.ShareDamaged => ShareDamaged(),
        ProblemTypes.KeyDamaged => KeyDamaged(),
        _ => throw new ArgumentException($"`{nameof(slug)}` must be {ProblemTypes.ShareDamaged} or {ProblemTypes.KeyDamaged}.", nameof(slug)),
    };

    /// <summary>A member of a protocol record as the wire spells it, quoted for a detail: <c>Member(nameof(ShareRequest.Share))</c> is "`share`".</summary>
    public static string Member(string memberName) => "`" + ProtocolJsonContext.Default.Options.PropertyNamingPolicy!.ConvertName(memberName) + "`";

    /// <summary>429 with Retry-After in whole seconds (at least 1).</summary>
    private static ProblemHttpResult TooManyRequests(HttpContext context, string slug, TimeSpan retryAfter, string detail)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Make(StatusCodes.Status429TooManyRequests, slug, "Too many requests.", detail);
    }

    private static ProblemHttpResult Make(int status, string slug, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Type = ProblemTypes.Uri(slug), Title = title, Detail = detail });
}
