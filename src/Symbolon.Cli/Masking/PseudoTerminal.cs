using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Cli.Masking;

/// <summary>
/// Runs a command on a new pseudo-terminal (POSIX openpt, Linux ioctls) as its controlling terminal, so that it still
/// sees a terminal (colours, line editing, password prompts) while its output passes through a <see cref="SecretMasker"/>.
/// Started with posix_spawn (no fork of the .NET runtime): the child becomes a session leader (POSIX_SPAWN_SETSID)
/// and then opens the terminal's slave side as stdin, which makes it its controlling terminal; stdout and stderr are
/// copies of it. symbolon's own terminal is in raw mode while the child runs (keys, ^C included, go to the child's
/// terminal, whose line discipline turns ^C into SIGINT for the child), and restored after.
/// </summary>
internal static partial class PseudoTerminal
{
    private const string Libc = "libc";

    // Linux values (x86-64 and arm64).
    private const int ReadWrite = 0x2, NoControllingTerminal = 0x100, CloseOnExec = 0x80000;
    private const int SpawnSetSignalDefaults = 0x04, SpawnSetSignalMask = 0x08, SpawnSetSession = 0x80;
    private const nuint GetWindowSize = 0x5413, SetWindowSize = 0x5414;
    private const int Interrupted = 4, ReportStopped = 2, Continue = 18;

    /// <summary>
    /// Whether this is the way to run the command: stdin, stdout and stderr are all a terminal, on Linux, and symbolon
    /// is in that terminal's foreground (a background job, `exec … &amp;`, would be stopped by the terminal as soon as it
    /// set raw mode or read a key, so it keeps pipes).
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    public static bool Applies =>
        OperatingSystem.IsLinux() && IsTerminal(0) != 0 && IsTerminal(1) != 0 && IsTerminal(2) != 0
        && ForegroundProcessGroup(0) == ProcessGroup();

