using System.Globalization;

namespace Symbolon.LoadTest;

/// <summary>
/// Command-line settings. Every value is bounded, so a typo cannot start an unbounded run, and the longest phase
/// (warm-up plus measured time) stays well inside one access token's 5-minute life.
/// </summary>
internal sealed record LoadOptions
{
    public const int MaximumNodes = 4;

    public const string Usage = """
        dotnet run -c Release --project benchmarks/Symbolon.LoadTest -- [options]

          --seconds N       measured seconds per phase (1-120, default 10)
          --warmup N        warm-up seconds per phase, not measured (0-30, default 5); before the first
                            phase, one mixed pass of all three requests runs for twice as long
          --connections N   concurrent connections and workers (1-512, default 64)
          --accounts N      accounts the workers are spread over (1 to connections, default one per
                            connection); every worker logs in once, so every worker is its own device
          --units N         units per account, released round-robin (1-1000, default 8)
          --backend NAME    sqlite (default) or postgres: a throwaway PostgreSQL cluster from this machine's
                            binaries (fsync on), migrated once with the server's `migrate` command
          --nodes N         server processes sharing one data directory and database (1-4, default 1; more
                            than 1 needs --backend postgres); worker i sends to node i mod N, each node over
                            its own connection pool, as behind a load balancer
          --out PATH        also write the results as JSON to PATH
          --server-dll PATH the server to start (default: src/Symbolon.Server/bin/Release/net10.0/Symbolon.Server.dll)
          --data-root PATH  where the server's fresh data directory is made (default: the system temp folder);
                            it must be a real disk, not tmpfs, or durability costs nothing. PostgreSQL's own
                            cluster is made in the system temp folder (set TMPDIR to move it)
          --keep-data       keep the server's temporary data directory for inspection (the PostgreSQL
                            cluster is always deleted)
          --help            print this text
        """;

    public int Seconds { get; init; } = 10;

    public int WarmupSeconds { get; init; } = 5;

    public int Connections { get; init; } = 64;

    public int Accounts { get; init; } = 64;

    public int UnitsPerAccount { get; init; } = 8;

    public LoadBackend Backend { get; init; } = LoadBackend.Sqlite;

    public int Nodes { get; init; } = 1;

    public string? OutputPath { get; init; }

    public string? ServerDll { get; init; }

    public string? DataRoot { get; init; }

    public bool KeepData { get; init; }

    public bool HelpRequested { get; init; }

    /// <summary>Server settings (<c>--Section:Key=value</c>) after the unthrottled limits; the soak raises the login throttle.</summary>
    public IReadOnlyList<string> ServerSettings { get; init; } = [];

    public static bool TryParse(string[] args, out LoadOptions options, out string error)
    {
        options = new LoadOptions();
        error = "";
        var accountsGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string? inlineValue = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inlineValue = name[(equals + 1)..];
                name = name[..equals];
            }

            if (name is "--help" or "-h")
            {
                error = "";
                options = options with { HelpRequested = true };
                return true;
            }

            if (name == "--keep-data")
            {
                options = options with { KeepData = true };
                continue;
            }

            var value = inlineValue ?? (i + 1 < args.Length ? args[++i] : null);
            if (value is null)
            {
                error = $"`{name}` needs a value.";
                return false;
            }

            switch (name)
            {
                case "--seconds" when TryInt(value, 1, 120, out var seconds):
                    options = options with { Seconds = seconds };
                    break;
                case "--warmup" when TryInt(value, 0, 30, out var warmup):
                    options = options with { WarmupSeconds = warmup };
                    break;
                case "--connections" when TryInt(value, 1, 512, out var connections):
                    options = options with { Connections = connections };
                    break;
                case "--accounts" when TryInt(value, 1, 512, out var accounts):
                    options = options with { Accounts = accounts };
                    accountsGiven = true;
                    break;
                case "--units" when TryInt(value, 1, 1000, out var units):
                    options = options with { UnitsPerAccount = units };
                    break;
                case "--backend" when TryBackend(value, out var backend):
                    options = options with { Backend = backend };
                    break;
                case "--backend":
                    error = $"`--backend` must be sqlite or postgres, not `{value}`.";
                    return false;
                case "--nodes" when TryInt(value, 1, MaximumNodes, out var nodes):
                    options = options with { Nodes = nodes };
                    break;
                case "--out":
                    options = options with { OutputPath = value };
                    break;
                case "--server-dll":
                    options = options with { ServerDll = value };
                    break;
                case "--data-root":
                    options = options with { DataRoot = value };
                    break;
                case "--seconds" or "--warmup" or "--connections" or "--accounts" or "--units" or "--nodes":
                    error = $"`{name}` is out of range: {value}.";
                    return false;
                default:
                    error = $"unknown option `{name}`.";
                    return false;
            }
        }

        if (!accountsGiven)
        {
            options = options with { Accounts = options.Connections };
        }

        if (options.Accounts > options.Connections)
        {
            error = "`--accounts` must not exceed `--connections`: every account needs a worker.";
            return false;
        }

        if (options.Nodes > 1 && options.Backend == LoadBackend.Sqlite)
        {
            error = "`--nodes` above 1 needs `--backend postgres`: a SQLite database belongs to one server process.";
            return false;
        }

        if (options.Nodes > options.Connections)
        {
            error = "`--nodes` must not exceed `--connections`: every node needs a worker.";
            return false;
        }

        return true;
    }

    private static bool TryBackend(string text, out LoadBackend backend)
    {
        (var known, backend) = text switch
        {
            "sqlite" => (true, LoadBackend.Sqlite),
            "postgres" => (true, LoadBackend.Postgres),
            _ => (false, LoadBackend.Sqlite),
        };
        return known;
    }

    private static bool TryInt(string text, int minimum, int maximum, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= minimum && value <= maximum;
}

/// <summary>Where the server keeps its state.</summary>
internal enum LoadBackend
{
    /// <summary>The server's default: one SQLite file in its data directory, one node.</summary>
    Sqlite,

    /// <summary>A PostgreSQL cluster shared by one or more nodes.</summary>
    Postgres,
}
