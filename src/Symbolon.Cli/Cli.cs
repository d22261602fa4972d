using System.CommandLine;
using System.Text.Json.Serialization.Metadata;
using Symbolon.Client;

namespace Symbolon.Cli;

internal static class Cli
{
    /// <summary>Opens the vault, runs one verb, and turns every failure into `symbolon: error:` and an exit code.</summary>
    public static async Task<int> Run(ParseResult parse, GlobalOptions globals, Func<VaultClient, Task> verb, Action<VaultClientOptions>? beforeOpen = null)
    {
        try
        {
            var options = Options(parse, globals);
            beforeOpen?.Invoke(options);
            using var vault = VaultClient.Open(options);
            await RunReauthenticatingAsync(vault, verb);
            await AnnounceNewDevicesAsync(vault);
            return ExitCodes.Success;
        }
        catch (UsageException exception)
        {
            return Output.Error(exception.Message, exception.Hint, ExitCodes.Usage);
        }
        catch (AuditCheckFailedException exception)
        {
            return Output.Error(exception.Message, AuditCheckFailedException.Hint, ExitCodes.AuditCheckFailed);
        }
        catch (AuditLogException exception)
        {
            return Output.Error(exception.Message, exception.Hint, ExitCodes.AuditCheckFailed);
        }
        catch (SymbolonException exception)
        {
            return Output.Error(exception);
        }
        catch (ArgumentException exception)
        {
            return Output.Error(exception.Message, null, ExitCodes.Usage);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Output.LocalFilesError(exception);
        }
    }

    /// <summary>
    /// Runs the verb; when a key server wants a recent login before destroying something, asks for the password (prompt,
    /// or a line of standard input), logs in again on this device, and runs the verb once more (per server).
    /// </summary>
    private static async Task RunReauthenticatingAsync(VaultClient vault, Func<VaultClient, Task> verb)
    {
        var reauthenticated = new HashSet<Uri>();
        while (true)
        {
            try
            {
                await verb(vault);
                return;
            }
            catch (ReauthenticationRequiredException exception) when (reauthenticated.Add(exception.Server))
            {
                Output.Notice($"{exception.Server} wants a recent login before it destroys anything: log in again as {vault.UsernameOn(exception.Server) ?? "?"}.");
                await vault.ReauthenticateAsync(exception.Server, Secrets.Read("Password", fromStdin: false));
            }
        }
    }

    /// <summary>After a verb that talked to the default server: each device enrolled since this one, once (best effort).</summary>
    private static async Task AnnounceNewDevicesAsync(VaultClient vault)
    {
        try
        {
            foreach (var device in await vault.NewDevicesAsync())
            {
                Output.Warning($"a new device \"{device.Name}\" ({device.Id}) was enrolled at {device.CreatedAt.UtcDateTime:u}");
            }
        }
        catch (SymbolonException)
        {
            // The verb succeeded; the announcement waits for the next command.
        }
    }

    /// <summary>
    /// The vault's options from the global options and the environment. The passphrase comes from --passphrase-fd, else
    /// $SYMBOLON_PASSPHRASE, else (only when a protected root key needs it) a prompt on a terminal.
    /// SYMBOLON_IDLE_TIMEOUT can only make the idle lock shorter than the key server's.
    /// </summary>
    public static VaultClientOptions Options(ParseResult parse, GlobalOptions globals)
    {
        var options = new VaultClientOptions
        {
            HomePath = parse.GetValue(globals.Home),
            Passphrase = parse.GetValue(globals.PassphraseFd) is { } descriptor
                ? Secrets.ReadDescriptor(descriptor)
                : Environment.GetEnvironmentVariable("SYMBOLON_PASSPHRASE"),
            AskPassphrase = () => System.Console.IsInputRedirected ? null : Secrets.Read("Passphrase", fromStdin: false),
            Warning = Output.Warning,
        };
        var idle = Environment.GetEnvironmentVariable("SYMBOLON_IDLE_TIMEOUT");
        if (!string.IsNullOrEmpty(idle))
        {
            options.IdleTimeout = int.TryParse(idle, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new UsageException("SYMBOLON_IDLE_TIMEOUT must be a whole number of seconds");
        }

        return options;
    }

    public static Uri ServerUrl(string? given, VaultClient vault)
    {
        if (given is null)
        {
            return vault.RememberedServer
                ?? throw new UsageException("no key server given", "Pass --server http://127.0.0.1:5290 (it is remembered after login).");
        }

        return ParseUrl(given);
    }

    /// <summary>The server named by --server, or null for the default server.</summary>
    public static Uri? OptionalServerUrl(string? given) => given is null ? null : ParseUrl(given);

    public static Uri ParseUrl(string given)
    {
        return Uri.TryCreate(given, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? url
            : throw new UsageException($"'{given}' is not an http(s) URL");
    }

    public static void Report<T>(bool json, T value, JsonTypeInfo<T> type, string text) => Report(json, value, type, [text]);

    /// <summary>The value as JSON (its type from <see cref="CliJson"/>), or the rows as a table (<see cref="Output.Table"/>; lazily: a JSON answer never formats them).</summary>
    public static void Report<T>(bool json, T value, JsonTypeInfo<T> type, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (json)
        {
            Output.JsonOut(value, type);
            return;
        }

        Output.Table(headers, rows);
    }

    /// <summary>The value as JSON (its type from <see cref="CliJson"/>), or the lines as text (lazily: a JSON answer never formats them).</summary>
    public static void Report<T>(bool json, T value, JsonTypeInfo<T> type, IEnumerable<string> lines)
    {
        if (json)
        {
            Output.JsonOut(value, type);
            return;
        }

        foreach (var line in lines)
        {
            Output.Line(line);
        }
    }
}

/// <summary>`audit --check` found receipts whose records the server's log no longer holds (exit 8).</summary>
internal sealed class AuditCheckFailedException(string message) : Exception(message)
{
    public const string Hint =
        "The key server dropped or rewrote release records it signed receipts for: tell its operator (`verify-audit` checks the chain).";
}
