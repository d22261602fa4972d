using System.Diagnostics;
using System.Globalization;
using Symbolon.Client;
using Symbolon.Crypto;

namespace Symbolon.LoadTest;

/// <summary>
/// The .NET half of the browser comparison (benchmarks/browser/open-latency.mjs, docs/performance.md): against a key
/// server that is already running, creates an account, logs in, adds one split item and times its opens through the
/// SDK (<c>VaultClient.UseAsync</c>: release round trip, receipt kept durably, key derivation, decrypt), one at a time
/// with the same pause as open-latency. Prints one line: the measured opens in milliseconds, comma-separated.
/// </summary>
internal static class SplitOpen
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(30);

    public const string Usage = """
        dotnet benchmarks/Symbolon.LoadTest/bin/Release/net10.0/Symbolon.LoadTest.dll split-open --server URL --username NAME [--iterations N] [--warmup N]

          --server URL     a running key server (its release limits raised for the run)
          --username NAME  a new account to create for the run
          --iterations N   measured opens (10-5000, default 200), after --warmup unmeasured ones (0-5000, default 50)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        Uri? server = null;
        string? username = null;
        var iterations = 200;
        var warmup = 50;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--server" when i + 1 < args.Length && Uri.TryCreate(args[i + 1], UriKind.Absolute, out var url):
                    server = url;
                    i++;
                    break;
                case "--username" when i + 1 < args.Length:
                    username = args[++i];
                    break;
                case "--iterations" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n is >= 10 and <= 5000:
                    iterations = n;
                    i++;
                    break;
                case "--warmup" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var w) && w is >= 0 and <= 5000:
                    warmup = w;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"symbolon-load: error: unexpected `{args[i]}`.{Environment.NewLine}{Usage}");
                    return 2;
            }
        }

        if (server is null || username is null)
        {
            await Console.Error.WriteLineAsync($"symbolon-load: error: --server and --username are required.{Environment.NewLine}{Usage}");
            return 2;
        }

        var home = Directory.CreateTempSubdirectory("symbolon-split-open-").FullName;
        try
        {
            using var vault = VaultClient.Open(new VaultClientOptions { HomePath = home });
            await vault.CreateAccountAsync(server, username, "benchmark password 123");
            await vault.LoginAsync(server, username, "benchmark password 123");
            using (var credential = new Credential("bot@example.com", "vendor password", "https://portal.example"))
            {
                await vault.AddAsync("split", credential);
            }

            var measured = new List<double>(iterations);
            for (var i = -warmup; i < iterations; i++)
            {
                await Task.Delay(Pause);
                var started = Stopwatch.GetTimestamp();
                var length = await vault.UseAsync("split", credential => credential.PasswordUtf8.Length);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (length == 0)
                {
                    throw new InvalidOperationException("The item opened empty.");
                }

                if (i >= 0)
                {
                    measured.Add(elapsed.TotalMilliseconds);
                }
            }

            Console.WriteLine(string.Join(',', measured.Select(ms => ms.ToString("0.000", CultureInfo.InvariantCulture))));
            return 0;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
