using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Symbolon.Crypto.Dpop;
using Symbolon.Protocol;

namespace Symbolon.LoadTest;

/// <summary>A local account the workers log in to.</summary>
internal sealed record Account(string Username, string Password);

/// <summary>
/// One simulated client: its own device key and session, signing a fresh DPoP proof (ES256, fresh <c>jti</c>) for
/// every request as the SDK does. Every request goes through <see cref="Http"/>, the client of the node this worker is
/// bound to; the node's workers share it, and its pool holds one connection per worker.
/// </summary>
internal sealed class LoadWorker(HttpClient http, Account account) : IDisposable
{
    private static readonly byte[] EmptyJsonObject = "{}"u8.ToArray();

    private readonly Uri _noop = new(http.BaseAddress!, Routes.Noop);
    private readonly Uri _devices = new(http.BaseAddress!, Routes.Devices);
    private readonly Uri _units = new(http.BaseAddress!, Routes.Units);
    private Uri[] _releases = [];
    private int _nextRelease;
    private IReadOnlyList<Guid> _randomUnits = [];
    private Random _random = new(0);
    private int _nextMixed;
    private string _authorization = "";
    private string _refreshToken = "";

    public Account Account { get; } = account;

    /// <summary>The client of this worker's node; its BaseAddress is the node every request and proof names.</summary>
    public HttpClient Http => http;

    public DeviceKey Device { get; } = DeviceKey.Generate();

    public string AccessToken { get; private set; } = "";

    /// <summary>Creates the account (Argon2id at the server's defaults runs here, once per account).</summary>
    public static async Task CreateAccountAsync(HttpClient http, Account account, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri(Routes.Accounts, UriKind.Relative),
            new CreateAccountRequest(account.Username, account.Password), ProtocolJsonContext.Default.CreateAccountRequest, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.Created, "create an account", cancellationToken);
    }

    /// <summary>Logs in, which enrols this worker's key as a device of the account.</summary>
    public async Task LoginAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(http.BaseAddress!, Routes.Sessions);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(new LoginRequest(Account.Username, Account.Password, "load test"), ProtocolJsonContext.Default.LoginRequest),
        };
        request.Headers.Add(Headers.Dpop, DpopProof.Create(Device, "POST", uri, accessToken: null, DateTimeOffset.UtcNow));
        using var response = await http.SendAsync(request, cancellationToken);
        await RememberSessionAsync(response, "log in", cancellationToken);
    }

    /// <summary>Rotates the session's tokens; done before every phase so no access token expires mid-phase.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(http.BaseAddress!, Routes.SessionRefresh);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(new RefreshRequest(_refreshToken), ProtocolJsonContext.Default.RefreshRequest),
        };
        request.Headers.Add(Headers.Dpop, DpopProof.Create(Device, "POST", uri, accessToken: null, DateTimeOffset.UtcNow));
        using var response = await http.SendAsync(request, cancellationToken);
        await RememberSessionAsync(response, "refresh the session", cancellationToken);
    }

    public async Task<Guid> CreateUnitAsync(CancellationToken cancellationToken)
    {
        using var request = Authenticated(HttpMethod.Post, _units, body: null);
        using var response = await http.SendAsync(request, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.Created, "create a unit", cancellationToken);
        var created = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ShareResponse, cancellationToken);
        return created!.UnitId;
    }

    /// <summary>The units this worker releases, round-robin, starting at <paramref name="offset"/> so workers of one account spread out.</summary>
    public void UseUnits(IReadOnlyList<Guid> units, int offset)
    {
        _releases = units.Select(id => new Uri(http.BaseAddress!, Routes.ReleaseOf(id))).ToArray();
        _nextRelease = offset;
    }

    /// <summary>The units this worker releases at random (<see cref="ReleaseRandom"/>), drawn with its own seeded generator.</summary>
    public void UseRandomUnits(IReadOnlyList<Guid> units, int seed)
    {
        _randomUnits = units;
        _random = new Random(seed);
    }

    /// <summary>POST /v1/units/{id}/release of a unit drawn uniformly from <see cref="UseRandomUnits"/>'s list.</summary>
    public HttpRequestMessage ReleaseRandom()
    {
        var unit = _randomUnits[_random.Next(_randomUnits.Count)];
        return Authenticated(HttpMethod.Post, new Uri(http.BaseAddress!, Routes.ReleaseOf(unit)), EmptyJsonObject);
    }

    /// <summary>
    /// GET /v1/noop with the same Authorization and fresh DPoP proof as the other phases. The server ignores both; signing
    /// anyway keeps the client's work per request equal in every phase, so the ratios compare server work only.
    /// </summary>
    public HttpRequestMessage Noop() => Authenticated(HttpMethod.Get, _noop, body: null);

    /// <summary>GET /v1/devices: session lookup, DPoP verification, jti insert and a durable commit; no audit record.</summary>
    public HttpRequestMessage ListDevices() => Authenticated(HttpMethod.Get, _devices, body: null);

    /// <summary>POST /v1/units/{id}/release: authentication, limits, KEK unwrap, audit append and receipt signature.</summary>
    public HttpRequestMessage Release()
    {
        var uri = _releases[_nextRelease++ % _releases.Length];
        return Authenticated(HttpMethod.Post, uri, EmptyJsonObject);
    }

    /// <summary>The three requests in turn, for the unmeasured pass that gets every code path jitted before any phase.</summary>
    public HttpRequestMessage Mixed() => (_nextMixed++ % 3) switch
    {
        0 => Noop(),
        1 => ListDevices(),
        _ => Release(),
    };

    public void Dispose() => Device.Dispose();

    private HttpRequestMessage Authenticated(HttpMethod method, Uri uri, byte[]? body)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        request.Headers.TryAddWithoutValidation(Headers.Dpop, DpopProof.Create(Device, method.Method, uri, AccessToken, DateTimeOffset.UtcNow));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    private async Task RememberSessionAsync(HttpResponseMessage response, string action, CancellationToken cancellationToken)
    {
        await ExpectAsync(response, HttpStatusCode.OK, action, cancellationToken);
        var session = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.SessionResponse, cancellationToken);
        AccessToken = session!.AccessToken;
        _refreshToken = session.RefreshToken;
        _authorization = Headers.DpopScheme + " " + AccessToken;
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, string action, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new LoadTestException($"could not {action}: {(int)response.StatusCode} {body}",
                "the server refused the setup; its log is printed above if it stopped");
        }
    }
}
