using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Protocol;

namespace Symbolon.Client.KeyServer;

/// <summary>
/// A key server's refusal as the SDK's typed exception, decided by the RFC 9457 problem type's slug alone (never by
/// its title or detail, which only fill a message where no better one is known).
/// </summary>
internal static class KeyServerProblems
{
    private const string ProblemMediaType = "application/problem+json";

    /// <summary>The exception for a failed answer; a refusal of several unit uses names the refused ones with <paramref name="describeUnits"/>.</summary>
    public static async Task<SymbolonException> ToExceptionAsync(
        HttpResponseMessage response, CancellationToken cancellationToken, Uri? server = null, Func<IReadOnlyList<Guid>, string>? describeUnits = null)
    {
        var problem = await ReadAsync(response, cancellationToken);
        var exception = ToException(response, problem, server);
        return problem?.Units is { Count: > 0 } units && describeUnits is not null ? Refused(exception, describeUnits(units)) : exception;
    }

    /// <summary>The same exception, its message naming what was refused.</summary>
    private static SymbolonException Refused(SymbolonException exception, string refused)
    {
        var message = $"{exception.Message} Refused: {refused}; nothing was opened.";
        return exception switch
        {
            AccessDeniedException denied => new AccessDeniedException(denied.Reason, message, denied.Hint, denied.RetryAfter),
            ItemNotFoundException => new ItemNotFoundException(message, exception.Hint),
            ProtocolException => new ProtocolException(message),
            _ => new InvalidOperationSymbolonException(message, exception.Hint),
        };
    }

    private static SymbolonException ToException(HttpResponseMessage response, Problem? problem, Uri? server)
    {
        _ = ProblemTypes.TryGetSlug(problem?.Type, out var slug);
        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
        var detail = problem?.Detail ?? $"The key server answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return slug switch
        {
            ProblemTypes.Unauthorized or ProblemTypes.InvalidRefreshToken => new NotLoggedInException("The session has expired or was revoked."),
            ProblemTypes.InvalidCredentials => new AccessDeniedException(slug, "The username or password is wrong."),
            ProblemTypes.DeviceRevoked => new AccessDeniedException(slug, "This device was revoked by its account.",
                "Run `symbolon login --new-device` to enrol a new device key."),
            ProblemTypes.DeviceLocked => new AccessDeniedException(slug, "This device is locked: it released too many distinct items in an hour.",
                "Run `symbolon login` to unlock it."),
            ProblemTypes.RateLimited or ProblemTypes.QuotaExceeded or ProblemTypes.LoginThrottled => new AccessDeniedException(slug, detail,
                retryAfter is { } wait ? $"Try again in {Math.Ceiling(wait.TotalSeconds)} s." : null, retryAfter),
            ProblemTypes.ReauthenticationRequired when server is not null => new ReauthenticationRequiredException(server),
            ProblemTypes.DevicePendingApproval => new AccessDeniedException(slug, "This device awaits approval by one of the account's other devices.",
                "On a device already in use, run `symbolon devices list`, then `symbolon devices approve ID`."),
            ProblemTypes.NotFound => new ItemNotFoundException("The key server has no such unit for this account (it may have been removed)."),
            _ when response.StatusCode >= HttpStatusCode.InternalServerError => new ProtocolException($"The key server failed: {detail}"),
            _ when (int)response.StatusCode is >= 300 and < 400 => new InvalidOperationSymbolonException(
                $"The key server answered with a redirect{(response.Headers.Location is { } location ? $" to {location}" : "")}; API calls do not follow redirects.",
                "Use the key server's own address, the one the redirect names if you trust it."),
            _ => new InvalidOperationSymbolonException(detail),
        };
    }

    /// <summary>The problem, if the answer is one; a garbled one counts as none, so the status code decides.</summary>
    private static async Task<Problem?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != ProblemMediaType)
        {
            return null;
        }

        try
        {
            return await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.Problem, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
