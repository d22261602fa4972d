using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// A real key server process (`dotnet Symbolon.Server.dll`, or a published executable) on 127.0.0.1 with its own data directory and a free port.
/// It can be stopped and started again on the same data directory and port; dispose kills it, whatever the test did.
/// </summary>
internal sealed class KeyServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>For operator requests that do real work (a checkpoint of thousands of records after a load).</summary>
    private static readonly HttpClient Operator = new() { Timeout = TimeSpan.FromSeconds(60) };

    private readonly TempDirectory? _directory;
    private readonly string[] _settings;
    private readonly string? _executable;
    private readonly OutputTail _log = new(200);
    private Process? _process;

    private KeyServer(string[] settings, string? sharedDataDirectory, string? executable = null)
    {
        _settings = settings;
        _executable = executable;
        _directory = sharedDataDirectory is null ? new TempDirectory("server") : null;
        DataDirectory = sharedDataDirectory ?? _directory!.Path;
        Port = Symbolon.Testing.PostgresCluster.FreePort();
    }

    /// <summary>The data directory: symbolon.db, kek.key, operator.token (shared by the nodes of a multi-node test).</summary>
    public string DataDirectory { get; }

    public int Port { get; private set; }

    /// <summary>The URL as a user would type it: no trailing slash.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server. <paramref name="settings"/> are extra configuration switches, e.g. "--Symbolon:Limits:DeviceBurst=500".</summary>
    public static Task<KeyServer> StartAsync(params string[] settings) => StartNodeAsync(null, settings);

    /// <summary>Starts a server on <paramref name="sharedDataDirectory"/> (another node's keys), or on a new one when null.</summary>
    public static Task<KeyServer> StartNodeAsync(string? sharedDataDirectory, params string[] settings) => LaunchAsync(new KeyServer(settings, sharedDataDirectory));

    /// <summary>Starts a published server <paramref name="executable"/> (README, "Install") instead of this build's dll.</summary>
    public static Task<KeyServer> StartPublishedAsync(string executable, params string[] settings) => LaunchAsync(new KeyServer(settings, null, executable));

    private static async Task<KeyServer> LaunchAsync(KeyServer server)
    {
        try
        {
            // The free port is released before the server binds it; if something took it meanwhile, pick another.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await server.StartAsync();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.RecentLog.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    server.Port = Symbolon.Testing.PostgresCluster.FreePort();
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process (again) on the same data directory and port and waits until /readyz answers 200.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The key server is already running.");
        }

        var process = new Process { StartInfo = StartInfo(DataDirectory, [$"--urls=http://127.0.0.1:{Port}", .. _settings], _executable) };
        process.OutputDataReceived += (_, line) => _log.Add(line.Data);
        process.ErrorDataReceived += (_, line) => _log.Add(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The key server exited with code {process.ExitCode} before it was ready:{Environment.NewLine}{_log}");
            }

            try
            {
                using var response = await Probe.GetAsync(new Uri($"{Url}/readyz"), TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                // The probe timed out; try again.
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await StopAsync();
        throw new TimeoutException($"The key server was not ready within {ReadyTimeout.TotalSeconds} s:{Environment.NewLine}{_log}");
    }

    /// <summary>Runs a server command (migrate, verify-audit, …) on a data directory to its end: exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(string dataDirectory, params string[] arguments)
    {
        var (exitCode, output, error) = await RunToEndAsync(dataDirectory, arguments);
        return (exitCode, output + error);
    }

    /// <summary>Runs the server with <paramref name="arguments"/> to its end: exit code, standard output and standard error apart.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(string dataDirectory, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(dataDirectory, arguments))!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{string.Join(' ', arguments)}` did not finish within {ReadyTimeout.TotalSeconds} s.");
        }

        return (process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo StartInfo(string dataDirectory, IEnumerable<string> arguments, string? executable = null)
    {
        var program = executable ?? Repository.ServerDll;
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            // The content root is the working directory: run where appsettings.json is, as `dotnet run` would find it.
            WorkingDirectory = Path.GetDirectoryName(program)!,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Cheap Argon2id: the tests exercise behaviour, not password hashing cost.
        start.ArgumentList.Add("--Symbolon:Passwords:MemoryKib=1024");
        start.ArgumentList.Add("--Symbolon:Passwords:Passes=1");
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["SYMBOLON_SERVER_DATA"] = dataDirectory;
        return start;
    }

    /// <summary>
    /// Sends SIGKILL to the server (no handler runs, nothing is flushed) and returns at once, without waiting;
    /// <see cref="StopAsync"/> then waits for it to be gone.
    /// </summary>
    public void Kill()
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
    }

    /// <summary>Kills the server (the whole process tree) and waits until it is gone. Committed data stays on disk.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        using (process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
        }
    }

    /// <summary>A connection to the server's SQLite database, for checking (or, in tamper tests, altering) what it stored.</summary>
    public SqliteConnection OpenDatabase(bool readOnly = true)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, "symbolon.db"),
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Asks the server (with the operator token) to checkpoint its audit log now; returns the checkpoint's tree size.</summary>
    public async Task<long> CheckpointAuditAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url + "/v1/audit/checkpoints");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", (await File.ReadAllTextAsync(Path.Combine(DataDirectory, "operator.token"))).Trim());
        using var response = await Operator.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("treeSize").GetInt64();
    }

    /// <summary>The server's recent output, for failure messages.</summary>
    public string RecentLog => _log.ToString();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _directory?.Dispose();
        }
    }
}

/// <summary>
/// One key server for the whole test run (each server start costs seconds of CPU); every test still uses its own
/// account and client directory, so tests share nothing but the process. Tests that stop the server or alter its
/// database start their own. Limits are raised because every test's client comes from the same address, 127.0.0.1,
/// and the crash test opens dozens of items in a row; no test here is about limits (the server's own tests are).
/// </summary>
public sealed class SharedKeyServer : IAsyncLifetime
{
    private KeyServer? _server;

    internal KeyServer Server => _server ?? throw new InvalidOperationException("The key server has not started.");

    public async ValueTask InitializeAsync() => _server = await KeyServer.StartAsync(
        "--Symbolon:Limits:DeviceBurst=10000",
        "--Symbolon:Limits:UserBurst=10000",
        "--Symbolon:Limits:DistinctUnitsPerHour=10000",
        "--Symbolon:LoginThrottle:FreeFailures=1000",
        "--Symbolon:LoginThrottle:SignUpsPerAddressPerHour=1000");

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
