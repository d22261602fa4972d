using System.CommandLine;
using Symbolon.Client;
using Symbolon.Crypto;

namespace Symbolon.Cli;

internal static class Cli
{
    /// <summary>Opens the vault, runs one verb, and turns every failure into `symbolon: error:` and an exit code.</summary>
    public static async Task<int> Run(ParseResult parse, Option<string?> home, Func<VaultClient, Task> verb, Action<VaultClientOptions>? beforeOpen = null)
    {
        try
        {
            var options = Options(parse.GetValue(home));
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

    public static VaultClientOptions Options(string? home)
    {
        var options = new VaultClientOptions
        {
            HomePath = home,
            Passphrase = Environment.GetEnvironmentVariable("SYMBOLON_PASSPHRASE"),
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

    public static void Report<T>(bool json, T value, string text)
    {
        if (json)
        {
            Output.JsonOut(value);
        }
        else
        {
            Output.Line(text);
        }
    }

    /// <summary>The printable fields of a credential; the password (and field values) only when revealed.</summary>
    public static Dictionary<string, string?> Fields(Credential credential, bool reveal)
    {
        var fields = new Dictionary<string, string?>
        {
            ["username"] = credential.Username,
            ["password"] = reveal ? credential.RevealPassword() : "(hidden; use --reveal)",
        };
        if (credential.Url is not null)
        {
            fields["url"] = credential.Url;
        }

        if (credential.HasNotes)
        {
            fields["notes"] = reveal ? credential.RevealNotes() : "(hidden; use --reveal)";
        }

        foreach (var field in credential.FieldNames)
        {
            fields[field] = reveal ? credential.RevealField(field) : "(hidden; use --reveal)";
        }

        return fields;
    }
}

/// <summary>`audit --check` found receipts whose records the server's log no longer holds (exit 8).</summary>
internal sealed class AuditCheckFailedException(string message) : Exception(message)
{
    public const string Hint =
        "The key server dropped or rewrote release records it signed receipts for: tell its operator (`verify-audit` checks the chain).";
}

/// <summary>rotate --all progress on stderr: a redrawn bar on a terminal, one line per item otherwise.</summary>
internal sealed class ProgressBar(bool quiet) : IProgress<(int Done, int Total)>
{
    public void Report((int Done, int Total) value)
    {
        if (quiet)
        {
            return;
        }

        const int Width = 30;
        var filled = value.Total == 0 ? Width : value.Done * Width / value.Total;
        var bar = $"[{new string('#', filled)}{new string('.', Width - filled)}] {value.Done}/{value.Total}";
        if (System.Console.IsErrorRedirected)
        {
            System.Console.Error.WriteLine($"rotate: {bar}");
        }
        else
        {
            System.Console.Error.Write($"\r{bar}{(value.Done == value.Total ? "\n" : "")}");
        }
    }
}
