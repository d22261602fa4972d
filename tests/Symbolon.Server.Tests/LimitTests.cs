using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

public sealed class LimitTests
{
    [Fact]
    public async Task The_device_bucket_refuses_with_429_and_Retry_After_then_refills()
    {
        using var app = new SymbolonApp(new()
        {
            ["Symbolon:Limits:DeviceBurst"] = "3",
            ["Symbolon:Limits:DeviceRefillPerMinute"] = "1",
        });
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(unit.Id)).StatusCode);
        }

        var refused = await client.ReleaseAsync(unit.Id);
        app.Time.Advance(TimeSpan.FromSeconds(61));
        var afterRefill = await client.ReleaseAsync(unit.Id);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("rate-limited", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.DoesNotContain("share", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, afterRefill.StatusCode);
        Assert.Contains(AuditEvents.RateLimited, (await AuditTests.EventsAsync(client)).Select(e => e.Event));
    }

    [Fact]
    public async Task The_user_bucket_is_shared_by_all_of_a_users_devices()
    {
        using var app = new SymbolonApp(new()
        {
            ["Symbolon:Limits:UserBurst"] = "3",
            ["Symbolon:Limits:UserRefillPerMinute"] = "1",
        });
        using var laptop = await app.NewClient().SignUpAsync();
        using var server = app.NewClient();
        await server.CreateAccountAsync(laptop.Username);
        Assert.Equal(HttpStatusCode.OK, (await server.LoginAsync(username: laptop.Username)).StatusCode);
        var unit = await laptop.CreateUnitAsync();

        Assert.Equal(HttpStatusCode.OK, (await laptop.ReleaseAsync(unit.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.ReleaseAsync(unit.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.ReleaseAsync(unit.Id)).StatusCode);
        var refused = await server.ReleaseAsync(unit.Id);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task Breaking_the_distinct_unit_quota_locks_the_device_until_its_user_logs_in_again()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "2" });
        using var client = await app.NewClient().SignUpAsync();
        var first = await client.CreateUnitAsync();
        var second = await client.CreateUnitAsync();
        var third = await client.CreateUnitAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(first.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(second.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(first.Id)).StatusCode);
        var breach = await client.ReleaseAsync(third.Id);
        var locked = await client.ReleaseAsync(first.Id);
        var devices = await (await client.SendAsync(HttpMethod.Get, "/v1/devices")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        var unlocked = await client.ReleaseAsync(first.Id);

        Assert.Equal(HttpStatusCode.TooManyRequests, breach.StatusCode);
        Assert.Contains("quota-exceeded", await breach.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, locked.StatusCode);
        Assert.Contains("device-locked", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, devices[0].GetProperty("lockedAt").ValueKind);
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        var events = (await AuditTests.EventsAsync(client)).Select(e => e.Event).ToList();
        Assert.Contains(AuditEvents.DeviceLocked, events);
        Assert.Contains(AuditEvents.UnitDenied, events);
    }

    [Fact]
    public async Task A_unit_counts_for_the_hour_after_its_last_use_not_its_first()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "2" });
        using var client = await app.NewClient().SignUpAsync();
        var first = await client.CreateUnitAsync();
        var second = await client.CreateUnitAsync();
        var third = await client.CreateUnitAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(first.Id)).StatusCode);

        app.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(first.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(second.Id)).StatusCode);

        // 65 minutes after the first unit's first use, 35 after its last: both units still count.
        app.Time.Advance(TimeSpan.FromMinutes(35));
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        var breach = await client.ReleaseAsync(third.Id);

        Assert.Equal(HttpStatusCode.TooManyRequests, breach.StatusCode);
        Assert.Contains("quota-exceeded", await breach.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_unit_still_counts_59_minutes_after_its_use()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "1" });
        using var client = await app.NewClient().SignUpAsync();
        var first = await client.CreateUnitAsync();
        var second = await client.CreateUnitAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(first.Id)).StatusCode);

        app.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.ReleaseAsync(second.Id)).StatusCode);
    }

    [Fact]
    public async Task The_quota_window_rolls()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "1" });
        using var client = await app.NewClient().SignUpAsync();
        var first = await client.CreateUnitAsync();
        var second = await client.CreateUnitAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(first.Id)).StatusCode);

        app.Time.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        var later = await client.ReleaseAsync(second.Id);

        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }
}
