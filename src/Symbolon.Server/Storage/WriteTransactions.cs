using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Symbolon.Server.Operations;

namespace Symbolon.Server.Storage;

/// <summary>
/// Runs work in one write transaction that commits durably before the caller answers, serialised with every write it
/// could conflict with across every node that shares the database:
/// <list type="bullet">
/// <item>SQLite: the server's <see cref="SqliteGroupCommit"/> writer runs it inside its batch transaction (BEGIN
/// IMMEDIATE takes the database's one write lock), in a savepoint of its own; the batch commits together and is
/// answered after the flusher's fsync of the write-ahead log.</item>
/// <item>PostgreSQL: a transaction-scoped advisory lock, taken first — the account's, for a session's writes, which
/// change only that account's rows; otherwise the deployment-wide one. Under READ COMMITTED every later statement then
/// sees all that earlier holders committed (synchronous_commit must stay on). A per-database gate queues this process's
/// deployment-wide writers in memory instead of on pooled connections.</item>
/// </list>
/// <see cref="RunSqlAsync{T}"/> runs a plain-SQL write set of one account: a unit's use durably under that account's lock
/// only, or a read's proof id as one relaxed insert under no lock.
/// </summary>
public sealed class WriteTransactions(SymbolonDbContext db, ServerMetrics metrics, SqliteGroupCommit? groupCommit = null)
{
    /// <summary>The PostgreSQL advisory lock key: "SYMB" read as a 32-bit integer.</summary>
    public const long PostgresLockKey = 0x53594D42;

    /// <summary>
    /// Taken shared by every durable write on PostgreSQL and exclusively by maintenance (re-sealing under a new KEK), so
    /// maintenance never interleaves with a write under an account's lock: "SYMM" read as a 32-bit integer.
    /// </summary>
    public const long MaintenanceLockKey = 0x53594D4D;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="work"/> and saves its changes in one durable, serialised write transaction: serialised
    /// with every other write of the deployment, or, given the <paramref name="account"/> whose state alone it changes
    /// (a session's request), only with that account's writes. A <paramref name="maintenance"/> write (re-sealing every
    /// share under a new KEK) excludes every other write of the deployment, whatever lock that write takes.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, Guid? account, CancellationToken cancellationToken, bool maintenance = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!db.Database.IsNpgsql())
        {
            return await SqliteAsync(work);
        }

        var lockKey = account is { } id ? AccountLockKey(id) : PostgresLockKey;
        var gate = account is null ? Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1)) : null;
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }

        try
        {
            // READ COMMITTED whatever the server's default: each statement after the lock must see what the previous
            // holder committed (under REPEATABLE READ the snapshot would predate the lock wait).
            await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
            await LockAsync(SqlSet.InTransaction(db), lockKey, maintenance, cancellationToken);

            var locked = Stopwatch.GetTimestamp();
            var result = await work();
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            ForgetTracked();
            if (account is null)
            {
                metrics.WriteLockHeld(Stopwatch.GetElapsedTime(locked), durable: true);
            }

            return result;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
        finally
        {
            gate?.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> in one durable write transaction serialised with every other write of the deployment.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken) => RunAsync(work, account: null, cancellationToken);

    /// <summary>
    /// Runs a write set in plain SQL (<see cref="SqlSet"/>) that changes only <paramref name="account"/>'s state and
    /// shared keyed rows (proof ids), and completes once it has committed (durably when <paramref name="durable"/>).
    /// SQLite: a set of the group commit. PostgreSQL: its own READ COMMITTED transaction — a durable one under the
    /// account's advisory lock (and the maintenance lock, shared), so writes for different accounts run in parallel on
    /// every node; a relaxed one under no lock with synchronous_commit off, for a single atomic insert.
    /// </summary>
    public async Task<T> RunSqlAsync<T>(Guid account, Func<SqlSet, Task<T>> work, bool durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!db.Database.IsNpgsql())
        {
            var writer = groupCommit ?? throw new InvalidOperationException("SQLite storage needs the group commit writer.");
            return await writer.RunSqlAsync(work, durable, cancellationToken);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        var set = new SqlSet(db.Database.GetDbConnection(), transaction.GetDbTransaction(), postgres: true);
        if (durable)
        {
            await LockAsync(set, AccountLockKey(account), maintenance: false, cancellationToken);
        }
        else
        {
            await set.ExecuteAsync("SET LOCAL synchronous_commit = off", cancellationToken);
        }

        var result = await work(set);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Takes, for the rest of the transaction, the maintenance lock (exclusively for <paramref name="maintenance"/>, else
    /// shared) and then <paramref name="key"/>'s lock: always in this order, so two writers never wait on each other in a cycle.
    /// </summary>
    private static Task<int> LockAsync(SqlSet set, long key, bool maintenance, CancellationToken cancellationToken) =>
        set.ExecuteAsync(
            maintenance
                ? "SELECT pg_advisory_xact_lock(@maintenance), pg_advisory_xact_lock(@key)"
                : "SELECT pg_advisory_xact_lock_shared(@maintenance), pg_advisory_xact_lock(@key)",
            cancellationToken,
            ("maintenance", MaintenanceLockKey),
            ("key", key));

    /// <summary>
    /// After a commit, the request's context forgets what it tracked: a later write set of the same request (a login
    /// takes two) must read rows again rather than act on copies that other requests may have changed or deleted since.
    /// </summary>
    private void ForgetTracked() => db.ChangeTracker.Clear();

    /// <summary>
    /// The PostgreSQL advisory lock key of one account: its audit chain's (<see cref="Audit.AuditLog.LockKey"/>), so the
    /// append at the end of the account's write re-enters the lock the write took first.
    /// </summary>
    public static long AccountLockKey(Guid account) => Audit.AuditLog.LockKey(account);

    private async Task<T> SqliteAsync<T>(Func<Task<T>> work)
    {
        var writer = groupCommit ?? throw new InvalidOperationException("SQLite storage needs the group commit writer.");
        try
        {
            // No request token inside the set: it runs on the writer's shared connection, where an interrupted statement
            // would roll back the whole batch. A set whose request was cancelled before it started is dropped instead.
            var result = await writer.RunAsync(db, async () =>
            {
                var result = await work();
                await db.SaveChangesAsync(CancellationToken.None);
                return result;
            }, CancellationToken.None);
            ForgetTracked();
            return result;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
    }
}
