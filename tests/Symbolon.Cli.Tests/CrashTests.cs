using System.Diagnostics;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// The client is killed (SIGKILL: no handler, no finally, no flush) at random points while adding items. Afterwards
/// every item it reported saved opens with its password, and no item file is corrupt.
/// </summary>
public sealed class CrashTests(SharedKeyServer shared)
{
    private const int Kills = 25;
    private const int NormalAdds = 10;
    private const int MaxAttempts = 100;

    [Fact]
    public async Task Items_reported_saved_survive_the_client_being_killed_at_random_points()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(shared.Server);
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"random seed {seed}");

        // Kill points are spread over a whole add, from process start to exit, so they are scaled by how long an
        // undisturbed add takes here (the median so far: machines and their load differ). Killing stops once enough
        // runs were really killed mid-way; an add that finished before its kill point counts as an undisturbed one.
        var durations = new List<TimeSpan>();
        var outcomes = new List<Outcome>();
        var attempts = 0;
        while ((outcomes.Count(o => o.Killed) < Kills || outcomes.Count(o => !o.Killed) < NormalAdds) && attempts < MaxAttempts)
        {
            var calibrating = durations.Count < 3;
            var undisturbed = calibrating
                || outcomes.Count(o => o.Killed) >= Kills
                || (outcomes.Count(o => !o.Killed) < NormalAdds && random.Next(Kills + NormalAdds) < NormalAdds);
            TimeSpan? killAfter = undisturbed ? null : Median(durations) * (0.2 + (random.NextDouble() * 0.9));
            var clock = Stopwatch.StartNew();
            var outcome = await AddAsync(device, attempts++, killAfter);
            if (!outcome.Killed)
            {
                durations.Add(clock.Elapsed);
            }

            outcomes.Add(outcome);
        }

        var killed = outcomes.Count(o => o.Killed);
        var reported = outcomes.Where(o => o.ReportedSaved).ToList();
        log?.WriteLine($"{attempts} adds, median {Median(durations).TotalMilliseconds:0} ms undisturbed; {killed} killed, " +
            $"{reported.Count} reported saved ({reported.Count(o => o.Killed)} of them killed after reporting)");
        Assert.True(killed >= Kills, $"only {killed} of {attempts} adds were killed before they finished");

        // A crashed writer's temporary file must not get in the way either.
        await File.WriteAllTextAsync(Path.Combine(device.ItemsDirectory, ".tmp-0123456789abcdef"), "{ half a fi", TestContext.Current.CancellationToken);

        var listed = (await device.ListAsync()).Select(i => i.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        foreach (var outcome in reported)
        {
            Assert.True(listed.Contains(outcome.Name), $"'{outcome.Name}' was reported saved but is missing{(outcome.Killed ? " (killed after reporting)" : "")}");
        }

        // Every item that exists opens, reported or not: none is corrupt.
        foreach (var name in listed)
        {
            var outcome = outcomes.Single(o => o.Name == name);
            var fields = await device.RevealAsync(name);
            Assert.Equal(outcome.Password, fields["password"]);
            Assert.Equal(outcome.Username, fields["username"]);
        }

        // A unit the server created for an add that never saved its item: that kill landed in the critical window.
        var units = shared.Server.UnitCount(device.Username);
        log?.WriteLine($"{listed.Count} items on disk, {listed.Count(n => outcomes.Single(o => o.Name == n).Killed)} of them from killed adds; " +
            $"{units - listed.Count} kills came after the server created the unit and before the item was saved");

        // The vault still works normally afterwards.
        await device.AddAsync("after-the-crashes", "bot@after.example", "after-password");
        Assert.Equal("after-password", (await device.RevealAsync("after-the-crashes"))["password"]);
    }

    private static async Task<Outcome> AddAsync(ClientDevice device, int index, TimeSpan? killAfter)
    {
        var outcome = new Outcome($"item-{index}", $"bot{index}@vendor.example", $"vendor-password-{index}-{Guid.NewGuid():N}");
        using var running = device.Start("add", outcome.Name, "--username", outcome.Username, "--password-stdin");
        await running.StandardInput.WriteLineAsync(outcome.Password);
        running.StandardInput.Close();
        if (killAfter is { } delay)
        {
            var remaining = delay - Stopwatch.GetElapsedTime(running.StartedAt);
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, TestContext.Current.CancellationToken);
            }

            running.Kill();
        }

        var result = await running.WaitAsync();

        // 128 + SIGKILL: the kill came first. Otherwise the add ran to its end and must have succeeded.
        outcome.Killed = result.ExitCode == 137;
        outcome.ReportedSaved = result.Stdout.Contains($"Stored '{outcome.Name}'.", StringComparison.Ordinal);
        if (!outcome.Killed)
        {
            result.AssertSuccess();
            Assert.True(outcome.ReportedSaved, result.ToString());
        }

        return outcome;
    }

    private static TimeSpan Median(List<TimeSpan> durations) => durations.Order().ElementAt(durations.Count / 2);

    private sealed record Outcome(string Name, string Username, string Password)
    {
        public bool Killed { get; set; }

        public bool ReportedSaved { get; set; }
    }
}
