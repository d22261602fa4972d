using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Hosting;
using Symbolon.Server.Keys;
using Symbolon.Server.Operations;

namespace Symbolon.Server.Tests;

/// <summary>
/// Metric instruments are matched by meter name across the whole process, so counts from apps running in parallel
/// would mix; this collection runs on its own.
/// </summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(typeof(RunsAlone))]
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Health_readiness_openapi_and_metrics_are_served()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        await client.ReleaseAsync((await client.CreateUnitAsync()).Id);

        var health = await client.Http.GetAsync("/healthz");
        var ready = await client.Http.GetAsync("/readyz");
        var openApi = await client.Http.GetStringAsync("/openapi/v1.json");
        var metrics = await client.Http.GetStringAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var path in new[] { "/v1/accounts", "/v1/sessions", "/v1/sessions/refresh", "/v1/sessions/current", "/v1/devices", "/v1/devices/{id}", "/v1/units", "/v1/units/{id}/release", "/v1/units/{id}/rotate", "/v1/units/{id}", "/v1/audit", "/v1/audit/verify" })
        {
            Assert.Contains($"\"{path}\"", openApi, StringComparison.Ordinal);
        }

        Assert.Matches(@"(?m)^symbolon_releases_total(\{[^}]*\})? 1( \d+)?$", metrics);
        Assert.Matches(@"(?m)^symbolon_release_duration_seconds_count(\{[^}]*\})? 1( \d+)?$", metrics);
        Assert.Contains("le=\"0.005\"", metrics, StringComparison.Ordinal);
    }

}

public sealed class OperationsTests
{
    [Fact]
    public async Task Errors_are_problem_details_with_stable_types()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();

        var response = await client.Http.PostAsJsonAsync("/v1/accounts", new { username = "x", password = "short" });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https://symbolon.dev/problems/invalid-request", problem.GetProperty("type").GetString());
        Assert.Contains("username", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5290")]
    [InlineData("http://192.0.2.10:5290")]
    [InlineData("http://*:5290")]
    [InlineData("http://example.com:80")]
    public void Plain_http_on_a_non_loopback_address_is_refused_at_start(string url)
    {
        var builder = WebApplication.CreateBuilder(["--urls", url]);

        var exception = Assert.Throws<StartupException>(() => builder.UseSafeUrls());

        Assert.Contains("loopback", exception.Message, StringComparison.Ordinal);
        Assert.Contains(url, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5290")]
    [InlineData("http://localhost:5290")]
    [InlineData("http://[::1]:5290")]
    [InlineData("https://0.0.0.0:5291")]
    public void Loopback_http_and_any_https_are_allowed(string url)
    {
        var builder = WebApplication.CreateBuilder(["--urls", url]);

        builder.UseSafeUrls();

        Assert.Equal(url, builder.Configuration["urls"]);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Keys_are_created_on_first_run_readable_by_the_owner_only()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await client.Http.GetAsync("/healthz");

        foreach (var file in new[] { "kek.key", "audit-signing.key", "operator.token" })
        {
            var mode = File.GetUnixFileMode(Path.Combine(app.DataDirectory, file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }

        Assert.Equal(32, new FileInfo(Path.Combine(app.DataDirectory, "kek.key")).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(app.DataDirectory));
    }

    [Fact]
    public async Task Rewrapping_under_a_new_KEK_keeps_every_share_and_destroys_the_old_key()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var units = new[] { await client.CreateUnitAsync(), await client.CreateUnitAsync() };
        var oldKey = File.ReadAllBytes(Path.Combine(app.DataDirectory, "kek.key"));
        var oldKeyId = app.Services.GetRequiredService<IKeyEncryptionKeyProvider>().CurrentKeyId;

        Assert.Equal(0, await AuditTests.RunCommandAsync(app, "rewrap-kek"));

        var newKeyId = app.Services.GetRequiredService<IKeyEncryptionKeyProvider>().CurrentKeyId;
        Assert.NotEqual(oldKeyId, newKeyId);
        Assert.NotEqual(oldKey, File.ReadAllBytes(Path.Combine(app.DataDirectory, "kek.key")));
        Assert.False(File.Exists(Path.Combine(app.DataDirectory, "kek.next.key")));
        Assert.True(app.WithDatabase(db => db.UnitVersions.All(v => v.KekId == newKeyId)));
        foreach (var unit in units)
        {
            var released = await (await client.ReleaseAsync(unit.Id)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(unit.Share, released.GetProperty("share").GetBytesFromBase64());
        }
    }

    [Fact]
    public async Task An_unknown_command_fails_with_a_hint()
    {
        using var app = new SymbolonApp();

        Assert.Equal(2, await AuditTests.RunCommandAsync(app, "explode"));
    }

    [Theory]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5290" }, null)]
    [InlineData(new[] { "--urls=http://127.0.0.1:5290" }, null)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5290", "verify-audit" }, "verify-audit")]
    [InlineData(new[] { "migrate", "--Symbolon:DataDirectory", "/tmp/x" }, "migrate")]
    [InlineData(new[] { "Symbolon:Passwords:Passes=1", "rewrap-kek" }, "rewrap-kek")]
    [InlineData(new[] { "-v", "migrate" }, "migrate")]
    [InlineData(new[] { "/urls", "http://127.0.0.1:5290" }, null)]
    public void The_command_word_is_not_confused_with_an_option_value(string[] args, string? expected) =>
        Assert.Equal(expected, ServerCommands.Find(args));
}
