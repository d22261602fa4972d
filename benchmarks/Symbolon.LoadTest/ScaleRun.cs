using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Symbolon.LoadTest;

/// <summary>
/// The scale runs of issue 13 (docs/performance.md, "Scale"): units seeded straight into the database
/// (<see cref="UnitSeeder"/>) for accounts created through the API, then releases of units drawn at random among them.
/// <list type="bullet">
/// <item><c>release-random --units 1000,1000000</c>: for each count a fresh deployment (same build, same settings, same
/// setup), seeded, warmed up and measured alike; the report gives each count's figures and the p50 ratio of the last
/// count to the first.</item>
/// <item><c>sustained --minutes 10 --units 1000000</c>: one deployment, seeded, then releases without pause for the
/// given time, the server's resident set size (VmRSS in /proc/PID/status) sampled every few seconds.</item>
/// </list>
/// </summary>
internal static class ScaleRun
{
    public const string Usage = """
        dotnet benchmarks/Symbolon.LoadTest/bin/Release/net10.0/Symbolon.LoadTest.dll release-random [options]
        dotnet benchmarks/Symbolon.LoadTest/bin/Release/net10.0/Symbolon.LoadTest.dll sustained [options]

          --units N[,N…]    units seeded (release-random: one fresh deployment per count, default 1000,1000000;
                            sustained: one count, default 1000000)
          --accounts N      accounts the units are spread over (1-64, default 4), each created through the API
          --connections N   connections and workers, one device each (1-256, default 16)
          --seconds N       release-random: measured seconds per count (1-120, default 20)
          --warmup N        warm-up seconds before measuring (0-120, default 10)
          --minutes N       sustained: minutes of releases (1-60, default 10)
          --sample N        sustained: seconds between RSS samples (1-60, default 5)
          --backend NAME    sqlite (default) or postgres (one node)
          --data-root PATH  where the server's data directory is made (a real disk)
          --server-dll PATH the server to start (default: the Release build in this repository)
        """;

    /// <summary>Access tokens live 5 minutes: sustained releases refresh every worker's session this often.</summary>
    private static readonly TimeSpan Segment = TimeSpan.FromMinutes(1);

    public static async Task<int> RunAsync(string command, string[] args)
    {
        var settings = new Settings();
        if (!settings.TryParse(args, command == "sustained", out var error))
        {
            await Console.Error.WriteLineAsync($"symbolon-load: error: {error}{Environment.NewLine}{Usage}");
            return 2;
        }

        try
        {
            var dll = Path.GetFullPath(settings.ServerDll ?? ServerProcess.DefaultDllPath());
            foreach (var stale in ServerProcess.NewerSources(dll).Take(3))
            {
                Console.Error.WriteLine($"symbolon-load: warning: {stale} is newer than the server build; rebuild it (dotnet build -c Release src/Symbolon.Server).");
            }

            Console.WriteLine(Header(command, settings, dll));
            return command == "sustained" ? await SustainedAsync(dll, settings) : await CompareAsync(dll, settings);
        }
        catch (LoadTestException exception)
        {
            await Console.Error.WriteLineAsync($"symbolon-load: error: {exception.Message}");
            await Console.Error.WriteLineAsync($"symbolon-load: hint: {exception.Hint}");
            return 2;
        }
    }

