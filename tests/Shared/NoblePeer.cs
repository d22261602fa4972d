// The RFC 9497 peer on @noble/curves (tests/Symbolon.Crypto.Tests/interop/oprf-peer.mjs), shared by the crypto interop
// tests and the server's blinded-mode interop test. The Crypto tests' build installs it (npm ci).
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Symbolon.Testing;

/// <summary>One `node interop/oprf-peer.mjs` for the test class, started on first use.</summary>
public sealed class NoblePeer : IAsyncDisposable
{
    private const string Hint = "Run `npm ci --prefix tests/Symbolon.Crypto.Tests/interop` (Node 20.19 or later) first.";
    private Process? _process;

    public async Task<JsonObject> CallAsync(JsonObject request)
    {
        var answer = await ExchangeAsync(request);
        Assert.True(answer["ok"]!.GetValue<bool>(), $"noble failed on {request["op"]}: {answer["error"]}");
        return answer;
    }

    public async Task<string> CallExpectingErrorAsync(JsonObject request)
    {
        var answer = await ExchangeAsync(request);
        Assert.False(answer["ok"]!.GetValue<bool>(), $"noble accepted {request["op"]}, which must fail.");
        return answer["error"]!.GetValue<string>();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }

    private async Task<JsonObject> ExchangeAsync(JsonObject request)
    {
        var process = _process ??= Start();
        await process.StandardInput.WriteLineAsync(request.ToJsonString());
        await process.StandardInput.FlushAsync();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null)
        {
            Assert.Fail($"The noble peer exited: {await process.StandardError.ReadToEndAsync()}");
        }

        return JsonNode.Parse(line)!.AsObject();
    }

    private static Process Start()
    {
        var directory = InteropDirectory();
        if (!File.Exists(Path.Combine(directory, "node_modules", "@noble", "curves", "package.json")))
        {
            Assert.Fail($"@noble/curves is not installed in {directory}. {Hint}");
        }

        try
        {
            return Process.Start(new ProcessStartInfo("node", ["oprf-peer.mjs"])
            {
                WorkingDirectory = directory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException($"`node` could not be started ({exception.Message}). {Hint}", exception);
        }
    }

    /// <summary>The source folder (node resolves @noble/curves next to the script), found above the test binaries.</summary>
    private static string InteropDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Symbolon.Crypto.Tests", "interop");
            if (File.Exists(Path.Combine(candidate, "oprf-peer.mjs")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No tests/Symbolon.Crypto.Tests/interop above {AppContext.BaseDirectory}: run the tests from a clone.");
    }
}
