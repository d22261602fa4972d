using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;
using Symbolon.Server.Operations;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests;

public sealed class AuditTests
{
    [Fact]
    public async Task Every_security_event_is_recorded_and_users_see_only_their_own()
    {
        using var app = new SymbolonApp();
        using var alice = await app.NewClient().SignUpAsync();
        using var bob = await app.NewClient().SignUpAsync();
        var unit = await alice.CreateUnitAsync();
        await alice.ReleaseAsync(unit.Id);
        await alice.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate");
        await alice.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}");
        await bob.LoginAsync(password: "wrong password entirely");
        await app.Services.GetRequiredService<LoginFailureDigest>().FlushAsync(TestContext.Current.CancellationToken);

        var aliceEvents = await EventsAsync(alice);
        var bobEvents = await EventsAsync(bob);

        Assert.Equal(
            [AuditEvents.AccountCreated, AuditEvents.DeviceEnrolled, AuditEvents.LoginSucceeded, AuditEvents.UnitCreated,
             AuditEvents.UnitReleased, AuditEvents.UnitRotated, AuditEvents.UnitShredded],
            aliceEvents.Select(e => e.Event));
        Assert.Contains(AuditEvents.LoginFailed, bobEvents.Select(e => e.Event));
        Assert.DoesNotContain(bobEvents, e => e.UnitId == unit.Id);
    }

    [Fact]
    public async Task Verification_needs_the_operator_token_and_passes_on_an_untouched_chain()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        await client.ReleaseAsync((await client.CreateUnitAsync()).Id);

        var anonymous = await client.Http.GetAsync("/v1/audit/verify");
        var wrongToken = await VerifyAsync(app, client, "syo_not-the-token");
        var verified = await VerifyAsync(app, client);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("operator-required", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        var result = await verified.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("valid").GetBoolean());
        Assert.Equal(app.WithDatabase(db => db.AuditRecords.LongCount()), result.GetProperty("records").GetInt64());
    }

    public static TheoryData<string> Tamperings() =>
        ["modify", "delete-middle", "insert", "reorder", "move-to-another-chain", "truncate-tail", "rewind-head-after-checkpoint", "delete-pending"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Verification_detects_tampered_records(string tampering)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var other = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        await client.ReleaseAsync(unit.Id);
        await client.ReleaseAsync(unit.Id);
        if (tampering == "rewind-head-after-checkpoint")
        {
            await app.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync(CancellationToken.None);
        }

        var before = await VerifyAsync(app, client);
        Assert.True((await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("valid").GetBoolean());
        app.WithDatabase(db => Tamper(db, tampering, client.UserId));
        var response = await VerifyAsync(app, client);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal(1, await RunCommandAsync(app, "verify-audit"));
    }

    [Fact]
    public async Task The_verify_audit_command_succeeds_on_an_intact_chain()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        await client.CreateUnitAsync();

        Assert.Equal(0, await RunCommandAsync(app, "verify-audit"));
    }

    [Fact]
    public async Task No_share_leaves_when_its_audit_record_cannot_be_written()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var releasesBefore = app.WithDatabase(db => db.AuditRecords.Count(r => r.Event == AuditEvents.UnitReleased));

        // Break the audit log: without its head row no record can be appended.
        app.WithDatabase(db => db.Database.ExecuteSqlRaw("DROP TABLE \"AuditHeads\""));
        var response = await client.ReleaseAsync(unit.Id);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain(Convert.ToBase64String(unit.Share), body, StringComparison.Ordinal);
        Assert.Equal(releasesBefore, app.WithDatabase(db => db.AuditRecords.Count(r => r.Event == AuditEvents.UnitReleased)));
    }

    /// <summary>Tampers with the account chain of <paramref name="userId"/> (records 1 to n, n at least 5).</summary>
    private static int Tamper(SymbolonDbContext db, string tampering, Guid userId)
    {
        var chain = db.AuditRecords.Where(r => r.ChainId == userId).OrderBy(r => r.ChainSequence).ToList();
        var middle = chain[chain.Count / 2];
        var last = chain[^1];
        switch (tampering)
        {
            case "modify":
                middle.Detail = "nothing to see here";
                break;
            case "delete-middle":
                db.AuditRecords.Remove(middle);
                break;
            case "insert":
                // A forged record in the next position with a correctly computed hash: only the head row catches it.
                var forged = new AuditRecord
                {
                    ChainId = userId, ChainSequence = last.ChainSequence + 1, Format = AuditRecordFormat.AccountChain, UserId = userId,
                    Time = last.Time, Event = AuditEvents.UnitReleased, PreviousHash = last.Hash,
                };
                forged.Hash = AuditChain.ComputeHash(last.Hash, forged);
                db.AuditRecords.Add(forged);
                break;
            case "reorder":
                var (first, second) = (chain[1].Sequence, chain[2].Sequence);
                db.Database.ExecuteSql($"UPDATE \"AuditRecords\" SET \"ChainSequence\" = -1 WHERE \"Sequence\" = {first}");
                db.Database.ExecuteSql($"UPDATE \"AuditRecords\" SET \"ChainSequence\" = 2 WHERE \"Sequence\" = {second}");
                db.Database.ExecuteSql($"UPDATE \"AuditRecords\" SET \"ChainSequence\" = 3 WHERE \"Sequence\" = {first}");
                return 3;
            case "move-to-another-chain":
                // The whole chain moved under another id with its own head: every link holds, but the hashes name the user's chain.
                db.Database.ExecuteSql($"UPDATE \"AuditRecords\" SET \"ChainId\" = {Guid.NewGuid()} WHERE \"ChainId\" = {userId}");
                Storage.StorageContract.RewindHeads(db);
                return chain.Count;
            case "truncate-tail":
                db.AuditRecords.Remove(last);
                break;
            case "rewind-head-after-checkpoint":
                // A careful writer: the newest record and its pending mark gone, the head rewound; its leaf remains.
                db.AuditRecords.Remove(last);
                db.AuditPending.Where(p => p.Sequence == last.Sequence).ExecuteDelete();
                db.SaveChanges();
                Storage.StorageContract.RewindHeads(db);
                return 1;
            case "delete-pending":
                // The record stays, but the checkpointer would never log it.
                return db.AuditPending.Where(p => p.Sequence == middle.Sequence).ExecuteDelete();
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering));
        }

        return db.SaveChanges();
    }

    private static Task<HttpResponseMessage> VerifyAsync(SymbolonApp app, TestClient client, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit/verify");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? File.ReadAllText(Path.Combine(app.DataDirectory, "operator.token")).Trim());
        return client.Http.SendAsync(request);
    }

    internal static async Task<int> RunCommandAsync(SymbolonApp app, string command)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await ServerCommands.RunAsync(command, scope.ServiceProvider);
    }

    internal static async Task<List<(string Event, Guid? UnitId)>> EventsAsync(TestClient client)
    {
        var records = await (await client.SendAsync(HttpMethod.Get, "/v1/audit?limit=500")).Content.ReadFromJsonAsync<JsonElement>();
        return [.. records.EnumerateArray().Select(r => (
            r.GetProperty("event").GetString()!,
            r.GetProperty("unitId").ValueKind == JsonValueKind.Null ? (Guid?)null : r.GetProperty("unitId").GetGuid()))];
    }
}
