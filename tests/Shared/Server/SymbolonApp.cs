using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Symbolon.Server.Storage;

namespace Symbolon.Testing;

/// <summary>
/// One key server per test: its own data directory and SQLite database, a clock the test moves, cheap Argon2id,
/// and every log line captured so tests can check that no secret is ever logged. Linked into the server's and the
/// client's tests; each adds what it drives the server with.
/// </summary>
public sealed partial class SymbolonApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDataDirectory;

    /// <param name="settings">Configuration on top of the test defaults.</param>
    /// <param name="sharedDataDirectory">Another node's data directory, whose keys this node shares (multi-node tests).</param>
    public SymbolonApp(Dictionary<string, string?>? settings = null, string? sharedDataDirectory = null)
    {
        _ownsDataDirectory = sharedDataDirectory is null;
        DataDirectory = sharedDataDirectory ?? Path.Combine(Path.GetTempPath(), "symbolon-test-" + Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["Symbolon:DataDirectory"] = DataDirectory,
            ["Symbolon:Passwords:MemoryKib"] = "1024",
            ["Symbolon:Passwords:Passes"] = "1",
        };
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Service changes on top of the server's own (for example an EF Core interceptor), applied when the host is built.</summary>
    public Action<IServiceCollection>? ExtraServices { get; init; }

    public T WithDatabase<T>(Func<SymbolonDbContext, T> action)
    {
        using var scope = Services.CreateScope();
        return action(scope.ServiceProvider.GetRequiredService<SymbolonDbContext>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(new CapturingLoggerProvider(Logs));

            // Capture every category at every level, whatever appsettings.json filters for the console.
            logging.AddFilter<CapturingLoggerProvider>(category: null, level: LogLevel.Trace);
        });
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            ExtraServices?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsDataDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does not make a test wrong.
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
