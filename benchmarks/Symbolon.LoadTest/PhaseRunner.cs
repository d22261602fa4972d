using System.Diagnostics;
using System.Globalization;

namespace Symbolon.LoadTest;

/// <summary>
/// One kind of request driven at full concurrency for a warm-up and then a measured window. <paramref name="ServerHistogram"/>
/// names a histogram on the server's /metrics (Prometheus name without _sum/_count) whose mean over the window is reported.
/// </summary>
internal sealed record PhaseDefinition(string Name, string Request, Func<LoadWorker, HttpRequestMessage> Build, string? ServerHistogram = null);

/// <summary>
/// Runs a phase closed-loop: every worker sends its next request as soon as the previous answer is read, so exactly
/// one request per connection is in flight. A request counts when it completes inside the measured window; its
/// latency runs from SendAsync to the last byte of the body (proof signing happens before, and is excluded).
/// </summary>
internal sealed class PhaseRunner(Deployment deployment, NodeClients clients, IReadOnlyList<LoadWorker> workers)
{
    private const int FailureTextLength = 400;

    // Issue 13's write-path metrics (ServerMetrics): time per write set under the deployment-wide write lock, and sets per
    // SQLite group commit, both over every write set of the window.
    private const string WriteLockHistogram = "symbolon_write_lock_duration_seconds";
    private const string WriteBatchHistogram = "symbolon_write_batch_size";

    private readonly Process _self = Process.GetCurrentProcess();

    public async Task<PhaseResult> RunAsync(PhaseDefinition phase, TimeSpan warmup, TimeSpan measured)
    {
        var measureFrom = Stopwatch.GetTimestamp() + Ticks(warmup);
        var measureTo = measureFrom + Ticks(measured);
        var loops = workers.Select(worker => Task.Run(() => LoopAsync(worker, phase, measureFrom, measureTo))).ToArray();

        await DelayUntilAsync(measureFrom);
        var before = SampleCpu();
        var histogramBefore = await ScrapeHistogramAsync(phase.ServerHistogram);
        var lockBefore = await ScrapeHistogramAsync(WriteLockHistogram);
        var batchBefore = await ScrapeHistogramAsync(WriteBatchHistogram);
        await DelayUntilAsync(measureTo);
        var after = SampleCpu();
        var histogramAfter = await ScrapeHistogramAsync(phase.ServerHistogram);
        var lockAfter = await ScrapeHistogramAsync(WriteLockHistogram);
        var batchAfter = await ScrapeHistogramAsync(WriteBatchHistogram);
        var outcomes = await Task.WhenAll(loops);
        var serverMean = histogramAfter.Count > histogramBefore.Count
            ? 1000 * (histogramAfter.Sum - histogramBefore.Sum) / (histogramAfter.Count - histogramBefore.Count)
            : (double?)null;

        var latencies = outcomes.SelectMany(o => o.Latencies).ToArray();
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in outcomes.SelectMany(o => o.Errors))
        {
            errors[kind] = errors.GetValueOrDefault(kind) + count;
        }