    private static async Task<int> CompareAsync(string dll, Settings settings)
    {
        var rows = new List<(int Units, TimeSpan Seeding, PhaseResult Result, long RssKib)>();
        foreach (var units in settings.Units)
        {
            await using var run = await SeededRun.StartAsync(dll, settings, units);
            Console.Error.WriteLine($"symbolon-load: {units:N0} units: {settings.WarmupSeconds} s warm-up, {settings.Seconds} s measured …");
            var result = await run.Runner.RunAsync(ReleaseRandomPhase, TimeSpan.FromSeconds(settings.WarmupSeconds), TimeSpan.FromSeconds(settings.Seconds));
            rows.Add((units, run.Seeding, result, Rss.Read(run.Deployment.Servers[0].ProcessId)));
            if (result.ErrorCount > 0)
            {
                Console.Error.WriteLine($"symbolon-load: error: {result.ErrorCount} releases failed; first: {result.FirstFailure}");
                return 1;
            }
        }

        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("| units | seeding s | req/s | p50 ms | p90 ms | p99 ms | errors | server CPU | other CPU | server RSS MB after |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (units, seeding, result, rss) in rows)
        {
            var l = result.LatencyMilliseconds;
            text.AppendLine(c, $"| {units:N0} | {seeding.TotalSeconds:0.0} | {result.RequestsPerSecond:N0} | {l.P50:0.00} | {l.P90:0.00} | {l.P99:0.00} | {result.ErrorCount} | {result.ServerCpuCores:0.00} | {result.OtherCpuCores?.ToString("0.00", c) ?? "n/a"} | {rss / 1024.0:0.0} |");
        }

        var first = rows[0].Result.LatencyMilliseconds.P50;
        var last = rows[^1].Result.LatencyMilliseconds.P50;
        text.AppendLine();
        text.AppendLine(c, $"- release p50 with {rows[^1].Units:N0} units / with {rows[0].Units:N0} units: **{last / first:0.00}** (goal ≤ 1.2: {(last / first <= 1.2 ? "met" : "missed")})");
        text.AppendLine(c, $"- throughput {rows[^1].Result.RequestsPerSecond / rows[0].Result.RequestsPerSecond:0.00}× ; seeding {rows[^1].Units:N0} units took {rows[^1].Seeding.TotalSeconds:0.0} s ({rows[^1].Units / rows[^1].Seeding.TotalSeconds:N0} units/s)");
        Console.WriteLine(text);
        return 0;
    }

    private static async Task<int> SustainedAsync(string dll, Settings settings)
    {
        await using var run = await SeededRun.StartAsync(dll, settings, settings.Units[0]);
        var processId = run.Deployment.Servers[0].ProcessId;
        var samples = new List<(TimeSpan At, long RssKib)>();
        var started = Stopwatch.StartNew();
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.SampleSeconds));
            do
            {
                lock (samples)
                {
                    samples.Add((started.Elapsed, Rss.Read(processId)));
                }
            }
            while (await timer.WaitForNextTickAsync(stopSampling.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
        });

        var minutes = new List<PhaseResult>();
        Console.Error.WriteLine($"symbolon-load: {settings.Minutes} minutes of releases among {settings.Units[0]:N0} units, RSS every {settings.SampleSeconds} s …");
        for (var minute = 0; minute < settings.Minutes; minute++)
        {
            // A fresh access token for every segment (they live 5 minutes); the refresh takes well under a second.
            await Parallel.ForEachAsync(run.Workers, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (w, ct) => new ValueTask(w.RefreshAsync(ct)));
            var result = await run.Runner.RunAsync(ReleaseRandomPhase with { Name = $"minute {minute + 1}" }, TimeSpan.Zero, Segment);
            minutes.Add(result);
            Console.Error.WriteLine($"symbolon-load: minute {minute + 1}: {result.RequestsPerSecond:N0} req/s, p50 {result.LatencyMilliseconds.P50:0.00} ms, RSS {Rss.Read(processId) / 1024.0:0.0} MB, errors {result.ErrorCount}");
        }

        await stopSampling.CancelAsync();
        await sampling;

        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| minute | req/s | p50 ms | p99 ms | errors | RSS MB (mean of samples) | RSS MB (max) |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        for (var minute = 0; minute < minutes.Count; minute++)
        {
            var inMinute = samples.Where(s => s.At >= minute * Segment && s.At < (minute + 1) * Segment).Select(s => s.RssKib / 1024.0).DefaultIfEmpty(double.NaN).ToList();
            var r = minutes[minute];
            text.AppendLine(c, $"| {minute + 1} | {r.RequestsPerSecond:N0} | {r.LatencyMilliseconds.P50:0.00} | {r.LatencyMilliseconds.P99:0.00} | {r.ErrorCount} | {inMinute.Average():0.0} | {inMinute.Max():0.0} |");
        }

