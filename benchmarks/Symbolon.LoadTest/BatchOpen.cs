using System.Diagnostics;
using System.Globalization;
using Symbolon.Client;
using Symbolon.Crypto;

namespace Symbolon.LoadTest;

/// <summary>
/// Batch open (issue 15), through the SDK: one real key server (own data directory, SQLite, durability on) and ten
/// split items, opened alternately as ten <c>VaultClient.UseAsync</c> calls one after another (ten requests, ten durable
/// commits) and as one <c>VaultClient.UseManyAsync</c> of the ten (one request, one commit). Rate limits are raised so
/// that they never refuse.
/// </summary>
internal static class BatchOpen
{
    private const int Items = 10;
    private const int Warmup = 30;

    public const string Usage = """
        dotnet run -c Release --project benchmarks/Symbolon.LoadTest -- batch-open [--iterations N] [--server-dll PATH]

          --iterations N   rounds of each way, measured after 30 unmeasured ones (10-5000, default 100)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (await OpenLatency.ParseAsync(args, 100, Usage) is not var (iterations, serverDll))
        {
            return 2;
        }

        var root = Directory.CreateTempSubdirectory("symbolon-batch-open-").FullName;
        var server = ServerProcess.Create(Path.GetFullPath(serverDll ?? ServerProcess.DefaultDllPath()), Directory.CreateDirectory(Path.Combine(root, "server")).FullName,
        [
            "--Symbolon:Passwords:MemoryKib=1024", "--Symbolon:Passwords:Passes=1",
            "--Symbolon:Limits:DeviceBurst=1000000", "--Symbolon:Limits:DeviceRefillPerMinute=1000000",
            "--Symbolon:Limits:UserBurst=1000000", "--Symbolon:Limits:UserRefillPerMinute=1000000",
        ]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        try
        {
            await server.StartAsync(TimeSpan.FromSeconds(60));
            using var vault = VaultClient.Open(new VaultClientOptions { HomePath = Path.Combine(root, "client") });
            await vault.CreateAccountAsync(server.BaseAddress, "bench", "benchmark password 123");
            await vault.LoginAsync(server.BaseAddress, "bench", "benchmark password 123");
            string[] names = [.. Enumerable.Range(0, Items).Select(i => $"item{i}")];
            foreach (var name in names)
            {
                using var credential = new Credential("bot@example.com", "vendor password", "https://portal.example");
                await vault.AddAsync(name, credential);
            }

            var singles = new List<long>(iterations);
            var batches = new List<long>(iterations);
            for (var i = -Warmup; i < iterations; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var opened = 0;
                foreach (var name in names)
                {
                    opened += await vault.UseAsync(name, credential => credential.PasswordUtf8.Length > 0 ? 1 : 0);
                }

                var single = Stopwatch.GetTimestamp() - started;
                started = Stopwatch.GetTimestamp();
                opened += await vault.UseManyAsync(names, credentials => credentials.Values.Count(c => c.PasswordUtf8.Length > 0));
                var batch = Stopwatch.GetTimestamp() - started;
                if (opened != 2 * Items)
                {
                    throw new InvalidOperationException("An item opened empty.");
                }

                if (i >= 0)
                {
                    singles.Add(single);
                    batches.Add(batch);
                }
            }

            var (one, many) = (LatencySummary.From([.. singles]), LatencySummary.From([.. batches]));
            Console.WriteLine($"Opening {Items} split items, {iterations} rounds of each way alternately after {Warmup} unmeasured; 1 key server on this machine ({Environment.ProcessorCount} CPUs), SQLite, durability on.");
            Console.WriteLine();
            Console.WriteLine("| way | p50 ms | p90 ms | p99 ms | mean ms |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            Console.WriteLine(OpenLatency.Row($"{Items} × UseAsync (one request each)", one));
            Console.WriteLine(OpenLatency.Row($"UseManyAsync of {Items} (one request)", many));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Items} singles / one batch: p50 {one.P50 / many.P50:0.0}×, mean {one.Mean / many.Mean:0.0}×"));
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
            server.Stop();
            Directory.Delete(root, recursive: true);
        }
    }
}
