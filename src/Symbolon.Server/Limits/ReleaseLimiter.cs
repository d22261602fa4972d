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
/// the database (buckets as rows; each unit's last use as a row of RecentUnitUses), changed only under the account's
/// lock, so limits hold exactly across nodes.
/// </summary>
public sealed class ReleaseLimiter(IOptions<ServerOptions> options, TimeProvider time)
{
    public static readonly TimeSpan QuotaWindow = TimeSpan.FromHours(1);

    /// <summary>The first minute (UTC ticks ÷ ticks per minute) whose units still count against the quota at <paramref name="now"/>.</summary>
    public static long FirstCountedMinute(DateTimeOffset now) => (now - QuotaWindow).UtcTicks / TimeSpan.TicksPerMinute;

    /// <summary>
    /// Takes one token per unit from both buckets and counts the units against the quota, all of them or none: a denial
    /// changes nothing (but the device's lock on a quota breach) and names the units refused, those past the point where a
    /// bucket ran out or the quota was full. A step of the uses' write set, under the account's lock.
    /// </summary>
    public async Task<(ReleaseDenial Denial, IReadOnlyList<Guid> Refused)?> TryAcquireAsync(
        SqlSet set, Caller caller, IReadOnlyList<Guid> unitIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(unitIds);
        var limits = options.Value.Limits;
        var now = time.GetUtcNow();
        var deviceKey = "device:" + caller.Device.Id;
        var userKey = "user:" + caller.UserId;
        var stored = await ReadBucketsAsync(set, deviceKey, userKey, cancellationToken);
        var device = Refill(stored.GetValueOrDefault(deviceKey), limits.DeviceBurst, limits.DeviceRefillPerMinute, now);
        var user = Refill(stored.GetValueOrDefault(userKey), limits.UserBurst, limits.UserRefillPerMinute, now);
        foreach (var (tokens, burst, refillPerMinute, scope) in new[]
                 {
                     (device, limits.DeviceBurst, limits.DeviceRefillPerMinute, "device"), (user, limits.UserBurst, limits.UserRefillPerMinute, "user"),
                 })
        {
            var detail = unitIds.Count <= burst
                ? $"The {scope} release rate limit was reached."
                : $"The {scope} release rate limit allows at most {burst} units at once; this request asked for {unitIds.Count}.";
            if (Empty(tokens, refillPerMinute, detail, unitIds.Count) is { } denial)
            {
                return (denial, [.. unitIds.Skip((int)Math.Max(0, Math.Floor(tokens)))]);
            }
        }

        var userId = set.Id(caller.UserId);
        var firstCounted = FirstCountedMinute(now);
        var lastMinutes = new List<long?>(unitIds.Count);
        foreach (var unitId in unitIds)
        {
            lastMinutes.Add(await ReadLastUseAsync(set, userId, set.Id(unitId), cancellationToken) is { } last ? last.UtcTicks / TimeSpan.TicksPerMinute : null);
        }

        var fresh = unitIds.Where((_, index) => !(lastMinutes[index] >= firstCounted)).ToList();
        if (fresh.Count > 0 && await CountedUnitsAsync(set, userId, firstCounted, cancellationToken) is var counted && counted + fresh.Count > limits.DistinctUnitsPerHour)
        {
            await set.ExecuteAsync(
                "UPDATE \"Devices\" SET \"LockedAt\" = @now WHERE \"Id\" = @id", cancellationToken, ("now", SqlValues.Time(now)), ("id", set.Id(caller.Device.Id)));
            return (new ReleaseDenial(ProblemTypes.QuotaExceeded, QuotaWindow,
                $"More than {limits.DistinctUnitsPerHour} distinct units in an hour: this device is locked until you log in again."),
                [.. fresh.Skip((int)Math.Max(0, limits.DistinctUnitsPerHour - counted))]);
        }

        for (var index = 0; index < unitIds.Count; index++)
        {
            await StoreUseAsync(set, userId, set.Id(unitIds[index]), lastMinutes[index], now, cancellationToken);
        }

        await StoreBucketAsync(set, deviceKey, device - unitIds.Count, now, cancellationToken);
        await StoreBucketAsync(set, userKey, user - unitIds.Count, now, cancellationToken);
        return null;
    }

