using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;
using Symbolon.Crypto.Oprf;
using Symbolon.Protocol;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

/// <summary>POST /v1/units/uses: many releases and evaluations in one request, each limited and audited, all or none.</summary>
public sealed class UseManyTests
{
    [Fact]
    public async Task A_batch_of_N_units_gives_N_shares_N_audit_records_and_N_receipts_that_verify()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var units = new[] { await client.CreateUnitAsync(), await client.CreateUnitAsync(), await client.CreateUnitAsync() };
        var publicKey = (await (await client.SendAsync(HttpMethod.Get, Routes.OprfKey)).AssertOkJsonAsync()).GetProperty("publicKey").GetBytesFromBase64();
        var blindedUnit = (await (await client.SendAsync(HttpMethod.Post, Routes.Units, new { blinded = true })).AssertOkJsonAsync(HttpStatusCode.Created))
            .GetProperty("unitId").GetGuid();
        var oprf = new OprfClient(OprfMode.Poprf, publicKey);
        using var blinded = oprf.Blind(new byte[BlindedShare.InputSize], BlindedShare.Info(blindedUnit));

        var json = await (await UseManyAsync(client, units.Select(u => u.Id), [(blindedUnit, blinded.BlindedElement.ToArray())])).AssertOkJsonAsync();

        var releases = json.GetProperty("releases").EnumerateArray().ToList();
        var evaluation = json.GetProperty("evaluations").EnumerateArray().Single();
        Assert.Equal(units.Select(u => u.Id), releases.Select(r => r.GetProperty("unitId").GetGuid()));
        Assert.Equal(units.Select(u => u.Share), releases.Select(r => r.GetProperty("share").GetBytesFromBase64()));
        var output = new byte[OprfClient.OutputSize];
        oprf.Finalize(blinded, new OprfEvaluation([evaluation.GetProperty("evaluatedElement").GetBytesFromBase64()], evaluation.GetProperty("proof").GetBytesFromBase64()), output);
        using var auditKey = await UnitTests.AuditKeyAsync(client);
        var receipts = releases.Append(evaluation).Select(r => r.GetProperty("receipt")).ToList();
        foreach (var (receipt, unitId) in receipts.Zip(units.Select(u => u.Id).Append(blindedUnit)))
        {
            var signed = new ReleaseReceipt(
                receipt.GetProperty("sequence").GetInt64(),
                receipt.GetProperty("chainHash").GetBytesFromBase64(),
                receipt.GetProperty("unitId").GetGuid(),
                receipt.GetProperty("deviceId").GetGuid(),
                receipt.GetProperty("time").GetDateTimeOffset());
            Assert.Equal(unitId, signed.UnitId);
            Assert.True(signed.Verify(auditKey, receipt.GetProperty("signature").GetBytesFromBase64()));
        }

