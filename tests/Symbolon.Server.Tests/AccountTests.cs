using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

public sealed class AccountTests
{
    [Fact]
    public async Task Create_answers_201_with_the_username_trimmed_and_lower_cased_and_login_accepts_any_case()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();

        var created = await client.Http.PostAsJsonAsync("/v1/accounts", new { username = "  Alice.Example@Test ", password = TestClient.Password });

        var json = await created.AssertOkJsonAsync(HttpStatusCode.Created);
        Assert.Null(created.Headers.Location); // no route serves an account, so none is pointed at
        Assert.Equal("alice.example@test", json.GetProperty("username").GetString());
        var userId = json.GetProperty("userId").GetGuid();
        Assert.NotEqual(Guid.Empty, userId);
        Assert.Equal("alice.example@test", app.WithDatabase(db => db.Users.Single(u => u.Id == userId).Username));
        var login = await client.LoginAsync(username: "ALICE.example@TEST");
        Assert.Equal(userId, (await login.AssertOkJsonAsync()).GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task A_taken_username_in_any_case_answers_409_and_leaves_the_first_account_alone()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("bob")).AssertOkJsonAsync(HttpStatusCode.Created);

        var duplicate = await client.CreateAccountAsync("BOB", "a different long password");

        await duplicate.AssertProblemAsync(HttpStatusCode.Conflict, "account-exists");
        Assert.Equal(1, app.WithDatabase(db => db.Users.Count()));
        await (await client.LoginAsync(password: "a different long password", username: "bob")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        await (await client.LoginAsync(username: "bob")).AssertOkJsonAsync();
    }

    public static TheoryData<string?, string?, string> InvalidAccounts() => new()
    {
        { null, TestClient.Password, "`username`" },
        { "", TestClient.Password, "`username`" },
        { "ab", TestClient.Password, "`username`" },
        { new string('a', 65), TestClient.Password, "`username`" },
        { "has space", TestClient.Password, "`username`" },
        { "ümlaut", TestClient.Password, "`username`" },
        { "semi;colon", TestClient.Password, "`username`" },
        { "valid-name", null, "`password`" },
        { "valid-name", "elevenchars", "`password`" },
        { "valid-name", new string('p', 1025), "`password`" },
    };

    [Theory]
    [MemberData(nameof(InvalidAccounts))]
    public async Task An_invalid_username_or_password_answers_400_naming_the_field_and_creates_nothing(string? username, string? password, string field)
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();

