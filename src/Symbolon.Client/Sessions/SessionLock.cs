using System.Collections.Concurrent;

namespace Symbolon.Client.Sessions;

/// <summary>
/// An exclusive lock on a server's session-&lt;hash&gt;.lock in the client home, held while that server's session file is
/// read and rewritten, so processes sharing a home never lose each other's token rotation (and on vault.lock around
/// changes of vault.json). Waits at most <see cref="MaxWait"/>. Within one process
/// (a threshold item asks several servers at once) waiters queue on a semaphore first instead of polling the file.
/// </summary>
internal sealed class SessionLock : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);
    private readonly FileStream _stream;
    private readonly SemaphoreSlim _gate;

    private SessionLock(FileStream stream, SemaphoreSlim gate)
    {
        _stream = stream;
        _gate = gate;
    }

    /// <summary>
    /// Locks the session of one server (its own lock file, so a server that hangs during a refresh does not hold up
    /// the other members of a threshold set).
    /// </summary>
    public static Task<SessionLock> AcquireAsync(ClientHome home, Uri server, CancellationToken cancellationToken) =>
        AcquireAsync(Path.ChangeExtension(StateFiles.SessionPath(home, server), ".lock"), cancellationToken);

    /// <summary>
    /// Locks vault.json for a read-change-write. Synchronous for its callers, whose changes are local and quick; the
    /// wait itself is the same as for sessions.
    /// </summary>
    public static SessionLock AcquireVault(ClientHome home) => AcquireAsync(home.File("vault.lock"), CancellationToken.None).GetAwaiter().GetResult();

    public void Dispose()
    {
        _stream.Dispose();
        _gate.Release();
    }

    private static async Task<SessionLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + MaxWait;
        var gate = InProcess.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        // ConfigureAwait(false): AcquireVault blocks on this, which must not need the caller's context to finish.
        if (!await gate.WaitAsync(MaxWait, cancellationToken).ConfigureAwait(false))
        {
            throw new IOException($"Timed out waiting for {path}.");
        }

        try
        {
            while (true)
            {
                try
                {
                    return new SessionLock(OpenExclusive(path), gate);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static FileStream OpenExclusive(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }
}