    /// <summary>
    /// Starts <paramref name="command"/> with exactly <paramref name="environment"/> on a new terminal, calls
    /// <paramref name="started"/> with its process id, copies keys to it and its masked output to stdout until it
    /// exits; returns its exit code (128 + signal if a signal ended it), or null with <paramref name="error"/> set if
    /// it could not be started. Owns <paramref name="secrets"/>: wiped once nothing reads the command's output any more.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static int? Run(IReadOnlyList<string> command, IEnumerable<KeyValuePair<string, string>> environment, SecretSet secrets, Action<int> started, out string? error)
    {
        error = null;
        var master = OpenMaster(ReadWrite | NoControllingTerminal | CloseOnExec);
        if (master < 0 || GrantSlave(master) != 0 || UnlockSlave(master) != 0 || SlaveName(master) is not { } slavePath)
        {
            error = $"cannot open a pseudo-terminal: {Marshal.GetLastPInvokeErrorMessage()}";
            if (master >= 0)
            {
                _ = CloseDescriptor(master);
            }

            secrets.Dispose();
            return null;
        }

        Span<byte> saved = stackalloc byte[256];
        var raw = false;
        var copying = false;
        var resize = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => CopyWindowSize(master));
        try
        {
            // The child's terminal starts as ours is (erase key, flow control…) and as wide.
            var slave = OpenPath(slavePath, ReadWrite | NoControllingTerminal | CloseOnExec);
            if (slave >= 0)
            {
                if (GetAttributes(0, saved) == 0)
                {
                    _ = SetAttributes(slave, 0, saved);
                }

                _ = CloseDescriptor(slave);
            }

            CopyWindowSize(master);
            var processId = Spawn(command, environment, slavePath, out error);
            if (processId <= 0)
            {
                return null;
            }

            started(processId);
            if (GetAttributes(0, saved) == 0)
            {
                Span<byte> rawAttributes = stackalloc byte[256];
                saved.CopyTo(rawAttributes);
                MakeRaw(rawAttributes);
                raw = SetAttributes(0, 0, rawAttributes) == 0;
            }

            new Thread(() => CopyKeys(master)) { IsBackground = true, Name = "symbolon exec stdin" }.Start();
            var output = new Thread(() => CopyOutput(master, secrets)) { IsBackground = true, Name = "symbolon exec stdout" };
            output.Start();

            var status = WaitForExit(processId);
            // Output that a background process of the command still writes stays masked until symbolon exits: while
            // the copying thread may still read (closing the descriptor would not wake it), the descriptor stays open
            // and the values unwiped.
            copying = !output.Join(TimeSpan.FromSeconds(2));
            return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        }
        finally
        {
            if (raw)
            {
                _ = SetAttributes(0, 0, saved);
            }

            resize.Dispose();
            if (!copying)
            {
                _ = CloseDescriptor(master);
                secrets.Dispose();
            }
        }
    }

    private static int Spawn(IReadOnlyList<string> command, IEnumerable<KeyValuePair<string, string>> environment, string slavePath, out string? error)
    {
        error = null;
        var attributes = Marshal.AllocHGlobal(1024);
        var actions = Marshal.AllocHGlobal(1024);
        var arguments = Strings(command);
        var variables = Strings(environment.Select(pair => $"{pair.Key}={pair.Value}"));
        try
        {
            Span<byte> signals = stackalloc byte[256];
            _ = SpawnAttributesInit(attributes);
            _ = SpawnFileActionsInit(actions);

            // .NET ignores SIGPIPE and may block signals: the command starts with every default and none blocked,
            // as Process.Start gives it.
            _ = FillSignalSet(signals);
            _ = SpawnSetSignalDefault(attributes, signals);
            _ = EmptySignalSet(signals);
            _ = SpawnSetSignalMaskAttribute(attributes, signals);
            _ = SpawnSetFlags(attributes, (short)(SpawnSetSession | SpawnSetSignalDefaults | SpawnSetSignalMask));

            _ = SpawnAddOpen(actions, 0, slavePath, ReadWrite, 0);
            _ = SpawnAddDup2(actions, 0, 1);
            _ = SpawnAddDup2(actions, 0, 2);

            var result = SpawnSearchingPath(out var processId, command[0], actions, attributes, arguments.Pointers, variables.Pointers);
            if (result != 0)
            {
                error = Marshal.GetPInvokeErrorMessage(result);
                return -1;
            }

            return processId;
        }
        finally
        {
            _ = SpawnFileActionsDestroy(actions);
            _ = SpawnAttributesDestroy(attributes);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attributes);
            arguments.Dispose();
            variables.Dispose();
        }
    }

    /// <summary>Keys typed go to the child's terminal as they come.</summary>
    private static void CopyKeys(int master)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var read = Read(0, buffer);
            if (read <= 0 || !WriteAll(master, buffer.AsSpan(0, read)))
            {
                return;
            }
        }
    }

    private static void CopyOutput(int master, SecretSet secrets)
    {
        var buffer = GC.AllocateArray<byte>(16 * 1024, pinned: true);
        using var stdout = System.Console.OpenStandardOutput();
        using var masker = new SecretMasker(secrets, stdout);
        try
        {
            int read;
            // EIO once the child and every process it left on the terminal have closed it.
            while ((read = Read(master, buffer)) > 0)
            {
                masker.Write(buffer.AsSpan(0, read));
                CryptographicOperations.ZeroMemory(buffer.AsSpan(0, read));
            }

            masker.Complete();
        }
        catch (IOException)
        {
        }
    }

    private static void CopyWindowSize(int master)
    {
        Span<ushort> size = stackalloc ushort[4];
        if (ControlWindowSize(1, GetWindowSize, ref MemoryMarshal.GetReference(size)) == 0)
        {
            _ = ControlWindowSize(master, SetWindowSize, ref MemoryMarshal.GetReference(size));
        }
    }

    private static int WaitForExit(int processId)
    {
        while (true)
        {
            if (WaitProcess(processId, out var status, ReportStopped) == processId)
            {
                // Stopped (^Z, SIGSTOP): symbolon has no job control to give the terminal back with, so the command
                // goes on, as under a shell without job control, instead of both waiting forever.
                if ((status & 0xff) == 0x7f)
                {
                    _ = Symbolon.Client.NativeMethods.Kill(processId, Continue);
                    continue;
                }

                return status;
            }

            if (Marshal.GetLastPInvokeError() != Interrupted)
            {
                return 9; // Not ours to wait for any more (reaped elsewhere): report it as killed.
            }
        }
    }

    private static int Read(int descriptor, Span<byte> buffer)
    {
        while (true)
        {
            var read = ReadDescriptor(descriptor, buffer, (nuint)buffer.Length);
            if (read >= 0 || Marshal.GetLastPInvokeError() != Interrupted)
            {
                return (int)read;
            }
        }
    }

    private static bool WriteAll(int descriptor, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var written = WriteDescriptor(descriptor, bytes, (nuint)bytes.Length);
            if (written < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
                continue;
            }

            if (written <= 0)
            {
                return false;
            }

            bytes = bytes[(int)written..];
        }

        return true;
    }

    private static string? SlaveName(int master)
    {
        Span<byte> name = stackalloc byte[128];
        return SlaveNameInto(master, name, (nuint)name.Length) == 0
            ? Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)])
            : null;
    }

    private static NativeStrings Strings(IEnumerable<string> values) => new([.. values]);

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory, wiped and freed on dispose (it holds secrets).</summary>
    private sealed class NativeStrings : IDisposable
    {
        private readonly int[] _lengths;

        public NativeStrings(string[] values)
        {
            Pointers = new nint[values.Length + 1];
            _lengths = new int[values.Length];
            for (var index = 0; index < values.Length; index++)
            {
                _lengths[index] = Encoding.UTF8.GetByteCount(values[index]) + 1;
                Pointers[index] = Marshal.AllocHGlobal(_lengths[index]);
                unsafe
                {
                    var target = new Span<byte>((void*)Pointers[index], _lengths[index]);
                    target[Encoding.UTF8.GetBytes(values[index], target)] = 0;
                }
            }
        }

        public nint[] Pointers { get; }

        public void Dispose()
        {
            for (var index = 0; index < _lengths.Length; index++)
            {
                unsafe
                {
                    CryptographicOperations.ZeroMemory(new Span<byte>((void*)Pointers[index], _lengths[index]));
                }

                Marshal.FreeHGlobal(Pointers[index]);
            }
        }
    }

    [LibraryImport(Libc, EntryPoint = "isatty")]
    private static partial int IsTerminal(int descriptor);

    [LibraryImport(Libc, EntryPoint = "tcgetpgrp")]
    private static partial int ForegroundProcessGroup(int descriptor);

    [LibraryImport(Libc, EntryPoint = "getpgrp")]
    private static partial int ProcessGroup();

    [LibraryImport(Libc, EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int OpenMaster(int flags);

    [LibraryImport(Libc, EntryPoint = "grantpt", SetLastError = true)]
    private static partial int GrantSlave(int master);

    [LibraryImport(Libc, EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int UnlockSlave(int master);

    [LibraryImport(Libc, EntryPoint = "ptsname_r")]
    private static partial int SlaveNameInto(int master, Span<byte> name, nuint length);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenPath(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int CloseDescriptor(int descriptor);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadDescriptor(int descriptor, Span<byte> buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteDescriptor(int descriptor, ReadOnlySpan<byte> buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ControlWindowSize(int descriptor, nuint request, ref ushort size);

    [LibraryImport(Libc, EntryPoint = "tcgetattr")]
    private static partial int GetAttributes(int descriptor, Span<byte> attributes);

    [LibraryImport(Libc, EntryPoint = "tcsetattr")]
    private static partial int SetAttributes(int descriptor, int when, ReadOnlySpan<byte> attributes);

    [LibraryImport(Libc, EntryPoint = "cfmakeraw")]
    private static partial void MakeRaw(Span<byte> attributes);

    [LibraryImport(Libc, EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitProcess(int processId, out int status, int options);

    [LibraryImport(Libc, EntryPoint = "sigfillset")]
    private static partial int FillSignalSet(Span<byte> set);

    [LibraryImport(Libc, EntryPoint = "sigemptyset")]
    private static partial int EmptySignalSet(Span<byte> set);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_init")]
    private static partial int SpawnAttributesInit(nint attributes);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_destroy")]
    private static partial int SpawnAttributesDestroy(nint attributes);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setflags")]
    private static partial int SpawnSetFlags(nint attributes, short flags);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int SpawnSetSignalDefault(nint attributes, ReadOnlySpan<byte> set);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int SpawnSetSignalMaskAttribute(nint attributes, ReadOnlySpan<byte> set);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int SpawnFileActionsInit(nint actions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int SpawnFileActionsDestroy(nint actions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SpawnAddOpen(nint actions, int descriptor, string path, int flags, int mode);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int SpawnAddDup2(nint actions, int from, int to);

    [LibraryImport(Libc, EntryPoint = "posix_spawnp", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SpawnSearchingPath(out int processId, string file, nint actions, nint attributes, nint[] arguments, nint[] environment);
}
