// Checking a DPoP proof (RFC 9449 §4.3, steps 2-12 except nonces): compact JWS form, typ, alg ES256 only, a public
// P-256 jwk, the signature, htm, htu (RFC 3986 §6.2.2-6.2.3 normalisation, query and fragment ignored), the iat
// window (§11.1) and ath (§4.3 step 12). Replay detection of jti (§11.1) is the server's, which stores seen jtis.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Symbolon.Crypto.Dpop;

/// <summary>
/// Validates the DPoP proofs that come with requests to the key server. It never throws for a bad proof: it returns
/// a <see cref="DpopValidationResult"/> whose <see cref="DpopFailure"/> belongs in the log, while the client gets one
/// generic 401. Thread-safe; create one and share it.
/// </summary>
public sealed class DpopProofValidator
{
    /// <summary>The longest proof accepted, in characters; a real proof is under 600.</summary>
    internal const int MaxProofLength = 4096;

    // Duplicate members are refused so that no two JSON parsers can read different claims from one proof.
    private static readonly JsonDocumentOptions JsonOptions = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _clockSkew;

    /// <summary>Creates a validator with the default window: 60 seconds old, 5 seconds ahead.</summary>
    public DpopProofValidator()
        : this(new DpopProofValidatorOptions())
    {
    }

