using System.Net;
using System.Net.Sockets;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// A layer-4 load balancer on 127.0.0.1: each new connection goes to the next backend in turn, bytes are relayed
/// unchanged. It counts connections per backend so a test can show that every node served. Stops on dispose.
/// With one backend and <see cref="Tamper"/> or <see cref="HoldShares"/> set, it is a misbehaving proxy in front of
/// one server: answers altered on the way, or held back.
/// </summary>
internal sealed class TcpBalancer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int>[] _backendPorts;
    private readonly int[] _connections;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _next = -1;
    private int _sharesForwarded;

    /// <param name="backendPorts">Each backend's current port (read per connection, so a restarted node is followed).</param>
    public TcpBalancer(params Func<int>[] backendPorts)
    {
        _backendPorts = backendPorts;
        _connections = new int[backendPorts.Length];
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Rewrites each chunk of the server's answers in place before the client gets it.</summary>
    public Action<byte[], int>? Tamper { get; set; }

    /// <summary>Awaited before an answer that carries a share is passed on: a server whose answers come late.</summary>
    public Func<Task>? HoldShares { get; set; }

    /// <summary>How many answers carrying a share were passed on so far.</summary>
    public int SharesForwarded => Volatile.Read(ref _sharesForwarded);

    /// <summary>A <see cref="Tamper"/> that changes one base64 character of every JSON "share" value: a server returning bad shares.</summary>
    public static void CorruptShares(byte[] buffer, int count)
    {
        var span = buffer.AsSpan(0, count);
        for (var at = span.IndexOf(ShareMarker); at >= 0 && at + ShareMarker.Length < count; at = NextMarker(span, ShareMarker, at))
        {
            ref var first = ref span[at + ShareMarker.Length];
            first = first == (byte)'A' ? (byte)'B' : (byte)'A';
        }
    }

    /// <summary>How many connections went to backend <paramref name="index"/> so far.</summary>
    public int ConnectionsTo(int index) => Volatile.Read(ref _connections[index]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var index = (int)((uint)Interlocked.Increment(ref _next) % _backendPorts.Length);
        Interlocked.Increment(ref _connections[index]);
        using (client)
        using (var backend = new TcpClient())
        {
            try
            {
                await backend.ConnectAsync(IPAddress.Loopback, _backendPorts[index](), _stop.Token);
                var upstream = client.GetStream();
                var downstream = backend.GetStream();
                await Task.WhenAny(upstream.CopyToAsync(downstream, _stop.Token), RelayAnswersAsync(downstream, upstream));
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A node that is down refuses the connection; the client sees the connection close, as behind a real balancer.
            }
        }
    }

    /// <summary>A <see cref="Tamper"/> that renames every JSON "share" member: a server whose answers do not fit the protocol.</summary>
    public static void GarbleShares(byte[] buffer, int count)
    {
        var span = buffer.AsSpan(0, count);
        for (var at = span.IndexOf(ShareMarker); at >= 0; at = NextMarker(span, ShareMarker, at))
        {
            span[at + 5] = (byte)'_';
        }
    }

    private async Task RelayAnswersAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            var carriesShare = buffer.AsSpan(0, read).IndexOf(ShareMarker) >= 0;
            if (carriesShare && HoldShares is { } hold)
            {
                await hold();
            }

            Tamper?.Invoke(buffer, read);
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            if (carriesShare)
            {
                Interlocked.Increment(ref _sharesForwarded);
            }
        }
    }

    private static ReadOnlySpan<byte> ShareMarker => "\"share\":\""u8;

    private static int NextMarker(ReadOnlySpan<byte> span, ReadOnlySpan<byte> marker, int after)
    {
        var next = span[(after + 1)..].IndexOf(marker);
        return next < 0 ? -1 : after + 1 + next;
    }
}
