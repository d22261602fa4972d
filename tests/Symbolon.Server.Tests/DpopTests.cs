using System.Net;
using System.Net.Http.Headers;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Server.Tests;

/// <summary>
/// The key server's use of DPoP proofs (RFC 9449 §4.3, §7.1): every check answers the same 401. The proof validator's
/// own edge cases are unit-tested in Symbolon.Crypto.Tests.
/// </summary>
public sealed class DpopTests
{
    private const string Devices = "/v1/devices";

    [Fact]
    public async Task A_request_without_a_DPoP_header_answers_401_with_a_DPoP_challenge()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var response = await client.SendAsync(HttpMethod.Get, Devices, proof: "");

        await response.AssertUnauthorizedAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.ListDevicesAsync()).StatusCode);
    }

    [Fact]
    public async Task A_proof_signed_by_another_key_answers_401()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var otherKey = DeviceKey.Generate();

        var response = await client.SendAsync(HttpMethod.Get, Devices, proof: client.Proof(HttpMethod.Get, Devices, client.AccessToken, otherKey));

        await response.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_proof_of_another_users_device_answers_401()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var other = await app.NewClient().SignUpAsync();

        // Another enrolled key, binding the right access token: still not this session's device.
        var response = await client.SendAsync(HttpMethod.Get, Devices, proof: client.Proof(HttpMethod.Get, Devices, client.AccessToken, other.Device));

        await response.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_replayed_proof_answers_401_the_second_time()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var proof = client.Proof(HttpMethod.Get, Devices, client.AccessToken);

        var first = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);
        var replay = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await replay.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_replayed_proof_is_refused_until_the_end_of_its_window()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var proof = client.Proof(HttpMethod.Get, Devices, client.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, Devices, proof: proof)).StatusCode);

        app.Time.Advance(TimeSpan.FromSeconds(59));
        var replay = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);

        await replay.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_replayed_login_proof_does_not_log_in_again()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await client.CreateAccountAsync("nina");
        var proof = client.Proof(HttpMethod.Post, "/v1/sessions", accessToken: null);

        var first = await client.LoginWithProofAsync("nina", proof);
        var replay = await client.LoginWithProofAsync("nina", proof);

        await first.AssertOkJsonAsync();
        await replay.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(1, app.WithDatabase(db => db.Sessions.Count()));
    }

    [Fact]
    public async Task A_replayed_refresh_proof_is_refused_and_does_not_spend_the_new_token()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var proof = client.Proof(HttpMethod.Post, "/v1/sessions/refresh", accessToken: null);
        var refreshed = await (await client.RefreshWithProofAsync(client.RefreshToken, proof)).AssertOkJsonAsync();
        var next = refreshed.GetProperty("refreshToken").GetString();

        var replay = await client.RefreshWithProofAsync(next, proof);
        var fresh = await client.RefreshAsync(next);

        await replay.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await fresh.AssertOkJsonAsync();
    }

    public static TheoryData<string, string> OtherTargets() => new()
    {
        { "GET", "/v1/units" },
        { "POST", Devices },
        { "get", Devices },
        { "GET", "/v1/devices/extra" },
        { "GET", "/v1" },
    };

    [Theory]
    [MemberData(nameof(OtherTargets))]
    public async Task A_proof_for_another_method_or_path_answers_401(string method, string path)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var proof = client.Proof(new HttpMethod(method), path, client.AccessToken);
        var response = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);

        await response.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_proof_for_another_host_answers_401()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var proof = DpopProof.Create(client.Device, "GET", new Uri("https://elsewhere.test/v1/devices"), client.AccessToken, app.Time.GetUtcNow());
        var response = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);

        await response.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_query_string_is_not_part_of_the_proof_target()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var response = await client.SendAsync(HttpMethod.Get, Devices + "?ignored=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // The window is 60 s back and 5 s ahead (docs/api.md); iat is written in whole seconds.
    [Theory]
    [InlineData(-120, false)]
    [InlineData(-61, false)]
    [InlineData(-59, true)]
    [InlineData(0, true)]
    [InlineData(4, true)]
    [InlineData(10, false)]
    [InlineData(3600, false)]
    public async Task A_proof_is_accepted_only_within_its_time_window(int offsetSeconds, bool accepted)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var issuedAt = app.Time.GetUtcNow().AddSeconds(offsetSeconds);
        var proof = DpopProof.Create(client.Device, "GET", new Uri(client.Http.BaseAddress!, Devices), client.AccessToken, issuedAt);
        var response = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);

        if (accepted)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            await response.AssertUnauthorizedAsync();
        }
    }

    [Fact]
    public async Task A_proof_bound_to_another_access_token_or_to_none_answers_401()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var other = await app.NewClient().SignUpAsync();

        var otherToken = await client.SendAsync(HttpMethod.Get, Devices, proof: client.Proof(HttpMethod.Get, Devices, other.AccessToken));
        var noAth = await client.SendAsync(HttpMethod.Get, Devices, proof: client.Proof(HttpMethod.Get, Devices, accessToken: null));

        await otherToken.AssertUnauthorizedAsync();
        await noAth.AssertUnauthorizedAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.ListDevicesAsync()).StatusCode);
    }

    [Fact]
    public async Task A_bearer_access_token_is_refused_even_with_a_valid_proof()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var request = client.Build(HttpMethod.Get, Devices);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.AccessToken);
        var response = await client.Http.SendAsync(request);

        await response.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_stolen_access_token_with_the_thiefs_own_proof_answers_401()
    {
        using var app = new SymbolonApp();
        using var victim = await app.NewClient().SignUpAsync();
        using var thief = app.NewClient();
        thief.AccessToken = victim.AccessToken;

        var response = await thief.ListDevicesAsync();

        await response.AssertUnauthorizedAsync();
        Assert.Equal(HttpStatusCode.OK, (await victim.ListDevicesAsync()).StatusCode);
    }

    [Fact]
    public async Task Two_DPoP_headers_answer_401()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var request = client.Build(HttpMethod.Get, Devices);
        request.Headers.Add("DPoP", client.Proof(HttpMethod.Get, Devices, client.AccessToken));
        var response = await client.Http.SendAsync(request);

        await response.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_login_without_a_proof_answers_400_and_enrols_nothing()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await client.CreateAccountAsync("olga");

        var response = await client.LoginWithProofAsync("olga", proof: "");
        var brokenProof = await client.LoginWithProofAsync("olga", proof: "not.a.proof");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains("DPoP", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await brokenProof.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(0, app.WithDatabase(db => db.Devices.Count()));
        Assert.Equal(0, app.WithDatabase(db => db.Sessions.Count()));
    }

    [Fact]
    public async Task A_login_proof_made_for_another_path_answers_400_and_enrols_nothing()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await client.CreateAccountAsync("petra");

        var response = await client.LoginWithProofAsync("petra", client.Proof(HttpMethod.Post, "/v1/sessions/refresh", accessToken: null));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(0, app.WithDatabase(db => db.Devices.Count()));
    }
}
