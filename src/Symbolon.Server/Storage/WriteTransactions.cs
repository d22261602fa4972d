using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Symbolon.Server.Storage;

/// <summary>
/// Runs work in one write transaction that commits durably before the caller answers. Write transactions are
/// serialised across every node that shares the database, because every one of them may append to the single audit
/// hash chain and read-modify-write shared state (rate buckets, refresh tokens, proof ids):
/// <list type="bullet">
/// <item>SQLite: BEGIN IMMEDIATE takes the database's one write lock (WAL, synchronous=FULL).</item>
/// <item>PostgreSQL: a transaction-scoped advisory lock, taken first; under READ COMMITTED every later statement then
/// sees all that earlier holders committed (synchronous_commit must stay on).</item>
/// </list>
/// A per-database gate also queues this process's writers, so they wait in memory instead of holding pooled
/// connections while they wait for the database's lock.
/// </summary>
public sealed class WriteTransactions(SymbolonDbContext db)
{
    /// <summary>The PostgreSQL advisory lock key: "SYMB" read as a 32-bit integer.</summary>
    public const long PostgresLockKey = 0x53594D42;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="work"/> and saves its changes in one durable, serialised write transaction.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var gate = Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var postgres = db.Database.IsNpgsql();

            // READ COMMITTED whatever the server's default: each statement after the lock must see what the previous
            // holder committed (under REPEATABLE READ the snapshot would predate the lock wait).
            await using IDbContextTransaction transaction = postgres
                ? await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken)
                : await db.Database.BeginTransactionAsync(cancellationToken);
            if (postgres)
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({PostgresLockKey})", cancellationToken);
            }

            var result = await work();
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
        finally
        {
            gate.Release();
        }
    }
}
