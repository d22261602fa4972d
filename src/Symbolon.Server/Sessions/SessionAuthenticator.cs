using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Sessions;

/// <summary>An access token and its DPoP proof that passed every check not needing the database.</summary>
public sealed record PresentedCredentials(string AccessToken, Symbolon.Crypto.Dpop.DpopValidationResult Proof);

/// <summary>The caller of an authenticated request: its session and the enrolled device that signed the proof.</summary>
public sealed record Caller(Session Session, Device Device)
{
    public Guid UserId => Session.UserId;
}

/// <summary>
/// Authenticates "Authorization: DPoP &lt;access token&gt;" plus a DPoP proof signed by the session's device. Every
/// failure answers the same 401, except a revoked device, which is told so (it can never succeed again).
/// </summary>
public sealed class SessionAuthenticator(DpopVerifier dpop, IOptions<ServerOptions> options, TimeProvider time)
{
    /// <summary>
    /// The checks that need no database: the Authorization header's form and the DPoP proof's signature, claims and
    /// binding to the token. They run before the write lock is taken, so verification cost is paid in parallel.
    /// </summary>
    public (PresentedCredentials? Presented, ProblemHttpResult? Failure) Prevalidate(HttpContext http)
    {
        var authorization = http.Request.Headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { } value || !value.StartsWith(Headers.DpopScheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Unauthorized(http));
        }

        var token = value[(Headers.DpopScheme.Length + 1)..].Trim();
        return dpop.Validate(http, token) is { } proof ? (new PresentedCredentials(token, proof), null) : (null, Problems.Unauthorized(http));
    }

    public async Task<(Caller? Caller, ProblemHttpResult? Failure)> AuthenticateAsync(
        HttpContext http, SymbolonDbContext db, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var hash = Tokens.Hash(presented.AccessToken);
        var session = await db.Sessions.SingleOrDefaultAsync(s => s.AccessTokenHash == hash, cancellationToken);
        var now = time.GetUtcNow();
        var lifetimes = options.Value.Sessions;
        if (session is null)
        {
            return Fail(http);
        }

        var device = await db.Devices.SingleAsync(d => d.Id == session.DeviceId, cancellationToken);
        var proof = await dpop.RecordAsync(db, presented.Proof, cancellationToken);
        if (proof is null || !string.Equals(proof.Thumbprint, device.Thumbprint, StringComparison.Ordinal))
        {
            return Fail(http);
        }

        // Checked before the session's own state: revoking a device also revokes its sessions, and the device's
        // holder (proven by the proof) must learn that only a new device key helps, not another login.
        if (device.RevokedAt is not null)
        {
            return (null, Problems.DeviceRevoked());
        }

        if (session.RevokedAt is not null
            || session.AccessExpiresAt <= now
            || session.LastUsedAt + lifetimes.IdleTimeout <= now
            || session.CreatedAt + lifetimes.AbsoluteLifetime <= now)
        {
            return Fail(http);
        }

        session.LastUsedAt = now;
        return (new Caller(session, device), null);
    }

    private static (Caller?, ProblemHttpResult?) Fail(HttpContext http) => (null, Problems.Unauthorized(http));
}

/// <summary>
/// Puts an endpoint (or every endpoint of a group) behind session authentication, inside one write transaction that
/// also holds the handler's changes and audit records, committed before the response is written.
/// </summary>
public static class SessionEndpointFilter
{
    public static TBuilder RequireSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var services = http.RequestServices;
            var db = services.GetRequiredService<SymbolonDbContext>();
            var authenticator = services.GetRequiredService<SessionAuthenticator>();
            var (presented, rejected) = authenticator.Prevalidate(http);
            if (presented is null)
            {
                return rejected;
            }

            return await services.GetRequiredService<WriteTransactions>().RunAsync(async () =>
            {
                var (caller, failure) = await authenticator.AuthenticateAsync(http, db, presented, http.RequestAborted);
                if (caller is null)
                {
                    db.ChangeTracker.Clear();
                    return failure;
                }

                http.Features.Set(caller);
                return await next(context);
            }, http.RequestAborted);
        });
        return builder.Authenticates(ApiAuthentication.Session);
    }

    public static Caller GetCaller(this HttpContext http) =>
        http.Features.Get<Caller>() ?? throw new InvalidOperationException("The endpoint is not behind RequireSession.");
}
