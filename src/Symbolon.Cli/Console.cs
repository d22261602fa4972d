using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Symbolon.Client;

namespace Symbolon.Cli;

/// <summary>All output goes through here: results on stdout, `symbolon: error:` and `symbolon: hint:` on stderr.</summary>
internal static class Output
{
    public static void Line(string text) => System.Console.Out.WriteLine(text);

    /// <summary>Whether results go to a person at a terminal rather than to a pipe or file (read by scripts).</summary>
    public static bool IsTerminal => !System.Console.IsOutputRedirected;

    /// <summary>
    /// Rows as a table. On a terminal: a header line, then the columns padded to line up. Otherwise the rows as they
    /// always were for scripts: tab-separated, no header.
    /// </summary>
    public static void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (!IsTerminal)
        {
            foreach (var row in rows)
            {
                Line(string.Join('\t', row));
            }

            return;
        }

        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        foreach (var row in all)
        {
            Line(string.Join("  ", row.Select((cell, column) => column == row.Count - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every control character (C0, DEL, C1) and bidirectional override shown as \u-escape,
    /// so a string from a key server (a device name, an audit detail, a problem's detail) cannot move the cursor,
    /// rewrite the screen, or fake a line of output. Every error and warning goes through it; results that hold
    /// server-supplied strings call it.
    /// </summary>
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(IsUnsafe))
        {
            return text ?? "";
        }

        var printable = new System.Text.StringBuilder(text.Length + 16);
        foreach (var character in text)
        {
            if (IsUnsafe(character))
            {
                printable.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)character:x4}");
            }
            else
            {
                printable.Append(character);
            }
        }

        return printable.ToString();
    }

    private static bool IsUnsafe(char character) =>
        char.IsControl(character) || character is (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');

    public static void JsonOut<T>(T value, JsonTypeInfo<T> type) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, type));

    /// <summary>A message for the person at the terminal that is neither a result nor a problem (on stderr).</summary>
    public static void Notice(string message) => System.Console.Error.WriteLine($"symbolon: {message}");

    /// <summary>A problem that did not stop the command (e.g. a threshold server that returned a bad share).</summary>
    public static void Warning(string message) => System.Console.Error.WriteLine($"symbolon: warning: {Printable(message)}");

    /// <summary>A warning with a hint on what to do about it.</summary>
    public static void Warning(string message, string hint)
    {
        Warning(message);
        System.Console.Error.WriteLine($"symbolon: hint: {Printable(hint)}");
    }

    public static int Error(string message, string? hint, int exitCode)
    {
        System.Console.Error.WriteLine($"symbolon: error: {Printable(message)}");
        if (hint is not null)
        {
            System.Console.Error.WriteLine($"symbolon: hint: {Printable(hint)}");
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
        SecretReferenceException => ExitCodes.Usage,
        ItemTamperedException => ExitCodes.Tampered,
        _ => ExitCodes.Failure,
    });
}

/// <summary>Secrets come from stdin, a file descriptor or a no-echo prompt, never from arguments (which other users can see in ps).</summary>
internal static class Secrets
{
    /// <summary>The first line of file descriptor <paramref name="descriptor"/> (--passphrase-fd), as gpg reads it.</summary>
    public static string ReadDescriptor(int descriptor)
    {
        if (descriptor < 0)
        {
            throw new UsageException($"--passphrase-fd {descriptor} is not a file descriptor", "Pass a descriptor number such as 3, with `3<file` or a pipe on it.");
        }

        // Byte by byte, unbuffered: whatever follows the first line stays for its next reader (--passphrase-fd 0 with
        // --password-stdin reads both from one stream). A descriptor above 2 is closed after: a child that `exec` starts
        // would otherwise inherit it and could read the passphrase file again through /proc/self/fd.
        var line = new List<byte>();
        try
        {
            using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: descriptor > 2);
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            int next;
            while ((next = stream.ReadByte()) is >= 0 and not '\n')
            {
                line.Add((byte)next);
            }

            if (next < 0 && line.Count == 0)
            {
                throw new UsageException($"file descriptor {descriptor} (--passphrase-fd) is empty", "Write the passphrase on its first line.");
            }

            var bytes = line.ToArray();
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line));
            var passphrase = System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\r');
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
            return passphrase;
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or UnauthorizedAccessException or NotSupportedException)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line));
            throw new UsageException($"cannot read the passphrase from file descriptor {descriptor} (--passphrase-fd): {exception.Message}", "Open it for reading, e.g. `3<passphrase-file`.");
        }
    }

    /// <summary>
    /// A new password or passphrase: at a prompt it is asked for twice and a mismatch is refused; from standard input, once.
    /// </summary>
    public static string ReadNew(string prompt, bool fromStdin, string what = "password")
    {
        var first = Read(prompt, fromStdin);
        if (!fromStdin && !System.Console.IsInputRedirected && Read($"{prompt} again", fromStdin: false) != first)
        {
            throw new UsageException($"the two {what}s typed differ; nothing was changed", $"Run the command again and type the same {what} twice.");
        }

        return first;
    }

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
