namespace Symbolon.Protocol;

/// <summary>The HTTP headers and authorization schemes of the protocol.</summary>
public static class Headers
{
    /// <summary>The DPoP proof header (RFC 9449 §4.1), signed by the device key, on every request.</summary>
    public const string Dpop = "DPoP";

    /// <summary>"Authorization: DPoP &lt;access token&gt;" on every session request (RFC 9449 §7.1).</summary>
    public const string DpopScheme = "DPoP";

    /// <summary>
    /// "Authorization: Bearer &lt;token&gt;": an identity provider's JWT on <see cref="Routes.Sessions"/>, or the
    /// operator token on <see cref="Routes.AuditVerify"/>.
    /// </summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The WWW-Authenticate challenge of a 401 on a session route.</summary>
    public const string DpopChallenge = "DPoP algs=\"ES256\"";

    /// <summary>Carries <see cref="DpopScheme"/> or <see cref="BearerScheme"/> credentials.</summary>
    public const string Authorization = "Authorization";

    /// <summary>"application/json" on every request with a body.</summary>
    public const string ContentType = "Content-Type";

    /// <summary>Whole seconds to wait, on every 429.</summary>
    public const string RetryAfter = "Retry-After";

    /// <summary>The challenge of a 401 (<see cref="DpopChallenge"/> on session routes).</summary>
    public const string WwwAuthenticate = "WWW-Authenticate";

    /// <summary>The path of what a 201 created.</summary>
    public const string Location = "Location";
}