        Assert.Equal(4, receipts.Select(r => r.GetProperty("sequence").GetInt64()).Distinct().Count());
        var events = await AuditTests.EventsAsync(client);
        Assert.Equal(units.Select(u => (Guid?)u.Id), events.Where(e => e.Event == AuditEvents.UnitReleased).Select(e => e.UnitId));
        Assert.Equal([blindedUnit], events.Where(e => e.Event == AuditEvents.UnitEvaluated).Select(e => e.UnitId));
    }

    [Fact]
    public async Task One_unknown_unit_releases_nothing_names_the_unit_and_takes_no_token()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DeviceBurst"] = "3", ["Symbolon:Limits:DeviceRefillPerMinute"] = "1" });
        using var client = await app.NewClient().SignUpAsync();
        var first = await client.CreateUnitAsync();
        var second = await client.CreateUnitAsync();
        var third = await client.CreateUnitAsync();
        var unknown = Guid.CreateVersion7();

        var refused = await UseManyAsync(client, [first.Id, unknown, second.Id]);
        var events = await AuditTests.EventsAsync(client);
        var all = await UseManyAsync(client, [first.Id, second.Id, third.Id]);

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("not-found", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal([unknown], problem.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()));
        Assert.DoesNotContain("share", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(events, e => e.Event == AuditEvents.UnitReleased);
        Assert.Equal(new[] { (AuditEvents.UnitDenied, (Guid?)unknown) }, events.Where(e => e.Event == AuditEvents.UnitDenied));

        // The device bucket holds 3 and does not refill meanwhile: the refused batch took none of them.
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
    }

    [Fact]
    public async Task Another_accounts_unit_refuses_the_whole_batch()
    {
        using var app = new SymbolonApp();
        using var owner = await app.NewClient().SignUpAsync();
        using var other = await app.NewClient().SignUpAsync();
        var theirs = await owner.CreateUnitAsync();
        var mine = await other.CreateUnitAsync();

        var refused = await UseManyAsync(other, [mine.Id, theirs.Id]);

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal([theirs.Id], (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("units").EnumerateArray().Select(u => u.GetGuid()));
        Assert.DoesNotContain(await AuditTests.EventsAsync(other), e => e.Event == AuditEvents.UnitReleased);
        Assert.DoesNotContain(await AuditTests.EventsAsync(owner), e => e.UnitId == theirs.Id && e.Event != AuditEvents.UnitCreated);
    }

    [Fact]
    public async Task A_batch_larger_than_the_bucket_is_refused_whole_names_the_units_past_it_and_takes_no_token()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DeviceBurst"] = "3", ["Symbolon:Limits:DeviceRefillPerMinute"] = "1" });
        using var client = await app.NewClient().SignUpAsync();
        var units = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            units.Add((await client.CreateUnitAsync()).Id);
        }

        var refused = await UseManyAsync(client, units);
        var events = await AuditTests.EventsAsync(client);
        var three = await UseManyAsync(client, units.Take(3));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("rate-limited", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal([units[3]], problem.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()));
        Assert.True(refused.Headers.Contains("Retry-After"));
        Assert.DoesNotContain(events, e => e.Event == AuditEvents.UnitReleased);
        Assert.Equal(new[] { (AuditEvents.RateLimited, (Guid?)units[3]) }, events.Where(e => e.Event == AuditEvents.RateLimited));
        Assert.Equal(HttpStatusCode.OK, three.StatusCode);
    }

    [Fact]
    public async Task A_batch_breaking_the_distinct_unit_quota_locks_the_device_and_counts_none_of_its_units()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "2" });
        using var client = await app.NewClient().SignUpAsync();
        var units = new[] { (await client.CreateUnitAsync()).Id, (await client.CreateUnitAsync()).Id, (await client.CreateUnitAsync()).Id };

        var breach = await UseManyAsync(client, units);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        var two = await UseManyAsync(client, units.Take(2));

        Assert.Equal(HttpStatusCode.TooManyRequests, breach.StatusCode);
        Assert.Equal([units[2]], (await breach.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("units").EnumerateArray().Select(u => u.GetGuid()));
        Assert.Contains(AuditEvents.DeviceLocked, (await AuditTests.EventsAsync(client)).Select(e => e.Event));
        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
    }

    [Fact]
    public async Task Empty_oversized_and_repeated_batches_are_refused_before_anything_is_recorded()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var before = app.WithDatabase(db => db.AuditRecords.Count());

        var empty = await UseManyAsync(client, []);
        var oversized = await UseManyAsync(client, [unit.Id, .. Enumerable.Range(0, UseManyRequest.MaxUnits).Select(_ => Guid.CreateVersion7())]);
        var repeated = await UseManyAsync(client, [unit.Id, unit.Id]);
        var malformed = await UseManyAsync(client, [], [(Guid.CreateVersion7(), new byte[32])]);
        var nullEntry = await client.SendAsync(HttpMethod.Post, Routes.UnitUses, new UseManyRequest([null!, new ReleaseItem(unit.Id)]));

        foreach (var response in new[] { empty, oversized, repeated, malformed, nullEntry })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("invalid-request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains(unit.Id.ToString(), await repeated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, app.WithDatabase(db => db.AuditRecords.Count()));
        Assert.Equal(HttpStatusCode.OK, (await UseManyAsync(client, [unit.Id])).StatusCode);
    }

    [Fact]
    public async Task The_batch_needs_the_session_and_a_DPoP_proof_of_its_device()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var body = new UseManyRequest([new ReleaseItem(unit.Id)]);
        using var stranger = DeviceKey.Generate();

        var noProof = await client.SendAsync(HttpMethod.Post, Routes.UnitUses, body, proof: "");
        var otherKey = await client.SendAsync(HttpMethod.Post, Routes.UnitUses, body, client.Proof(HttpMethod.Post, Routes.UnitUses, client.AccessToken, stranger));
        var token = client.AccessToken;
        client.AccessToken = null;
        var noSession = await client.SendAsync(HttpMethod.Post, Routes.UnitUses, body);
        client.AccessToken = token;

        Assert.Equal(HttpStatusCode.Unauthorized, noProof.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);
        Assert.DoesNotContain(await AuditTests.EventsAsync(client), e => e.Event == AuditEvents.UnitReleased);
    }

    private static Task<HttpResponseMessage> UseManyAsync(TestClient client, IEnumerable<Guid> releases, IEnumerable<(Guid UnitId, byte[] Element)>? evaluations = null) =>
        client.SendAsync(HttpMethod.Post, Routes.UnitUses, new UseManyRequest(
            [.. releases.Select(id => new ReleaseItem(id))],
            [.. (evaluations ?? []).Select(e => new EvaluateItem(e.UnitId, e.Element, 1))]));
}
