using System.Globalization;
using System.Runtime.InteropServices;
using Symbolon.LoadTest;

// Load benchmark for the key server (docs/performance.md, "Key server under load"). Build the server and this harness
// in Release first; the harness builds nothing and runs the real server as a separate process:
//
//   dotnet build -c Release src/Symbolon.Server && dotnet build -c Release benchmarks/Symbolon.LoadTest
//   dotnet run -c Release --project benchmarks/Symbolon.LoadTest -- --seconds 10 [--out results.json]
//   … -- --backend postgres --nodes 2     (PostgreSQL from this machine's binaries, two nodes sharing it)
//
//   … -- open-latency                   (threshold vs split open time through the SDK, three servers; issue 6)
//   … -- batch-open                     (ten split items: ten UseAsync vs one UseManyAsync, one server; issue 15)
//   … -- split-open --server URL …      (split opens on a running server: the .NET side of
//                                        benchmarks/browser/open-latency.mjs; issue 12)
//   … -- release-random --units 1000,1000000   (units seeded into the database; random releases; issue 13)
//   … -- sustained --minutes 10 --units 1000000 (sustained random releases, server RSS sampled; issue 13)
//   … -- soak --minutes 10                       (mixed good and bad traffic, outcomes per kind, RSS sampled; issue 14)
//
// benchmarks/load-backends.sh runs SQLite, PostgreSQL on one node and on two back to back and prints one summary.
//
// Exit codes: 0 every request succeeded; 1 some request failed (a broken server is not reported as fast);
// 2 usage or setup error.
if (args is ["open-latency", .. var rest])
{
    return await OpenLatency.RunAsync(rest);
}

if (args is ["batch-open", .. var batchOpenArgs])
{
    return await BatchOpen.RunAsync(batchOpenArgs);
}

if (args is ["split-open", .. var splitOpenArgs])
{
    return await SplitOpen.RunAsync(splitOpenArgs);
}

if (args is ["soak", .. var soakArgs])
{
    return await Soak.RunAsync(soakArgs);
}

if (args is [("release-random" or "sustained") and var scaleCommand, .. var scaleArgs])
{
    return await ScaleRun.RunAsync(scaleCommand, scaleArgs);
}

if (!LoadOptions.TryParse(args, out var options, out var usageError))
{
    await Console.Error.WriteLineAsync($"symbolon-load: error: {usageError}");
    await Console.Error.WriteLineAsync(LoadOptions.Usage);
    return 2;
}

if (options.HelpRequested)
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

// The server's histogram of time spent in the release handler (limits, KEK unwrap, audit append, receipt signature),
// inside the write transaction but before its commit: ServerMetrics' "symbolon.release.duration" in Prometheus form.
const string ReleaseHistogram = "symbolon_release_duration_seconds";

Deployment? deployment = null;

// Whatever ends this process (normal exit, an exception, Ctrl+C, SIGTERM, SIGHUP, SIGQUIT), every server node, the
// migrate run and the PostgreSQL cluster go with it (Deployment.Stop). The signals need their own registrations: the
// runtime's default SIGTERM exit does not run ProcessExit handlers.
var interrupted = false;
void StopOnSignal(PosixSignalContext signal)
{
    interrupted = true;
    deployment?.Stop();
}

AppDomain.CurrentDomain.ProcessExit += (_, _) => deployment?.Stop();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopOnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopOnSignal);
using var onQuit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, StopOnSignal);
using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, StopOnSignal);

