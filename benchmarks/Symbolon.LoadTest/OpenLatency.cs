using System.Diagnostics;
using System.Globalization;
using Symbolon.Client;
using Symbolon.Crypto;

namespace Symbolon.LoadTest;

/// <summary>
/// Threshold vs split open time (issue 6), measured through the SDK as an application would call it: three real key
/// servers (own data directories, SQLite, durability on), one vault logged in to all three, a split item on the first
/// and a 2-of-3 threshold item on all. The two items are opened alternately, one at a time, so both see the same
/// machine, each after a short pause; each open is a full <c>VaultClient.UseAsync</c> (releases, receipts kept durably,
/// key derivation, decrypt). All three servers share this machine's CPUs, which independent parties' servers would not.
/// </summary>
internal static class OpenLatency
{
    private const int Warmup = 200;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(30);

    public const string Usage = """
        dotnet run -c Release --project benchmarks/Symbolon.LoadTest -- open-latency [--iterations N] [--server-dll PATH]

          --iterations N   opens of each item, measured after 200 unmeasured ones (10-5000, default 300)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (await ParseAsync(args, 300, Usage) is not var (iterations, serverDll))
        {
            return 2;
        }

        var dll = Path.GetFullPath(serverDll ?? ServerProcess.DefaultDllPath());
        var root = Directory.CreateTempSubdirectory("symbolon-open-latency-").FullName;
        var servers = new List<ServerProcess>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => servers.ForEach(s => s.Stop());
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var data = Directory.CreateDirectory(Path.Combine(root, $"server{i}")).FullName;
                var server = ServerProcess.Create(dll, data, ["--Symbolon:Passwords:MemoryKib=1024", "--Symbolon:Passwords:Passes=1"]);
                servers.Add(server);
                await server.StartAsync(TimeSpan.FromSeconds(60));
            }

            using var vault = VaultClient.Open(new VaultClientOptions { HomePath = Path.Combine(root, "client") });
            var urls = servers.Select(s => s.BaseAddress).ToList();
            foreach (var url in Enumerable.Reverse(urls))
            {
                await vault.CreateAccountAsync(url, "bench", "benchmark password 123");
                await vault.LoginAsync(url, "bench", "benchmark password 123");
            }

            vault.DefineSet("trio", 2, urls);
            using (var credential = new Credential("bot@example.com", "vendor password", "https://portal.example"))
            {
                await vault.AddAsync("split", credential);
                await vault.AddAsync("threshold", credential, ItemMode.Threshold, "trio");
            }

            var (split, threshold) = await MeasureAsync(vault, iterations);

            // The same with the third server stopped (refusing connections at once): only two servers do release work,
            // which separates the protocol's cost from three servers sharing this machine's CPUs.
            servers[2].Stop();
            var (splitTwo, thresholdTwo) = await MeasureAsync(vault, iterations);

            Console.WriteLine($"Open latency, {iterations} opens of each item alternately after {Warmup} unmeasured, {Pause.TotalMilliseconds:0} ms apart; 3 key servers on this machine ({Environment.ProcessorCount} CPUs), SQLite, durability on.");
            Console.WriteLine();
            Console.WriteLine("| item | p50 ms | p90 ms | p99 ms | mean ms |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            Console.WriteLine(Row("split (1 server)", split));
            Console.WriteLine(Row("threshold (2 of 3 servers, all 3 up)", threshold));
            Console.WriteLine(Row("split, again, with server 3 stopped", splitTwo));
            Console.WriteLine(Row("threshold with server 3 stopped", thresholdTwo));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threshold / split, all 3 up: p50 {threshold.P50 / split.P50:0.00}×, mean {threshold.Mean / split.Mean:0.00}× (goal ≤ 1.3×)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threshold / split, server 3 stopped: p50 {thresholdTwo.P50 / splitTwo.P50:0.00}×, mean {thresholdTwo.Mean / splitTwo.Mean:0.00}×"));
            return 0;
        }
        catch (LoadTestException exception)
        {
            await Console.Error.WriteLineAsync($"symbolon-load: error: {exception.Message}");
            await Console.Error.WriteLineAsync($"symbolon-load: hint: {exception.Hint}");
            return 2;
        }
        finally
        {
            servers.ForEach(s => s.Stop());
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Opens both items alternately; the latencies of each, summarised the way the load phases are (nearest rank).</summary>
    /// <summary>
    /// `--iterations N` (10-5000) and `--server-dll PATH`, as open-latency and batch-open take them; null, after the
    /// usage is printed, for anything else.
    /// </summary>
    internal static async Task<(int Iterations, string? ServerDll)?> ParseAsync(string[] args, int iterations, string usage)
    {
        string? serverDll = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--iterations" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n is >= 10 and <= 5000:
                    iterations = n;
                    i++;
                    break;
                case "--server-dll" when i + 1 < args.Length:
                    serverDll = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"symbolon-load: error: unexpected `{args[i]}`.{Environment.NewLine}{usage}");
                    return null;
            }
        }

        return (iterations, serverDll);
    }

    private static async Task<(LatencySummary Split, LatencySummary Threshold)> MeasureAsync(VaultClient vault, int iterations)
    {
        var split = new List<long>(iterations);
        var threshold = new List<long>(iterations);
        for (var i = -Warmup; i < iterations; i++)
        {
            // A pause before each open, so that every open starts on an idle machine: what the third server (asked, but
            // not waited for) is still doing must not be charged to the next open.
            await Task.Delay(Pause);
            var s = await TimeOpenAsync(vault, "split");
            await Task.Delay(Pause);
            var t = await TimeOpenAsync(vault, "threshold");
            if (i >= 0)
            {
                split.Add(s);
                threshold.Add(t);
            }
        }

        return (LatencySummary.From([.. split]), LatencySummary.From([.. threshold]));
    }

    /// <summary>One open, in stopwatch ticks.</summary>
    private static async Task<long> TimeOpenAsync(VaultClient vault, string name)
    {
        var started = Stopwatch.GetTimestamp();
        var length = await vault.UseAsync(name, credential => credential.PasswordUtf8.Length);
        var elapsed = Stopwatch.GetTimestamp() - started;
        return length > 0 ? elapsed : throw new InvalidOperationException("The item opened empty.");
    }

    internal static string Row(string name, LatencySummary latency) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {latency.P50:0.00} | {latency.P90:0.00} | {latency.P99:0.00} | {latency.Mean:0.00} |");
}
