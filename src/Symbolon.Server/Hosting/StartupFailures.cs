using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Symbolon.Server.Hosting;

/// <summary>
/// Every way the server can refuse to start, as the two lines the operator sees on stderr ("symbolon-server: error:"
/// and "symbolon-server: hint:") before it exits with 1 — never a stack trace (docs/operations.md, "Start-up errors").
/// </summary>
public static class StartupFailures
{
    public const int ExitCode = 1;

    private const string SettingsHint = "the settings, their formats and their defaults are in docs/operations.md.";

    private const string FileHint =
        "check the path named: the data directory (Symbolon:DataDirectory or SYMBOLON_SERVER_DATA) must exist or be creatable and be readable and writable by this user, and a certificate (Kestrel:Certificates) must be readable.";

    /// <summary>
    /// The host logs a failed start, stack trace and all, before the exception reaches Program.cs, which prints it as an
    /// error and a hint instead: until the server has started, the host's error records are dropped. Its other records,
    /// and its errors once started (a background service that failed), are kept.
    /// </summary>
    public static WebApplicationBuilder AddStartupFailures(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var gate = new StartedGate();
        builder.Services.AddHostedService(_ => gate);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (level != LogLevel.Error || gate.Started));
        return builder;
    }

    /// <summary>Prints <paramref name="problem"/> as an error and a hint on stderr and returns the exit code.</summary>
    public static async Task<int> ReportAsync(Exception problem)
    {
        var (error, hint) = Describe(problem);
        await Console.Error.WriteLineAsync($"symbolon-server: error: {error}");
        await Console.Error.WriteLineAsync($"symbolon-server: hint: {hint}");
        return ExitCode;
    }

    public static (string Error, string Hint) Describe(Exception problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem switch
        {
            StartupException known => (known.Message, known.Hint),
            OptionsValidationException invalid => (invalid.Message, SettingsHint),
            Npgsql.NpgsqlException database => (
                $"the PostgreSQL database is unreachable or refused the login: {database.Message}",
                "check Symbolon:Database:ConnectionString (host, port, database, user) and that the server accepts connections from here."),
            _ when Find<AddressInUseException>(problem) is { } inUse => (
                $"cannot listen: the address is already in use ({inUse.Message})",
                "stop the other process on that port, or choose another address with --urls=http://127.0.0.1:PORT."),
            _ when Find<UnauthorizedAccessException>(problem) is { } denied => ($"a file or directory cannot be used: {denied.Message}", FileHint),
            _ when Find<IOException>(problem) is { } io => ($"a file or directory cannot be used: {io.Message}", FileHint),
            InvalidOperationException { Message: var message } when message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
                => ($"a setting has a value of the wrong type: {message}", SettingsHint),
            _ => ($"the server cannot start: {problem.Message}", SettingsHint),
        };
    }

    private sealed class StartedGate : IHostedLifecycleService
    {
        private volatile bool _started;

        public bool Started => _started;

        public Task StartedAsync(CancellationToken cancellationToken)
        {
            _started = true;
            return Task.CompletedTask;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static T? Find<T>(Exception problem)
        where T : Exception
    {
        for (Exception? current = problem; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
