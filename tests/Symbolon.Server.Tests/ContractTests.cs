using System.Net;
using System.Text;

namespace Symbolon.Server.Tests;

/// <summary>
/// A request that does not fit the wire contract — not JSON, a required member missing or null, a value of the wrong
/// type, a query value that does not parse — answers invalid-request naming what is wrong, and changes nothing.
/// </summary>
public sealed class ContractTests
{
    public static TheoryData<string, string> BadAccountBodies() => new()
    {
        { """{"password":"correct horse battery staple"}""", "`username`" },
        { """{}""", "`username` and `password`" },
        { """{"username":"valid-name","password":null}""", "`password` must be a string" },
        { """{"username":5,"password":"correct horse battery staple"}""", "`username` must be a string" },
        { """{"username":"valid-name","password":tru}""", "`password`" },
        { """[1]""", "`username` and `password`" },
        { "not json", "`username` and `password`" },
        { "", "`username` and `password`" },
    };

    [Theory]
    [MemberData(nameof(BadAccountBodies))]
    public async Task A_body_that_does_not_fit_the_contract_answers_invalid_request_naming_the_member(string body, string named)
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();

        var response = await client.Http.PostAsync("/v1/accounts", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, app.WithDatabase(db => db.Users.Count()));
        Assert.DoesNotContain(app.Logs, line => line.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_request_that_does_not_fit_is_refused_before_anything_is_counted_or_recorded()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var records = app.WithDatabase(db => db.AuditRecords.Count());
        var proofs = app.WithDatabase(db => db.SeenProofs.Count());

        var confirm = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/confirm", new { });
        var release = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/release", new { version = "one" });
        var evaluate = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/evaluate", new { blindedElement = (byte[]?)null, epoch = 1 });
        var audit = await client.SendAsync(HttpMethod.Get, "/v1/audit?limit=many");
        var evaluateWithoutEpoch = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/evaluate", new { blindedElement = new byte[32] });
        var confirmWithoutEpoch = await client.SendAsync(HttpMethod.Post, "/v1/oprf/confirm", new { });

        Assert.Contains("`version`", (await confirm.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("`version` must be a whole number or null", (await release.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("`blindedElement` must be a base64 string", (await evaluate.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("limit", (await audit.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("`epoch`", (await evaluateWithoutEpoch.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("`epoch`", (await confirmWithoutEpoch.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(records, app.WithDatabase(db => db.AuditRecords.Count()));
        Assert.Equal(proofs, app.WithDatabase(db => db.SeenProofs.Count()));
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(unit.Id)).StatusCode);
    }

    /// <summary>As an unknown token: a missing one is not a malformed request but a refresh that cannot happen.</summary>
    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"refreshToken":null}""")]
    [InlineData("""{"refreshToken":""}""")]
    public async Task A_refresh_without_a_token_answers_invalid_refresh_token(string body)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var response = await client.Http.PostAsync("/v1/sessions/refresh", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
    }
}
