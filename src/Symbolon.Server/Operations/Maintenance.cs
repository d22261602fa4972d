using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Operations;

/// <summary>Deletes DPoP proof ids once their proofs would be stale anyway, and unit uses older than the quota window. Idempotent, so every node may run it.</summary>
public sealed class ExpiredProofSweeper(IServiceScopeFactory scopes, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
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
        }
    }
}

/// <summary>Ready when the database answers.</summary>
public sealed class DatabaseHealthCheck(SymbolonDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The database is unreachable.");
}
