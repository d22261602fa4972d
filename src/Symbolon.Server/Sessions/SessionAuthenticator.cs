using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
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
    /// (refused if seen) in the same transaction as the request's own changes, and the session's use when it is due.
    /// </summary>
    public async Task<(Caller? Caller, ProblemHttpResult? Failure)> AuthenticateAsync(
        HttpContext http, SymbolonDbContext db, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var hash = Tokens.Hash(presented.AccessToken);
        var session = await db.Sessions.SingleOrDefaultAsync(s => s.AccessTokenHash == hash, cancellationToken);
        var device = session is null ? null : await db.Devices.SingleAsync(d => d.Id == session.DeviceId, cancellationToken);
        if (session is null || device is null || !IsProofKey(presented, device) || await dpop.RecordAsync(db, presented.Proof, cancellationToken) is null)
        {
            return Fail(http);
        }

        var (caller, failure, useDue) = Check(http, session, device);
        if (useDue)
        {
            session.LastUsedAt = time.GetUtcNow();
        }

        return (caller, failure);
    }

    /// <summary>
    /// The same checks against committed state, outside any transaction, storing nothing: the caller of a request whose
    /// own write set (or relaxed write, for a pure read) will record the proof id and the session's use. The entities
    /// are not tracked.
    /// </summary>
    public async Task<(Caller? Caller, ProblemHttpResult? Failure, bool UseDue)> AuthenticateOutsideAsync(
        HttpContext http, SymbolonDbContext db, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var (session, device) = await FindAsync(db, presented, cancellationToken);
        return session is null || device is null || !IsProofKey(presented, device) ? (null, Problems.Unauthorized(http), false) : Check(http, session, device);
    }

    /// <summary>
    /// For a pure read, which takes no lock and forces no durable write: stores the proof id (and, when it is due, the
    /// session's use) by one relaxed write whose unique key refuses a replay on every node; false for a replay.
    /// </summary>
    public Task<bool> RecordReadAsync(
        WriteTransactions transactions, Caller caller, PresentedCredentials presented, bool useDue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(caller);
        return transactions.RunSqlAsync(
            caller.UserId, set => RecordUseAsync(set, caller, presented, useDue, CancellationToken.None), durable: false, cancellationToken);
    }

    /// <summary>
    /// Stores the proof id, refusing one seen before (false, logged), and the session's use when it is due; a plain-SQL
    /// step of a write set.
    /// </summary>
    public async Task<bool> RecordUseAsync(SqlSet set, Caller caller, PresentedCredentials presented, bool useDue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(presented);
        if (!await dpop.RememberAsync(set, presented.Proof, cancellationToken))
        {
            return false;
        }

        if (useDue)
        {
            await set.ExecuteAsync(
                "UPDATE \"Sessions\" SET \"LastUsedAt\" = @now WHERE \"Id\" = @id AND \"LastUsedAt\" < @now",
                cancellationToken,
                ("now", SqlValues.Time(time.GetUtcNow())),
                ("id", set.Id(caller.Session.Id)));
        }

        return true;
    }

    /// <summary>The session of the access token and the device it is bound to, read in one query and not tracked.</summary>
    private static async Task<(Session? Session, Device? Device)> FindAsync(SymbolonDbContext db, PresentedCredentials presented, CancellationToken cancellationToken)
    {
        var database = db.Database;
        var opened = database.GetDbConnection().State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await database.OpenConnectionAsync(cancellationToken);
        }

        var reads = SqlSet.Reads(db);
        var command = reads.Command(FindSql, ("hash", Tokens.Hash(presented.AccessToken)));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (null, null);
            }

            var session = new Session
            {
                Id = SqlValues.ReadId(reader, 0),
                UserId = SqlValues.ReadId(reader, 1),
                DeviceId = SqlValues.ReadId(reader, 2),
                AccessExpiresAt = SqlValues.ReadTime(reader, 3)!.Value,
                CreatedAt = SqlValues.ReadTime(reader, 4)!.Value,
                LastUsedAt = SqlValues.ReadTime(reader, 5)!.Value,
                RevokedAt = SqlValues.ReadTime(reader, 6),
            };
            var device = new Device
            {
                Id = session.DeviceId,
                UserId = SqlValues.ReadId(reader, 7),
                Name = reader.GetString(8),
                Thumbprint = reader.GetString(9),
                CreatedAt = SqlValues.ReadTime(reader, 10)!.Value,
                RevokedAt = SqlValues.ReadTime(reader, 11),
                LockedAt = SqlValues.ReadTime(reader, 12),
                PendingApproval = Convert.ToBoolean(reader.GetValue(13), System.Globalization.CultureInfo.InvariantCulture),
            };
            return (session, device);
        }
        finally
        {
            reads.Release(command);
            if (opened)
            {
                await database.CloseConnectionAsync();
            }
        }
    }

    private const string FindSql = """
        SELECT s."Id", s."UserId", s."DeviceId", s."AccessExpiresAt", s."CreatedAt", s."LastUsedAt", s."RevokedAt",
               d."UserId", d."Name", d."Thumbprint", d."CreatedAt", d."RevokedAt", d."LockedAt", d."PendingApproval"
        FROM "Sessions" AS s JOIN "Devices" AS d ON d."Id" = s."DeviceId"
        WHERE s."AccessTokenHash" = @hash
        """;

    private static bool IsProofKey(PresentedCredentials presented, Device device) =>
        string.Equals(presented.Proof.Thumbprint, device.Thumbprint, StringComparison.Ordinal);

    /// <summary>The caller, or why not; and whether the session's use is due to be stored (it is stored coarsely).</summary>
    private (Caller? Caller, ProblemHttpResult? Failure, bool UseDue) Check(HttpContext http, Session session, Device device)
    {
        // Checked before the session's own state: revoking a device also revokes its sessions, and the device's
        // holder (proven by the proof) must learn that only a new device key helps, not another login.
        if (device.RevokedAt is not null)
        {
            return (null, Problems.DeviceRevoked(), false);
        }

        var now = time.GetUtcNow();
        var lifetimes = options.Value.Sessions;
        if (session.RevokedAt is not null
            || session.AccessExpiresAt <= now
            || session.LastUsedAt + lifetimes.IdleTimeout <= now
            || session.CreatedAt + lifetimes.AbsoluteLifetime <= now)
        {
            return (null, Problems.Unauthorized(http), false);
        }

        // Use is recorded at a coarse granularity: the idle timeout needs seconds, not a write per request. The recorded
        // use lags the real one by less than UseRecordInterval, so an idle session can only end earlier, never later.
        return (new Caller(session, device), null, now - session.LastUsedAt >= lifetimes.UseRecordInterval);
    }

    private static (Caller?, ProblemHttpResult?) Fail(HttpContext http) => (null, Problems.Unauthorized(http));
}

