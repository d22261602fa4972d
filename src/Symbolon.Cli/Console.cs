using System.Text.Json;
using Symbolon.Client;

namespace Symbolon.Cli;

/// <summary>All output goes through here: results on stdout, `symbolon: error:` and `symbolon: hint:` on stderr.</summary>
internal static class Output
{
    /// <summary>Enums as lower-case words ("split", "threshold"), as the text output writes them.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Line(string text) => System.Console.Out.WriteLine(text);

    public static void JsonOut<T>(T value) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A message for the person at the terminal that is neither a result nor a problem (on stderr).</summary>
    public static void Notice(string message) => System.Console.Error.WriteLine($"symbolon: {message}");

    /// <summary>A server-supplied string with its control characters escaped, so it cannot move the cursor or fake a line.</summary>
    public static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <summary>A problem that did not stop the command (e.g. a threshold server that returned a bad share).</summary>
    public static void Warning(string message) => System.Console.Error.WriteLine($"symbolon: warning: {message}");

    public static int Error(string message, string? hint, int exitCode)
    {
        System.Console.Error.WriteLine($"symbolon: error: {message}");
        if (hint is not null)
        {
            System.Console.Error.WriteLine($"symbolon: hint: {hint}");
        }

        return exitCode;
    }

    /// <summary>The client directory could not be read or written (not a directory, no permission, disk full).</summary>
    public static int LocalFilesError(Exception exception) => Error(
        $"cannot use the client directory: {exception.Message}",
        "Check that $SYMBOLON_HOME (or --home) is a directory you can write to, with space left.",
        ExitCodes.Failure);

    public static int Error(SymbolonException exception) => Error(exception.Message, exception.Hint, exception switch
    {
        NotLoggedInException => ExitCodes.NotLoggedIn,
        ServerUnreachableException => ExitCodes.ServerUnreachable,
        AccessDeniedException or ReauthenticationRequiredException => ExitCodes.Denied,
        ItemNotFoundException => ExitCodes.NotFound,
        ItemTamperedException => ExitCodes.Tampered,
        _ => ExitCodes.Failure,
    });
}

/// <summary>Secrets come from stdin or a no-echo prompt, never from arguments (which other users can see in ps).</summary>
internal static class Secrets
{
    public static string Read(string prompt, bool fromStdin)
    {
        if (fromStdin || System.Console.IsInputRedirected)
        {
            var line = System.Console.In.ReadLine();
            return line ?? throw new UsageException($"expected {prompt.ToLowerInvariant()} on standard input, got end of input");
        }

        System.Console.Error.Write(prompt + ": ");
        var buffer = new System.Text.StringBuilder();
        while (true)
        {
            var key = System.Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                System.Console.Error.WriteLine();
                return buffer.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (buffer.Length > 0)
                {
                    buffer.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                buffer.Append(key.KeyChar);
            }
        }
    }
}

/// <summary>A command line that cannot work as given.</summary>
internal sealed class UsageException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
