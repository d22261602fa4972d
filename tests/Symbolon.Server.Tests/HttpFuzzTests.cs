using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Symbolon.Protocol;

namespace Symbolon.Server.Tests;

/// <summary>
/// The HTTP fuzz of issue 14 (docs/security.md): seeded random requests against an in-process server — every route and
/// some that do not exist, every method, malformed JSON, wrong types, odd and huge base64, oversized bodies, odd content
/// types, missing, broken, oversized and repeated Authorization and DPoP headers. No answer may be a 5xx, and every 4xx
/// must be an RFC 9457 problem (application/problem+json with a type); no log line may hold the account password or the
/// session's tokens. A request still running after a minute fails as a hang. Afterwards the server still serves a new
/// client. SYMBOLON_HTTP_FUZZ_REQUESTS sets a longer run, SYMBOLON_HTTP_FUZZ_SEED another sequence.
/// </summary>
public sealed class HttpFuzzTests
{
    private const int DefaultRequests = 400;
    private const int DefaultSeed = 14;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    /// <summary>3 MiB, above every body limit; one array for the whole run (the server only reads it).</summary>
    private static readonly byte[] HugeBody = Encoding.UTF8.GetBytes(new string('x', 3 * 1024 * 1024));

    private static readonly HttpMethod[] Methods =
        [HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Head, HttpMethod.Options];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/problem+json", "application/*", "",
    ];

    private static readonly string[] Bodies =
    [
        "", "{", "}", "null", "[]", "0", "\"x\"", "{}", "{\"\":1}", "{\"username\":1,\"password\":[]}",
        "{\"username\":\"a\",\"password\":\"b\",\"deviceName\":\"\\u0000\\u001b[31m\"}",
        "{\"username\":\"fuzz-user\",\"password\":\"correct horse battery staple\",\"deviceName\":{}}",
        "{\"refreshToken\":\"" + new string('A', 5000) + "\"}", "{\"refreshToken\":null}",
        "{\"share\":\"!!!not base64!!!\"}", "{\"share\":\"AAAA\"}", "{\"share\":\"" + Convert.ToBase64String(new byte[70_000]) + "\"}",
        "{\"share\":\"" + Convert.ToBase64String(new byte[32]) + "\",\"blinded\":\"yes\"}", "{\"blinded\":true}",
        "{\"version\":\"1\"}", "{\"version\":-1}", "{\"version\":1e99}", "{\"version\":2147483648}",
        "{\"blindedElement\":\"AAAA\",\"epoch\":1}", "{\"blindedElement\":\"" + Convert.ToBase64String(new byte[32]) + "\",\"epoch\":\"x\"}",
        "{\"blindedElement\":\"" + Convert.ToBase64String(Enumerable.Repeat((byte)0xff, 32).ToArray()) + "\",\"epoch\":0}",
        "{\"epoch\":2147483647}", "{\"a\":" + string.Concat(Enumerable.Repeat("[", 500)) + string.Concat(Enumerable.Repeat("]", 500)) + "}",
        "{\"username\":\"a\",\"username\":\"b\",\"password\":\"c\"}", "\uFEFF{}", "{\"x\":\"\\ud800\"}",
    ];

    [Fact]
    public async Task Random_requests_get_no_5xx_and_every_4xx_is_a_problem()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync("fuzz-user");
        var unit = await client.CreateUnitAsync();
        var random = new Random(Setting("SYMBOLON_HTTP_FUZZ_SEED", DefaultSeed));
        var failures = new List<string>();

        string[] secrets = [TestClient.Password, client.AccessToken!, client.RefreshToken!];
        for (var i = 0; i < Requests(); i++)
        {
            using var request = RandomRequest(random, client, unit.Id);
            var description = $"{request.Method} {request.RequestUri} ({request.Content?.Headers.ContentLength ?? 0} bytes of {request.Content?.Headers.ContentType?.ToString() ?? "no type"})";
            await CheckAsync(client.Http, request, description, failures);
            if (i % 1000 == 999)
            {
                CheckLogs(app, secrets, failures);
            }
        }

        CheckLogs(app, secrets, failures);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));

        // The fuzz may have revoked the client's own device (a valid DELETE is among its requests): a new one checks, an
        // hour on, since a long run's account creations use up this address's hourly sign-ups.
        app.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using var after = await app.NewClient().SignUpAsync("fuzz-user-after");
        await (await after.ListDevicesAsync()).AssertOkJsonAsync();
    }

    [Fact]
    public async Task Random_bearer_tokens_at_login_with_an_issuer_get_no_5xx_and_every_4xx_is_a_problem()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Oidc:Authority"] = "https://issuer.test/", ["Symbolon:Oidc:Audience"] = "symbolon-test" });
        using var signingKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var metadata = new OpenIdConnectConfiguration { Issuer = "https://issuer.test/" };
        metadata.SigningKeys.Add(new ECDsaSecurityKey(signingKey));
        using var factory = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.PostConfigure<JwtBearerOptions>("oidc", options =>
            {
                options.Configuration = metadata;
                options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(metadata);
            })));
        using var client = factory.NewClient(app);
        var random = new Random(Setting("SYMBOLON_HTTP_FUZZ_SEED", DefaultSeed));
        var failures = new List<string>();

        for (var i = 0; i < Requests() / 4; i++)
        {
            var token = RandomToken(random);
            using var request = new HttpRequestMessage(HttpMethod.Post, Routes.Sessions) { Content = new StringContent("{\"deviceName\":\"fuzz\"}", Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            request.Headers.TryAddWithoutValidation(Headers.Dpop, client.Proof(HttpMethod.Post, Routes.Sessions, accessToken: null));
            await CheckAsync(client.Http, request, $"POST /v1/sessions with Bearer {token[..Math.Min(token.Length, 80)]}", failures);
            if (i % 1000 == 999)
            {
                app.Logs.Clear();
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
    }

    /// <summary>
    /// Found by the fuzz above: a JSON body without a Content-Type made the body binder throw its 415, which no handler
    /// took, so it ended as a 500. (With a wrong Content-Type the framework answers 415 itself, as a problem.)
    /// </summary>
    [Fact]
    public async Task A_JSON_body_without_a_content_type_is_an_invalid_request()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Routes.Accounts) { Content = new ByteArrayContent("{\"username\":\"a\",\"password\":\"b\"}"u8.ToArray()) };

        var response = await client.Http.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
    }

    private static int Requests() => Setting("SYMBOLON_HTTP_FUZZ_REQUESTS", DefaultRequests);

    private static int Setting(string variable, int otherwise) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var given) ? given : otherwise;

    /// <summary>Takes the log lines written so far (a long run would otherwise hold millions) and fails on any that holds a secret.</summary>
    private static void CheckLogs(SymbolonApp app, string[] secrets, List<string> failures)
    {
        while (app.Logs.TryDequeue(out var line))
        {
            if (secrets.FirstOrDefault(secret => line.Contains(secret, StringComparison.Ordinal)) is { } leaked)
            {
                failures.Add($"a log line holds a secret of {leaked.Length} characters: {line[..Math.Min(line.IndexOf(leaked, StringComparison.Ordinal), 200)]}…");
            }
        }
    }

    private static async Task CheckAsync(HttpClient http, HttpRequestMessage request, string description, List<string> failures)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            failures.Add($"hang: {description}");
            return;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            if (status >= 500)
            {
                failures.Add($"{status}: {description}: {body[..Math.Min(body.Length, 300)]}");
            }
            else if (status >= 400 && request.Method != HttpMethod.Head
                && (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || !body.Contains("\"type\"", StringComparison.Ordinal)))
            {
                failures.Add($"{status} without a problem ({response.Content.Headers.ContentType}): {description}: {body[..Math.Min(body.Length, 200)]}");
            }
        }
    }

    private static HttpRequestMessage RandomRequest(Random random, TestClient client, Guid unitId)
    {
        var id = Pick(random, [unitId.ToString(), client.DeviceId.ToString(), "5d1a6c3e-0f2b-4c8d-9e7a-112233445566", "not-a-guid", "00000000-0000-0000-0000-000000000000", "%2F", ".."]);
        var path = Pick(random,
        [
            Routes.Accounts, Routes.Sessions, Routes.SessionRefresh, Routes.CurrentSession, Routes.Devices, $"/v1/devices/{id}",
            Routes.Units, $"/v1/units/{id}", $"/v1/units/{id}/release", $"/v1/units/{id}/rotate", $"/v1/units/{id}/confirm",
            $"/v1/units/{id}/evaluate", Routes.OprfKey, "/v1/oprf/key?epoch=" + Pick(random, ["1", "-1", "x", "99999999999"]),
            Routes.OprfRotate, Routes.OprfConfirm, Routes.Audit, "/v1/audit?after=-5&limit=" + Pick(random, ["0", "1", "100000000", "abc", "-1"]),
            Routes.AuditVerify, Routes.AuditKey, Routes.AuditCheckpoints, Routes.AuditLatestCheckpoint, "/v1/audit/checkpoints?after=x&limit=999999",
            "/v1/audit/proofs/consistency?from=" + Pick(random, ["0", "1", "-1", "9223372036854775807", "x"]) + "&to=" + Pick(random, ["0", "2", "-3", "9223372036854775807"]),
            "/v1/audit/proofs/inclusion?sequence=" + Pick(random, ["0", "1", "-1", "x"]) + "&treeSize=" + Pick(random, ["0", "1", "9223372036854775807"]),
            Routes.Noop, "/v1/unknown", "/v2/units", "/v1/units/" + new string('a', 3000), "/v1/%2e%2e/accounts", "/v1/units?x=" + new string('%', 5),
        ]);
        var method = Pick(random, Methods);
        var request = new HttpRequestMessage(method, path);
        if (random.Next(4) != 0)
        {
            request.Content = new ByteArrayContent(random.Next(30) == 0 ? HugeBody : Encoding.UTF8.GetBytes(Pick(random, Bodies)));
            var type = Pick(random, ContentTypes);
            if (type.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        var bare = path.Split('?')[0];
        var proofMethod = random.Next(8) == 0 ? HttpMethod.Get : method;
        string Proof() => client.Proof(proofMethod, bare.Contains('%', StringComparison.Ordinal) ? "/v1/units" : bare, random.Next(2) == 0 ? client.AccessToken : null);
        foreach (var authorization in Pick(random, new Func<string[]>[]
        {
            () => [],
            () => ["DPoP " + client.AccessToken],
            () => ["Bearer " + client.AccessToken],
            () => ["DPoP " + client.AccessToken, "DPoP " + client.AccessToken],
            () => ["DPoP " + new string('A', 10_000)],
            () => ["DPoP"],
            () => ["DPoP ..."],
            () => ["Basic Zm9vOmJhcg=="],
        })())
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var proof in Pick(random, new Func<string[]>[]
        {
            () => [],
            () => [Proof()],
            () => [Proof(), Proof()],
            () => [Proof()[..^3] + "AAA"],
            () => ["not.a.proof"],
            () => [new string('e', 9000)],
            () => [""],
        })())
        {
            request.Headers.TryAddWithoutValidation(Headers.Dpop, proof);
        }

        return request;
    }

    private static string RandomToken(Random random)
    {
        string Part() => Convert.ToBase64String(RandomBytes(random, random.Next(0, 200))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string Json(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return random.Next(6) switch
        {
            0 => Part(),
            1 => $"{Part()}.{Part()}.{Part()}",
            2 => $"{Json("{\"alg\":\"none\"}")}.{Json("{\"sub\":\"x\",\"iss\":\"https://issuer.test/\",\"aud\":\"symbolon-test\",\"exp\":9999999999}")}.",
            3 => $"{Json("{\"alg\":\"ES256\",\"kid\":\"" + new string('k', 500) + "\"}")}.{Json("{}")}.{Part()}",
            4 => $"{Json("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")}.{Json("{\"exp\":\"x\",\"nbf\":[],\"aud\":{}}")}.{Part()}",
            _ => $"{Part()}.{Part()}.{Part()}.{Part()}.{Part()}",
        };
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];
}