    /// <summary>Creates a validator with the given window. The options are copied; later changes have no effect.</summary>
    public DpopProofValidator(DpopProofValidatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxAge, TimeSpan.Zero, "options.MaxAge");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ClockSkew, TimeSpan.Zero, "options.ClockSkew");
        _maxAge = options.MaxAge;
        _clockSkew = options.ClockSkew;
    }

    /// <summary>Checks a proof against the request it arrived with.</summary>
    /// <param name="proof">The value of the request's single <c>DPoP</c> header. A missing header is the caller's
    /// to reject, hence null throws; any other string, however broken, yields a failure.</param>
    /// <param name="httpMethod">The request method, as received.</param>
    /// <param name="httpUri">The absolute request URI as the server sees it (behind a proxy, the public one).</param>
    /// <param name="accessToken">The access token from the <c>Authorization: DPoP</c> header, or null if none was
    /// sent. When given, the proof must carry its hash in <c>ath</c>.</param>
    /// <param name="now">The server's current time.</param>
    public DpopValidationResult Validate(string proof, string httpMethod, Uri httpUri, string? accessToken, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentException.ThrowIfNullOrWhiteSpace(httpMethod);
        DpopProof.RequireHttpUri(httpUri);
        return ValidateCore(proof, httpMethod, httpUri, accessToken, now);
    }

    private DpopValidationResult ValidateCore(string proof, string httpMethod, Uri httpUri, string? accessToken, DateTimeOffset now)
    {
        if (!TrySplit(proof, out var headerBytes, out var claimsBytes, out var signature, out var signingInputLength))
        {
            return DpopValidationResult.Fail(DpopFailure.Malformed);
        }

        using var headerDocument = ParseObject(headerBytes);
        using var claimsDocument = ParseObject(claimsBytes);
        if (headerDocument is null || claimsDocument is null)
        {
            return DpopValidationResult.Fail(DpopFailure.Malformed);
        }

        var header = headerDocument.RootElement;
        var claims = claimsDocument.RootElement;

        // We implement no JWS extensions, so a critical one can never be honoured (RFC 7515 §4.1.11).
        if (header.TryGetProperty("crit", out _))
        {
            return DpopValidationResult.Fail(DpopFailure.Malformed);
        }

        if (JsonText.GetString(header, "typ") != DpopProof.TokenType)
        {
            return DpopValidationResult.Fail(DpopFailure.WrongType);
        }

        if (JsonText.GetString(header, "alg") != DpopProof.Algorithm)
        {
            return DpopValidationResult.Fail(DpopFailure.UnsupportedAlgorithm);
        }

        if (!header.TryGetProperty("jwk", out var jwk) || !DevicePublicKey.TryParseJwk(jwk, out var key))
        {
            return DpopValidationResult.Fail(DpopFailure.BadKey);
        }

        var signingInput = Encoding.ASCII.GetBytes(proof, 0, signingInputLength);
        if (!key.VerifySignature(signingInput, signature))
        {
            return DpopValidationResult.Fail(DpopFailure.BadSignature);
        }

        var jti = JsonText.GetString(claims, "jti");
        var htm = JsonText.GetString(claims, "htm");
        var htu = JsonText.GetString(claims, "htu");
        var ath = JsonText.GetString(claims, "ath");
        if (jti is not { Length: > 0 and <= DpopProof.MaxJtiLength } || htm is null || htu is null
            || !claims.TryGetProperty("iat", out var iatElement) || iatElement.ValueKind != JsonValueKind.Number
            || !iatElement.TryGetInt64(out var iat)
            || (ath is null && claims.TryGetProperty("ath", out _)))
        {
            return DpopValidationResult.Fail(DpopFailure.Malformed);
        }

        if (!string.Equals(htm, httpMethod, StringComparison.Ordinal))
        {
            return DpopValidationResult.Fail(DpopFailure.MethodMismatch);
        }

        if (!SameTarget(htu, httpUri))
        {
            return DpopValidationResult.Fail(DpopFailure.UriMismatch);
        }

        var timeFailure = CheckIssuedAt(iat, now, out var issuedAt);
        if (timeFailure != DpopFailure.None)
        {
            return DpopValidationResult.Fail(timeFailure);
        }

        if (accessToken is not null)
        {
            if (ath is null)
            {
                return DpopValidationResult.Fail(DpopFailure.MissingAccessTokenHash);
            }

            if (!AccessTokenHashMatches(ath, accessToken))
            {
                return DpopValidationResult.Fail(DpopFailure.AccessTokenMismatch);
            }
        }

        return DpopValidationResult.Success(key, jti, issuedAt);
    }

    /// <summary>
    /// Splits <c>header.claims.signature</c>; each part must be canonical unpadded base64url, and only the signature may
    /// be empty (so that an unsigned <c>alg: none</c> token is reported as such rather than as malformed).
    /// </summary>
    private static bool TrySplit(string proof, out byte[] header, out byte[] claims, out byte[] signature, out int signingInputLength)
    {
        header = claims = signature = [];
        signingInputLength = proof.LastIndexOf('.');
        var firstDot = proof.IndexOf('.', StringComparison.Ordinal);
        if (proof.Length > MaxProofLength || firstDot <= 0 || signingInputLength <= firstDot + 1
            || proof.IndexOf('.', firstDot + 1) != signingInputLength)
        {
            return false;
        }

        var text = proof.AsSpan();
        return Base64UrlStrict.TryDecode(text[..firstDot], out header)
            && Base64UrlStrict.TryDecode(text[(firstDot + 1)..signingInputLength], out claims)
            && Base64UrlStrict.TryDecode(text[(signingInputLength + 1)..], out signature);
    }

    private static JsonDocument? ParseObject(byte[] utf8Json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // The duplicate-member check unescapes names and throws this, not JsonException, on a lone surrogate.
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object || !JsonText.IsValidUtf16(document.RootElement))
        {
            document.Dispose();
            return null;
        }

        return document;
    }

    /// <summary>
    /// Whether <c>htu</c> names the request's target: scheme and host compared case-insensitively, a default port
    /// equal to none, an empty path equal to "/", dot segments resolved; query and fragment ignored on both sides.
    /// </summary>
    private static bool SameTarget(string htu, Uri requestUri)
    {
        // Only RFC 3986 characters: no spaces, controls, backslashes or raw Unicode that Uri would quietly repair.
        foreach (var c in htu)
        {
            if (!IsUriCharacter(c))
            {
                return false;
            }
        }

        if (!Uri.TryCreate(htu, UriKind.Absolute, out var claimed) || !DpopProof.IsHttp(claimed) || claimed.UserInfo.Length != 0)
        {
            return false;
        }

        const UriComponents Target = UriComponents.SchemeAndServer | UriComponents.Path;
        return Uri.Compare(claimed, requestUri, Target, UriFormat.SafeUnescaped, StringComparison.Ordinal) == 0;
    }

    private static bool IsUriCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '-' or '.' or '_' or '~' or ':' or '/' or '?' or '#' or '[' or ']' or '@'
            or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or '%';

    private DpopFailure CheckIssuedAt(long iat, DateTimeOffset now, out DateTimeOffset issuedAt)
    {
        issuedAt = default;
        if (iat < DateTimeOffset.MinValue.ToUnixTimeSeconds())
        {
            return DpopFailure.Stale;
        }

        if (iat > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return DpopFailure.FromTheFuture;
        }

        issuedAt = DateTimeOffset.FromUnixTimeSeconds(iat);
        var age = now - issuedAt;
        return age > _maxAge ? DpopFailure.Stale
            : -age > _clockSkew ? DpopFailure.FromTheFuture
            : DpopFailure.None;
    }

    private static bool AccessTokenHashMatches(string ath, string accessToken)
    {
        if (!Base64UrlStrict.TryDecode(ath, out var claimed) || !Ascii.IsValid(accessToken))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(claimed, DpopProof.AccessTokenHash(accessToken));
    }
}
