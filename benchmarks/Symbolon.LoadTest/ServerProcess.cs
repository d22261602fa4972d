using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace Symbolon.LoadTest;

/// <summary>
/// The real key server, started from its Release build as a separate process (<c>dotnet Symbolon.Server.dll</c>) on a
/// free loopback port, exactly as deployed except for the raised release limits. Several may share one data directory
/// (the keys every node of a PostgreSQL deployment shares); <see cref="Deployment"/> owns that directory, and its
/// Stop, which Program also calls from the process-exit and signal handlers, stops every process it started.
/// <see cref="Stop"/> kills this one and is idempotent.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    /// <summary>
    /// The release limits raised so they never throttle the run (1,000,000 is the most <c>ServerOptions</c> accepts).
    /// Argon2id, DPoP, sessions and the database's durability stay at their defaults.
    /// </summary>
    public static readonly IReadOnlyList<string> UnthrottledLimits =
    [
        "--Symbolon:Limits:DeviceBurst=1000000",
        "--Symbolon:Limits:DeviceRefillPerMinute=1000000",
        "--Symbolon:Limits:UserBurst=1000000",
        "--Symbolon:Limits:UserRefillPerMinute=1000000",
        "--Symbolon:Limits:DistinctUnitsPerHour=1000000",
        "--Symbolon:LoginThrottle:SignUpsPerAddressPerHour=1000000",
    ];

    private const int OutputLinesKept = 200;

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly Lock _stopLock = new();
    private bool _stopped;

    private ServerProcess(Process process, Uri baseAddress, string dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>CPU time the server has used so far (all threads).</summary>
    public TimeSpan TotalProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The last lines the server wrote, for error messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>src/Symbolon.Server/bin/Release/net10.0/Symbolon.Server.dll of the repository this harness was built in.</summary>
    public static string DefaultDllPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Symbolon.slnx")))
            {
                return Path.Combine(directory.FullName, "src", "Symbolon.Server", "bin", "Release", "net10.0", "Symbolon.Server.dll");
            }
        }

        throw new LoadTestException("cannot find the repository root (Symbolon.slnx) above " + AppContext.BaseDirectory,
            "pass the server with --server-dll PATH");
    }

    /// <summary>Source files in the server project newer than its DLL: a stale build would be measured.</summary>
    public static IReadOnlyList<string> NewerSources(string dll)
    {
        var built = File.GetLastWriteTimeUtc(dll);
        var source = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", ".."));
        if (!Directory.Exists(source))
        {
            return [];
        }

        return Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && File.GetLastWriteTimeUtc(path) > built)
            .ToList();
    }

    /// <summary>
    /// Prepares the process (free port, arguments) without starting it. <paramref name="settings"/> come after the
    /// unthrottled limits (the database provider and connection string); <paramref name="command"/> is a server command
    /// word such as <c>migrate</c>, or null to serve.
    /// </summary>
    public static ServerProcess Create(string dll, string dataDirectory, IReadOnlyList<string> settings, string? command = null)
    {
        if (!File.Exists(dll))
        {
            throw new LoadTestException($"the server build is missing: {dll}", "build it first: dotnet build -c Release src/Symbolon.Server");
        }

        var baseAddress = new Uri($"http://127.0.0.1:{Symbolon.Testing.PostgresCluster.FreePort()}/");
        var start = new ProcessStartInfo(DotnetHost())
        {
            // The content root is the working directory: started anywhere else, the server would not find its
            // appsettings.json and would log every SQL command at Information. A deployment runs it from its folder.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        if (command is not null)
        {
            start.ArgumentList.Add(command);
        }

        // "--urls=…" as one argument: the server takes its first argument without '-' or '=' as a command name.
        start.ArgumentList.Add($"--urls={baseAddress.GetLeftPart(UriPartial.Authority)}");
        foreach (var setting in UnthrottledLimits)
        {
            start.ArgumentList.Add(setting);
        }

        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        // Nothing inherited may change what is measured: no Symbolon__* overrides, URLs or Development settings.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("Symbolon", StringComparison.OrdinalIgnoreCase)
                || name is "ASPNETCORE_URLS" or "DOTNET_URLS" or "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["SYMBOLON_SERVER_DATA"] = dataDirectory;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return new ServerProcess(new Process { StartInfo = start }, baseAddress, dataDirectory);
    }

    /// <summary>Starts the server and waits until /readyz answers 200.</summary>
    public async Task StartAsync(TimeSpan readyTimeout)
    {
        Launch();
        await WaitUntilReadyAsync(readyTimeout);
    }

    /// <summary>Runs a server command (such as <c>migrate</c>) to its end; anything but exit code 0 is a setup error.</summary>
    public async Task RunToExitAsync(TimeSpan timeout)
    {
        Launch();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new LoadTestException($"`{CommandLine}` did not finish within {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}",
                "run the same command by hand to see why");
        }

        if (_process.ExitCode != 0)
        {
            throw new LoadTestException($"`{CommandLine}` exited with code {_process.ExitCode}:{Environment.NewLine}{RecentOutput}",
                "run the same command by hand to see why");
        }
    }

    /// <summary>The command line, for the report.</summary>
    public string CommandLine => $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}";

    /// <summary>
    /// Kills the server and its children and waits for them to exit; the shared data directory stays for its owner,
    /// <see cref="Deployment"/>, to remove. Safe to call more than once and from any thread (a signal handler and the main flow may race); every caller returns after the first stop.
    /// </summary>
    public void Stop()
    {
        lock (_stopLock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Never started, or it exited between the check and the kill.
            }
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    /// <summary>The file system type holding <paramref name="path"/> (Linux only): tmpfs would make every fsync free.</summary>
    public static string FileSystemType(string path)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/mounts"))
        {
            return RuntimeInformation.OSDescription;
        }

        var best = (Mount: "", Type: "unknown");
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && IsUnder(path, fields[1]) && fields[1].Length >= best.Mount.Length)
            {
                best = (fields[1], fields[2]);
            }
        }

        return best.Type;
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);

    private void Launch()
    {
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);

        // Under the stop lock: a signal's Stop either comes first (nothing starts) or finds the process to kill.
        lock (_stopLock)
        {
            if (_stopped)
            {
                throw new OperationCanceledException("The run was stopped before the server started.");
            }

            if (!_process.Start())
            {
                throw new LoadTestException("the server process did not start", $"try it by hand: {CommandLine}");
            }
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new LoadTestException($"the server exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{RecentOutput}",
                    "run the same command by hand to see why");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slow to answer (migrations on first start).
            }

            await Task.Delay(100);
        }

        throw new LoadTestException($"the server was not ready within {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}",
            "check that the port is free and the data directory is writable");
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLinesKept)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>The dotnet host that runs this harness, so the server runs on the same runtime install.</summary>
    private static string DotnetHost()
    {
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}

/// <summary>A setup failure: what went wrong and what to do about it, printed as "error:" and "hint:".</summary>
internal sealed class LoadTestException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}
