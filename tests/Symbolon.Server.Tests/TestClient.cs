using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Server.Tests;

/// <summary>A client with its own device key that signs a fresh DPoP proof for every request, like the SDK will.</summary>
public sealed class TestClient(SymbolonApp app, HttpClient http) : IDisposable
{
    public const string Password = "correct horse battery staple";

    public DeviceKey Device { get; set; } = DeviceKey.Generate();

    public HttpClient Http => http;

    public string? AccessToken { get; set; }

    public string? RefreshToken { get; set; }

    public Guid UserId { get; private set; }

    public Guid DeviceId { get; private set; }

    public string Username { get; private set; } = "";

    public async Task<HttpResponseMessage> CreateAccountAsync(string username, string password = Password)
    {
        Username = username;
        return await http.PostAsJsonAsync("/v1/accounts", new { username, password });
    }

    /// <summary>Creates an account and logs in on this client's device.</summary>
    public async Task<TestClient> SignUpAsync(string? username = null)
    {
        var created = await CreateAccountAsync(username ?? "user-" + Guid.NewGuid().ToString("N")[..12]);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var login = await LoginAsync();
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return this;
    }

    public async Task<HttpResponseMessage> LoginAsync(string? password = null, string? username = null, string deviceName = "test device")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions")
        {
            Content = JsonContent.Create(new { username = username ?? Username, password = password ?? Password, deviceName }),
        };
        request.Headers.Add("DPoP", Proof(HttpMethod.Post, "/v1/sessions", accessToken: null));
        var response = await http.SendAsync(request);
        await RememberSessionAsync(response);
        return response;
    }

    public async Task<HttpResponseMessage> RefreshAsync(string? refreshToken = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions/refresh")
        {
            Content = JsonContent.Create(new { refreshToken = refreshToken ?? RefreshToken }),
        };
        request.Headers.Add("DPoP", Proof(HttpMethod.Post, "/v1/sessions/refresh", accessToken: null));
        var response = await http.SendAsync(request);
        await RememberSessionAsync(response);
        return response;
    }

    /// <summary>An authenticated request with a DPoP proof; <paramref name="proof"/> overrides the proof (or omits it with "").</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? proof = null)
    {
        var request = Build(method, path, body, proof);
        return http.SendAsync(request);
    }

    public HttpRequestMessage Build(HttpMethod method, string path, object? body = null, string? proof = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (AccessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", AccessToken);
        }

        proof ??= Proof(method, path, AccessToken);
        if (proof.Length > 0)
        {
            request.Headers.Add("DPoP", proof);
        }

        return request;
    }

    public string Proof(HttpMethod method, string path, string? accessToken, DeviceKey? key = null) =>
        DpopProof.Create(key ?? Device, method.Method, new Uri(http.BaseAddress!, path.Split('?')[0]), accessToken, app.Time.GetUtcNow());

    public async Task<Unit> CreateUnitAsync()
    {
        var response = await SendAsync(HttpMethod.Post, "/v1/units");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Unit(json.GetProperty("unitId").GetGuid(), json.GetProperty("version").GetInt32(), json.GetProperty("share").GetBytesFromBase64());
    }

    /// <summary>After the session's idle timeout has passed: a fresh login on the same device.</summary>
    public async Task RefreshAfterLongPauseAsync() => Assert.Equal(HttpStatusCode.OK, (await LoginAsync()).StatusCode);

    public Task<HttpResponseMessage> ReleaseAsync(Guid unitId, int? version = null) =>
        SendAsync(HttpMethod.Post, $"/v1/units/{unitId}/release", new { version });

    public void Dispose()
    {
        Device.Dispose();
        http.Dispose();
    }

    private async Task RememberSessionAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var json = await response.Content.ReadFromJsonAsync<JsonElement>();
            AccessToken = json.GetProperty("accessToken").GetString();
            RefreshToken = json.GetProperty("refreshToken").GetString();
            UserId = json.GetProperty("userId").GetGuid();
            DeviceId = json.GetProperty("deviceId").GetGuid();
        }
    }

    public sealed record Unit(Guid Id, int Version, byte[] Share);
}
