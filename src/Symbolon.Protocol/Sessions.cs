namespace Symbolon.Protocol;

/// <summary>
/// A password login; or, with an identity provider's JWT in "Authorization: Bearer", only <c>deviceName</c>.
/// Either way the DPoP proof's key is the device being logged in (enrolled on first use).
/// </summary>
public sealed record LoginRequest(string? Username = null, string? Password = null, string? DeviceName = null)
{
    /// <summary>Never shows the password.</summary>
    public override string ToString() => $"LoginRequest {{ Username = {Username}, DeviceName = {DeviceName} }}";
}

/// <summary>
/// Exchanges a single-use refresh token (with a DPoP proof from the session's device) for new tokens. A missing or
/// empty token is an invalid refresh token (401), like an unknown one.
/// </summary>
public sealed record RefreshRequest(string? RefreshToken = null)
{
    /// <summary>Never shows the token.</summary>
    public override string ToString() => "RefreshRequest { RefreshToken = (redacted) }";
}

/// <summary>A device-bound session: use the access token as "Authorization: DPoP &lt;access token&gt;" with a DPoP proof.</summary>
/// <param name="AccessToken">Short-lived; bound to the device key.</param>
/// <param name="TokenType">Always "DPoP".</param>
/// <param name="ExpiresIn">Seconds until the access token expires.</param>
/// <param name="RefreshToken">Single-use; presenting it twice ends the session.</param>
/// <param name="SessionId">The session.</param>
/// <param name="UserId">The account.</param>
/// <param name="DeviceId">The device the session is bound to.</param>
/// <param name="IdleTimeoutSeconds">The session ends after this many seconds without use (refreshing counts as use); clients lock after it too.</param>
public sealed record SessionResponse(
    string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, Guid SessionId, Guid UserId, Guid DeviceId, int IdleTimeoutSeconds)
{
    /// <summary>Never shows the tokens.</summary>
    public override string ToString() => $"SessionResponse {{ SessionId = {SessionId}, UserId = {UserId}, DeviceId = {DeviceId}, ExpiresIn = {ExpiresIn} }}";
}
