using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

/// <summary>
/// Issue 14, findings 6 and 7 (the server's edge): unauthenticated traffic writes nothing durable and is audited once per
/// window, client addresses are bucketed (IPv6 by /64) and taken from X-Forwarded-For only from known proxies, device
/// names are printable, and a login's DPoP proof is checked before any password hashing.
/// </summary>
public sealed class EdgeHardeningTests
{
    [Fact]
    public async Task Refused_logins_sign_ups_and_refreshes_cost_no_durable_write_and_are_audited_once_per_window()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:LoginThrottle:SignUpsPerAddressPerHour"] = "1" });
        using var owner = await app.NewClientFrom(IPAddress.Parse("198.51.100.1")).SignUpAsync();
        using var attacker = app.NewClientFrom(IPAddress.Parse("203.0.113.66"));
        var recordsBefore = app.WithDatabase(db => db.AuditRecords.Count());
        using var writes = new AppMeasurements(app, "symbolon.write.batch.size");

        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            guesses.Add((await attacker.LoginAsync(password: "guess " + i, username: owner.Username)).StatusCode);
        }

        var unknown = await attacker.LoginAsync(username: "nobody-here");
        var malformed = await attacker.LoginAsync(username: "NO SUCH NAME!");
        var badRefresh = await attacker.RefreshAsync("never issued");
        var signUp = await attacker.CreateAccountAsync("attacker-" + Guid.NewGuid().ToString("N")[..8]);
        var throttledSignUp = await attacker.CreateAccountAsync("attacker-" + Guid.NewGuid().ToString("N")[..8]);
        var durableWhileRefused = writes.Durable.Sum() - 1; // the one sign-up that succeeded
        var recordsWhileRefused = app.WithDatabase(db => db.AuditRecords.Count()) - recordsBefore - 1;
        await app.Services.GetRequiredService<LoginFailureDigest>().FlushAsync(TestContext.Current.CancellationToken);
        var digest = app.WithDatabase(db => db.AuditRecords.Where(r => r.Event == AuditEvents.LoginFailed || r.Event == AuditEvents.LoginThrottled).ToList());

        Assert.Equal(5, guesses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(25, guesses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.TooManyRequests, guesses[^1]);
        await unknown.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        await malformed.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        await badRefresh.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        await throttledSignUp.AssertProblemAsync(HttpStatusCode.TooManyRequests, "signup-throttled");
        Assert.Equal(0, durableWhileRefused);
        Assert.Equal(0, recordsWhileRefused);
        Assert.Contains(digest, r => r.UserId == owner.UserId && r.Event == AuditEvents.LoginFailed && r.Detail.StartsWith("5 login(s) refused (wrong password)", StringComparison.Ordinal));
        Assert.Contains(digest, r => r.UserId == owner.UserId && r.Event == AuditEvents.LoginThrottled && r.Detail.StartsWith("25 login(s) refused (throttled)", StringComparison.Ordinal));
        Assert.Contains(digest, r => r.UserId == null && r.Event == AuditEvents.LoginFailed && r.Detail.StartsWith("1 login(s) refused (malformed)", StringComparison.Ordinal));
        Assert.True(digest.Count <= 4, $"{digest.Count} records for 32 refused logins");
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void Client_addresses_are_bucketed_IPv4_by_address_and_IPv6_by_64(string address, string bucket) =>
        Assert.Equal(bucket, ClientAddress.Bucket(IPAddress.Parse(address)));

    [Fact]
    public async Task Failures_from_anywhere_in_one_IPv6_64_count_against_that_64()
    {
        using var app = new SymbolonApp();
        using var owner = app.NewClientFrom(IPAddress.Parse("2001:db8:9:1::1"));
        await (await owner.CreateAccountAsync("v6-owner")).AssertOkJsonAsync(HttpStatusCode.Created);

        for (var i = 0; i < 5; i++)
        {
            using var hop = app.NewClientFrom(IPAddress.Parse($"2001:db8:9:1:{i + 1:x}::{i + 7:x}"));
            await (await hop.LoginAsync(password: "guess", username: "unknown-" + i)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        using var sameNetwork = app.NewClientFrom(IPAddress.Parse("2001:db8:9:1:ffff::9"));
        using var otherNetwork = app.NewClientFrom(IPAddress.Parse("2001:db8:9:2::1"));
        var fromSame = await sameNetwork.LoginAsync(username: "v6-owner");
        var fromOther = await otherNetwork.LoginAsync(username: "v6-owner");

        await fromSame.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        await fromOther.AssertOkJsonAsync();
    }

    [Theory]
    [InlineData(false, "10.0.0.5", "10.0.0.5")]
    [InlineData(true, "10.0.0.5", "203.0.113.44")]
    [InlineData(true, "198.51.100.7", "198.51.100.7")]
    public async Task X_Forwarded_For_counts_only_from_a_configured_proxy(bool proxyConfigured, string peer, string countedAs)
    {
        using var app = new SymbolonApp(proxyConfigured ? new() { ["Symbolon:Proxies:KnownProxies:0"] = "10.0.0.5" } : null);
        using var client = app.NewClientFrom(IPAddress.Parse(peer));
        client.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.44");

        await (await client.LoginAsync(username: "nobody-" + Guid.NewGuid().ToString("N")[..8])).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        await app.Services.GetRequiredService<LoginFailureDigest>().FlushAsync(TestContext.Current.CancellationToken);

        var record = Assert.Single(app.WithDatabase(db => db.AuditRecords.Where(r => r.Event == AuditEvents.LoginFailed).ToList()));
        Assert.EndsWith($"from {countedAs} in the last minute", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_known_proxy_that_is_not_an_address_is_refused_at_start()
    {
        var problem = StartUpChecks.Problem(new() { ["Symbolon:Proxies:KnownNetworks:0"] = "10.0.0.0/99" });

        Assert.Contains("Symbolon:Proxies:KnownNetworks", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("red\u001b[31m alert")]
    [InlineData("two\nlines")]
    [InlineData("evil\u202Etxt.exe")]
    [InlineData("bell\u0007")]
    public async Task A_device_name_with_control_or_formatting_characters_is_refused_and_nothing_is_stored(string name)
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("named-" + Guid.NewGuid().ToString("N")[..8])).AssertOkJsonAsync(HttpStatusCode.Created);

        var login = await client.LoginAsync(deviceName: name);

        var problem = await login.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains("printable", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDatabase(db => db.Devices.Count()));
    }

    [Fact]
    public async Task A_device_name_longer_than_100_characters_is_refused_and_a_printable_one_is_kept()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("named-" + Guid.NewGuid().ToString("N")[..8])).AssertOkJsonAsync(HttpStatusCode.Created);

        var tooLong = await client.LoginAsync(deviceName: new string('a', 101));
        var printable = await client.LoginAsync(deviceName: "  Ana's laptop ☕ — 2 🚀 ");

        await tooLong.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await printable.AssertOkJsonAsync();
        Assert.Equal("Ana's laptop ☕ — 2 🚀", app.WithDatabase(db => db.Devices.Single()).Name);
    }

    [Fact]
    public async Task A_device_enrolled_from_a_session_needs_a_printable_name_too()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var other = Symbolon.Crypto.Dpop.DeviceKey.Generate();
        var jwk = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(other.PublicJwk.ToJwkJson());

        var response = await client.SendAsync(HttpMethod.Post, "/v1/devices", new { name = "sync\rhost", jwk });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(1, app.WithDatabase(db => db.Devices.Count()));
    }

    [Fact]
    public async Task A_login_without_a_valid_proof_is_refused_before_any_password_hashing()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("proof-first")).AssertOkJsonAsync(HttpStatusCode.Created);
        using var hashes = new AppMeasurements(app, "symbolon.password.hashes");

        var withoutProof = await client.LoginWithProofAsync("proof-first", proof: "");
        var withGarbage = await client.LoginWithProofAsync("proof-first", proof: "not.a.proof", password: "wrong but unchecked");
        var hashesWithoutProof = hashes.Total;
        var withProof = await client.LoginAsync();

        await app.Services.GetRequiredService<LoginFailureDigest>().FlushAsync(TestContext.Current.CancellationToken);

        await withoutProof.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await withGarbage.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(0, hashesWithoutProof);
        await withProof.AssertOkJsonAsync();
        Assert.Equal(1, hashes.Total);
        var refused = Assert.Single(app.WithDatabase(db => db.AuditRecords.Where(r => r.Event == AuditEvents.LoginFailed).ToList()));
        Assert.StartsWith("2 login(s) refused (no valid DPoP proof)", refused.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("limit=501")]
    [InlineData("limit=0")]
    [InlineData("after=-1")]
    public async Task The_audit_listing_refuses_a_page_size_above_500_rather_than_clamping_it(string query)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var refused = await client.SendAsync(HttpMethod.Get, "/v1/audit?" + query);
        var largest = await client.SendAsync(HttpMethod.Get, "/v1/audit?limit=500");

        await refused.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await largest.AssertOkJsonAsync();
    }
}
