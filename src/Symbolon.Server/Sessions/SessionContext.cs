using Microsoft.Extensions.Options;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Sessions;

/// <summary>
/// What a handler behind <see cref="SessionEndpointFilter.RequireSession"/> works with, bound as one [AsParameters]
/// argument: the request, its database (inside the session's write transaction), the audit log, the clock, the
/// request's cancellation, and the caller.
/// </summary>
public sealed record SessionContext(HttpContext Http, SymbolonDbContext Db, AuditLog Audit, TimeProvider Time, CancellationToken CancellationToken)
{
    /// <summary>
    /// The caller the session filter authenticated. Read when the handler runs rather than bound with the parameters:
    /// parameters are bound before any endpoint filter runs, when there is no caller yet.
    /// </summary>
    public Caller Caller => Http.GetCaller();
}

/// <summary>
/// What the routes that open a session (sign-up, login, refresh) work with, bound as one [AsParameters] argument. They
/// take their own write transactions, so the slow password hash runs outside the database's write lock.
/// </summary>
public sealed record SignInContext(
    HttpContext Http,
    SymbolonDbContext Db,
    WriteTransactions Transactions,
    PasswordHasher Hasher,
    LoginThrottler Throttler,
    DpopVerifier Dpop,
    AuditLog Audit,
    IOptions<ServerOptions> Options,
    TimeProvider Time,
    CancellationToken CancellationToken);
