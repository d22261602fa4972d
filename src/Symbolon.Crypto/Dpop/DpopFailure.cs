namespace Symbolon.Crypto.Dpop;

/// <summary>
/// Why a DPoP proof was refused. For the server's log only: every failure answers the client with the same 401, so
/// a caller probing the server learns nothing about which check it failed.
/// </summary>
public enum DpopFailure
{
    /// <summary>No failure: the proof is valid.</summary>
    None = 0,

    /// <summary>Not a compact JWS of three canonical base64url parts holding JSON objects, or a required claim
    /// (<c>jti</c>, <c>htm</c>, <c>htu</c>, <c>iat</c>) is missing or of the wrong form.</summary>
    Malformed,

    /// <summary>The header's <c>typ</c> is not <c>dpop+jwt</c>.</summary>
    WrongType,

    /// <summary>The header's <c>alg</c> is not <c>ES256</c> (this includes <c>none</c> and every HMAC).</summary>
    UnsupportedAlgorithm,

    /// <summary>The header's <c>jwk</c> is missing, not a P-256 public key, not on the curve, or carries a private key.</summary>
    BadKey,

    /// <summary>The signature does not verify under the header's key.</summary>
    BadSignature,

    /// <summary><c>htm</c> differs from the request method.</summary>
    MethodMismatch,

    /// <summary><c>htu</c> differs from the request URI (query and fragment aside).</summary>
    UriMismatch,

    /// <summary><c>iat</c> is older than the allowed age.</summary>
    Stale,

    /// <summary><c>iat</c> is further in the future than the allowed clock skew.</summary>
    FromTheFuture,

    /// <summary><c>ath</c> is not the hash of the access token sent with the request.</summary>
    AccessTokenMismatch,

    /// <summary>An access token was sent but the proof has no <c>ath</c> claim.</summary>
    MissingAccessTokenHash,
}