        // Throughput over the window the completions were counted in; CPU over the window it was actually sampled in.
        var seconds = measured.TotalSeconds;
        var sampledSeconds = Math.Max(Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds, 1e-3);
        return new PhaseResult(
            phase.Name,
            phase.Request,
            latencies.Length,
            seconds,
            seconds > 0 ? latencies.Length / seconds : 0,
            LatencySummary.From(latencies),
            errors,
            (after.Server - before.Server).TotalSeconds / sampledSeconds,
            after.Database - before.Database is { } database ? database.TotalSeconds / sampledSeconds : null,
            (after.Client - before.Client).TotalSeconds / sampledSeconds,
            (after.Machine - before.Machine).TotalSeconds / sampledSeconds,
            phase.ServerHistogram,
            serverMean,
            outcomes.Select(o => o.FirstFailure).FirstOrDefault(f => f is not null),
            Mean(lockBefore, lockAfter) * 1_000_000,
            Mean(batchBefore, batchAfter),
            latencies.Length > 0 ? (lockAfter.Sum - lockBefore.Sum) / latencies.Length * 1_000_000 : null);
    }

    private static async Task<WorkerOutcome> LoopAsync(LoadWorker worker, PhaseDefinition phase, long measureFrom, long measureTo)
    {
        var latencies = new List<long>(4096);
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        string? firstFailure = null;
        while (Stopwatch.GetTimestamp() < measureTo)
        {
            using var request = phase.Build(worker);
            var sent = Stopwatch.GetTimestamp();
            string? failure;
            try
            {
                using var response = await worker.Http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                failure = response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                if (failure is not null && firstFailure is null)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    firstFailure = $"{phase.Request}: {failure} {body[..Math.Min(body.Length, FailureTextLength)]}";
                }
            }
            catch (HttpRequestException exception)
            {
                failure = "connection error";
                firstFailure ??= $"{phase.Request}: {exception.Message}";
            }
            catch (TaskCanceledException)
            {
                failure = "timeout";
                firstFailure ??= $"{phase.Request}: no answer within {worker.Http.Timeout.TotalSeconds:0} s";
            }

            var done = Stopwatch.GetTimestamp();
            if (failure is not null)
            {
                errors[failure] = errors.GetValueOrDefault(failure) + 1;
            }
            else if (done >= measureFrom && done < measureTo)
            {
                latencies.Add(done - sent);
            }
        }

        return new WorkerOutcome(latencies, errors, firstFailure);
    }

    /// <summary>
    /// Sum and count of a server histogram, summed over all its label sets and over every node (each node counts only
    /// the requests it served); zeros when not asked for or absent.
    /// </summary>
    private async Task<(double Sum, double Count)> ScrapeHistogramAsync(string? name)
    {
        if (name is null)
        {
            return (0, 0);
        }

        // On their own connections: the load's are all busy, and the scrapes must not queue behind them.
        var texts = await Task.WhenAll(clients.Control.Select(control => control.GetStringAsync(new Uri("/metrics", UriKind.Relative))));
        double sum = 0, count = 0;
        foreach (var text in texts)
        {
            var (nodeSum, nodeCount) = ParseHistogram(text, name);
            sum += nodeSum;
            count += nodeCount;
        }

        return (sum, count);
    }

    private static double? Mean((double Sum, double Count) before, (double Sum, double Count) after) =>
        after.Count > before.Count ? (after.Sum - before.Sum) / (after.Count - before.Count) : null;

    private static (double Sum, double Count) ParseHistogram(string text, string name)
    {
        double sum = 0, count = 0;
        foreach (var line in text.Split('\n'))
        {
            var metric = line.Split(['{', ' '], 2)[0];
            var value = line.Length > 0 && line[0] != '#' ? line[(line.LastIndexOf(' ') + 1)..] : "";
            if (metric == name + "_sum" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
            {
                sum += s;
            }
            else if (metric == name + "_count" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var c))
            {
                count += c;
            }
        }

        return (sum, count);
    }

    private (long Timestamp, TimeSpan Server, TimeSpan? Database, TimeSpan Client, TimeSpan Machine) SampleCpu()
    {
        _self.Refresh();
        return (Stopwatch.GetTimestamp(), deployment.ServerProcessorTime(), deployment.DatabaseProcessorTime(), _self.TotalProcessorTime,
            MachineBusyTime());
    }

    /// <summary>
    /// CPU time every process on the machine has used (Linux /proc/stat, in USER_HZ = 100 ticks per second), so the
    /// report can show how much of the machine other work took during the window. Zero where unavailable.
    /// </summary>
    private static TimeSpan MachineBusyTime()
    {
        const double TicksPerSecond = 100;
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/stat"))
        {
            return TimeSpan.Zero;
        }

        // cpu  user nice system idle iowait irq softirq steal …
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
        var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
        return TimeSpan.FromSeconds(busy / TicksPerSecond);
    }

    private static async Task DelayUntilAsync(long timestamp)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private sealed record WorkerOutcome(List<long> Latencies, Dictionary<string, long> Errors, string? FirstFailure);
}

/// <summary>Latency percentiles in milliseconds, by nearest rank over every sample (no histogram approximation).</summary>
internal sealed record LatencySummary(double P50, double P90, double P99, double Max, double Mean)
{
    public static LatencySummary From(long[] stopwatchTicks)
    {
        if (stopwatchTicks.Length == 0)
        {
            return new LatencySummary(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        Array.Sort(stopwatchTicks);
        double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => Milliseconds(stopwatchTicks[Math.Max(0, (int)Math.Ceiling(p * stopwatchTicks.Length) - 1)]);
        return new LatencySummary(Percentile(0.50), Percentile(0.90), Percentile(0.99), Milliseconds(stopwatchTicks[^1]),
            Milliseconds((long)stopwatchTicks.Average()));
    }
}

/// <summary>
/// What one phase measured. CPU is in cores (CPU-seconds per wall second) over the measured window, for the server
/// processes (summed over the nodes), for PostgreSQL's processes (null for SQLite, which runs inside the server), for
/// this load generator (they all share the machine) and for the whole machine, so other processes' share
/// (<see cref="OtherCpuCores"/>) shows whether the run was disturbed.
/// </summary>
internal sealed record PhaseResult(
    string Name,
    string Request,
    long Requests,
    double Seconds,
    double RequestsPerSecond,
    LatencySummary LatencyMilliseconds,
    IReadOnlyDictionary<string, long> Errors,
    double ServerCpuCores,
    double? DatabaseCpuCores,
    double ClientCpuCores,
    double MachineCpuCores,
    string? ServerHistogram,
    double? ServerHistogramMeanMilliseconds,
    string? FirstFailure,
    double? WriteLockMeanMicroseconds = null,
    double? WriteBatchMean = null,
    double? WriteLockPerRequestMicroseconds = null)
{
    public long ErrorCount => Errors.Values.Sum();

    /// <summary>CPU used by everything except the servers, the database and the load generator; null where the machine total is unknown.</summary>
    public double? OtherCpuCores => MachineCpuCores > 0
        ? Math.Max(0, MachineCpuCores - ServerCpuCores - (DatabaseCpuCores ?? 0) - ClientCpuCores)
        : null;
}
