namespace Symbolon.Client;

/// <summary>
/// An exclusive lock on session.lock in the client home, held while session.json is read and rewritten, so processes
/// sharing a home never lose each other's token rotation. Waits at most <see cref="MaxWait"/>.
/// </summary>
internal sealed class SessionLock : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);
    private readonly FileStream _stream;

    private SessionLock(FileStream stream) => _stream = stream;

    public static async Task<SessionLock> AcquireAsync(ClientHome home, CancellationToken cancellationToken)
    {
        var path = home.File("session.lock");
        var deadline = DateTime.UtcNow + MaxWait;
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                return new SessionLock(new FileStream(path, options));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
