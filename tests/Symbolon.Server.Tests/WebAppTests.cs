using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Symbolon.Server.Hosting;

namespace Symbolon.Server.Tests;

/// <summary>The reference web app at /app/: static files from the configured directory, under a strict policy, and nothing else.</summary>
public sealed class WebAppTests : IDisposable
{
    private const string Index = "<!doctype html><title>Symbolon</title><script type=\"module\" src=\"app.js\"></script>";
    private const string Script = "document.title = 'Symbolon';";
    private const string Secret = "not for the web";

    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>root/secret.txt beside root/app/{index.html, app.js}: the app's directory is root/app.</summary>
    private readonly string _root = Path.Combine(Path.GetTempPath(), "symbolon-webapp-" + Guid.NewGuid().ToString("N"));

    public WebAppTests()
    {
        Directory.CreateDirectory(AppDirectory);
        File.WriteAllText(Path.Combine(AppDirectory, "index.html"), Index);
        File.WriteAllText(Path.Combine(AppDirectory, "app.js"), Script);
        File.WriteAllText(Path.Combine(_root, "secret.txt"), Secret);
    }

    private string AppDirectory => Path.Combine(_root, "app");

    [Fact]
    public async Task The_app_is_served_at_app_under_a_strict_policy()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:WebApp:Path"] = AppDirectory });
        using var http = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var bare = await http.GetAsync("/app");
        var page = await http.GetAsync("/app/");
        var pageByName = await http.GetAsync("/app/index.html");
        var script = await http.GetAsync("/app/app.js");

        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.Equal("/app/", bare.Headers.Location?.OriginalString.Replace("http://localhost", "", StringComparison.Ordinal));
        Assert.Equal(Index, await page.Content.ReadAsStringAsync());
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Script, await script.Content.ReadAsStringAsync());
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        foreach (var response in new[] { bare, page, pageByName, script })
        {
            Assert.Equal(Policy, Header(response, "Content-Security-Policy"));
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        }

        Assert.True(page.Headers.CacheControl?.NoStore);
        Assert.True(pageByName.Headers.CacheControl?.NoStore);
        Assert.False(script.Headers.CacheControl?.NoStore);
        Assert.True(script.Headers.CacheControl?.NoCache);
    }

    [Theory]
    [InlineData("/app/../secret.txt")]
    [InlineData("/app/%2e%2e/secret.txt")]
    [InlineData("/app/..%2fsecret.txt")]
    [InlineData("/app/..%5csecret.txt")]
    [InlineData("/app/%2fsecret.txt")]
    [InlineData("/secret.txt")]
    [InlineData("/index.html")]
    [InlineData("/app.js")]
    [InlineData("/apps/app.js")]
    [InlineData("/app/missing.js")]
    public async Task Nothing_outside_the_app_directory_is_served(string rawPath)
    {
        using var app = new SymbolonApp(new() { ["Symbolon:WebApp:Path"] = AppDirectory });

        // Set on the request as a server would decode it (%2F stays encoded, like Kestrel), bypassing the client's
        // own normalisation of dot segments.
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = PathString.FromUriComponent(rawPath.Replace("%2f", "%252f", StringComparison.Ordinal));
        });
        using var reader = new StreamReader(context.Response.Body);
        var body = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Script, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_is_unaffected_by_the_app()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:WebApp:Path"] = AppDirectory });
        using var client = await app.NewClient().SignUpAsync();

        var unit = await client.CreateUnitAsync();
        var release = await client.ReleaseAsync(unit.Id);
        var openApi = await client.Http.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.False(release.Headers.Contains("Content-Security-Policy"));
        Assert.False(openApi.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task By_default_no_app_is_served()
    {
        using var app = new SymbolonApp();
        using var http = app.CreateClient();

        var page = await http.GetAsync("/app/");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Fact]
    public void A_missing_app_directory_stops_the_server()
    {
        var missing = Path.Combine(_root, "missing");

        var problem = StartUpChecks.Problem(new() { ["Symbolon:WebApp:Path"] = missing });

        Assert.Contains($"Symbolon:WebApp:Path: the directory '{missing}' does not exist.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_without_index_html_stops_the_server()
    {
        var problem = StartUpChecks.Problem(new() { ["Symbolon:WebApp:Path"] = _root + "/" });

        Assert.Contains($"Symbolon:WebApp:Path: '{_root}/' has no {BrowserClients.IndexFile}", problem, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Header(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.TryGetValues(name, out var values) ? values : []);
}
