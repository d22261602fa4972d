using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Symbolon.LoadTest;

/// <summary>
/// The real key server, started from its Release build as a separate process (<c>dotnet Symbolon.Server.dll</c>) on a
/// free loopback port with a fresh data directory, exactly as deployed except for the raised release limits.
/// <see cref="Stop"/> kills it and is idempotent; Program also calls it from the process-exit and Ctrl+C handlers,
/// so an aborted run leaves no server behind.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    /// <summary>
    /// The release limits raised so they never throttle the run (1,000,000 is the most <c>ServerOptions</c> accepts).
    /// Argon2id, DPoP, sessions and SQLite durability stay at their defaults.
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
    private readonly bool _keepData;
    private readonly Lock _stopLock = new();
    private bool _stopped;

    private ServerProcess(Process process, Uri baseAddress, string dataDirectory, bool keepData)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        _keepData = keepData;
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

    /// <summary>Prepares the process (fresh data directory, free port, arguments) without starting it.</summary>
    public static ServerProcess Create(string dll, string? dataRoot, bool keepData)
    {
        if (!File.Exists(dll))
        {
            throw new LoadTestException($"the server build is missing: {dll}", "build it first: dotnet build -c Release src/Symbolon.Server");
        }

        var dataDirectory = dataRoot is null
            ? Directory.CreateTempSubdirectory("symbolon-load-").FullName
            : Directory.CreateDirectory(Path.Combine(Path.GetFullPath(dataRoot), "symbolon-load-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var baseAddress = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}/");
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

        // "--urls=…" as one argument: the server takes its first argument without '-' or '=' as a command name.
        start.ArgumentList.Add($"--urls={baseAddress.GetLeftPart(UriPartial.Authority)}");
        foreach (var setting in UnthrottledLimits)
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
        return new ServerProcess(new Process { StartInfo = start }, baseAddress, dataDirectory, keepData);
    }

    /// <summary>Starts the server and waits until /readyz answers 200.</summary>
    public async Task StartAsync(TimeSpan readyTimeout)
    {
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        if (!_process.Start())
        {
            throw new LoadTestException("the server process did not start", $"try it by hand: dotnet {_process.StartInfo.ArgumentList[0]}");
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync(readyTimeout);
    }

    /// <summary>The command line, for the report.</summary>
    public string CommandLine => $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}";

    /// <summary>
    /// Kills the server and its children, waits for them to exit and removes the data directory. Safe to call more than
    /// once and from any thread (a signal handler and the main flow may race); every caller returns after the first stop.
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

            if (!_keepData)
            {
                try
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temporary directory is harmless; the run's result does not depend on it.
                }
            }
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    /// <summary>The file system type holding the data directory (Linux only): tmpfs would make every fsync free.</summary>
    public string FileSystemType()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/mounts"))
        {
            return RuntimeInformation.OSDescription;
        }

        var best = (Mount: "", Type: "unknown");
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && IsUnder(DataDirectory, fields[1]) && fields[1].Length >= best.Mount.Length)
            {
                best = (fields[1], fields[2]);
            }
        }

        return best.Type;
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);

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

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>A setup failure: what went wrong and what to do about it, printed as "error:" and "hint:".</summary>
internal sealed class LoadTestException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}
