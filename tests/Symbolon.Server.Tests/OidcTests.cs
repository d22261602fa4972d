using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests;

public sealed class OidcTests
{
    private const string Issuer = "https://issuer.test/";
    private const string Audience = "symbolon-test";

    [Fact]
    public async Task A_valid_issuer_token_with_a_proof_logs_in_and_creates_the_user_once()
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var laptop = server.NewClient();
        using var phone = server.NewClient();

        var first = await (await laptop.LoginWithIssuerTokenAsync(issuer.Mint("alice"))).AssertOkJsonAsync();
        var again = await (await laptop.LoginWithIssuerTokenAsync(issuer.Mint("alice"))).AssertOkJsonAsync();
        var otherDevice = await (await phone.LoginWithIssuerTokenAsync(issuer.Mint("alice"))).AssertOkJsonAsync();
        var devices = await (await laptop.ListDevicesAsync()).AssertOkJsonAsync();

        var userId = first.GetProperty("userId").GetGuid();
        Assert.Equal("DPoP", first.GetProperty("tokenType").GetString());
        Assert.Equal(userId, again.GetProperty("userId").GetGuid());
        Assert.Equal(userId, otherDevice.GetProperty("userId").GetGuid());
        Assert.Equal(first.GetProperty("deviceId").GetGuid(), again.GetProperty("deviceId").GetGuid());
        Assert.Equal(2, devices.GetArrayLength());
        var user = Assert.Single(server.WithDatabase(db => db.Users.ToList()));
        Assert.Equal(userId, user.Id);
        Assert.Equal(Issuer + "|alice", user.ExternalSubject);
        Assert.Null(user.Username);
        Assert.Null(user.PasswordHash);
    }

    [Fact]
    public async Task Different_subjects_are_different_users()
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var client = server.NewClient();

        var alice = await (await client.LoginWithIssuerTokenAsync(issuer.Mint("alice"))).AssertOkJsonAsync();
        var bob = await (await client.LoginWithIssuerTokenAsync(issuer.Mint("bob"))).AssertOkJsonAsync();

        Assert.NotEqual(alice.GetProperty("userId").GetGuid(), bob.GetProperty("userId").GetGuid());
        Assert.Equal(2, server.WithDatabase(db => db.Users.Count()));
    }

    public static TheoryData<string> BadTokens() =>
    [
        "wrong-audience", "wrong-issuer", "expired", "not-yet-valid", "other-key", "no-expiry", "unsigned", "no-subject",
        "no-id", "other-authorized-party", "wrong-type", "no-type", "es384", "hs256",
    ];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task An_issuer_token_that_fails_validation_answers_401_and_creates_no_user(string flaw)
    {
        using var issuer = new TestIssuer();
        using var otherKey = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var client = server.NewClient();
        var now = DateTime.UtcNow;
        var token = flaw switch
        {
            "wrong-audience" => issuer.Mint("alice", audience: "another-service"),
            "wrong-issuer" => issuer.Mint("alice", issuer: "https://evil.test/"),
            "expired" => issuer.Mint("alice", notBefore: now.AddHours(-2), expires: now.AddMinutes(-5)),
            "not-yet-valid" => issuer.Mint("alice", notBefore: now.AddMinutes(10), expires: now.AddHours(1)),
            "other-key" => otherKey.Mint("alice"),
            "no-expiry" => issuer.Mint("alice", withExpiry: false),
            "unsigned" => TestIssuer.MintUnsigned("alice"),
            "no-subject" => issuer.Mint(subject: null),
            "no-id" => issuer.Mint("alice", withId: false),
            "other-authorized-party" => issuer.Mint("alice", authorizedParty: "another-client"),
            "wrong-type" => issuer.Mint("alice", type: "dpop+jwt"),
            "no-type" => issuer.MintWithoutType("alice"),
            "es384" => issuer.Mint("alice", signWith: new SigningCredentials(issuer.P384Key, SecurityAlgorithms.EcdsaSha384)),
            "hs256" => issuer.Mint("alice", signWith: new SigningCredentials(issuer.SharedKey, SecurityAlgorithms.HmacSha256)),
            _ => throw new ArgumentOutOfRangeException(nameof(flaw)),
        };

        var refused = await client.LoginWithIssuerTokenAsync(token);
        var control = await client.LoginWithIssuerTokenAsync(issuer.Mint("alice"));

        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        await control.AssertOkJsonAsync();
        Assert.Equal(1, server.WithDatabase(db => db.Users.Count()));
        Assert.Equal(1, server.WithDatabase(db => db.Sessions.Count()));
    }

    [Fact]
    public async Task An_issuer_token_logs_in_once_and_its_replay_is_refused()
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var laptop = server.NewClient();
        using var thief = server.NewClient();
        var token = issuer.Mint("alice");

        var first = await laptop.LoginWithIssuerTokenAsync(token);
        var replayed = await thief.LoginWithIssuerTokenAsync(token);
        var replayedOnSameDevice = await laptop.LoginWithIssuerTokenAsync(token);

        await first.AssertOkJsonAsync();
        await replayed.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        await replayedOnSameDevice.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(1, server.WithDatabase(db => db.Sessions.Count()));
        Assert.Equal(1, server.WithDatabase(db => db.Devices.Count()));
    }

    [Theory]
    [InlineData("JWT", null)]
    [InlineData("at+jwt", null)]
    [InlineData("JWT", Audience)]
    public async Task Accepted_types_and_our_own_authorized_party_log_in(string type, string? authorizedParty)
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var client = server.NewClient();

        var response = await client.LoginWithIssuerTokenAsync(issuer.Mint("alice", type: type, authorizedParty: authorizedParty));

        await response.AssertOkJsonAsync();
    }

    [Fact]
    public async Task An_issuer_token_without_a_proof_answers_400_and_creates_no_user()
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var client = server.NewClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = JsonContent.Create(new { deviceName = "x" }) };
        request.Headers.Authorization = new("Bearer", issuer.Mint("alice"));
        var response = await client.Http.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(0, server.WithDatabase(db => db.Users.Count()));
    }

    [Fact]
    public async Task Local_accounts_still_work_beside_the_issuer_unless_disabled()
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer);
        using var client = server.NewClient();

        await (await client.CreateAccountAsync("local-user")).AssertOkJsonAsync(HttpStatusCode.Created);
        await (await client.LoginAsync()).AssertOkJsonAsync();
    }

    [Fact]
    public async Task With_local_accounts_disabled_account_creation_and_password_login_answer_403()
    {
        using var issuer = new TestIssuer();
        using var server = new OidcServer(issuer, new() { ["Symbolon:Oidc:DisableLocalAccounts"] = "true" });
        using var client = server.NewClient();

        var create = await client.CreateAccountAsync("local-user");
        var login = await client.LoginAsync();
        var external = await client.LoginWithIssuerTokenAsync(issuer.Mint("alice"));

        await create.AssertProblemAsync(HttpStatusCode.Forbidden, "local-accounts-disabled");
        await login.AssertProblemAsync(HttpStatusCode.Forbidden, "local-accounts-disabled");
        await external.AssertOkJsonAsync();
        Assert.Null(server.WithDatabase(db => db.Users.Single()).Username);
    }

    [Fact]
    public async Task Without_an_issuer_configured_a_bearer_login_answers_400()
    {
        using var issuer = new TestIssuer();
        using var app = new SymbolonApp();
        using var client = app.NewClient();

        var response = await client.LoginWithIssuerTokenAsync(issuer.Mint("alice"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(0, app.WithDatabase(db => db.Users.Count()));
    }

    /// <summary>An OpenID Connect issuer's signing key (ES256), minting the JWTs the server exchanges for sessions.</summary>
    private sealed class TestIssuer : IDisposable
    {
        private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly ECDsa _p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        public TestIssuer()
        {
            SigningKey = new ECDsaSecurityKey(_key) { KeyId = Guid.NewGuid().ToString("N") };
            P384Key = new ECDsaSecurityKey(_p384) { KeyId = Guid.NewGuid().ToString("N") };
            SharedKey = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = Guid.NewGuid().ToString("N") };
        }

        public ECDsaSecurityKey SigningKey { get; }

        /// <summary>A P-384 key the issuer also publishes: valid, but ES384 is not an accepted algorithm.</summary>
        public ECDsaSecurityKey P384Key { get; }

        /// <summary>
        /// A symmetric key in the metadata, standing for the algorithm-confusion attack (HS256 keyed with something public):
        /// the signature verifies, the algorithm must still be refused.
        /// </summary>
        public SymmetricSecurityKey SharedKey { get; }

        /// <summary>
        /// A JWT valid for an hour either side of now. The JwtBearer handler checks lifetimes against the system
        /// clock, not the app's FakeTimeProvider, so these times are real ones.
        /// </summary>
        public string Mint(
            string? subject, string issuer = Issuer, string audience = Audience, DateTime? notBefore = null, DateTime? expires = null, bool withExpiry = true,
            bool withId = true, string? authorizedParty = null, string type = "JWT", SigningCredentials? signWith = null)
        {
            var now = DateTime.UtcNow;
            var claims = new Dictionary<string, object>();
            if (withId)
            {
                claims["jti"] = Guid.NewGuid().ToString("N");
            }

            if (authorizedParty is not null)
            {
                claims["azp"] = authorizedParty;
            }

            var descriptor = new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                Subject = subject is null ? new ClaimsIdentity() : new ClaimsIdentity([new Claim("sub", subject)]),
                Claims = claims,
                TokenType = type,
                IssuedAt = notBefore ?? now.AddMinutes(-1),
                NotBefore = notBefore ?? now.AddMinutes(-1),
                Expires = withExpiry ? expires ?? now.AddHours(1) : null,
                SigningCredentials = signWith ?? new SigningCredentials(SigningKey, SecurityAlgorithms.EcdsaSha256),
            };

            // Left to itself the handler would add an "exp" to a token meant to have none.
            var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = withExpiry };
            return handler.CreateToken(descriptor);
        }

        /// <summary>A valid ES256 token whose header has no <c>typ</c> (the token handler always writes one, so by hand).</summary>
        public string MintWithoutType(string subject)
        {
            var now = DateTimeOffset.UtcNow;
            var header = new Dictionary<string, object> { ["alg"] = "ES256", ["kid"] = SigningKey.KeyId };
            var payload = new Dictionary<string, object>
            {
                ["iss"] = Issuer,
                ["aud"] = Audience,
                ["sub"] = subject,
                ["jti"] = Guid.NewGuid().ToString("N"),
                ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
                ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            };
            var signingInput = Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(header)) + "." +
                Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(payload));
            var signature = _key.SignData(System.Text.Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
            return signingInput + "." + Base64UrlEncoder.Encode(signature);
        }

        /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
        public static string MintUnsigned(string subject)
        {
            var now = DateTimeOffset.UtcNow;
            var claims = new Dictionary<string, object>
            {
                ["iss"] = Issuer,
                ["aud"] = Audience,
                ["sub"] = subject,
                ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
                ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            };
            return new JsonWebTokenHandler().CreateToken(System.Text.Json.JsonSerializer.Serialize(claims));
        }

        public void Dispose()
        {
            _key.Dispose();
            _p384.Dispose();
        }
    }

    /// <summary>
    /// A key server configured for an external issuer whose metadata is fixed in memory (issuer and signing key), so
    /// no discovery document or JWKS is fetched over the network.
    /// </summary>
    private sealed class OidcServer : IDisposable
    {
        private readonly WebApplicationFactory<Program> _factory;

        public OidcServer(TestIssuer issuer, Dictionary<string, string?>? settings = null)
        {
            var all = new Dictionary<string, string?>
            {
                ["Symbolon:Oidc:Authority"] = Issuer,
                ["Symbolon:Oidc:Audience"] = Audience,
            };
            foreach (var (key, value) in settings ?? [])
            {
                all[key] = value;
            }

            App = new SymbolonApp(all);
            var metadata = new OpenIdConnectConfiguration { Issuer = Issuer };
            metadata.SigningKeys.Add(issuer.SigningKey);
            metadata.SigningKeys.Add(issuer.P384Key);
            metadata.SigningKeys.Add(issuer.SharedKey);
            _factory = App.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
                services.PostConfigure<JwtBearerOptions>("oidc", options =>
                {
                    options.Configuration = metadata;
                    options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(metadata);
                })));
        }

        public SymbolonApp App { get; }

        public TestClient NewClient() => _factory.NewClient(App);

        /// <summary>Reads the database through this server's host, not a second one started by <see cref="App"/>.</summary>
        public T WithDatabase<T>(Func<SymbolonDbContext, T> action)
        {
            using var scope = _factory.Services.CreateScope();
            return action(scope.ServiceProvider.GetRequiredService<SymbolonDbContext>());
        }

        /// <summary>Disposing the app disposes the factory derived from it.</summary>
        public void Dispose() => App.Dispose();
    }
}
