using System.Net;

namespace Symbolon.LoadTest;

/// <summary>
/// The HTTP clients a run talks to its nodes with, as a load balancer would spread them: per node one load client with
/// its own connection pool, sized for the workers bound to that node (worker i to node i mod N), and one control client
/// on a separate pool for /metrics, so a scrape never queues behind the load.
/// </summary>
internal sealed class NodeClients : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly List<HttpClient> _load = [];
    private readonly List<HttpClient> _control = [];

    public NodeClients(IReadOnlyList<ServerProcess> servers, int workers)
    {
        for (var node = 0; node < servers.Count; node++)
        {
            // One connection per worker of this node: workers node, node + N, node + 2N, … below the worker count.
            var handler = new SocketsHttpHandler
            {
                MaxConnectionsPerServer = Math.Max(1, (workers - node + servers.Count - 1) / servers.Count),
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                UseProxy = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
            };
            _load.Add(new HttpClient(handler, disposeHandler: true) { BaseAddress = servers[node].BaseAddress, Timeout = RequestTimeout });
            _control.Add(new HttpClient { BaseAddress = servers[node].BaseAddress, Timeout = RequestTimeout });
        }
    }

    /// <summary>Each node's load client, in node order.</summary>
    public IReadOnlyList<HttpClient> Load => _load;

    /// <summary>Each node's control client (for /metrics), in node order.</summary>
    public IReadOnlyList<HttpClient> Control => _control;

    /// <summary>The load client of the node that worker (or account) <paramref name="index"/> is bound to.</summary>
    public HttpClient For(int index) => _load[index % _load.Count];

    public void Dispose()
    {
        foreach (var client in _load.Concat(_control))
        {
            client.Dispose();
        }
    }
}
