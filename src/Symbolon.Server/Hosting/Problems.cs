using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Symbolon.Server.Hosting;

/// <summary>
/// RFC 9457 problem details with stable <c>type</c> URIs (documented in docs/api.md). Messages are generic where
/// detail would help an attacker: a bad password and an unknown account read the same.
/// </summary>
public static class Problems
{
    public const string TypeBase = "https://symbolon.dev/problems/";

    public static ProblemHttpResult InvalidRequest(string detail) =>
        Make(StatusCodes.Status400BadRequest, "invalid-request", "The request is not valid.", detail);

    public static ProblemHttpResult InvalidCredentials() =>
        Make(StatusCodes.Status401Unauthorized, "invalid-credentials", "Login failed.", "The username or password is wrong.");

    public static ProblemHttpResult Unauthorized() =>
        Make(StatusCodes.Status401Unauthorized, "unauthorized", "Authentication required.",
            "A valid, unexpired session token and a DPoP proof from the session's device are required.");

    public static ProblemHttpResult InvalidRefreshToken() =>
        Make(StatusCodes.Status401Unauthorized, "invalid-refresh-token", "The session cannot be refreshed.",
            "The refresh token is unknown, expired or already used. Log in again.");

    public static ProblemHttpResult DeviceRevoked() =>
        Make(StatusCodes.Status403Forbidden, "device-revoked", "This device was revoked.", "Enrol a new device key to continue.");

    public static ProblemHttpResult DeviceLocked() =>
        Make(StatusCodes.Status403Forbidden, "device-locked", "This device is locked.",
            "The device released too many distinct units. Log in again to unlock it.");

    public static ProblemHttpResult AccountExists() =>
        Make(StatusCodes.Status409Conflict, "account-exists", "The account cannot be created.", "Choose another username.");

    public static ProblemHttpResult NotFound() =>
        Make(StatusCodes.Status404NotFound, "not-found", "Not found.", "No such resource for this account.");

    public static ProblemHttpResult LocalAccountsDisabled() =>
        Make(StatusCodes.Status403Forbidden, "local-accounts-disabled", "Local accounts are disabled.", "Log in through the configured identity provider.");

    /// <summary>429 with Retry-After in whole seconds (at least 1).</summary>
    public static ProblemHttpResult TooManyRequests(HttpContext context, string kind, TimeSpan retryAfter, string detail)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Make(StatusCodes.Status429TooManyRequests, kind, "Too many requests.", detail);
    }

    public static ProblemDetails Details(int status, string kind, string title, string detail) => new()
    {
        Status = status,
        Type = TypeBase + kind,
        Title = title,
        Detail = detail,
    };

    private static ProblemHttpResult Make(int status, string kind, string title, string detail) =>
        TypedResults.Problem(Details(status, kind, title, detail));
}
