using System.Net;
using Symbolon.Crypto.Dpop;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

public sealed class SessionTests
{
    [Fact]
    public async Task Login_issues_a_DPoP_session_whose_access_token_lives_five_minutes()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("lena")).AssertOkJsonAsync(HttpStatusCode.Created);

        var login = await (await client.LoginAsync()).AssertOkJsonAsync();
        app.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var beforeExpiry = await client.ListDevicesAsync();
        app.Time.Advance(TimeSpan.FromSeconds(2));
        var afterExpiry = await client.ListDevicesAsync();

        Assert.Equal("DPoP", login.GetProperty("tokenType").GetString());
        Assert.Equal(300, login.GetProperty("expiresIn").GetInt32());
        Assert.StartsWith("sya_", login.GetProperty("accessToken").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("syr_", login.GetProperty("refreshToken").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, beforeExpiry.StatusCode);
        await afterExpiry.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task Refresh_rotates_both_tokens_and_the_old_access_token_stops_working()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var firstAccess = client.AccessToken;
        var firstRefresh = client.RefreshToken;
        app.Time.Advance(TimeSpan.FromMinutes(4));

        var refreshed = await (await client.RefreshAsync()).AssertOkJsonAsync();
        var newAccess = client.AccessToken;
        var withNew = await client.ListDevicesAsync();
        client.AccessToken = firstAccess;
        var withOld = await client.ListDevicesAsync();

        Assert.NotEqual(firstAccess, newAccess);
        Assert.NotEqual(firstRefresh, refreshed.GetProperty("refreshToken").GetString());
        Assert.Equal("DPoP", refreshed.GetProperty("tokenType").GetString());
        Assert.Equal(300, refreshed.GetProperty("expiresIn").GetInt32());
        Assert.Equal(client.UserId, refreshed.GetProperty("userId").GetGuid());
        Assert.Equal(client.DeviceId, refreshed.GetProperty("deviceId").GetGuid());
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        await withOld.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_refresh_keeps_the_session_id()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await client.CreateAccountAsync("mona");
        var login = await (await client.LoginAsync()).AssertOkJsonAsync();

        var refreshed = await (await client.RefreshAsync()).AssertOkJsonAsync();

        Assert.Equal(login.GetProperty("sessionId").GetGuid(), refreshed.GetProperty("sessionId").GetGuid());
    }

    [Fact]
    public async Task Reusing_a_refresh_token_revokes_the_whole_session()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var first = client.RefreshToken;
        await (await client.RefreshAsync()).AssertOkJsonAsync();
        var second = client.RefreshToken;
        Assert.Equal(HttpStatusCode.OK, (await client.ListDevicesAsync()).StatusCode);

        var reuse = await client.RefreshAsync(first);
        var newestAccess = await client.ListDevicesAsync();
        var newestRefresh = await client.RefreshAsync(second);

        await reuse.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await newestAccess.AssertUnauthorizedAsync();
        await newestRefresh.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        Assert.Contains(AuditEvents.RefreshTokenReused, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
    }

    [Fact]
    public async Task A_session_unused_for_ten_minutes_cannot_be_refreshed()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        app.Time.Advance(TimeSpan.FromMinutes(10));
        var refresh = await client.RefreshAsync();

        await refresh.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await (await client.ListDevicesAsync()).AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task Login_and_refresh_tell_the_client_the_idle_timeout_ten_minutes_by_default_or_as_configured()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var configured = new SymbolonApp(new() { ["Symbolon:Sessions:IdleTimeout"] = "00:03:00" });
        using var other = configured.NewClient();
        await (await other.CreateAccountAsync("quinn")).AssertOkJsonAsync(HttpStatusCode.Created);

        var login = await (await client.LoginAsync()).AssertOkJsonAsync();
        var refresh = await (await client.RefreshAsync()).AssertOkJsonAsync();
        var configuredLogin = await (await other.LoginAsync()).AssertOkJsonAsync();

        Assert.Equal(600, login.GetProperty("idleTimeoutSeconds").GetInt32());
        Assert.Equal(600, refresh.GetProperty("idleTimeoutSeconds").GetInt32());
        Assert.Equal(180, configuredLogin.GetProperty("idleTimeoutSeconds").GetInt32());
    }

    [Fact]
    public async Task The_idle_clock_restarts_on_every_use_not_only_on_refresh()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        app.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await client.ListDevicesAsync()).StatusCode);
        app.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        var justInTime = await client.RefreshAsync();
        app.Time.Advance(TimeSpan.FromMinutes(10));
        var tooLate = await client.RefreshAsync();

        await justInTime.AssertOkJsonAsync();
        await tooLate.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
    }

    [Fact]
    public async Task No_session_outlives_twelve_hours_however_often_it_is_refreshed()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        // Refreshes at 0:08, 0:16, ... 11:52 (within the 10-minute idle timeout) all succeed.
        for (var elapsed = TimeSpan.FromMinutes(8); elapsed < TimeSpan.FromHours(12); elapsed += TimeSpan.FromMinutes(8))
        {
            app.Time.Advance(TimeSpan.FromMinutes(8));
            var refresh = await client.RefreshAsync();
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, $"refresh at {elapsed} answered {(int)refresh.StatusCode}");
        }

        app.Time.Advance(TimeSpan.FromMinutes(6));
        var lastRefresh = await (await client.RefreshAsync()).AssertOkJsonAsync();
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var pastTwelveHours = await client.RefreshAsync();
        var access = await client.ListDevicesAsync();

        Assert.Equal(120, lastRefresh.GetProperty("expiresIn").GetInt32());
        await pastTwelveHours.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await access.AssertUnauthorizedAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_session_at_once()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var logout = await client.SendAsync(HttpMethod.Delete, "/v1/sessions/current");
        var access = await client.ListDevicesAsync();
        var refresh = await client.RefreshAsync();
        var secondLogout = await client.SendAsync(HttpMethod.Delete, "/v1/sessions/current");

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await access.AssertUnauthorizedAsync();
        await refresh.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await secondLogout.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task Logout_ends_only_the_current_session()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.SendAsync(HttpMethod.Delete, "/v1/sessions/current")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await phone.ListDevicesAsync()).StatusCode);
    }

    [Fact]
    public async Task A_refresh_signed_by_another_device_key_is_refused_and_does_not_spend_the_token()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var otherKey = DeviceKey.Generate();
        var refreshToken = client.RefreshToken;

        var foreign = await client.RefreshWithProofAsync(refreshToken, client.Proof(HttpMethod.Post, "/v1/sessions/refresh", accessToken: null, key: otherKey));
        var withoutProof = await client.RefreshWithProofAsync(refreshToken, "");
        var own = await client.RefreshAsync(refreshToken);

        await foreign.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await withoutProof.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await own.AssertOkJsonAsync();
    }

    [Fact]
    public async Task An_unknown_or_missing_refresh_token_answers_401()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var unknown = await client.RefreshAsync("syr_" + new string('A', 43));
        var empty = await client.RefreshAsync("");

        await unknown.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await empty.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
    }
}
