using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Symbolon.Server.Accounts;
using Symbolon.Server.Hosting;

namespace Symbolon.Server.Tests;

/// <summary>The in-memory login throttle under a flood of made-up account names (issue 14, finding 6).</summary>
public sealed class LoginThrottlerTests
{
    [Fact]
    public void A_flood_of_blocked_names_keeps_the_table_bounded_and_the_longest_block_stays()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var options = new ServerOptions();
        var throttler = new LoginThrottler(Options.Create(options), time);
        var victim = LoginThrottler.AccountKey("victim");
        for (var i = 0; i < options.LoginThrottle.FreeFailures + 10; i++)
        {
            throttler.RecordFailure([victim]);
        }

        // Each made-up name fails often enough to be blocked (for the shortest back-off), and there are more than the table holds.
        for (var n = 0; n < LoginThrottler.MaxCounters + 1_000; n++)
        {
            var name = LoginThrottler.AccountKey("flood-" + n);
            for (var i = 0; i < options.LoginThrottle.FreeFailures; i++)
            {
                throttler.RecordFailure([name]);
            }
        }

        Assert.InRange(throttler.Count, 1, LoginThrottler.MaxCounters);
        Assert.NotNull(throttler.BeginAttempt([victim], victim));
    }
}
