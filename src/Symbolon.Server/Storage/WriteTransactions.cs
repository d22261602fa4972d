using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Symbolon.Server.Storage;

/// <summary>
/// Runs work in one write transaction that commits before the caller answers (SQLite: BEGIN IMMEDIATE, WAL,
/// synchronous=FULL, so a committed release record survives a power cut). SQLite allows one writer at a time; a
/// per-database gate queues writers in this process instead of letting them spin on SQLITE_BUSY.
/// </summary>
public sealed class WriteTransactions(SymbolonDbContext db)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var gate = db.Database.IsSqlite() ? Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1)) : null;
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }

        try
        {
            await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync(cancellationToken);
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
            gate?.Release();
        }
    }
}