    /// <summary>
    /// Counts a use of a unit whose last use fell in minute <paramref name="lastMinute"/> (null: never) in the distinct-unit
    /// quota of the rolling hour. A unit counts while its last use fell in one of the last 61 minutes (so for 60 to 61
    /// minutes, never less than the hour): its row of RecentUnitUses says when, and UnitUseMinutes counts the user's
    /// units by the minute of their last use, so the check sums at most 61 rows however many units were used.
    /// </summary>
    private static async Task StoreUseAsync(SqlSet set, object user, object unit, long? lastMinute, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        if (lastMinute >= FirstCountedMinute(now))
        {
            // Already one of the window's units: it moves to this minute.
            if (lastMinute != minute)
            {
                await set.ExecuteAsync(
                    """UPDATE "UnitUseMinutes" SET "Units" = "Units" - 1 WHERE "UserId" = @user AND "Minute" = @minute""",
                    cancellationToken,
                    ("user", user),
                    ("minute", lastMinute));
                await CountInMinuteAsync(set, user, minute, cancellationToken);
            }
        }
        else
        {
            await CountInMinuteAsync(set, user, minute, cancellationToken);
        }

        await set.ExecuteAsync(
            """
            INSERT INTO "RecentUnitUses" ("UserId", "UnitId", "LastUsedAt") VALUES (@user, @unit, @now)
            ON CONFLICT ("UserId", "UnitId") DO UPDATE SET "LastUsedAt" = excluded."LastUsedAt"
            """,
            cancellationToken,
            ("user", user),
            ("unit", unit),
            ("now", SqlValues.Time(now)));
    }

    /// <summary>How many distinct units the user used in the rolling hour.</summary>
    private static async Task<long> CountedUnitsAsync(SqlSet set, object user, long firstCounted, CancellationToken cancellationToken)
    {
        var counted = set.Command(
            """SELECT COALESCE(SUM("Units"), 0) FROM "UnitUseMinutes" WHERE "UserId" = @user AND "Minute" >= @first""",
            ("user", user),
            ("first", firstCounted));
        try
        {
            return Convert.ToInt64(await counted.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            set.Release(counted);
        }
    }

    private static async Task<DateTimeOffset?> ReadLastUseAsync(SqlSet set, object user, object unit, CancellationToken cancellationToken)
    {
        var command = set.Command(
            """SELECT "LastUsedAt" FROM "RecentUnitUses" WHERE "UserId" = @user AND "UnitId" = @unit""", ("user", user), ("unit", unit));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? SqlValues.ReadTime(reader, 0) : null;
        }
        finally
        {
            set.Release(command);
        }
    }

    private static Task<int> CountInMinuteAsync(SqlSet set, object user, long minute, CancellationToken cancellationToken) =>
        set.ExecuteAsync(
            """
            INSERT INTO "UnitUseMinutes" ("UserId", "Minute", "Units") VALUES (@user, @minute, 1)
            ON CONFLICT ("UserId", "Minute") DO UPDATE SET "Units" = "UnitUseMinutes"."Units" + 1
            """,
            cancellationToken,
            ("user", user),
            ("minute", minute));

    private static async Task<Dictionary<string, (double Tokens, DateTimeOffset UpdatedAt)>> ReadBucketsAsync(
        SqlSet set, string deviceKey, string userKey, CancellationToken cancellationToken)
    {
        var buckets = new Dictionary<string, (double, DateTimeOffset)>(2, StringComparer.Ordinal);
        var command = set.Command(
            "SELECT \"Key\", \"Tokens\", \"UpdatedAt\" FROM \"RateBuckets\" WHERE \"Key\" IN (@device, @user)", ("device", deviceKey), ("user", userKey));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                buckets[reader.GetString(0)] = (reader.GetDouble(1), SqlValues.ReadTime(reader, 2)!.Value);
            }
        }
        finally
        {
            set.Release(command);
        }

        return buckets;
    }

    private static Task<int> StoreBucketAsync(SqlSet set, string key, double tokens, DateTimeOffset now, CancellationToken cancellationToken) =>
        set.ExecuteAsync(
            """
            INSERT INTO "RateBuckets" ("Key", "Tokens", "UpdatedAt") VALUES (@key, @tokens, @now)
            ON CONFLICT ("Key") DO UPDATE SET "Tokens" = excluded."Tokens", "UpdatedAt" = excluded."UpdatedAt"
            """,
            cancellationToken,
            ("key", key),
            ("tokens", tokens),
            ("now", SqlValues.Time(now)));

    /// <summary>A bucket holding fewer than <paramref name="needed"/> tokens: refused, retried once they have refilled.</summary>
    internal static ReleaseDenial? Empty(double tokens, double refillPerMinute, string detail, int needed = 1) =>
        tokens < needed ? new ReleaseDenial(ProblemTypes.RateLimited, TimeSpan.FromMinutes((needed - tokens) / refillPerMinute), detail) : null;

    /// <summary>The bucket's tokens now: a missing bucket is full, a stored one refilled for the time since it was stored.</summary>
    internal static double Refill((double Tokens, DateTimeOffset UpdatedAt) stored, int burst, double refillPerMinute, DateTimeOffset now)
    {
        if (stored.UpdatedAt == default)
        {
            return burst;
        }

        var elapsedMinutes = Math.Max(0, (now - stored.UpdatedAt).TotalMinutes);
        return Math.Min(burst, stored.Tokens + (elapsedMinutes * refillPerMinute));
    }
}
