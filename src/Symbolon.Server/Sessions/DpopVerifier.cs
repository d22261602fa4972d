using Microsoft.Extensions.Options;
using Symbolon.Crypto.Dpop;
using Symbolon.Protocol;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Sessions;

/// <summary>A DPoP proof that passed every check, including replay.</summary>
public sealed record VerifiedProof(string Thumbprint, DevicePublicKey PublicKey);

/// <summary>
/// Checks the request's DPoP header (RFC 9449 §4.3) and records its jti until it would be stale anyway, so a
/// replayed proof is refused on every node that shares the database.
/// </summary>
public sealed partial class DpopVerifier(IOptions<ServerOptions> options, TimeProvider time, ILogger<DpopVerifier> logger)
{
    /// <summary>
    /// Every check of RFC 9449 §4.3 but replay: pure computation (ES256 verification included), so it runs before the
    /// caller takes the database's write lock. Failures are logged by kind only.
    /// </summary>
    public DpopValidationResult? Validate(HttpContext http, string? accessToken)
    {
        var headers = http.Request.Headers[Headers.Dpop];
        if (headers.Count != 1 || string.IsNullOrEmpty(headers[0]))
        {
            LogRejected(logger, "missing or repeated DPoP header");
            return null;
        }

        var settings = options.Value.Dpop;
        var validator = new DpopProofValidator(new DpopProofValidatorOptions { MaxAge = settings.MaxAge, ClockSkew = settings.ClockSkew });
        var result = validator.Validate(headers[0]!, http.Request.Method, RequestUri(http), accessToken, time.GetUtcNow());
        if (!result.IsValid)
        {
            LogRejectedProof(logger, result.Failure);
            return null;
        }

        return result;
    }

    /// <summary>
    /// Refuses a proof id seen before and remembers this one until the proof would be stale anyway, in the context's
    /// current transaction (<see cref="RememberAsync"/>).
    /// </summary>
    public async Task<VerifiedProof?> RecordAsync(SymbolonDbContext db, DpopValidationResult result, CancellationToken cancellationToken) =>
        result.IsValid && await RememberAsync(SqlSet.InTransaction(db), result, cancellationToken)
            ? new VerifiedProof(result.Thumbprint, result.PublicKey)
            : null;

    /// <summary>
    /// Stores this proof's id in a plain-SQL write set, or returns false (and logs a replay) when it was seen before:
    /// one atomic insert on the table's primary key, which refuses a replay on every node at once.
    /// </summary>
    public async Task<bool> RememberAsync(SqlSet set, DpopValidationResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(result);
        var settings = options.Value.Dpop;
        var remembered = await TryRememberIdAsync(set, result.Thumbprint + ":" + result.Jti, result.IssuedAt + settings.MaxAge + settings.ClockSkew, cancellationToken);
        if (!remembered)
        {
            LogRejected(logger, "replayed jti");
        }

        return remembered;
    }

    /// <summary>
    /// Stores a single-use id (a proof's, an identity token's) until <paramref name="expiresAt"/>; false when it was
    /// stored before. One insert on the SeenProofs primary key, atomic on every node.
    /// </summary>
    internal static async Task<bool> TryRememberIdAsync(SqlSet set, string key, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        await set.ExecuteAsync(
            "INSERT INTO \"SeenProofs\" (\"Key\", \"ExpiresAt\") VALUES (@key, @expires) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("key", key),
            ("expires", SqlValues.Time(expiresAt))) == 1;

    /// <summary>The URI the client addressed: the configured public base URL when behind a proxy, else this request's.</summary>
    private Uri RequestUri(HttpContext http)
    {
        var baseUrl = options.Value.PublicBaseUrl;
        var path = http.Request.PathBase + http.Request.Path;
        return baseUrl is null
            ? new Uri($"{http.Request.Scheme}://{http.Request.Host}{path}")
            : new Uri(baseUrl, path.ToString());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DPoP proof rejected: {Failure}")]
    private static partial void LogRejectedProof(ILogger logger, DpopFailure failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "DPoP proof rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
