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
}
