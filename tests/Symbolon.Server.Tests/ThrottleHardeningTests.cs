using System.Net;
using System.Net.Http.Headers;

namespace Symbolon.Server.Tests;

/// <summary>Throttling that holds under parallel guessing, forgets old typos, and limits sign-ups per address.</summary>
public sealed class ThrottleHardeningTests
{
    [Fact]
    public async Task Parallel_wrong_guesses_cannot_slip_past_the_limit_while_the_hash_runs()
    {
        using var app = new SymbolonApp();
        using var owner = await app.NewClient().SignUpAsync();
        var guessers = Enumerable.Range(0, 12).Select(_ => app.NewClient()).ToList();

        var responses = await Task.WhenAll(guessers.Select(g => g.LoginAsync(password: "not the password", username: owner.Username)));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        guessers.ForEach(g => g.Dispose());
    }

    [Fact]
    public async Task Many_users_behind_one_address_can_log_in_at_the_same_time()
    {
        using var app = new SymbolonApp();
        var users = new List<TestClient>();
        for (var i = 0; i < 12; i++)
        {
            var user = app.NewClient();
            Assert.Equal(HttpStatusCode.Created, (await user.CreateAccountAsync($"shared-address-{i}")).StatusCode);
            users.Add(user);
        }

        var logins = await Task.WhenAll(users.Select(u => u.LoginAsync()));

        Assert.All(logins, login => Assert.Equal(HttpStatusCode.OK, login.StatusCode));
        users.ForEach(u => u.Dispose());
    }

    [Fact]
    public async Task Failures_older_than_the_forget_window_do_not_add_up()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(password: "typo typo typo")).StatusCode);
        }

        app.Time.Advance(TimeSpan.FromMinutes(61));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(password: "typo typo typo")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
    }

    [Fact]
    public async Task A_successful_login_takes_back_its_own_pessimistic_count_only()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        // Many successful logins from one address never add up to a block.
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        }
    }

    [Fact]
    public async Task Account_creation_is_limited_per_address_per_hour()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:LoginThrottle:SignUpsPerAddressPerHour"] = "2" });
        using var client = app.NewClient();

        var first = await client.CreateAccountAsync("signup-one");
        var second = await client.CreateAccountAsync("signup-two");
        var third = await client.CreateAccountAsync("signup-three");
        app.Time.Advance(TimeSpan.FromMinutes(61));
        var later = await client.CreateAccountAsync("signup-three");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        await third.AssertProblemAsync(HttpStatusCode.TooManyRequests, "signup-throttled");
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
    }

    [Fact]
    public async Task The_DPoP_scheme_name_is_case_insensitive()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var request = client.Build(HttpMethod.Get, "/v1/devices");
        request.Headers.Authorization = new AuthenticationHeaderValue("dpop", client.AccessToken);

        var response = await client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
