namespace Symbolon.Server.Hosting;

/// <summary>Resolves and creates the data directory with owner-only permissions.</summary>
public sealed class DataDirectory
{
    public DataDirectory(ServerOptions options)
    {
        Path = System.IO.Path.GetFullPath(options.DataDirectory ?? DefaultPath());
        var created = !Directory.Exists(Path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Path);
        }
        else
        {
            Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        CreatedNow = created;
    }

    public string Path { get; }

    public bool CreatedNow { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>$SYMBOLON_SERVER_DATA, else the per-user data folder (XDG_DATA_HOME or ~/.local/share on Linux).</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("SYMBOLON_SERVER_DATA");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return System.IO.Path.Combine(root, "symbolon", "server");
    }

    /// <summary>
    /// Writes a secret file readable by the owner only, atomically: a temporary file is written and flushed to disk,
    /// then renamed into place, so a crash never leaves a half-written key. Never overwrites an existing file.
    /// </summary>
    public static void WriteSecretFile(string path, ReadOnlySpan<byte> content)
    {
        var temporary = path + ".tmp";
        System.IO.File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        System.IO.File.Move(temporary, path, overwrite: false);
    }
}
