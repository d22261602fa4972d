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

    /// <summary>
    /// The checks against the session's and device's stored state, inside a write transaction: the proof id is recorded
    /// (refused if seen) in the same transaction as the request's own changes.
    /// </summary>
    public async Task<(Caller? Caller, ProblemHttpResult? Failure)> AuthenticateAsync(
        HttpContext http, SymbolonDbContext db, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var (session, device) = await FindAsync(db, presented, cancellationToken);
        if (session is null || device is null || await dpop.RecordAsync(db, presented.Proof, cancellationToken) is null)
        {
            return Fail(http);
        }

        return Check(http, session, device);
    }

    /// <summary>
    /// The same checks for a pure read, which takes no deployment-wide lock and forces no durable write: the session and
    /// device are read as committed, then the proof id (and, when it is due, the session's use) is stored by one atomic
    /// relaxed write whose unique key refuses a replay on every node.
    /// </summary>
    public async Task<(Caller? Caller, ProblemHttpResult? Failure)> AuthenticateReadAsync(
        HttpContext http, SymbolonDbContext db, WriteTransactions transactions, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var (session, device) = await FindAsync(db, presented, cancellationToken);
        if (session is null || device is null)
        {
            return Fail(http);
        }

        var (caller, failure) = Check(http, session, device);
        if (caller is null && device.RevokedAt is null)
        {
            return (null, failure);
        }

        try
        {
            await transactions.RunRelaxedAsync(() =>
            {
                dpop.Remember(db, presented.Proof);
                return Task.FromResult(true);
            }, cancellationToken);
        }
        catch (DbUpdateException)
        {
            dpop.LogReplay();
            return Fail(http);
        }

        return (caller, failure);
    }

    /// <summary>The session of the access token and the device it is bound to, when the proof's key is that device's.</summary>
    private static async Task<(Session? Session, Device? Device)> FindAsync(SymbolonDbContext db, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var hash = Tokens.Hash(presented.AccessToken);
        var session = await db.Sessions.SingleOrDefaultAsync(s => s.AccessTokenHash == hash, cancellationToken);
        if (session is null)
        {
            return (null, null);
        }

        var device = await db.Devices.SingleAsync(d => d.Id == session.DeviceId, cancellationToken);
        return string.Equals(presented.Proof.Thumbprint, device.Thumbprint, StringComparison.Ordinal) ? (session, device) : (null, null);
    }

    private (Caller? Caller, ProblemHttpResult? Failure) Check(HttpContext http, Session session, Device device)
    {
        // Checked before the session's own state: revoking a device also revokes its sessions, and the device's
        // holder (proven by the proof) must learn that only a new device key helps, not another login.
        if (device.RevokedAt is not null)
        {
            return (null, Problems.DeviceRevoked());
        }

        var now = time.GetUtcNow();
        var lifetimes = options.Value.Sessions;
        if (session.RevokedAt is not null
            || session.AccessExpiresAt <= now
            || session.LastUsedAt + lifetimes.IdleTimeout <= now
            || session.CreatedAt + lifetimes.AbsoluteLifetime <= now)
        {
            return Fail(http);
        }

        // Use is recorded at a coarse granularity: the idle timeout needs seconds, not a write per request. The recorded
        // use lags the real one by less than UseRecordInterval, so an idle session can only end earlier, never later.
        if (now - session.LastUsedAt >= lifetimes.UseRecordInterval)
        {
            session.LastUsedAt = now;
        }

        return (new Caller(session, device), null);
    }

    private static (Caller?, ProblemHttpResult?) Fail(HttpContext http) => (null, Problems.Unauthorized(http));
}

/// <summary>What <see cref="SessionEndpointFilter.AfterCommit"/> queued for after the request's commit.</summary>
public sealed class AfterCommitActions
{
    private readonly List<Action> _actions = [];

    public void Add(Action action) => _actions.Add(action);

    public void Run()
    {
        foreach (var action in _actions)
        {
            action();
        }

        _actions.Clear();
    }
}

/// <summary>The metadata of an endpoint that <see cref="SessionEndpointFilter.ReadsOnly"/> marked.</summary>
public sealed class ReadOnlySession;

/// <summary>
/// Puts an endpoint (or every endpoint of a group) behind session authentication, inside one write transaction that
/// also holds the handler's changes and audit records, committed before the response is written; an endpoint marked
/// <see cref="ReadsOnly"/> instead runs outside any write transaction.
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

            var transactions = services.GetRequiredService<WriteTransactions>();
            if (http.GetEndpoint()?.Metadata.GetMetadata<ReadOnlySession>() is not null)
            {
                var (reader, readFailure) = await authenticator.AuthenticateReadAsync(http, db, transactions, presented, http.RequestAborted);
                if (reader is null)
                {
                    return readFailure;
                }

                http.Features.Set(reader);
                return await next(context);
            }

            var result = await transactions.RunAsync(async () =>
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
            http.Features.Get<AfterCommitActions>()?.Run();
            return result;
        });
        return builder.Authenticates(ApiAuthentication.Session);
    }

    /// <summary>
    /// Marks a session endpoint as a pure read: it changes nothing, so it runs outside any write transaction and takes
    /// no deployment-wide lock; only its proof id (and the session's coarse use) is stored, atomically but not durably.
    /// </summary>
    public static TBuilder ReadsOnly<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ReadOnlySession());
        return builder;
    }

    /// <summary>
    /// Runs <paramref name="action"/> once the request's write transaction has committed (durably), before the answer is
    /// written; never when the commit fails. For CPU work that needs no lock, such as signing a committed record's receipt.
    /// </summary>
    public static void AfterCommit(this HttpContext http, Action action)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(action);
        var actions = http.Features.Get<AfterCommitActions>();
        if (actions is null)
        {
            actions = new AfterCommitActions();
            http.Features.Set(actions);
        }

        actions.Add(action);
    }

    public static Caller GetCaller(this HttpContext http) =>
        http.Features.Get<Caller>() ?? throw new InvalidOperationException("The endpoint is not behind RequireSession.");
}
