namespace Symbolon.Client;

/// <summary>
/// The client's directory ($SYMBOLON_HOME, else the per-user data folder). Every write is atomic and durable: a
/// temporary file is written and flushed, renamed over the target, and the directory is flushed, so a crash at any
/// point leaves either the old file or the new one, never a mix.
/// </summary>
public sealed class ClientHome
{
    private const string TemporaryPrefix = ".tmp-";

    /// <summary>A temporary file older than this has no live writer: a write takes milliseconds.</summary>
    private static readonly TimeSpan LeftoverAge = TimeSpan.FromMinutes(10);

    /// <summary>Uses <paramref name="path"/>, creating it (mode 0700) if needed.</summary>
    public ClientHome(string? path = null)
    {
        Path = System.IO.Path.GetFullPath(path ?? DefaultPath());
        CreateDirectory(Path);
        CreateDirectory(ItemsPath);
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    internal string ItemsPath => System.IO.Path.Combine(Path, "items");

    /// <summary>$SYMBOLON_HOME, else e.g. ~/.local/share/symbolon/client.</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("SYMBOLON_HOME");
        return !string.IsNullOrEmpty(fromEnvironment)
            ? fromEnvironment
            : System.IO.Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "symbolon",
                "client");
    }

    internal string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically and durably, mode 0600.</summary>
    internal static void WriteAtomically(string path, ReadOnlySpan<byte> content) => WriteAtomically(path, content, overwrite: true);

    /// <summary>
    /// As <see cref="WriteAtomically(string, ReadOnlySpan{byte})"/>; with <paramref name="overwrite"/> false an existing
    /// file wins (two first runs racing to create a key must not replace each other's) and false is returned.
    /// </summary>
    internal static bool WriteAtomically(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var temporary = System.IO.Path.Combine(directory, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (overwrite)
            {
                System.IO.File.Move(temporary, path, overwrite: true);
            }
            else
            {
                // link(2) semantics: fails if the target exists, so the first writer's key is the one everyone uses.
                try
                {
                    System.IO.File.Move(temporary, path, overwrite: false);
                }
                catch (IOException) when (System.IO.File.Exists(path))
                {
                    return false;
                }
            }

            FlushDirectory(directory);
            return true;
        }
        finally
        {
            System.IO.File.Delete(temporary);
        }
    }

    /// <summary>Appends one line and flushes it to disk before returning.</summary>
    internal static void AppendLineDurably(string path, string line)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Removes temporary files a crashed writer left behind; they were never reported as saved. Only old ones: a
    /// fresh one may belong to another symbolon process writing right now (two commands may share a directory), and
    /// deleting it would make that writer's rename fail. Leftovers are never read, so one that waits is harmless.
    /// </summary>
    internal void RemoveLeftovers() => RemoveLeftovers(DateTime.UtcNow - LeftoverAge);

    internal void RemoveLeftovers(DateTime writtenBefore)
    {
        foreach (var directory in new[] { Path, ItemsPath })
        {
            foreach (var leftover in Directory.EnumerateFiles(directory, TemporaryPrefix + "*"))
            {
                if (System.IO.File.GetLastWriteTimeUtc(leftover) < writtenBefore)
                {
                    System.IO.File.Delete(leftover);
                }
            }
        }
    }

    internal static void Delete(string path)
    {
        System.IO.File.Delete(path);
        FlushDirectory(System.IO.Path.GetDirectoryName(path)!);
    }

    /// <summary>fsync on the directory makes a rename or delete itself durable (POSIX); a no-op elsewhere.</summary>
    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // .NET will not open a directory as a file, so ask libc directly. A failure here only weakens durability
        // against power loss (the rename already happened), so it is not an error.
        var descriptor = NativeMethods.Open(directory, 0);
        if (descriptor >= 0)
        {
            _ = NativeMethods.Fsync(descriptor);
            _ = NativeMethods.Close(descriptor);
        }
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

internal static class NativeMethods
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Fsync(int descriptor);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Close(int descriptor);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int Kill(int processId, int signal);
}
