using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Limits;

/// <summary>Why a release was refused (<see cref="Kind"/> is the problem slug), and when the caller may try again.</summary>
public sealed record ReleaseDenial(string Kind, TimeSpan RetryAfter, string Detail);

/// <summary>
/// The defence against bulk export by a rogue logged-in client: per-device and per-user token buckets, and a per-user
/// quota of distinct units per rolling hour whose breach locks the device until its user logs in again. All state is in
/// the database (buckets as rows, the quota counted from the audit log), so limits hold across nodes.
/// </summary>
public sealed class ReleaseLimiter(IOptions<ServerOptions> options, TimeProvider time)
{
    public static readonly TimeSpan QuotaWindow = TimeSpan.FromHours(1);

    /// <summary>Takes one token from both buckets, or none and returns a denial. Runs inside the release transaction.</summary>
    public async Task<ReleaseDenial?> TryAcquireAsync(SymbolonDbContext db, Caller caller, Guid unitId, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        var now = time.GetUtcNow();
        var device = await Refill(db, "device:" + caller.Device.Id, limits.DeviceBurst, limits.DeviceRefillPerMinute, now, cancellationToken);
        var user = await Refill(db, "user:" + caller.UserId, limits.UserBurst, limits.UserRefillPerMinute, now, cancellationToken);
        foreach (var (bucket, refillPerMinute, scope) in new[] { (device, limits.DeviceRefillPerMinute, "device"), (user, limits.UserRefillPerMinute, "user") })
        {
            if (bucket.Tokens < 1)
            {
                return new ReleaseDenial(ProblemTypes.RateLimited, TimeSpan.FromMinutes((1 - bucket.Tokens) / refillPerMinute), $"The {scope} release rate limit was reached.");
            }
        }

        var since = now - QuotaWindow;
        var recentUnits = await db.AuditRecords
            .Where(r => r.UserId == caller.UserId && (r.Event == AuditEvents.UnitReleased || r.Event == AuditEvents.UnitEvaluated) && r.Time > since)
            .Select(r => r.UnitId)
            .Distinct()
            .ToListAsync(cancellationToken);
        if (!recentUnits.Contains(unitId) && recentUnits.Count + 1 > limits.DistinctUnitsPerHour)
        {
            caller.Device.LockedAt = now;
            return new ReleaseDenial(ProblemTypes.QuotaExceeded, QuotaWindow,
                $"More than {limits.DistinctUnitsPerHour} distinct units in an hour: this device is locked until you log in again.");
        }

        device.Tokens -= 1;
        user.Tokens -= 1;
        return null;
    }

    private static async Task<RateBucket> Refill(SymbolonDbContext db, string key, int burst, double refillPerMinute, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var bucket = await db.RateBuckets.FindAsync([key], cancellationToken);
        if (bucket is null)
        {
            bucket = new RateBucket { Key = key, Tokens = burst, UpdatedAt = now };
            db.RateBuckets.Add(bucket);
            return bucket;
        }

        var elapsedMinutes = Math.Max(0, (now - bucket.UpdatedAt).TotalMinutes);
        bucket.Tokens = Math.Min(burst, bucket.Tokens + (elapsedMinutes * refillPerMinute));
        bucket.UpdatedAt = now;
        return bucket;
    }
}
