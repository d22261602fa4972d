using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Accounts;

/// <summary>
/// Failed-login back-off per account name and per client address, kept in the database so every node sees it.
/// After <see cref="LoginThrottleOptions.FreeFailures"/> failures the next attempt waits
/// <see cref="LoginThrottleOptions.InitialBackoff"/>; each further failure doubles the wait, up to a cap.
/// </summary>
public sealed class LoginThrottler(IOptions<ServerOptions> options, TimeProvider time)
{
    public static string AccountKey(string username) => "account:" + username;

    public static string AddressKey(HttpContext context) => "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    /// <summary>
    /// Counts one account creation from the client's address in a fixed hourly window (state in the database, so the
    /// limit holds across nodes); returns how long to wait when the window is full.
    /// </summary>
    public async Task<TimeSpan?> TryCountSignUpAsync(SymbolonDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = "signup:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        var window = await db.LoginThrottles.FindAsync([key], cancellationToken);
        if (window is null || window.BlockedUntil <= now)
        {
            window ??= db.LoginThrottles.Add(new LoginThrottle { Key = key }).Entity;
            window.Failures = 0;
            window.BlockedUntil = now + TimeSpan.FromHours(1);
        }

        if (window.Failures >= options.Value.LoginThrottle.SignUpsPerAddressPerHour)
        {
            return window.BlockedUntil - now;
        }

        window.Failures++;
        return null;
    }

    /// <summary>How long the caller must still wait, or null when it may try now.</summary>
    public async Task<TimeSpan?> BlockedForAsync(SymbolonDbContext db, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var throttles = await db.LoginThrottles.AsNoTracking().Where(t => keys.Contains(t.Key)).ToListAsync(cancellationToken);
        var until = throttles.Select(t => t.BlockedUntil).DefaultIfEmpty(now).Max();
        return until > now ? until - now : null;
    }

    /// <summary>
    /// Checks every key, then counts the attempt against the account as a failure before the password is checked (in
    /// the same transaction), so parallel guesses at one account cannot all pass the check while the slow hash runs;
    /// a successful login takes it back. The address is charged only for real failures, so many users behind one
    /// address can log in at once. Returns how long the caller must wait instead, if it is blocked.
    /// </summary>
    public async Task<TimeSpan?> BeginAttemptAsync(SymbolonDbContext db, IReadOnlyList<string> keys, string accountKey, CancellationToken cancellationToken)
    {
        if (await BlockedForAsync(db, keys, cancellationToken) is { } wait)
        {
            return wait;
        }

        await RecordFailureAsync(db, [accountKey], cancellationToken);
        return null;
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

            // Old failures are forgotten: a typo next month must not inherit this month's count. BlockedUntil is the
            // end of the last back-off, or the time of the last failure when there was none.
            if (now - throttle.BlockedUntil > settings.ForgetAfter)
            {
                throttle.Failures = 0;
            }

            throttle.BlockedUntil = throttle.BlockedUntil > now ? throttle.BlockedUntil : now;

            // FreeFailures failures are free; the one that reaches the limit starts the back-off, so the next attempt waits.
            throttle.Failures++;
            var excess = throttle.Failures - settings.FreeFailures;
            if (excess >= 0)
            {
                var backoff = settings.InitialBackoff * Math.Pow(2, Math.Min(excess, 30));
                throttle.BlockedUntil = now + (backoff < settings.MaxBackoff ? backoff : settings.MaxBackoff);
            }
        }
    }

    /// <summary>
    /// A successful login clears its account's counter (including this attempt's pessimistic count). The address's
    /// counter is left alone: one good account must not unlock guessing at others from the same address.
    /// </summary>
    public async Task RecordSuccessAsync(SymbolonDbContext db, string accountKey, CancellationToken cancellationToken)
    {
        var account = await db.LoginThrottles.FindAsync([accountKey], cancellationToken);
        if (account is not null)
        {
            db.LoginThrottles.Remove(account);
        }
    }
}
