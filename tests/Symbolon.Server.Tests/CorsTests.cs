using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Hosting;

namespace Symbolon.Server.Tests;

/// <summary>CORS for browser clients on another origin: only listed origins, only /v1, only what the API needs, no credentials.</summary>
public sealed class CorsTests
{
    private const string AllowedOrigin = "https://app.example.com";
    private const string LoopbackOrigin = "http://127.0.0.1:8080";
    private const string OtherOrigin = "https://evil.example.net";

    private static readonly string[] CorsHeaders =
    [
        "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
        "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Access-Control-Allow-Credentials",
    ];

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://app.example.com:8443")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:5173")]
    [InlineData("http://[::1]:8080")]
    [InlineData("https://xn--bcher-kva.example")]
    public void Origins_written_as_browsers_send_them_are_accepted(string origin) =>
        Assert.Null(BrowserClientOptionsValidator.OriginProblem(origin));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("*", "wildcard")]
    [InlineData("https://*.example.com", "wildcard")]
    [InlineData("null", "not an origin")]
    [InlineData("app.example.com", "not an origin")]
    [InlineData("ftp://app.example.com", "not an origin")]
    [InlineData("file:///tmp/index.html", "not an origin")]
    [InlineData("http://app.example.com", "http on a host that is not loopback")]
    [InlineData("http://192.0.2.10:8080", "http on a host that is not loopback")]
    [InlineData("https://app.example.com/", "write 'https://app.example.com'")]
    [InlineData("https://app.example.com/app", "write 'https://app.example.com'")]
    [InlineData("https://app.example.com?x=1", "write 'https://app.example.com'")]
    [InlineData("https://app.example.com#top", "write 'https://app.example.com'")]
    [InlineData("https://user@app.example.com", "write 'https://app.example.com'")]
    [InlineData("https://App.Example.com", "write 'https://app.example.com'")]
    [InlineData("https://app.example.com:443", "write 'https://app.example.com'")]
    [InlineData("https://bücher.example", "write 'https://xn--bcher-kva.example'")]
    public void Anything_else_is_refused_with_the_reason(string origin, string reason) =>
        Assert.Contains(reason, BrowserClientOptionsValidator.OriginProblem(origin), StringComparison.Ordinal);

    [Fact]
    public void A_server_with_an_invalid_origin_does_not_start()
    {
        var settings = new Dictionary<string, string?> { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin, ["Symbolon:Cors:AllowedOrigins:1"] = "https://app.example.com/" };

        var problem = StartUpChecks.Problem(settings);

        Assert.Contains("Symbolon:Cors:AllowedOrigins: 'https://app.example.com/' is not an origin as browsers send it", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("'https://app.example.com' ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_names_exactly_what_the_api_needs()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin, ["Symbolon:Cors:AllowedOrigins:1"] = LoopbackOrigin });
        using var http = app.CreateClient();

        foreach (var origin in new[] { AllowedOrigin, LoopbackOrigin })
        {
            var response = await http.SendAsync(Preflight("/v1/units/0190a1b2-0000-7000-8000-000000000000/release", origin, "POST", "authorization,content-type,dpop"));

            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(origin, Single(response, "Access-Control-Allow-Origin"));
            Assert.Equal(["DELETE", "GET", "POST", "PUT"], List(response, "Access-Control-Allow-Methods"));
            Assert.Equal(["authorization", "content-type", "dpop"], List(response, "Access-Control-Allow-Headers").Select(h => h.ToLowerInvariant()).Order());
            Assert.Equal("600", Single(response, "Access-Control-Max-Age"));
            Assert.Equal(["Origin"], response.Headers.Vary);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }
    }

    [Fact]
    public async Task Another_origin_gets_no_cors_headers_on_preflights_or_requests()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin });
        using var http = app.CreateClient();

        var (preflight, response) = await PreflightAndGetAsync(http, "/v1/audit/key", OtherOrigin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var answer in new[] { preflight, response })
        {
            AssertNoCorsHeaders(answer);

            // Still marked as depending on Origin, so a cache never serves this answer to the allowed origin.
            Assert.Contains("Origin", answer.Headers.Vary);
        }
    }

    [Fact]
    public async Task By_default_no_origin_gets_cors_headers()
    {
        using var app = new SymbolonApp();
        using var http = app.CreateClient();

        var (preflight, response) = await PreflightAndGetAsync(http, "/v1/audit/key", AllowedOrigin);

        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNoCorsHeaders(preflight);
        AssertNoCorsHeaders(response);
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/healthz")]
    [InlineData("/metrics")]
    [InlineData("/v1x")]
    public async Task Cors_covers_the_v1_api_only(string path)
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin });
        using var http = app.CreateClient();

        var (preflight, response) = await PreflightAndGetAsync(http, path, AllowedOrigin);

        AssertNoCorsHeaders(preflight);
        AssertNoCorsHeaders(response);
    }

    /// <summary>
    /// A browser's proofs name the API URL in htu, whatever page it runs on, so the server checks them exactly as it
    /// checks the CLI's: the same TestClient, with an Origin header on every request, logs in, creates and releases.
    /// </summary>
    [Fact]
    public async Task A_browser_origin_logs_in_and_releases_with_the_same_dpop_proofs()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin });
        using var client = app.NewClient();
        client.Http.DefaultRequestHeaders.Add("Origin", AllowedOrigin);

        var loginPreflight = await client.Http.SendAsync(Preflight("/v1/sessions", AllowedOrigin, "POST", "content-type,dpop"));
        var created = await client.CreateAccountAsync("browser-user");
        var login = await client.LoginAsync();
        var unit = await client.CreateUnitAsync();
        var releasePreflight = await client.Http.SendAsync(Preflight($"/v1/units/{unit.Id}/release", AllowedOrigin, "POST", "authorization,content-type,dpop"));
        var release = await client.ReleaseAsync(unit.Id);
        var released = await release.AssertOkJsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, loginPreflight.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, releasePreflight.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(unit.Share, released.GetProperty("share").GetBytesFromBase64());
        foreach (var response in new[] { created, login, release })
        {
            Assert.Equal(AllowedOrigin, Single(response, "Access-Control-Allow-Origin"));
            Assert.Equal(["Origin"], response.Headers.Vary);
            Assert.Equal(["Retry-After"], List(response, "Access-Control-Expose-Headers"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
    }

    [Fact]
    public async Task A_refusal_reaches_the_browser_but_only_Retry_After_is_exposed()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin });
        using var http = app.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/units");
        request.Headers.Add("Origin", AllowedOrigin);

        var response = await http.SendAsync(request);

        await response.AssertUnauthorizedAsync();
        Assert.Equal(AllowedOrigin, Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal(["Retry-After"], List(response, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public void The_allowed_methods_are_those_of_the_v1_routes()
    {
        using var app = new SymbolonApp();

        var methods = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            .Distinct()
            .Order(StringComparer.Ordinal);

        Assert.Equal(BrowserClients.ApiMethods.Order(StringComparer.Ordinal), methods);
    }

    /// <summary>What a page on <paramref name="origin"/> sends for an authenticated GET: the preflight, then the request.</summary>
    private static async Task<(HttpResponseMessage Preflight, HttpResponseMessage Response)> PreflightAndGetAsync(HttpClient http, string path, string origin)
    {
        var preflight = await http.SendAsync(Preflight(path, origin, "GET", "authorization,dpop"));
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        return (preflight, await http.SendAsync(request));
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string Single(HttpResponseMessage response, string header) =>
        Assert.Single(response.Headers.TryGetValues(header, out var values) ? values : []);

    private static IEnumerable<string> List(HttpResponseMessage response, string header) =>
        (response.Headers.TryGetValues(header, out var values) ? values : []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Order(StringComparer.Ordinal);

    private static void AssertNoCorsHeaders(HttpResponseMessage response)
    {
        foreach (var header in CorsHeaders)
        {
            Assert.False(response.Headers.Contains(header), $"{header} on a response it must not be on: {JsonSerializer.Serialize(response.Headers.ToDictionary(h => h.Key, h => h.Value))}");
        }
    }
}
