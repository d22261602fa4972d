using System.Net;
using Microsoft.Extensions.Options;
using Symbolon.Server.Hosting;

namespace Symbolon.Server.Accounts;

/// <summary>
/// Failed-login back-off per account name and per client address, and the hourly sign-up window per address, kept in
/// this node's memory: an unauthenticated request never costs a database write, however many arrive. After
/// <see cref="LoginThrottleOptions.FreeFailures"/> failures the next attempt waits
/// <see cref="LoginThrottleOptions.InitialBackoff"/>; each further failure doubles the wait, up to a cap. Each node
/// counts on its own, so an attacker spread over N nodes gets up to N times the budget (docs/threat-model.md); a
/// restart forgets the counts.
/// </summary>
public sealed class LoginThrottler(IOptions<ServerOptions> options, TimeProvider time)
{
    /// <summary>
    /// At most this many counters are kept. A full table first forgets counters whose failures are forgotten anyway,
    /// then those not blocking anyone now, then, if a flood of made-up names has filled it with live blocks, the blocks
    /// that end soonest, down to nine tenths: memory stays bounded, the longest blocks (a guessed-at account's) stay,
    /// and the next tenth of new names costs no scan.
    /// </summary>
    public const int MaxCounters = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public static string AccountKey(string username) => "account:" + username;

    public static string AddressKey(HttpContext context) => "address:" + ClientAddress.Bucket(context);

    /// <summary>
    /// Counts one account creation from the client's address in a fixed hourly window; returns how long to wait when
    /// the window is full.
    /// </summary>
    public TimeSpan? TryCountSignUp(HttpContext http)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var window = CounterFor("signup:" + ClientAddress.Bucket(http), now);
            if (window.BlockedUntil <= now)
            {
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
    }

    /// <summary>
    /// Checks every key, then counts the attempt against the account as a failure before the password is checked (under
    /// the same lock), so parallel guesses at one account cannot all pass the check while the slow hash runs; a
    /// successful login takes it back. The address is charged only for real failures, so many users behind one address
    /// can log in at once. Returns how long the caller must wait instead, if it is blocked.
    /// </summary>
    public TimeSpan? BeginAttempt(IReadOnlyList<string> keys, string accountKey)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var until = now;
            foreach (var key in keys)
            {
                if (_counters.TryGetValue(key, out var counter) && counter.BlockedUntil > until)
                {
                    until = counter.BlockedUntil;
                }
            }

            if (until > now)
            {
                return until - now;
            }

            CountFailure(accountKey, now);
            return null;
        }
    }

    /// <summary>How many counters the table holds now.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _counters.Count;
            }
        }
    }

    public void RecordFailure(IReadOnlyList<string> keys)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            foreach (var key in keys)
            {
                CountFailure(key, now);
            }
        }
    }

    /// <summary>
    /// A successful login clears its account's counter (including this attempt's pessimistic count). The address's
    /// counter is left alone: one good account must not unlock guessing at others from the same address.
    /// </summary>
    public void RecordSuccess(string accountKey)
    {
        lock (_lock)
        {
            _counters.Remove(accountKey);
        }
    }

    private void CountFailure(string key, DateTimeOffset now)
    {
        var settings = options.Value.LoginThrottle;
        var throttle = CounterFor(key, now);

        // Old failures are forgotten: a typo next month must not inherit this month's count. BlockedUntil is the end of
        // the last back-off, or the time of the last failure when there was none.
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

    private Counter CounterFor(string key, DateTimeOffset now)
    {
        if (_counters.TryGetValue(key, out var counter))
        {
            return counter;
        }

        if (_counters.Count >= MaxCounters)
        {
            var keep = MaxCounters / 10 * 9;
            var forgetAfter = options.Value.LoginThrottle.ForgetAfter;
            Forget(c => now - c.BlockedUntil > forgetAfter || (c.IsWindow && c.BlockedUntil <= now));
            if (_counters.Count > keep)
            {
                Forget(c => c.BlockedUntil <= now);
            }

            // Only live blocks are left, still more than nine tenths of the table: the ones that end soonest go.
            if (_counters.Count > keep)
            {
                foreach (var (soonest, _) in _counters.OrderBy(pair => pair.Value.BlockedUntil).Take(_counters.Count - keep).ToList())
                {
                    _counters.Remove(soonest);
                }
            }
        }

        counter = new Counter { BlockedUntil = now, IsWindow = key.StartsWith("signup:", StringComparison.Ordinal) };
        _counters[key] = counter;
        return counter;
    }

    private void Forget(Func<Counter, bool> stale)
    {
        foreach (var (key, counter) in _counters)
        {
            if (stale(counter))
            {
                _counters.Remove(key);
            }
        }
    }

    private sealed class Counter
    {
        public int Failures { get; set; }

        public DateTimeOffset BlockedUntil { get; set; }

        public bool IsWindow { get; init; }
    }
}

/// <summary>
/// The client's address as the throttles and audit records name it: an IPv4 address as itself, an IPv6 address by its
/// /64 prefix (one subscriber's network usually holds a whole /64, so counting single addresses would hand an attacker
/// 2^64 buckets). An IPv4-mapped IPv6 address counts as the IPv4 address.
/// </summary>
public static class ClientAddress
{
    public static string Bucket(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Bucket(http.Connection.RemoteIpAddress);
    }

    public static string Bucket(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