/// <summary>The metadata of an endpoint that <see cref="SessionEndpointFilter.ReadsOnly"/> marked.</summary>
public sealed class ReadOnlySession;

/// <summary>The metadata of an endpoint that <see cref="SessionEndpointFilter.RunsOwnWriteSet"/> marked.</summary>
public sealed class OwnWriteSet;

/// <summary>The metadata of an endpoint that <see cref="SessionEndpointFilter.OpenToPendingDevices"/> marked.</summary>
public sealed class OpenToPendingDevice;

/// <summary>What an <see cref="OwnWriteSet"/> endpoint's write set must still store: the proof id, and the session's use when due.</summary>
public sealed record UnrecordedUse(PresentedCredentials Presented, bool SessionUseDue);

/// <summary>
/// Puts an endpoint (or every endpoint of a group) behind session authentication, inside one write transaction under
/// the caller's account's lock that also holds the handler's changes and audit records, committed before the response
/// is written; an endpoint marked <see cref="ReadsOnly"/> runs outside any write transaction, and one marked
/// <see cref="RunsOwnWriteSet"/> writes its own set (a unit's use).
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
            var metadata = http.GetEndpoint()?.Metadata;
            var readsOnly = metadata?.GetMetadata<ReadOnlySession>() is not null;
            if (readsOnly || metadata?.GetMetadata<OwnWriteSet>() is not null)
            {
                // Outside any transaction, on one connection for all of the request's reads: an SQLite connection's open
                // runs pragmas and registers functions, which costs more than a read's queries.
                await db.Database.OpenConnectionAsync(http.RequestAborted);
                try
                {
                    var (caller, failure, useDue) = await authenticator.AuthenticateOutsideAsync(http, db, presented, http.RequestAborted);
                    if (caller is null)
                    {
                        return failure;
                    }

                    // A unit's use refuses a pending device in its own write set, where the refusal is audited.
                    if (readsOnly && PendingApprovalRefuses(caller, metadata))
                    {
                        return Problems.DevicePendingApproval();
                    }

                    if (!readsOnly)
                    {
                        http.Features.Set(new UnrecordedUse(presented, useDue));
                    }
                    else if (!await authenticator.RecordReadAsync(transactions, caller, presented, useDue, http.RequestAborted))
                    {
                        return Problems.Unauthorized(http);
                    }

                    http.Features.Set(caller);
                    return await next(context);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            }

            // Committed state first, outside any transaction: a request that cannot be authenticated costs no write,
            // and the caller's account names the lock its writes take.
            var (known, unknown, _) = await authenticator.AuthenticateOutsideAsync(http, db, presented, http.RequestAborted);
            if (known is null)
            {
                return unknown;
            }

            return await transactions.RunAsync(async () =>
            {
                var (caller, failure) = await authenticator.AuthenticateAsync(http, db, presented, http.RequestAborted);
                if (caller is null || PendingApprovalRefuses(caller, metadata))
                {
                    db.ChangeTracker.Clear();
                    return caller is null ? failure : Problems.DevicePendingApproval();
                }

                http.Features.Set(caller);
                return await next(context);
            }, known.UserId, http.RequestAborted);
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
    /// Marks a session endpoint whose handler writes its own plain-SQL write set (a unit's use): the filter only checks
    /// the session against committed state and leaves storing the proof id and the session's use to that set
    /// (<see cref="UnrecordedUse"/>), which re-checks the state under the account's lock.
    /// </summary>
    public static TBuilder RunsOwnWriteSet<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new OwnWriteSet());
        return builder;
    }

    /// <summary>
    /// Marks a session endpoint that a device still awaiting approval may call (listing devices, enrolling one, which is
    /// then pending too, reading the settings, logging out). Every other endpoint answers such a device 403
    /// <see cref="ProblemTypes.DevicePendingApproval"/>: a password alone must not destroy, rotate, read or change
    /// anything of the account's.
    /// </summary>
    public static TBuilder OpenToPendingDevices<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new OpenToPendingDevice());
        return builder;
    }

    private static bool PendingApprovalRefuses(Caller caller, EndpointMetadataCollection? metadata) =>
        caller.Device.PendingApproval && metadata?.GetMetadata<OpenToPendingDevice>() is null;

    public static Caller GetCaller(this HttpContext http) =>
        http.Features.Get<Caller>() ?? throw new InvalidOperationException("The endpoint is not behind RequireSession.");
}