        text.AppendLine();
        text.AppendLine(c, $"RSS every 30 s (MB): {string.Join(", ", samples.Where((_, i) => i % Math.Max(1, 30 / settings.SampleSeconds) == 0).Select(s => $"{s.At.TotalSeconds:0} s {s.RssKib / 1024.0:0.0}"))}");
        var second = samples.Where(s => s.At >= Segment && s.At < 2 * Segment).Select(s => s.RssKib).DefaultIfEmpty(0).Average();
        var lastMinute = samples.Where(s => s.At >= (settings.Minutes - 1) * Segment).Select(s => s.RssKib).DefaultIfEmpty(0).Average();
        var max = samples.Max(s => s.RssKib) / 1024.0;
        var flat = second > 0 && Math.Abs(lastMinute - second) <= 0.10 * second;
        text.AppendLine();
        text.AppendLine(c, $"- max RSS {max:0.0} MB (goal ≤ 150: {(max <= 150 ? "met" : "missed")}); last minute {lastMinute / 1024.0:0.0} MB vs second minute {second / 1024.0:0.0} MB: {(lastMinute - second) / second:+0.0%;-0.0%} (goal within 10 %: {(flat ? "met" : "missed")})");
        text.AppendLine(c, $"- {minutes.Sum(m => m.Requests):N0} releases in {minutes.Count} minutes, {minutes.Sum(m => m.ErrorCount)} failed");
        text.AppendLine(c, $"- at the end: {Rss.Breakdown(processId)}");
        Console.WriteLine(text);
        return minutes.Any(m => m.ErrorCount > 0) ? 1 : 0;
    }

    private static readonly PhaseDefinition ReleaseRandomPhase = new("release-random", "POST /v1/units/{random id}/release", w => w.ReleaseRandom());

    private static string Header(string command, Settings settings, string dll)
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        return string.Create(CultureInfo.InvariantCulture,
            $"**{command}**, {settings.Backend.ToString().ToLowerInvariant()}: run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Report.MachineName()} ({Environment.ProcessorCount} CPUs), load average before {load}; {settings.Connections} connections, {settings.Accounts} accounts; server built {File.GetLastWriteTimeUtc(dll):yyyy-MM-dd HH:mm} UTC.");
    }

    /// <summary>One deployment with seeded units, its accounts and logged-in workers, and a phase runner.</summary>
    private sealed class SeededRun : IAsyncDisposable
    {
        private SeededRun(Deployment deployment, NodeClients clients, List<LoadWorker> workers, TimeSpan seeding)
        {
            Deployment = deployment;
            Clients = clients;
            Workers = workers;
            Seeding = seeding;
            Runner = new PhaseRunner(deployment, clients, workers);
        }

        public Deployment Deployment { get; }

        public NodeClients Clients { get; }

        public List<LoadWorker> Workers { get; }

        public TimeSpan Seeding { get; }

        public PhaseRunner Runner { get; }

        public static async Task<SeededRun> StartAsync(string dll, Settings settings, int units)
        {
            var options = new LoadOptions { Backend = settings.Backend, Connections = settings.Connections, Accounts = settings.Accounts, DataRoot = settings.DataRoot };
            var deployment = new Deployment(dll, options);
            try
            {
                await deployment.StartAsync();
                var clients = new NodeClients(deployment.Servers, settings.Connections);
                var run = Guid.NewGuid().ToString("N")[..8];
                var accounts = Enumerable.Range(0, settings.Accounts).Select(i => new Account($"scale-{run}-{i}", "scale test password " + Guid.NewGuid().ToString("N"))).ToList();
                Console.Error.WriteLine($"symbolon-load: creating {accounts.Count} accounts, logging in {settings.Connections} devices …");
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4 };
                await Parallel.ForEachAsync(accounts, parallel, (account, ct) => new ValueTask(LoadWorker.CreateAccountAsync(clients.For(0), account, ct)));
                var workers = Enumerable.Range(0, settings.Connections).Select(i => new LoadWorker(clients.For(i), accounts[i % accounts.Count])).ToList();
                await Parallel.ForEachAsync(workers, parallel, (worker, ct) => new ValueTask(worker.LoginAsync(ct)));

                Console.Error.WriteLine($"symbolon-load: seeding {units:N0} units into the database …");
                using var seeder = new UnitSeeder(deployment.DataDirectory!, deployment.ConnectionString);
                var userIds = await seeder.UserIdsAsync([.. accounts.Select(a => a.Username)]);
                var (byUser, elapsed) = await seeder.SeedAsync(userIds, units);
                Console.Error.WriteLine($"symbolon-load: seeded {units:N0} units in {elapsed.TotalSeconds:0.0} s");
                for (var i = 0; i < workers.Count; i++)
                {
                    workers[i].UseRandomUnits(byUser[accounts.IndexOf(workers[i].Account)], seed: i);
                }

                return new SeededRun(deployment, clients, workers, elapsed);
            }
            catch
            {
                deployment.Dispose();
                throw;
            }
        }

        public ValueTask DisposeAsync()
        {
            foreach (var worker in Workers)
            {
                worker.Dispose();
            }

            Clients.Dispose();
            Deployment.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    internal static class Rss
    {
        /// <summary>
        /// What the resident set is made of: anonymous (GC heaps, native allocations), file (mapped assemblies and native
        /// libraries), shared memory (the JIT's code, double-mapped for W^X).
        /// </summary>
        public static string Breakdown(int processId)
        {
            try
            {
                var fields = File.ReadLines($"/proc/{processId}/status")
                    .Where(l => l.StartsWith("Rss", StringComparison.Ordinal) || l.StartsWith("VmRSS", StringComparison.Ordinal) || l.StartsWith("Threads", StringComparison.Ordinal))
                    .Select(l => string.Join(' ', l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)));
                return string.Join("; ", fields);
            }
            catch (IOException exception)
            {
                return exception.Message;
            }
        }

        /// <summary>VmRSS of a process in KiB (Linux /proc/PID/status); 0 where unavailable.</summary>
        public static long Read(int processId)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{processId}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
            }

            return 0;
        }
    }

    private sealed class Settings
    {
        public List<int> Units { get; private set; } = [];

        public int Accounts { get; private set; } = 4;

        public int Connections { get; private set; } = 16;

        public int Seconds { get; private set; } = 20;

        public int WarmupSeconds { get; private set; } = 10;

        public int Minutes { get; private set; } = 10;

        public int SampleSeconds { get; private set; } = 5;

        public LoadBackend Backend { get; private set; } = LoadBackend.Sqlite;

        public string? DataRoot { get; private set; }

        public string? ServerDll { get; private set; }

        public bool TryParse(string[] args, bool sustained, out string error)
        {
            error = "";
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                var value = i + 1 < args.Length ? args[++i] : null;
                if (value is null)
                {
                    error = $"`{name}` needs a value.";
                    return false;
                }

                var ok = name switch
                {
                    "--units" => TryUnits(value),
                    "--accounts" => TryInt(value, 1, 64, v => Accounts = v),
                    "--connections" => TryInt(value, 1, 256, v => Connections = v),
                    "--seconds" => TryInt(value, 1, 120, v => Seconds = v),
                    "--warmup" => TryInt(value, 0, 120, v => WarmupSeconds = v),
                    "--minutes" => TryInt(value, 1, 60, v => Minutes = v),
                    "--sample" => TryInt(value, 1, 60, v => SampleSeconds = v),
                    "--backend" when value is "sqlite" or "postgres" => (Backend = value == "sqlite" ? LoadBackend.Sqlite : LoadBackend.Postgres) == Backend,
                    "--data-root" => Set(() => DataRoot = value),
                    "--server-dll" => Set(() => ServerDll = value),
                    _ => false,
                };
                if (!ok)
                {
                    error = $"unknown option or bad value: `{name} {value}`.";
                    return false;
                }
            }

            Units = Units.Count > 0 ? Units : sustained ? [1_000_000] : [1_000, 1_000_000];
            if (sustained && Units.Count != 1)
            {
                error = "`sustained` takes one unit count.";
                return false;
            }

            if (Accounts > Connections)
            {
                error = "`--accounts` must not exceed `--connections`: every account needs a worker.";
                return false;
            }

            return true;
        }

        private static bool Set(Action set)
        {
            set();
            return true;
        }

        private bool TryUnits(string text)
        {
            List<int> values = [];
            foreach (var part in text.Split(','))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 10_000_000)
                {
                    return false;
                }

                values.Add(value);
            }

            Units = values;
            return values.Count > 0;
        }

        private static bool TryInt(string text, int minimum, int maximum, Action<int> set)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
            {
                return false;
            }

            set(value);
            return true;
        }
    }
}
