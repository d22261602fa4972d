using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Operations;

/// <summary>
/// Deletes DPoP proof ids once their proofs would be stale anyway, and unit uses older than the quota window, and
/// destroys the shares of units whose shred grace period is over (<see cref="ShreddedShares"/>). Idempotent, so every
/// node may run it.
/// </summary>
public sealed partial class ExpiredProofSweeper(IServiceScopeFactory scopes, TimeProvider time, ILogger<ExpiredProofSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // A failed pass (a busy database, a serialization failure) is retried at the next tick; left unhandled it
            // would stop the host.
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception problem) when (problem is not OperationCanceledException)
            {
                LogSweepFailed(logger, problem);
            }
        }
    }

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
        var now = time.GetUtcNow();
        await db.SeenProofs.Where(p => p.ExpiresAt < now).ExecuteDeleteAsync(stoppingToken);
        // Only what no longer counts: a unit's last use before the first counted minute (ReleaseLimiter).
        var firstCounted = Limits.ReleaseLimiter.FirstCountedMinute(now);
        var counted = new DateTimeOffset(firstCounted * TimeSpan.TicksPerMinute, TimeSpan.Zero);
        await db.RecentUnitUses.Where(u => u.LastUsedAt < counted).ExecuteDeleteAsync(stoppingToken);
        await db.UnitUseMinutes.Where(m => m.Minute < firstCounted).ExecuteDeleteAsync(stoppingToken);
        await ShreddedShares.DestroyDueAsync(scope.ServiceProvider, now, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A maintenance pass failed; it runs again in a minute.")]
    private static partial void LogSweepFailed(ILogger logger, Exception problem);
}

/// <summary>
/// The end of a shred's grace period: the unit's stored shares are destroyed for real, not only unlinked. On SQLite
/// every connection runs with secure_delete on (<see cref="SqlitePragmas"/>), so the deleted rows' bytes are zeroed in
/// the database's pages, and a TRUNCATE checkpoint afterwards copies those pages into the database file and empties the
/// write-ahead log, which still held the old page images. On PostgreSQL the share bytes are first overwritten with zeros
/// of the same length, then the rows deleted (the old tuple versions go at the next vacuum: docs/operations.md).
/// </summary>
public static class ShreddedShares
{
    /// <summary>The units whose shares are due for destruction at <paramref name="now"/> (found through IX_Units_DestroyAt).</summary>
    internal static IQueryable<Unit> Due(SymbolonDbContext db, DateTimeOffset now) =>
        db.Units.AsNoTracking().Where(u => u.DestroyAt != null && u.DestroyAt <= now);

    /// <summary>Destroys the shares of every unit due at <paramref name="now"/>, each under its account's lock; returns how many units.</summary>
    public static async Task<int> DestroyDueAsync(IServiceProvider services, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var db = services.GetRequiredService<SymbolonDbContext>();
        var transactions = services.GetRequiredService<WriteTransactions>();
        var audit = services.GetRequiredService<AuditLog>();
        var due = await Due(db, now)
            .Select(u => new { u.Id, u.UserId })
            .ToListAsync(cancellationToken);
        var destroyed = 0;
        foreach (var unit in due)
        {
            var done = await transactions.RunAsync(async () =>
            {
                // Re-read under the lock: the owner may have restored it since.
                var row = await db.Units.SingleAsync(u => u.Id == unit.Id, CancellationToken.None);
                if (row.DestroyAt is null || row.DestroyAt > now)
                {
                    return false;
                }

                if (db.Database.IsNpgsql())
                {
                    await db.Database.ExecuteSqlAsync(
                        $"UPDATE \"UnitVersions\" SET \"SealedShare\" = decode(repeat('00', length(\"SealedShare\")), 'hex') WHERE \"UnitId\" = {unit.Id}",
                        CancellationToken.None);
                }

                await db.UnitVersions.Where(v => v.UnitId == unit.Id).ExecuteDeleteAsync(CancellationToken.None);
                row.DestroyAt = null;
                await audit.AppendAsync(db, AuditEvents.UnitDestroyed, unit.UserId, unitId: unit.Id, cancellationToken: CancellationToken.None);
                return true;
            }, unit.UserId, cancellationToken);
            destroyed += done ? 1 : 0;
        }

        if (destroyed > 0 && !db.Database.IsNpgsql())
        {
            // Outside any transaction. Readers can make it partial; the log is then overwritten from its start once they move on.
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken);
        }

        return destroyed;
    }
}

/// <summary>Ready when the database answers.</summary>
public sealed class DatabaseHealthCheck(SymbolonDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The database is unreachable.");
}
