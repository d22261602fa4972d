using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Crypto.Dpop;

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

    private readonly Uri _noop = new(http.BaseAddress!, "/v1/noop");
    private readonly Uri _devices = new(http.BaseAddress!, "/v1/devices");
    private readonly Uri _units = new(http.BaseAddress!, "/v1/units");
    private Uri[] _releases = [];
    private int _nextRelease;
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
        using var response = await http.PostAsJsonAsync(new Uri("/v1/accounts", UriKind.Relative),
            new { username = account.Username, password = account.Password }, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.Created, "create an account", cancellationToken);
    }

    /// <summary>Logs in, which enrols this worker's key as a device of the account.</summary>
    public async Task LoginAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(http.BaseAddress!, "/v1/sessions");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(new { username = Account.Username, password = Account.Password, deviceName = "load test" }),
        };
        request.Headers.Add("DPoP", DpopProof.Create(Device, "POST", uri, accessToken: null, DateTimeOffset.UtcNow));
        using var response = await http.SendAsync(request, cancellationToken);
        await RememberSessionAsync(response, "log in", cancellationToken);
    }

    /// <summary>Rotates the session's tokens; done before every phase so no access token expires mid-phase.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(http.BaseAddress!, "/v1/sessions/refresh");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(new { refreshToken = _refreshToken }),
        };
        request.Headers.Add("DPoP", DpopProof.Create(Device, "POST", uri, accessToken: null, DateTimeOffset.UtcNow));
        using var response = await http.SendAsync(request, cancellationToken);
        await RememberSessionAsync(response, "refresh the session", cancellationToken);
    }

    public async Task<Guid> CreateUnitAsync(CancellationToken cancellationToken)
    {
        using var request = Authenticated(HttpMethod.Post, _units, body: null);
        using var response = await http.SendAsync(request, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.Created, "create a unit", cancellationToken);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return json.GetProperty("unitId").GetGuid();
    }

    /// <summary>The units this worker releases, round-robin, starting at <paramref name="offset"/> so workers of one account spread out.</summary>
    public void UseUnits(IReadOnlyList<Guid> units, int offset)
    {
        _releases = units.Select(id => new Uri(http.BaseAddress!, $"/v1/units/{id}/release")).ToArray();
        _nextRelease = offset;
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
        request.Headers.TryAddWithoutValidation("DPoP", DpopProof.Create(Device, method.Method, uri, AccessToken, DateTimeOffset.UtcNow));
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
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        AccessToken = json.GetProperty("accessToken").GetString()!;
        _refreshToken = json.GetProperty("refreshToken").GetString()!;
        _authorization = "DPoP " + AccessToken;
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
