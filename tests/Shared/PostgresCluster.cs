// A throwaway PostgreSQL cluster for tests and load runs: initdb into a temp directory, pg_ctl start on a free port on
// 127.0.0.1, stop and delete on dispose. Linked into every project that needs it (tests/Shared).
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Symbolon.Testing;

/// <summary>
/// Starts a private PostgreSQL server from the machine's binaries (Debian's postgresql package, or initdb on PATH, or
/// $SYMBOLON_PG_BIN). As root the server runs as the `postgres` user, which PostgreSQL requires. When no binaries are
/// installed, <see cref="Unavailable"/> says why, and tests report themselves skipped with that reason (CI fails on
/// skips). The cluster is stopped and deleted on dispose and at process exit, also when tests fail.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private const string Superuser = "symbolon";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private readonly string? _binaries;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "symbolon-pg-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly bool _asPostgresUser = Environment.UserName == "root";
    private int _stopped;

    public PostgresCluster()
    {
        _binaries = FindBinaries();
        Unavailable = _binaries is null
            ? "PostgreSQL binaries (initdb, pg_ctl) were not found: install Debian's postgresql package or set SYMBOLON_PG_BIN."
            : null;
    }

    /// <summary>Why no cluster can run here, or null when it can.</summary>
    public string? Unavailable { get; }

    public int Port { get; private set; }

    private string DataPath => Path.Combine(_root, "data");

    /// <summary>Creates the cluster and starts it. Throws (the test fails) if binaries exist but the server does not start.</summary>
    public async Task StartAsync()
    {
        if (_binaries is null)
        {
            throw new InvalidOperationException(Unavailable);
        }

        Directory.CreateDirectory(_root);
        if (_asPostgresUser)
        {
            await RunAsync("chown", "postgres:postgres", _root);
        }

        await RunPostgresToolAsync("initdb", "-D", DataPath, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-instructions");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                // fsync stays on: durability is part of what the tests and load figures exercise.
                await RunPostgresToolAsync("pg_ctl", "-D", DataPath, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start", "-o",
                    $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories={_root} -c max_connections=300");
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The free port was taken between probing and binding; try another.
            }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE \"{name}\"";
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = Superuser, Database = database, Pooling = true, MaxPoolSize = 50 }.ToString();

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1 || !Directory.Exists(_root))
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataPath, "postmaster.pid")))
        {
            // Immediate: nothing in a throwaway cluster needs a clean shutdown checkpoint.
            RunPostgresToolAsync("pg_ctl", "-D", DataPath, "-m", "immediate", "-w", "stop").GetAwaiter().GetResult();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the server is stopped; a leftover temp directory harms nothing.
        }
    }

    private Task RunPostgresToolAsync(string tool, params string[] arguments)
    {
        var path = Path.Combine(_binaries!, tool);
        return _asPostgresUser ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static string? FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("SYMBOLON_PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(Path.Combine(configured, "initdb")) ? configured : null;
        }

        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(directory => Path.Combine(directory, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var version) ? version : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")));
    }

    /// <summary>A port on 127.0.0.1 that was free a moment ago (the caller must cope with it being taken meanwhile).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
