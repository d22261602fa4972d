using System.CommandLine;
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
            await verb(vault);
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

    public static void Report<T>(bool json, T value, string text) => Report(json, value, [text]);

    /// <summary>The value as JSON, or the lines as text (lazily: a JSON answer never formats them).</summary>
    public static void Report<T>(bool json, T value, IEnumerable<string> lines)
    {
        if (json)
        {
            Output.JsonOut(value);
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