var startedAt = DateTimeOffset.UtcNow;
try
{
    var dll = Path.GetFullPath(options.ServerDll ?? ServerProcess.DefaultDllPath());
    foreach (var stale in ServerProcess.NewerSources(dll).Take(3))
    {
        Console.Error.WriteLine($"symbolon-load: warning: {stale} is newer than the server build; rebuild it (dotnet build -c Release src/Symbolon.Server).");
    }

    Console.Error.WriteLine("symbolon-load: measuring client-only DPoP signing …");
    var signing = SigningRate.Measure(TimeSpan.FromSeconds(2));

    deployment = new Deployment(dll, options);
    await deployment.StartAsync();
    var fileSystem = ServerProcess.FileSystemType(deployment.DatabasePath);
    if (fileSystem is "tmpfs" or "ramfs")
    {
        var move = options.Backend == LoadBackend.Sqlite ? "use --data-root on a real disk" : "set TMPDIR to a folder on a real disk";
        Console.Error.WriteLine($"symbolon-load: warning: the database is on {fileSystem}, where fsync costs nothing; {move}.");
    }

    using var clients = new NodeClients(deployment.Servers, options.Connections);
    var workers = await SetUpAsync(clients, options);
    try
    {
        var phases = new PhaseDefinition[]
        {
            new("noop", "GET /v1/noop", w => w.Noop()),
            new("auth-only", "GET /v1/devices", w => w.ListDevices()),
            new("release", "POST /v1/units/{id}/release", w => w.Release(), ReleaseHistogram),
        };
        var runner = new PhaseRunner(deployment, clients, workers);

        // Unmeasured: a cold server would spend the first phases in the JIT (tier 0 → tier 1) on paths not yet run.
        var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
        Console.Error.WriteLine($"symbolon-load: mixed warm-up of all three requests, {2 * options.WarmupSeconds} s …");
        var primed = await runner.RunAsync(new PhaseDefinition("warm-up", "mixed", w => w.Mixed()), 2 * warmup, TimeSpan.Zero);
        if (primed.ErrorCount > 0)
        {
            Console.Error.WriteLine($"symbolon-load: error: {primed.ErrorCount} requests failed during the warm-up; first: {primed.FirstFailure}");
            Console.Error.WriteLine("symbolon-load: hint: the server is not answering as expected; nothing was measured.");
            return 1;
        }

        var results = new List<PhaseResult>();
        foreach (var phase in phases)
        {
            // Fresh access tokens before every phase: none can expire inside one (warm-up + measured ≤ 150 s < 5 min).
            await Parallel.ForEachAsync(workers, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (w, ct) => new ValueTask(w.RefreshAsync(ct)));
            Console.Error.WriteLine($"symbolon-load: {phase.Name}: {options.WarmupSeconds} s warm-up, {options.Seconds} s measured …");
            results.Add(await runner.RunAsync(phase, warmup, TimeSpan.FromSeconds(options.Seconds)));
            if (deployment.ExitedServer is { } exited)
            {
                throw new LoadTestException($"the server at {exited.BaseAddress} exited during the {phase.Name} phase:{Environment.NewLine}{exited.RecentOutput}",
                    "the server's last output is above");
            }
        }

        var noop = results[0];
        var releaseToNoop = results[2].RequestsPerSecond / noop.RequestsPerSecond;
        var authToNoop = results[1].RequestsPerSecond / noop.RequestsPerSecond;
        var releaseP99 = results[2].LatencyMilliseconds.P99;
        var goal = new GoalCheck(releaseToNoop, releaseP99, releaseToNoop >= GoalCheck.ThroughputTarget, releaseP99 <= GoalCheck.P99TargetMilliseconds);
        var context = new RunContext(
            options.Backend == LoadBackend.Sqlite ? "sqlite" : "postgres",
            deployment.BackendVersion,
            deployment.Servers.Count,
            deployment.Label,
            startedAt,
            Report.MachineName(),
            Environment.ProcessorCount,
            RuntimeInformation.FrameworkDescription,
            deployment.Servers[0].CommandLine,
            File.GetLastWriteTimeUtc(dll).ToString("O", CultureInfo.InvariantCulture),
            fileSystem,
            options.Connections,
            options.Accounts,
            options.UnitsPerAccount,
            options.WarmupSeconds,
            options.Seconds);

        Console.WriteLine();
        Console.WriteLine(Report.Markdown(context, signing, results, releaseToNoop, authToNoop, goal));
        if (options.OutputPath is not null)
        {
            await Report.WriteJsonAsync(options.OutputPath, context, signing, results, releaseToNoop, authToNoop, goal);
            Console.Error.WriteLine($"symbolon-load: results written to {options.OutputPath}");
        }

        var failed = results.Where(r => r.ErrorCount > 0).ToList();
        foreach (var result in failed)
        {
            Console.Error.WriteLine($"symbolon-load: error: {result.ErrorCount} requests failed in the {result.Name} phase; first: {result.FirstFailure}");
        }

        if (failed.Count > 0)
        {
            Console.Error.WriteLine("symbolon-load: hint: a run with failures does not measure the server; fix the cause and run again.");
            return 1;
        }

        return 0;
    }
    finally
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
    }
}
catch (Exception) when (interrupted)
{
    // A signal stopped the servers (or the cluster) under requests or a start still in flight; their failures are expected.
    return 130;
}
catch (LoadTestException exception)
{
    await Console.Error.WriteLineAsync($"symbolon-load: error: {exception.Message}");
    await Console.Error.WriteLineAsync($"symbolon-load: hint: {exception.Hint}");
    return 2;
}
catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
{
    await Console.Error.WriteLineAsync($"symbolon-load: error: lost the server during setup: {exception.Message}");
    await Console.Error.WriteLineAsync($"symbolon-load: hint: its last output was:{Environment.NewLine}{deployment?.RecentOutput}");
    return 2;
}
finally
{
    deployment?.Dispose();
}

// One account per group of workers; every worker logs in (one device and session each); the first worker of each
// account creates its units, which all of that account's workers then release round-robin. Setup is spread over the
// nodes as the load is: account i is created on node i mod N, and each worker logs in on its own node.
static async Task<List<LoadWorker>> SetUpAsync(NodeClients clients, LoadOptions options)
{
    var run = Guid.NewGuid().ToString("N")[..8];
    var accounts = Enumerable.Range(0, options.Accounts)
        .Select(i => new Account($"load-{run}-{i}", "load test password " + Guid.NewGuid().ToString("N")))
        .ToList();
    Console.Error.WriteLine($"symbolon-load: creating {accounts.Count} accounts and logging in {options.Connections} devices on {clients.Load.Count} {(clients.Load.Count == 1 ? "node" : "nodes")} (Argon2id at its defaults) …");

    // Argon2id is the cost here; a few at a time keeps the server's memory use modest.
    var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4 };
    await Parallel.ForEachAsync(Enumerable.Range(0, accounts.Count), parallel,
        (i, ct) => new ValueTask(LoadWorker.CreateAccountAsync(clients.For(i), accounts[i], ct)));
    var workers = Enumerable.Range(0, options.Connections).Select(i => new LoadWorker(clients.For(i), accounts[i % accounts.Count])).ToList();
    await Parallel.ForEachAsync(workers, parallel, (worker, ct) => new ValueTask(worker.LoginAsync(ct)));

    foreach (var group in workers.GroupBy(w => w.Account))
    {
        var units = new List<Guid>();
        for (var i = 0; i < options.UnitsPerAccount; i++)
        {
            units.Add(await group.First().CreateUnitAsync(CancellationToken.None));
        }

        var offset = 0;
        foreach (var worker in group)
        {
            worker.UseUnits(units, offset++);
        }
    }

    return workers;
}
