using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Sessions;

/// <summary>
/// An external issuer's JWT that passed validation, as far as its single use goes: each token logs in once. Its
/// <c>jti</c> is stored in the proof-id table (one atomic insert on its primary key, as a DPoP proof's, so a replay is
/// refused on every node that shares the database) until the token expires.
/// </summary>
public sealed class IdentityToken
{
    /// <summary>
    /// The token types accepted in the JOSE header's <c>typ</c>: a plain JWT (ID tokens) and an RFC 9068 access token.
    /// A token without <c>typ</c> is refused.
    /// </summary>
    public static readonly IReadOnlyList<string> AcceptedTypes = ["JWT", "at+jwt"];

    /// <summary>The signature algorithms accepted: asymmetric only (no <c>none</c>, no HS*, which a public JWKS key could forge).</summary>
    public static readonly IReadOnlyList<string> AcceptedAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>"oidc:" keeps these keys apart from DPoP proof ids (a thumbprint, ':', a jti).</summary>
    private const string KeyPrefix = "oidc:";

    private readonly string _key;
    private readonly DateTimeOffset _expiresAt;

    private IdentityToken(string key, DateTimeOffset expiresAt)
    {
        _key = key;
        _expiresAt = expiresAt;
    }

    /// <summary>The validated token's single-use record, or null when it lacks a <c>jti</c> or an <c>exp</c>.</summary>
    public static IdentityToken? From(AuthenticateResult outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var principal = outcome.Principal;
        var issuer = principal?.FindFirst("iss")?.Value;
        var id = principal?.FindFirst("jti")?.Value;
        var expires = principal?.FindFirst("exp")?.Value;
        if (!outcome.Succeeded || string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(id)
            || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        // Hashed: issuer and jti are the issuer's strings, of any length; the key column holds 160 characters.
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(issuer + "\n" + id));
        return new IdentityToken(KeyPrefix + System.Buffers.Text.Base64Url.EncodeToString(digest), DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    /// <summary>Records the token's use in the context's current transaction; false when it was used before.</summary>
    public Task<bool> RememberAsync(SymbolonDbContext db, CancellationToken cancellationToken) =>
        DpopVerifier.TryRememberIdAsync(SqlSet.InTransaction(db), _key, _expiresAt + ClockSkew, cancellationToken);

    /// <summary>How far the issuer's clock may be off; a token is remembered this much past its expiry.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The JwtBearer handler's validation: issuer, audience, lifetime, signature with a pinned algorithm, the type, and
    /// (when the token names one) the authorised party, which must be our client id.
    /// </summary>
    public static void Configure(JwtBearerOptions jwt, OidcOptions oidc)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        ArgumentNullException.ThrowIfNull(oidc);
        jwt.MapInboundClaims = false;
        jwt.Authority = oidc.Authority?.ToString();
        jwt.Audience = oidc.Audience;
        jwt.RequireHttpsMetadata = !oidc.AllowInsecureMetadata;
        var parameters = jwt.TokenValidationParameters;
        parameters.ValidateIssuer = true;
        parameters.ValidateAudience = true;
        parameters.ValidateLifetime = true;
        parameters.ValidateIssuerSigningKey = true;
        parameters.RequireSignedTokens = true;
        parameters.RequireExpirationTime = true;
        parameters.ClockSkew = ClockSkew;
        parameters.ValidTypes = AcceptedTypes;
        parameters.ValidAlgorithms = AcceptedAlgorithms;
        var clientId = oidc.ClientId ?? oidc.Audience;
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var party = context.Principal?.FindFirst("azp")?.Value;
                if (party is not null && party != clientId)
                {
                    context.Fail("The token's authorised party is not this server's client.");
                }

                return Task.CompletedTask;
            },
        };
    }
}
