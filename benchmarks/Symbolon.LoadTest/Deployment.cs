using System.Globalization;
using Npgsql;
using Symbolon.Testing;

namespace Symbolon.LoadTest;

/// <summary>
/// Everything one run starts: a fresh data directory that every node shares (the keys), on PostgreSQL a throwaway
/// cluster (tests/Shared/PostgresCluster.cs, fsync on) and the server's one <c>migrate</c> run, then the server nodes.
/// <see cref="Stop"/> ends all of it from whichever path gets there first (the main flow, process exit, a signal), and
/// nothing that <see cref="StartAsync"/> has not reached by then is started afterwards.
/// </summary>
internal sealed class Deployment(string dll, LoadOptions options) : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MigrateTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ClusterStartWait = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly List<ServerProcess> _servers = [];
    private ServerProcess? _migration;
    private PostgresCluster? _postgres;
    private Task? _postgresStarting;
    private string? _dataDirectory;
    private int? _postmasterProcessId;
    private bool _stopped;

    /// <summary>The nodes, in the order workers are bound to them (worker i to node i mod N). Complete once started.</summary>
    public IReadOnlyList<ServerProcess> Servers => _servers;

    public LoadBackend Backend => options.Backend;

    /// <summary>The database server's version ("15.14"); null for SQLite, which runs inside the server process.</summary>
    public string? BackendVersion { get; private set; }

    /// <summary>The PostgreSQL database's connection string; null for SQLite (the file in <see cref="DataDirectory"/>).</summary>
    public string? ConnectionString { get; private set; }

    /// <summary>The data directory every node shares (keys; the SQLite database).</summary>
    public string? DataDirectory => _dataDirectory;

    /// <summary>For the report's header: "SQLite", or "PostgreSQL 15, 2 nodes".</summary>
    public string Label => Backend == LoadBackend.Sqlite
        ? "SQLite"
        : $"PostgreSQL {BackendVersion?.Split('.')[0]}, {Servers.Count} {(Servers.Count == 1 ? "node" : "nodes")}";

    /// <summary>
    /// Where the database's durable writes go: the shared data directory for SQLite, the system temp folder for
    /// PostgreSQL (PostgresCluster makes its cluster there).
    /// </summary>
    public string DatabasePath => Backend == LoadBackend.Sqlite && _dataDirectory is not null ? _dataDirectory : Path.GetTempPath();

    /// <summary>A node that has exited, if any: a run with one is not measuring the deployment it claims.</summary>
    public ServerProcess? ExitedServer => _servers.FirstOrDefault(s => s.HasExited);

    /// <summary>The last lines every node wrote, labelled by node when there are several.</summary>
    public string RecentOutput => _servers.Count == 1
        ? _servers[0].RecentOutput
        : string.Join(Environment.NewLine, _servers.Select((s, i) => $"--- node {i} ({s.BaseAddress}) ---{Environment.NewLine}{s.RecentOutput}"));

    /// <summary>Creates the data directory, the database (migrated once on PostgreSQL) and starts the nodes.</summary>
    public async Task StartAsync()
    {
        string dataDirectory;
        lock (_lock)
        {
            ThrowIfStopped();
            dataDirectory = _dataDirectory = NewDataDirectory(options.DataRoot);
        }

        var settings = new List<string>(options.ServerSettings);
        if (Backend == LoadBackend.Postgres)
        {
            var connectionString = ConnectionString = await StartPostgresAsync();
            settings.Add("--Symbolon:Database:Provider=PostgreSql");
            settings.Add($"--Symbolon:Database:ConnectionString={connectionString}");

            // On PostgreSQL no node creates the schema or the keys by itself: one migrate run does both, for all nodes.
            var migration = ServerProcess.Create(dll, dataDirectory, settings, "migrate");
            lock (_lock)
            {
                ThrowIfStopped();
                _migration = migration;
            }

            Console.Error.WriteLine($"symbolon-load: migrating: {migration.CommandLine}");
            await migration.RunToExitAsync(MigrateTimeout);
        }

        lock (_lock)
        {
            ThrowIfStopped();
            for (var node = 0; node < options.Nodes; node++)
            {
                _servers.Add(ServerProcess.Create(dll, dataDirectory, settings));
            }
        }

        foreach (var server in _servers)
        {
            Console.Error.WriteLine($"symbolon-load: starting {server.CommandLine}");
        }

        await Task.WhenAll(_servers.Select(s => s.StartAsync(ReadyTimeout)));
    }

    /// <summary>CPU time all the nodes have used so far.</summary>
    public TimeSpan ServerProcessorTime() => _servers.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.TotalProcessorTime);

    /// <summary>
    /// CPU time PostgreSQL's processes have used so far (the postmaster, its live children and the children it has
    /// reaped), which would otherwise count as another process's work; null for SQLite (inside the server) or where
    /// /proc is unavailable.
    /// </summary>
    public TimeSpan? DatabaseProcessorTime() => _postmasterProcessId is { } postmaster ? ProcessTreeTime(postmaster) : null;

    /// <summary>
    /// Stops the nodes, the migrate run and the PostgreSQL cluster, then removes the data directory unless --keep-data.
    /// Safe from any thread and more than once; every caller returns after the first stop has finished.
    /// </summary>
    public void Stop()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            foreach (var server in _servers)
            {
                server.Stop();
            }

            _migration?.Stop();
            if (_postgresStarting is { IsCompleted: false } starting)
            {
                // initdb and pg_ctl are processes of their own that outlive this one: stopped mid-start, the cluster would
                // be deleted under them and they would leave a half-made one behind. Let the start finish, then stop it.
                try
                {
                    starting.Wait(ClusterStartWait);
                }
                catch (AggregateException)
                {
                    // It failed; there is nothing running to stop, and the main flow reports why.
                }
            }

            try
            {
                // Synchronous inside (pg_ctl stop -m immediate), so a signal handler may wait for it.
                _postgres?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (InvalidOperationException exception)
            {
                Console.Error.WriteLine($"symbolon-load: warning: stopping PostgreSQL failed: {exception.Message}");
            }

            if (_dataDirectory is not null && options.KeepData)
            {
                Console.Error.WriteLine($"symbolon-load: data directory kept: {_dataDirectory}");
            }
            else if (_dataDirectory is not null)
            {
                try
                {
                    Directory.Delete(_dataDirectory, recursive: true);
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
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        _migration?.Dispose();
    }

    private static string NewDataDirectory(string? dataRoot) => dataRoot is null
        ? Directory.CreateTempSubdirectory("symbolon-load-").FullName
        : Directory.CreateDirectory(Path.Combine(Path.GetFullPath(dataRoot), "symbolon-load-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    /// <summary>Starts the cluster, creates the database and returns its connection string.</summary>
    private async Task<string> StartPostgresAsync()
    {
        var cluster = new PostgresCluster();
        if (cluster.Unavailable is not null)
        {
            throw new LoadTestException($"--backend postgres cannot run here: {cluster.Unavailable}",
                "install PostgreSQL's server (Debian/Ubuntu: apt-get install postgresql), or set SYMBOLON_PG_BIN to the folder holding initdb and pg_ctl, or use --backend sqlite");
        }

        Console.Error.WriteLine("symbolon-load: starting a throwaway PostgreSQL cluster (fsync on) …");
        try
        {
            // Started under the lock, so Stop either comes first (nothing starts) or finds the start to wait for.
            Task starting;
            lock (_lock)
            {
                ThrowIfStopped();
                _postgres = cluster;
                starting = _postgresStarting = cluster.StartAsync();
            }

            await starting;
            var connectionString = await cluster.CreateDatabaseAsync("symbolon_load");

            // The version for the report, and the postmaster (a backend's parent) to count PostgreSQL's CPU.
            var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
            await using var connection = new NpgsqlConnection(unpooled);
            await connection.OpenAsync();
            BackendVersion = connection.PostgreSqlVersion.ToString();
            await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            var backendProcessId = Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            _postmasterProcessId = ReadStat(backendProcessId)?.ParentProcessId;
            return connectionString;
        }
        catch (Exception exception) when (exception is InvalidOperationException or NpgsqlException)
        {
            throw new LoadTestException($"PostgreSQL did not start: {exception.Message}",
                "its binaries were found, but initdb, pg_ctl or the first connection failed; the message above is theirs");
        }
    }

    private void ThrowIfStopped()
    {
        if (_stopped)
        {
            throw new OperationCanceledException("The run was stopped while it was starting.");
        }
    }

    /// <summary>
    /// Sums utime, stime, cutime and cstime (USER_HZ = 100 ticks per second) over a process and its children. A child
    /// that exits between the two reads may be counted twice or not at all; the nodes keep pooled connections, so
    /// PostgreSQL's backends live through a phase and that stays rare.
    /// </summary>
    private static TimeSpan? ProcessTreeTime(int root)
    {
        const double TicksPerSecond = 100;
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            return null;
        }

        long ticks = 0;
        var found = false;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var processId))
            {
                continue;
            }

            if (ReadStat(processId) is { } stat && (processId == root || stat.ParentProcessId == root))
            {
                found |= processId == root;
                ticks += stat.CpuTicks;
            }
        }

        return found ? TimeSpan.FromSeconds(ticks / TicksPerSecond) : null;
    }

    /// <summary>Parent and CPU ticks (own and reaped children's) from /proc/PID/stat; null if it is gone or unreadable.</summary>
    private static (int ParentProcessId, long CpuTicks)? ReadStat(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid … utime stime cutime cstime …": comm may hold spaces and ')', so fields count from the
        // last ')'. After it, index 0 is field 3 (state), so field n is at n - 3.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return ((int)Field(4), Field(14) + Field(15) + Field(16) + Field(17));
    }
}