        var response = await client.Http.PostAsJsonAsync("/v1/accounts", new { username, password });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDatabase(db => db.Users.Count()));
    }

    [Fact]
    public async Task The_shortest_allowed_password_and_the_longest_allowed_username_are_accepted()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();

        var response = await client.CreateAccountAsync(new string('a', 64), "twelve chars");

        await response.AssertOkJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_account_answer_the_same_bytes_apart_from_the_trace_id()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("carol")).AssertOkJsonAsync(HttpStatusCode.Created);

        var wrongPassword = await client.LoginAsync(password: "not carol's password", username: "carol");
        var unknownAccount = await client.LoginAsync(password: "not carol's password", username: "nobody-here");

        await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        await unknownAccount.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        var first = JsonNode.Parse(await wrongPassword.Content.ReadAsStringAsync())!.AsObject();
        var second = JsonNode.Parse(await unknownAccount.Content.ReadAsStringAsync())!.AsObject();
        Assert.True(first.Remove("traceId"));
        Assert.True(second.Remove("traceId"));
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Equal(wrongPassword.Content.Headers.ContentType, unknownAccount.Content.Headers.ContentType);
        Assert.Equal(
            wrongPassword.Headers.Select(h => h.Key).Order(StringComparer.Ordinal),
            unknownAccount.Headers.Select(h => h.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task After_five_failures_even_the_right_password_answers_429_until_the_back_off_has_passed()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("dave")).AssertOkJsonAsync(HttpStatusCode.Created);

        for (var i = 0; i < 5; i++)
        {
            await (await client.LoginAsync(password: "wrong password " + i)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        var throttled = await client.LoginAsync();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var stillThrottled = await client.LoginAsync();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var afterBackOff = await client.LoginAsync();

        await throttled.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.Equal("2", throttled.Headers.GetValues("Retry-After").Single());
        await stillThrottled.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.Equal("1", stillThrottled.Headers.GetValues("Retry-After").Single());
        await afterBackOff.AssertOkJsonAsync();
        Assert.Equal(1, app.WithDatabase(db => db.Sessions.Count()));
    }

    [Fact]
    public async Task Each_further_failure_doubles_the_back_off()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("erin")).AssertOkJsonAsync(HttpStatusCode.Created);
        for (var i = 0; i < 5; i++)
        {
            await client.LoginAsync(password: "wrong password " + i);
        }

        app.Time.Advance(TimeSpan.FromSeconds(2));
        await (await client.LoginAsync(password: "sixth wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        var throttled = await client.LoginAsync();

        await throttled.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.Equal("4", throttled.Headers.GetValues("Retry-After").Single());
        Assert.Equal(0, app.WithDatabase(db => db.Sessions.Count()));
    }

    [Fact]
    public async Task The_account_throttle_follows_the_account_name_to_other_addresses_but_spares_other_accounts()
    {
        using var app = new SymbolonApp();
        using var attacker = app.NewClientFrom(IPAddress.Parse("203.0.113.7"));
        using var owner = app.NewClientFrom(IPAddress.Parse("198.51.100.20"));
        await (await attacker.CreateAccountAsync("frank")).AssertOkJsonAsync(HttpStatusCode.Created);
        await (await owner.CreateAccountAsync("grace")).AssertOkJsonAsync(HttpStatusCode.Created);

        for (var i = 0; i < 5; i++)
        {
            await attacker.LoginAsync(password: "guess " + i, username: "frank");
        }

        var frankFromElsewhere = await owner.LoginAsync(username: "frank");
        var graceFromElsewhere = await owner.LoginAsync(username: "grace");

        await frankFromElsewhere.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        await graceFromElsewhere.AssertOkJsonAsync();
    }

    [Fact]
    public async Task Other_accounts_from_the_same_address_work_until_the_address_has_five_failures()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClientFrom(IPAddress.Parse("203.0.113.8"));
        using var elsewhere = app.NewClientFrom(IPAddress.Parse("198.51.100.21"));
        foreach (var name in new[] { "heidi", "ivan", "judy" })
        {
            await (await client.CreateAccountAsync(name)).AssertOkJsonAsync(HttpStatusCode.Created);
        }

        for (var i = 0; i < 4; i++)
        {
            await client.LoginAsync(password: "guess " + i, username: "heidi");
        }

        // A success clears its own account's counter, not the address's: the fifth failure from here is one too many.
        var ivanBefore = await client.LoginAsync(username: "ivan");
        await (await client.LoginAsync(password: "typo", username: "ivan")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        var judyFromHere = await client.LoginAsync(username: "judy");
        var judyFromElsewhere = await elsewhere.LoginAsync(username: "judy");

        await ivanBefore.AssertOkJsonAsync();
        await judyFromHere.AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.True(int.Parse(judyFromHere.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await judyFromElsewhere.AssertOkJsonAsync();
    }

    [Fact]
    public async Task A_throttled_attempt_is_audited_and_does_not_reach_the_password_check()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await (await client.CreateAccountAsync("kim")).AssertOkJsonAsync(HttpStatusCode.Created);
        for (var i = 0; i < 5; i++)
        {
            await client.LoginAsync(password: "guess " + i);
        }

        using var hashes = new AppMeasurements(app, "symbolon.password.hashes");
        await (await client.LoginAsync(password: "yet another guess")).AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        await app.Services.GetRequiredService<LoginFailureDigest>().FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, hashes.Total);
        Assert.Contains(AuditEvents.LoginThrottled, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
    }
}
