using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Symbolon.Server.Tests;

/// <summary>
/// Helpers for the account, session, DPoP, device and OIDC tests, kept beside TestClient rather than in it: problem
/// assertions, requests with a hand-made proof or Authorization header, and clients that appear to come from a
/// chosen network address.
/// </summary>
internal static class AuthTestExtensions
{
    /// <summary>Spelled out rather than taken from the server's constant: the URIs are a contract clients rely on.</summary>
    public const string ProblemBase = "https://symbolon.dev/problems/";

    /// <summary>Asserts an RFC 9457 problem with this status and type, and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string kind)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {kind} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal(ProblemBase + kind, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    public static async Task<JsonElement> AssertOkJsonAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    /// <summary>The 401 every failed session check answers, with the DPoP challenge.</summary>
    public static async Task AssertUnauthorizedAsync(this HttpResponseMessage response)
    {
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.StartsWith("DPoP", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    public static Task<HttpResponseMessage> ListDevicesAsync(this TestClient client) => client.SendAsync(HttpMethod.Get, "/v1/devices");

    /// <summary>POST /v1/sessions/refresh with the given proof ("" for none) instead of one from the client's key.</summary>
    public static Task<HttpResponseMessage> RefreshWithProofAsync(this TestClient client, string? refreshToken, string proof)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions/refresh") { Content = JsonContent.Create(new { refreshToken }) };
        if (proof.Length > 0)
        {
            request.Headers.Add("DPoP", proof);
        }

        return client.Http.SendAsync(request);
    }

    /// <summary>POST /v1/sessions with a password and the given proof ("" for none).</summary>
    public static Task<HttpResponseMessage> LoginWithProofAsync(this TestClient client, string username, string proof, string password = TestClient.Password)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions")
        {
            Content = JsonContent.Create(new { username, password, deviceName = "test device" }),
        };
        if (proof.Length > 0)
        {
            request.Headers.Add("DPoP", proof);
        }

        return client.Http.SendAsync(request);
    }

    /// <summary>
    /// POST /v1/sessions with "Authorization: Bearer &lt;issuer JWT&gt;" and a proof from the client's key. On success the
    /// client keeps the session's tokens, so its later requests are authenticated.
    /// </summary>
    public static async Task<HttpResponseMessage> LoginWithIssuerTokenAsync(this TestClient client, string issuerToken, string deviceName = "oidc device")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = JsonContent.Create(new { deviceName }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuerToken);
        request.Headers.Add("DPoP", client.Proof(HttpMethod.Post, "/v1/sessions", accessToken: null));
        var response = await client.Http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var json = await response.Content.ReadFromJsonAsync<JsonElement>();
            client.AccessToken = json.GetProperty("accessToken").GetString();
            client.RefreshToken = json.GetProperty("refreshToken").GetString();
        }

        return response;
    }

    /// <summary>A client whose requests reach the server from <paramref name="address"/>, as the login throttle sees it.</summary>
    public static TestClient NewClientFrom(this SymbolonApp app, IPAddress address)
    {
        var handler = app.Server.CreateHandler(context => context.Connection.RemoteIpAddress = address);
        return new TestClient(app, new HttpClient(handler) { BaseAddress = app.ClientOptions.BaseAddress });
    }

    /// <summary>A client of a factory derived from <paramref name="app"/> (WithWebHostBuilder); proofs use the app's clock.</summary>
    public static TestClient NewClient(this WebApplicationFactory<Program> factory, SymbolonApp app) => new(app, factory.CreateClient());
}
