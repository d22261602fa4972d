using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests.Storage;

/// <summary>
/// The SQLite write path (issue 13): group commit isolates a failing write set and answers nothing before the batch's
/// durable commit; pure reads take no durable write and still refuse a replayed proof; session use is recorded coarsely.
/// </summary>
public sealed class WritePathTests
{
    private const string Devices = "/v1/devices";

    [Fact]
    public async Task Concurrent_logins_of_new_devices_on_few_accounts_all_succeed()
    {
        using var app = new SymbolonApp();
        var owners = new List<TestClient>();
        for (var i = 0; i < 4; i++)
        {
            owners.Add(await app.NewClient().SignUpAsync());
        }

        var logins = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            var device = app.NewClient();
            return await device.LoginAsync(TestClient.Password, owners[i % owners.Count].Username);
        }));

        Assert.All(logins, login => Assert.Equal(HttpStatusCode.OK, login.StatusCode));
    }

    [Fact]
    public async Task A_failing_write_set_is_rolled_back_alone_and_the_others_of_its_batch_commit()
    {
        using var app = new SymbolonApp();
        _ = app.Server;
        var writer = app.Services.GetRequiredService<SqliteGroupCommit>();
        using var batches = new AppMeasurements(app, "symbolon.write.batch.size");

        // A first set holds the writer until the three others are queued, so those three share the next batch.
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var holder = app.Services.CreateAsyncScope();
        var held = writer.RunAsync(Db(holder), async () =>
        {
            holding.SetResult();
            await release.Task;
            return true;
        }, TestContext.Current.CancellationToken);
        await holding.Task;

        await using var first = app.Services.CreateAsyncScope();
        await using var failing = app.Services.CreateAsyncScope();
        await using var last = app.Services.CreateAsyncScope();
        var sets = new[]
        {
            writer.RunAsync(Db(first), () => AddProofAsync(Db(first), "first"), TestContext.Current.CancellationToken),
            writer.RunAsync<bool>(Db(failing), async () =>
            {
                await AddProofAsync(Db(failing), "failing");
                throw new InvalidOperationException("this write set fails after saving");
            }, TestContext.Current.CancellationToken),
            writer.RunAsync(Db(last), () => AddProofAsync(Db(last), "last"), TestContext.Current.CancellationToken),
        };
        release.SetResult();
        await held;

        Assert.True(await sets[0]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => sets[1]);
        Assert.True(await sets[2]);
        Assert.Contains(3L, batches.Durable);
        var stored = app.WithDatabase(db => db.SeenProofs.Select(p => p.Key).Where(k => k.StartsWith("test:")).ToList());
        Assert.Equal(["test:first", "test:last"], stored.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_release_whose_commit_fails_answers_no_share_and_leaves_no_record()
    {
        var commits = new FailingCommits();
        using var app = new SymbolonApp { ExtraServices = services => services.ConfigureDbContext<SymbolonDbContext>(o => o.AddInterceptors(commits)) };
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var recordsBefore = app.WithDatabase(db => db.AuditRecords.Count());

        commits.Armed = true;
        var failed = await client.ReleaseAsync(unit.Id);
        commits.Armed = false;
        var body = await failed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var released = await (await client.ReleaseAsync(unit.Id)).AssertOkJsonAsync();

        Assert.Equal(1, commits.Failed);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.DoesNotContain("\"share\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(unit.Share), body, StringComparison.Ordinal);
        Assert.Equal(unit.Share, released.GetProperty("share").GetBytesFromBase64());
        Assert.Equal(recordsBefore + 1, app.WithDatabase(db => db.AuditRecords.Count()));
        Assert.Equal(1, app.WithDatabase(db => db.AuditRecords.Count(r => r.Event == AuditEvents.UnitReleased)));
        await AssertChainVerifiesAsync(app);
    }

    [Fact]
    public async Task Concurrent_releases_form_one_gap_free_chain_and_take_exactly_the_bucket()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DeviceBurst"] = "25", ["Symbolon:Limits:DeviceRefillPerMinute"] = "0.001" });
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();

        var releases = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => client.ReleaseAsync(unit.Id)));

        Assert.Equal(25, releases.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(35, releases.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        var sequences = app.WithDatabase(db => db.AuditRecords.OrderBy(r => r.Sequence).Select(r => r.Sequence).ToList());
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(25, app.WithDatabase(db => db.AuditRecords.Count(r => r.Event == AuditEvents.UnitReleased)));
        Assert.Equal(35, app.WithDatabase(db => db.AuditRecords.Count(r => r.Event == AuditEvents.RateLimited)));
        var bucket = app.WithDatabase(db => db.RateBuckets.Single(b => b.Key == "device:" + client.DeviceId));
        Assert.InRange(bucket.Tokens, 0, 0.01);
        var verified = await AssertChainVerifiesAsync(app);
        Assert.Equal(sequences.Count, verified.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task A_read_stores_its_proof_without_a_durable_commit_and_a_replay_of_it_is_refused()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var batches = new AppMeasurements(app, "symbolon.write.batch.size");
        var proof = client.Proof(HttpMethod.Get, Devices, client.AccessToken);

        var first = await client.SendAsync(HttpMethod.Get, Devices, proof: proof);
        var replays = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.SendAsync(HttpMethod.Get, Devices, proof: proof)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        foreach (var replay in replays)
        {
            await replay.AssertUnauthorizedAsync();
        }

        Assert.NotEmpty(batches.Relaxed);
        Assert.Empty(batches.Durable);
    }

    [Fact]
    public async Task A_read_within_the_use_record_interval_does_not_store_the_session_use()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var loggedIn = LastUsedAt(app, client);

        app.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, (await client.ListDevicesAsync()).StatusCode);
        var afterEarlyRead = LastUsedAt(app, client);
        app.Time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(HttpStatusCode.OK, (await client.ListDevicesAsync()).StatusCode);
        var afterLateRead = LastUsedAt(app, client);

        Assert.Equal(loggedIn, afterEarlyRead);
        Assert.Equal(loggedIn + TimeSpan.FromSeconds(35), afterLateRead);
    }

    [Fact]
    public async Task Reads_keep_a_session_alive_and_the_idle_timeout_still_ends_it()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Sessions:IdleTimeout"] = "00:02:00" });
        using var client = await app.NewClient().SignUpAsync();

        app.Time.Advance(TimeSpan.FromSeconds(40));
        var used = await client.ListDevicesAsync();
        app.Time.Advance(TimeSpan.FromSeconds(110));
        var stillAlive = await client.SendAsync(HttpMethod.Get, "/v1/units");
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var idle = await client.ListDevicesAsync();

        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillAlive.StatusCode);
        await idle.AssertUnauthorizedAsync();
    }

    [Fact]
    public void A_use_record_interval_over_half_the_idle_timeout_stops_the_start()
    {
        var problem = StartUpChecks.Problem(new() { ["Symbolon:Sessions:IdleTimeout"] = "00:01:00", ["Symbolon:Sessions:UseRecordInterval"] = "00:00:31" });

        Assert.Contains("UseRecordInterval must be at most half", problem, StringComparison.Ordinal);
    }

    private static SymbolonDbContext Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();

    private static async Task<bool> AddProofAsync(SymbolonDbContext db, string name)
    {
        db.SeenProofs.Add(new SeenProof { Key = "test:" + name, ExpiresAt = DateTimeOffset.UnixEpoch });
        await db.SaveChangesAsync();
        return true;
    }

    private static DateTimeOffset LastUsedAt(SymbolonApp app, TestClient client) =>
        app.WithDatabase(db => db.Sessions.AsNoTracking().Single(s => s.DeviceId == client.DeviceId && s.RevokedAt == null).LastUsedAt);

    private static async Task<JsonElement> AssertChainVerifiesAsync(SymbolonApp node)
    {
        using var http = node.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit/verify");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(node.DataDirectory, "operator.token")).Trim());
        var result = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("valid").GetBoolean(), result.ToString());
        return result;
    }

    /// <summary>Fails every COMMIT while armed: the batch's transaction rolls back, as when the disk fails.</summary>
    private sealed class FailingCommits : DbTransactionInterceptor
    {
        public volatile bool Armed;

        public int Failed { get; private set; }

        public override ValueTask<InterceptionResult> TransactionCommittingAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (Armed)
            {
                Failed++;
                throw new IOException("simulated failure of the durable commit");
            }

            return ValueTask.FromResult(result);
        }
    }
}
