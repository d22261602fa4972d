using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Accounts;

/// <summary>
/// Failed-login back-off per account name and per client address, kept in the database so every node sees it.
/// After <see cref="LoginThrottleOptions.FreeFailures"/> failures each further one doubles the wait, up to a cap.
/// </summary>
public sealed class LoginThrottler(IOptions<ServerOptions> options, TimeProvider time)
{
    public static string AccountKey(string username) => "account:" + username;

    public static string AddressKey(HttpContext context) => "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    /// <summary>How long the caller must still wait, or null when it may try now.</summary>
    public async Task<TimeSpan?> BlockedForAsync(SymbolonDbContext db, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var throttles = await db.LoginThrottles.AsNoTracking().Where(t => keys.Contains(t.Key)).ToListAsync(cancellationToken);
        var until = throttles.Select(t => t.BlockedUntil).DefaultIfEmpty(now).Max();
        return until > now ? until - now : null;
    }

    public async Task RecordFailureAsync(SymbolonDbContext db, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var settings = options.Value.LoginThrottle;
        var now = time.GetUtcNow();
        foreach (var key in keys)
        {
            var throttle = await db.LoginThrottles.FindAsync([key], cancellationToken);
            if (throttle is null)
            {
                throttle = new LoginThrottle { Key = key, BlockedUntil = now };
                db.LoginThrottles.Add(throttle);
            }

            throttle.Failures++;
            var excess = throttle.Failures - settings.FreeFailures;
            if (excess > 0)
            {
                var backoff = settings.InitialBackoff * Math.Pow(2, Math.Min(excess - 1, 30));
                throttle.BlockedUntil = now + (backoff < settings.MaxBackoff ? backoff : settings.MaxBackoff);
            }
        }
    }

    /// <summary>A successful login clears its account's counter (not the address's: one good account must not unlock guessing at others).</summary>
    public async Task RecordSuccessAsync(SymbolonDbContext db, string accountKey, CancellationToken cancellationToken)
    {
        var throttle = await db.LoginThrottles.FindAsync([accountKey], cancellationToken);
        if (throttle is not null)
        {
            db.LoginThrottles.Remove(throttle);
        }
    }
}
