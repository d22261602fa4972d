using System.Collections.Concurrent;

namespace Symbolon.Client;

/// <summary>
/// An exclusive lock on session.lock in the client home, held while session.json is read and rewritten, so processes
/// sharing a home never lose each other's token rotation. Waits at most <see cref="MaxWait"/>. Within one process
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

    public static async Task<SessionLock> AcquireAsync(ClientHome home, CancellationToken cancellationToken)
    {
        var path = home.File("session.lock");
        var deadline = DateTime.UtcNow + MaxWait;
        var gate = InProcess.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(MaxWait, cancellationToken))
        {
            throw new IOException($"Timed out waiting for {path}.");
        }

        try
        {
            while (true)
            {
                try
                {
                    var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                    if (!OperatingSystem.IsWindows())
                    {
                        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    }

                    return new SessionLock(new FileStream(path, options), gate);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _gate.Release();
    }
}
