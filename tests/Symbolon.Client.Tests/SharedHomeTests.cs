using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Symbolon.Client.Tests;

/// <summary>Processes sharing one client home (parallel sync jobs) must not trip refresh-token reuse detection.</summary>
public sealed class SharedHomeTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "symbolon-shared-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Two_clients_refreshing_at_once_rotate_the_token_once_and_both_keep_working()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var server = new FakeKeyServer();
        var server1 = new Uri("http://127.0.0.1:5290/");
        using (var first = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = time, HttpHandler = server }))
        {
            await first.LoginAsync(server1, "alice", "a long enough password");
        }

        // Both processes find the access token about to expire and refresh at the same moment.
        time.Advance(TimeSpan.FromMinutes(4.75));
        using var one = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = time, HttpHandler = new FakeKeyServer.Proxy(server) });
        using var two = VaultClient.Open(new VaultClientOptions { HomePath = _path, Time = time, HttpHandler = new FakeKeyServer.Proxy(server) });

        await Task.WhenAll(Task.Run(() => one.DevicesAsync()), Task.Run(() => two.DevicesAsync()));
        await one.DevicesAsync();
        await two.DevicesAsync();

        Assert.Equal(1, server.Refreshes);
        Assert.Equal(0, server.ReusedRefreshTokens);
    }

    [Fact]
    public async Task A_client_whose_cached_tokens_were_rotated_by_another_refreshes_with_the_newest_refresh_token()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var server = new FakeKeyServer();
        var server1 = new Uri("http://127.0.0.1:5290/");
        VaultClientOptions Options() => new() { HomePath = _path, Time = time, HttpHandler = new FakeKeyServer.Proxy(server) };
        using var one = VaultClient.Open(Options());
        await one.LoginAsync(server1, "alice", "a long enough password");
        using var two = VaultClient.Open(Options());

        // The second process refreshes; the first still holds the tokens of the login.
        time.Advance(TimeSpan.FromMinutes(4.75));
        await two.DevicesAsync();

        // Now the rotated access token is about to expire as well: the first process must refresh with the rotated
        // refresh token, not its own spent one.
        time.Advance(TimeSpan.FromMinutes(4.75));
        await one.DevicesAsync();
        await two.DevicesAsync();

        Assert.Equal(2, server.Refreshes);
        Assert.Equal(0, server.ReusedRefreshTokens);
    }

    public void Dispose() => Directory.Delete(_path, recursive: true);

    /// <summary>Just enough of the key server: login, single-use refresh tokens (reuse is counted and refused), devices.</summary>
    internal sealed class FakeKeyServer : HttpMessageHandler
    {
        private readonly Lock _lock = new();
        private readonly HashSet<string> _usedRefreshTokens = [];
        private string _access = "";
        private string _refresh = "";
        private int _counter;

        public int Refreshes { get; private set; }

        public int ReusedRefreshTokens { get; private set; }

        /// <summary>The idle timeout the server names at login and refresh.</summary>
        public int IdleTimeoutSeconds { get; init; } = 3600;

        /// <summary>Sessions ended by DELETE /v1/sessions/current with the live access token.</summary>
        public int Logouts { get; private set; }

        /// <summary>Every access and refresh token issued so far.</summary>
        public List<string> Issued { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path == "/v1/sessions")
            {
                return Issue();
            }

            if (path == "/v1/sessions/refresh")
            {
                var body = await request.Content!.ReadFromJsonAsync<JsonElement>(cancellationToken);
                var token = body.GetProperty("refreshToken").GetString()!;

                // Widen the race window the way a real round trip would.
                await Task.Delay(100, cancellationToken);
                lock (_lock)
                {
                    if (token != _refresh || !_usedRefreshTokens.Add(token))
                    {
                        ReusedRefreshTokens++;
                        return Problem(HttpStatusCode.Unauthorized, "invalid-refresh-token");
                    }

                    Refreshes++;
                }

                return Issue();
            }

            lock (_lock)
            {
                if (request.Method == HttpMethod.Delete && path == "/v1/sessions/current" && request.Headers.Authorization?.Parameter == _access)
                {
                    Logouts++;
                    _access = "";
                    return new HttpResponseMessage(HttpStatusCode.NoContent);
                }

                return request.Headers.Authorization?.Parameter == _access
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(Array.Empty<object>()) }
                    : Problem(HttpStatusCode.Unauthorized, "unauthorized");
            }
        }

        private HttpResponseMessage Issue()
        {
            lock (_lock)
            {
                _counter++;
                _access = "sya_access" + _counter;
                _refresh = "syr_refresh" + _counter;
                Issued.AddRange([_access, _refresh]);
                return new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = JsonContent.Create(new
                    {
                        accessToken = _access,
                        tokenType = "DPoP",
                        expiresIn = 300,
                        refreshToken = _refresh,
                        sessionId = Guid.Empty,
                        userId = Guid.Parse("11111111-1111-4111-8111-111111111111"),
                        deviceId = Guid.Parse("22222222-2222-4222-8222-222222222222"),
                        idleTimeoutSeconds = IdleTimeoutSeconds,
                    }),
                };
            }
        }

        private static HttpResponseMessage Problem(HttpStatusCode status, string kind) => new(status)
        {
            Content = new StringContent($$"""{"type":"https://symbolon.dev/problems/{{kind}}","status":{{(int)status}}}""", System.Text.Encoding.UTF8, "application/problem+json"),
        };

        /// <summary>Each VaultClient disposes its handler; the proxy keeps the shared fake alive.</summary>
        public sealed class Proxy(FakeKeyServer inner) : DelegatingHandler(new Forwarder(inner));

        private sealed class Forwarder(FakeKeyServer inner) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                inner.SendAsync(request, cancellationToken);
        }
    }
}
