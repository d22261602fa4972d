using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Crypto.Transparency;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;
using Symbolon.Testing;

namespace Symbolon.Server.Tests.Storage;

/// <summary>
/// What every storage backend must guarantee, run against each (SQLite, PostgreSQL): two server nodes on one database
/// behave as one server. Each test starts two in-process nodes that share the database and the key files; a client
/// whose requests alternate between them stands in for a load balancer.
/// </summary>
public abstract class StorageContract : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>The key files every node shares, as a deployment's nodes share one secret mount.</summary>
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "symbolon-contract-" + Guid.NewGuid().ToString("N"));
    private Dictionary<string, string?>? _database;

    /// <summary>The configuration that points a node at one fresh database of this backend.</summary>
    protected abstract Task<Dictionary<string, string?>> NewDatabaseAsync();

    /// <summary>The same database under a second node's settings (SQLite: a connection string of its own, so no in-process queue is shared).</summary>
    protected virtual Dictionary<string, string?> SecondNode(Dictionary<string, string?> database) => database;

    [Fact]
    public async Task A_client_alternating_between_nodes_adds_uses_rotates_and_removes()
    {
        var (a, b) = await StartNodesAsync();
        var client = Own(await Balanced(a, b).SignUpAsync());

        var units = new List<TestClient.Unit>();
        for (var i = 0; i < 4; i++)
        {
            units.Add(await client.CreateUnitAsync());
        }

        foreach (var unit in units)
        {
            var released = await (await client.ReleaseAsync(unit.Id)).AssertOkJsonAsync();
            Assert.Equal(unit.Share, released.GetProperty("share").GetBytesFromBase64());
        }

        var rotated = await (await client.SendAsync(HttpMethod.Post, $"/v1/units/{units[0].Id}/rotate")).AssertOkJsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Post, $"/v1/units/{units[0].Id}/confirm", new { version = 2 })).StatusCode);
        var afterRotation = await (await client.ReleaseAsync(units[0].Id)).AssertOkJsonAsync();
        Assert.Equal(rotated.GetProperty("share").GetBytesFromBase64(), afterRotation.GetProperty("share").GetBytesFromBase64());
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{units[1].Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.ReleaseAsync(units[1].Id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.ReleaseAsync(units[1].Id)).StatusCode);

        await AssertChainVerifiesAsync(a);
        await AssertChainVerifiesAsync(b);
    }

    [Fact]
    public async Task Concurrent_appends_from_both_nodes_keep_every_account_chain_gap_free()
    {
        var (a, b) = await StartNodesAsync();
        var clients = new List<TestClient>();
        for (var i = 0; i < 4; i++)
        {
            clients.Add(Own(await Balanced(a, b).SignUpAsync()));
        }

        var units = await Task.WhenAll(clients.Select(client => client.CreateUnitAsync()));
        var releases = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => clients[i % clients.Count].ReleaseAsync(units[i % clients.Count].Id)));

        Assert.All(releases, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var records = a.WithDatabase(db => db.AuditRecords.Select(r => new { r.Sequence, r.ChainId, r.ChainSequence, r.UserId }).ToList());
        Assert.Equal(records.Count, records.Select(r => r.Sequence).Distinct().Count());
        Assert.All(records, r => Assert.Equal(r.UserId ?? Guid.Empty, r.ChainId));
        Assert.Equal(4, records.Select(r => r.ChainId).Distinct().Count(chain => chain != Guid.Empty));
        foreach (var chain in records.GroupBy(r => r.ChainId))
        {
            // Gap-free in each chain, and in global sequence order there: one account's appends serialise on its head.
            var ordered = chain.OrderBy(r => r.Sequence).Select(r => r.ChainSequence).ToList();
            Assert.Equal(Enumerable.Range(1, ordered.Count).Select(i => (long)i), ordered);
        }

        Assert.Equal(40, a.WithDatabase(db => db.AuditRecords.Count(r => r.Event == AuditEvents.UnitReleased)));
        var verified = await AssertChainVerifiesAsync(b);
        Assert.Equal(records.Count, verified.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Both_nodes_checkpoint_one_log_and_a_rewound_log_no_longer_extends_a_pinned_checkpoint()
    {
        var (a, b) = await StartNodesAsync();
        var client = Own(await Balanced(a, b).SignUpAsync());
        var unit = await client.CreateUnitAsync();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(unit.Id)).StatusCode);
        }

        // Both nodes checkpoint at once: one appends (PostgreSQL: the other skips, its lock taken); then each again.
        await Task.WhenAll(CheckpointAsync(a), CheckpointAsync(b));
        await CheckpointAsync(b);
        await CheckpointAsync(a);
        var records = a.WithDatabase(db => db.AuditRecords.LongCount());
        var pinned = a.WithDatabase(db => db.AuditCheckpoints.OrderByDescending(c => c.TreeSize).First());
        Assert.Equal(records, pinned.TreeSize);
        Assert.Equal(records, a.WithDatabase(db => db.AuditLeaves.LongCount()));
        await AssertChainVerifiesAsync(b);

        // A database writer truncates the newest records and rewinds the head, the tree and the checkpoints; the
        // nodes carry on, and the log regrows past the size a client pinned.
        var keep = pinned.TreeSize - 3;
        a.WithDatabase(db => Rewind(db, keep));

        // Later releases differ from the lost ones at least in their time (the same clock would rebuild the same log).
        a.Time.Advance(TimeSpan.FromSeconds(5));
        b.Time.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(unit.Id)).StatusCode);
        }

        await CheckpointAsync(b);
        await AssertChainVerifiesAsync(a);
        var latest = b.WithDatabase(db => db.AuditCheckpoints.OrderByDescending(c => c.TreeSize).First());
        var consistency = await (await client.Http.GetAsync(Protocol.Routes.AuditConsistencyProofOf(pinned.TreeSize, latest.TreeSize)))
            .Content.ReadFromJsonAsync(Protocol.ProtocolJsonContext.Default.ConsistencyProofView);

        Assert.True(latest.TreeSize > pinned.TreeSize);
        Assert.False(MerkleTree.VerifyConsistency(pinned.TreeSize, latest.TreeSize, pinned.RootHash, latest.RootHash, consistency!.Proof));
    }

    private static Task<long> CheckpointAsync(SymbolonApp node) =>
        node.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync(CancellationToken.None);

    /// <summary>Points every chain's head at its last remaining record, as a careful writer would after deleting records.</summary>
    internal static void RewindHeads(SymbolonDbContext db)
    {
        db.AuditHeads.ExecuteDelete();
        db.Database.ExecuteSqlRaw("""
            INSERT INTO "AuditHeads" ("ChainId", "ChainSequence", "Hash")
            SELECT r."ChainId", r."ChainSequence", r."Hash" FROM "AuditRecords" r
            WHERE r."ChainSequence" = (SELECT MAX(o."ChainSequence") FROM "AuditRecords" o WHERE o."ChainId" = r."ChainId")
            """);
    }

    /// <summary>Keeps the first <paramref name="keep"/> records and rewinds everything that names the rest.</summary>
    private static int Rewind(SymbolonDbContext db, long keep)
    {
        using var transaction = db.Database.BeginTransaction();
        db.AuditRecords.Where(r => r.Sequence > keep).ExecuteDelete();
        db.AuditPending.Where(p => p.Sequence > keep).ExecuteDelete();
        RewindHeads(db);
        db.AuditLeaves.Where(l => l.Sequence > keep).ExecuteDelete();
        var leaves = db.AuditLeaves.LongCount();
        db.AuditCheckpoints.Where(c => c.TreeSize > leaves).ExecuteDelete();
        var beyond = db.AuditNodes.Select(n => n.FlatIndex).AsEnumerable().Where(flat =>
        {
            var level = System.Numerics.BitOperations.TrailingZeroCount(flat + 1);
            return ((((flat + 1) >> level) / 2) + 1) << level > leaves;
        }).ToList();
        db.AuditNodes.Where(n => beyond.Contains(n.FlatIndex)).ExecuteDelete();
        transaction.Commit();
        return 0;
    }

    [Fact]
    public async Task The_device_rate_limit_holds_across_nodes()
    {
        var (a, b) = await StartNodesAsync(new() { ["Symbolon:Limits:DeviceBurst"] = "6", ["Symbolon:Limits:DeviceRefillPerMinute"] = "0.001" });
        var client = Own(await Balanced(a, b).SignUpAsync());
        var unit = await client.CreateUnitAsync();

        var releases = await Task.WhenAll(Enumerable.Range(0, 14).Select(_ => client.ReleaseAsync(unit.Id)));

        Assert.Equal(6, releases.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(8, releases.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task The_distinct_unit_quota_holds_across_nodes_and_locks_the_device_on_both()
    {
        var (a, b) = await StartNodesAsync(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "3" });
        var client = Own(await Balanced(a, b).SignUpAsync());
        var units = new List<TestClient.Unit>();
        for (var i = 0; i < 8; i++)
        {
            units.Add(await client.CreateUnitAsync());
        }

        var releases = await Task.WhenAll(units.Select(unit => client.ReleaseAsync(unit.Id)));
        var released = units.Where((_, i) => releases[i].StatusCode == HttpStatusCode.OK).ToList();

        Assert.Equal(3, released.Count);
        foreach (var node in new[] { a, b })
        {
            var locked = await On(node, client).ReleaseAsync(released[0].Id);
            await locked.AssertProblemAsync(HttpStatusCode.Forbidden, "device-locked");
        }
    }

    [Fact]
    public async Task A_proof_used_on_one_node_is_refused_on_the_other()
    {
        var (a, b) = await StartNodesAsync();
        var onA = Own(await a.NewClient().SignUpAsync());
        var onB = On(b, onA);
        var proof = onA.Proof(HttpMethod.Get, "/v1/units", onA.AccessToken);

        var first = await onA.SendAsync(HttpMethod.Get, "/v1/units", proof: proof);
        var replayed = await onB.SendAsync(HttpMethod.Get, "/v1/units", proof: proof);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await replayed.AssertUnauthorizedAsync();
    }

    [Fact]
    public async Task A_read_proof_sent_to_both_nodes_at_once_is_accepted_once()
    {
        var (a, b) = await StartNodesAsync();
        var client = Own(await Balanced(a, b).SignUpAsync());
        var proof = client.Proof(HttpMethod.Get, "/v1/devices", client.AccessToken);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.SendAsync(HttpMethod.Get, "/v1/devices", proof: proof)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task A_refresh_token_used_on_one_node_is_reuse_on_the_other_and_revokes_the_session()
    {
        var (a, b) = await StartNodesAsync();
        var onA = Own(await a.NewClient().SignUpAsync());
        var stolen = onA.RefreshToken;
        Assert.Equal(HttpStatusCode.OK, (await onA.RefreshAsync()).StatusCode);

        var reuse = await On(b, onA).RefreshAsync(stolen);
        var newestAccess = await onA.SendAsync(HttpMethod.Get, "/v1/units");
        var newestRefresh = await onA.RefreshAsync();

        await reuse.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        await newestAccess.AssertUnauthorizedAsync();
        await newestRefresh.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
    }

    [Fact]
    public async Task Logout_on_one_node_ends_the_session_on_the_other_at_once()
    {
        var (a, b) = await StartNodesAsync();
        var onA = Own(await a.NewClient().SignUpAsync());
        var onB = On(b, onA);
        Assert.Equal(HttpStatusCode.OK, (await onB.SendAsync(HttpMethod.Get, "/v1/units")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await onA.SendAsync(HttpMethod.Delete, "/v1/sessions/current")).StatusCode);

        await (await onB.SendAsync(HttpMethod.Get, "/v1/units")).AssertUnauthorizedAsync();
        await (await onB.RefreshAsync()).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
    }

    [Fact]
    public async Task A_device_revoked_on_one_node_is_refused_on_the_other_at_once()
    {
        var (a, b) = await StartNodesAsync();
        var laptop = Own(await a.NewClient().SignUpAsync());
        var unit = await laptop.CreateUnitAsync();
        var phone = Own(b.NewClient());
        Assert.Equal(HttpStatusCode.OK, (await phone.LoginAsync(username: laptop.Username)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await phone.SendAsync(HttpMethod.Delete, $"/v1/devices/{laptop.DeviceId}")).StatusCode);

        await (await On(b, laptop).ReleaseAsync(unit.Id)).AssertProblemAsync(HttpStatusCode.Forbidden, "device-revoked");
        await (await laptop.ReleaseAsync(unit.Id)).AssertProblemAsync(HttpStatusCode.Forbidden, "device-revoked");
    }

    /// <summary>
    /// The login throttle lives in each node's memory (issue 14, finding 6: a refused login writes nothing), so each
    /// node counts its own failures: with two nodes an attacker gets at most twice the budget, never more.
    /// </summary>
    [Fact]
    public async Task Each_node_throttles_the_failed_logins_it_saw()
    {
        var (a, b) = await StartNodesAsync(new() { ["Symbolon:LoginThrottle:FreeFailures"] = "2" });
        var client = Own(Balanced(a, b));
        await (await client.CreateAccountAsync("erin-" + Guid.NewGuid().ToString("N")[..8])).AssertOkJsonAsync(HttpStatusCode.Created);

        for (var i = 0; i < 4; i++)
        {
            await (await client.LoginAsync(password: "guess " + i)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        await (await client.LoginAsync()).AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
        await (await client.LoginAsync()).AssertProblemAsync(HttpStatusCode.TooManyRequests, "login-throttled");
    }

    [Fact]
    public async Task A_username_taken_at_the_same_moment_on_both_nodes_goes_to_exactly_one_account()
    {
        var (a, b) = await StartNodesAsync();
        var onA = Own(a.NewClient());
        var onB = Own(b.NewClient());

        var attempts = await Task.WhenAll(onA.CreateAccountAsync("frank"), onB.CreateAccountAsync("frank"));

        Assert.Single(attempts, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Single(attempts, r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal(1, a.WithDatabase(db => db.Users.Count(user => user.Username == "frank")));
    }

    [Fact]
    public async Task Both_nodes_evaluate_a_blinded_unit_with_the_one_key_created_for_the_account()
    {
        var (a, b) = await StartNodesAsync();
        var onA = Own(await a.NewClient().SignUpAsync());
        var onB = On(b, onA);

        var keys = await Task.WhenAll(onA.SendAsync(HttpMethod.Get, "/v1/oprf/key"), onB.SendAsync(HttpMethod.Get, "/v1/oprf/key"));
        var publicKeys = await Task.WhenAll(keys.Select(async k => (await k.AssertOkJsonAsync()).GetProperty("publicKey").GetString()));
        var created = await (await onA.SendAsync(HttpMethod.Post, "/v1/units", new { blinded = true })).AssertOkJsonAsync(HttpStatusCode.Created);
        var unitId = created.GetProperty("unitId").GetGuid();
        var input = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var publicKey = Convert.FromBase64String(publicKeys[0]!);

        var fromA = await Blinded.BlindedTests.EvaluateAsync(onA, publicKey, unitId, input);
        var fromB = await Blinded.BlindedTests.EvaluateAsync(onB, publicKey, unitId, input);

        Assert.Equal(publicKeys[0], publicKeys[1]);
        Assert.Equal(1, a.WithDatabase(db => db.OprfKeys.Count()));
        Assert.Equal(fromA, fromB);
    }

    [Fact]
    public async Task A_shredded_unit_is_restorable_within_the_grace_period_and_the_sweeper_then_destroys_its_shares()
    {
        var (a, b) = await StartNodesAsync();
        var client = Own(await Balanced(a, b).SignUpAsync());
        var restored = await client.CreateUnitAsync();
        var destroyed = await client.CreateUnitAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{restored.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Post, $"/v1/units/{restored.Id}/restore")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{destroyed.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.ReleaseAsync(destroyed.Id)).StatusCode);

        // The sweeper as it runs once the grace period is over (called directly: moving the nodes' clocks would race it).
        int count;
        await using (var scope = b.Services.CreateAsyncScope())
        {
            count = await Operations.ShreddedShares.DestroyDueAsync(scope.ServiceProvider, a.Time.GetUtcNow() + TimeSpan.FromDays(8), CancellationToken.None);
        }

        Assert.Equal(1, count);
        Assert.Equal(0, a.WithDatabase(db => db.UnitVersions.Count(v => v.UnitId == destroyed.Id)));
        Assert.Null(a.WithDatabase(db => db.Units.Single(u => u.Id == destroyed.Id).DestroyAt));
        Assert.Equal(restored.Share, (await (await client.ReleaseAsync(restored.Id)).AssertOkJsonAsync()).GetProperty("share").GetBytesFromBase64());
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Post, $"/v1/units/{destroyed.Id}/restore")).StatusCode);
        await AssertChainVerifiesAsync(a);
    }

    [Fact]
    public async Task A_database_upgraded_from_the_global_chain_verifies_and_extends_its_log()
    {
        // The schema and data as the last release before per-account chains left them: five v1 records on the one
        // chain, the first three in the Merkle tree under a checkpoint signed with the deployment's audit key.
        _database = await NewDatabaseAsync();
        var legacy = await WriteLegacyLogAsync(_database);
        var (a, b) = await StartNodesAsync(sameDatabase: true);

        Assert.Equal(5, (await AssertChainVerifiesAsync(a)).GetProperty("records").GetInt64());
        Assert.All(a.WithDatabase(db => db.AuditRecords.ToList()), r =>
        {
            Assert.Equal((AuditRecordFormat.GlobalChain, Guid.Empty, r.Sequence), (r.Format, r.ChainId, r.ChainSequence));
        });
        Assert.Equal([4L, 5L], a.WithDatabase(db => db.AuditPending.OrderBy(p => p.Sequence).Select(p => p.Sequence).ToList()));

        // New records: the user's own chain from its genesis; the deployment chain continues from the legacy head.
        var client = Own(await Balanced(a, b).SignUpAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync((await client.CreateUnitAsync()).Id)).StatusCode);
        AuditRecord deployment;
        await using (var scope = a.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            deployment = await scope.ServiceProvider.GetRequiredService<AuditLog>().AppendAsync(db, AuditEvents.KekRotated, detail: "after the upgrade");
            await transaction.CommitAsync();
        }

        Assert.Equal((Guid.Empty, 6L, AuditRecordFormat.AccountChain), (deployment.ChainId, deployment.ChainSequence, deployment.Format));
        Assert.Equal(legacy.HeadHash, deployment.PreviousHash);
        var own = a.WithDatabase(db => db.AuditRecords.Where(r => r.UserId == client.UserId).OrderBy(r => r.Sequence).ToList());
        Assert.All(own, r => Assert.True(r.Sequence > 5 && r.ChainId == client.UserId && r.Format == AuditRecordFormat.AccountChain));
        Assert.Equal(Enumerable.Range(1, own.Count).Select(i => (long)i), own.Select(r => r.ChainSequence));

        // The tree only grows: the old checkpoint is a prefix of the new one.
        Assert.Equal(a.WithDatabase(db => db.AuditRecords.LongCount()), await CheckpointAsync(b));
        var latest = a.WithDatabase(db => db.AuditCheckpoints.OrderByDescending(c => c.TreeSize).First());
        var consistency = await (await client.Http.GetAsync(Protocol.Routes.AuditConsistencyProofOf(3, latest.TreeSize)))
            .Content.ReadFromJsonAsync(Protocol.ProtocolJsonContext.Default.ConsistencyProofView);
        Assert.True(MerkleTree.VerifyConsistency(3, latest.TreeSize, legacy.CheckpointRoot, latest.RootHash, consistency!.Proof));
        Assert.Equal(2, (await AssertChainVerifiesAsync(b)).GetProperty("checkpoints").GetInt64());
        Assert.Equal(0, await AuditTests.RunCommandAsync(a, "verify-audit"));
    }

    /// <summary>Migrates to AuditLogTree (the schema before per-account chains) and writes its log as that release did.</summary>
    private async Task<(byte[] HeadHash, byte[] CheckpointRoot)> WriteLegacyLogAsync(Dictionary<string, string?> database)
    {
        var connectionString = database["Symbolon:Database:ConnectionString"];
        await using SymbolonDbContext db = database.GetValueOrDefault("Symbolon:Database:Provider") == "PostgreSql"
            ? new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(connectionString).Options)
            : new SymbolonDbContext(new DbContextOptionsBuilder<SymbolonDbContext>().UseSqlite(connectionString).Options);
        await db.Database.GetInfrastructure().GetRequiredService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync("AuditLogTree");

        var time = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var user = Guid.NewGuid();
        var previous = AuditChain.Genesis;
        var records = new List<AuditRecord>();
        for (var sequence = 1L; sequence <= 5; sequence++)
        {
            var record = new AuditRecord
            {
                Format = AuditRecordFormat.GlobalChain, Sequence = sequence, Time = time.AddMinutes(sequence),
                Event = sequence == 3 ? AuditEvents.LoginFailed : AuditEvents.UnitReleased, UserId = sequence == 3 ? null : user,
                UnitId = sequence == 3 ? null : Guid.NewGuid(), UnitVersion = sequence == 3 ? null : 1, Detail = sequence == 3 ? "198.51.100.4" : "",
                PreviousHash = previous,
            };
            record.Hash = previous = AuditChain.ComputeHash(previous, record);
            records.Add(record);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "AuditRecords" ("Sequence", "Time", "Event", "UserId", "DeviceId", "UnitId", "UnitVersion", "Detail", "PreviousHash", "Hash")
                VALUES ({record.Sequence}, {record.Time.UtcTicks}, {record.Event}, {record.UserId}, {record.DeviceId}, {record.UnitId}, {record.UnitVersion}, {record.Detail}, {record.PreviousHash}, {record.Hash})
                """);
        }

        await db.Database.ExecuteSqlAsync($"""UPDATE "AuditHeads" SET "Sequence" = 5, "Hash" = {previous} WHERE "Id" = 1""");

        var frontier = new List<(PerfectSubtree Subtree, byte[] Hash)>();
        foreach (var (record, index) in records.Take(3).Select((record, index) => (record, (long)index)))
        {
            var leafHash = AuditLogLeaf.Hash(record.Sequence, record.Hash);
            db.AuditLeaves.Add(new AuditLeaf { LeafIndex = index, Sequence = record.Sequence, Hash = leafHash });
            db.AuditNodes.AddRange(AuditTree.Append(frontier, index, leafHash).Select(node => new AuditNode { FlatIndex = node.Subtree.FlatIndex, Hash = node.Hash }));
        }

        var checkpoint = new AuditCheckpoint(3, AuditTree.Root(frontier), time.AddHours(1));
        using (var signer = new AuditSigner(new Hosting.DataDirectory(new Hosting.ServerOptions { DataDirectory = _dataDirectory })))
        {
            db.AuditCheckpoints.Add(new AuditCheckpointRow { TreeSize = 3, RootHash = checkpoint.RootHash, Time = checkpoint.Time, Signature = signer.Sign(checkpoint) });
        }

        await db.SaveChangesAsync();
        return (previous, checkpoint.RootHash);
    }

    [Fact]
    public async Task Committed_state_survives_a_restart_of_every_node()
    {
        var (a, b) = await StartNodesAsync();
        var client = Own(await a.NewClient().SignUpAsync());
        var unit = await client.CreateUnitAsync();
        var records = a.WithDatabase(db => db.AuditRecords.LongCount());
        a.Dispose();
        b.Dispose();

        var (c, _) = await StartNodesAsync(sameDatabase: true);
        var again = On(c, client);
        var released = await (await again.ReleaseAsync(unit.Id)).AssertOkJsonAsync();

        Assert.Equal(unit.Share, released.GetProperty("share").GetBytesFromBase64());
        Assert.Equal(records + 1, c.WithDatabase(db => db.AuditRecords.LongCount()));
    }

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does not make a test wrong.
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Two started nodes on one new database (or, with <paramref name="sameDatabase"/>, on this test's database again).</summary>
    protected async Task<(SymbolonApp A, SymbolonApp B)> StartNodesAsync(Dictionary<string, string?>? settings = null, bool sameDatabase = false)
    {
        if (!sameDatabase || _database is null)
        {
            _database = await NewDatabaseAsync();
        }

        var first = new Dictionary<string, string?>(_database);
        foreach (var (key, value) in settings ?? [])
        {
            first[key] = value;
        }

        var a = Own(new SymbolonApp(first, _dataDirectory));
        _ = a.Server;
        var b = Own(new SymbolonApp(SecondNode(first), _dataDirectory));
        _ = b.Server;
        return (a, b);
    }

    protected T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A client whose requests alternate between the nodes, one request each, as a load balancer would spread them.</summary>
    private static TestClient Balanced(SymbolonApp a, SymbolonApp b) =>
        new(a, new HttpClient(new RoundRobin(a.Server.CreateHandler(), b.Server.CreateHandler())) { BaseAddress = a.ClientOptions.BaseAddress });

    /// <summary>The same device and session, talking to <paramref name="node"/> only.</summary>
    private TestClient On(SymbolonApp node, TestClient client) =>
        Own(new TestClient(node, node.CreateClient()) { Device = client.Device, AccessToken = client.AccessToken, RefreshToken = client.RefreshToken });

    private static async Task<JsonElement> AssertChainVerifiesAsync(SymbolonApp node)
    {
        using var http = node.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit/verify");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(node.DataDirectory, "operator.token")).Trim());
        var result = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("valid").GetBoolean(), result.ToString());
        return result;
    }

    private sealed class RoundRobin(params HttpMessageHandler[] nodes) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker[] _nodes = [.. nodes.Select(node => new HttpMessageInvoker(node))];
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _nodes[(int)((uint)Interlocked.Increment(ref _next) % _nodes.Length)].SendAsync(request, cancellationToken);
    }
}

public sealed class SqliteStorageContract : StorageContract
{
    protected override Task<Dictionary<string, string?>> NewDatabaseAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), "symbolon-contract-" + Guid.NewGuid().ToString("N") + ".db");
        return Task.FromResult(new Dictionary<string, string?> { ["Symbolon:Database:ConnectionString"] = $"Data Source={file};Pooling=True;Default Timeout=30" });
    }

    protected override Dictionary<string, string?> SecondNode(Dictionary<string, string?> database) =>
        new(database) { ["Symbolon:Database:ConnectionString"] = database["Symbolon:Database:ConnectionString"] + ";Cache=Private" };
}

public sealed class PostgresStorageContract(PostgresFixture postgres) : StorageContract, IClassFixture<PostgresFixture>
{
    private string? _connectionString;

    [Fact]
    public async Task A_release_waits_for_its_own_accounts_lock_and_never_for_a_deployment_wide_one()
    {
        var (a, b) = await StartNodesAsync();
        var held = Own(await a.NewClient().SignUpAsync());
        var free = Own(await b.NewClient().SignUpAsync());
        var heldUnit = await held.CreateUnitAsync();
        var freeUnit = await free.CreateUnitAsync();

        // Another session holds the deployment-wide lock and the first account's lock, as a long write would.
        await using var holder = await HoldLocksAsync(WriteTransactions.PostgresLockKey, WriteTransactions.AccountLockKey(held.UserId));

        var waiting = held.ReleaseAsync(heldUnit.Id);
        var other = await free.ReleaseAsync(freeUnit.Id).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.False(waiting.IsCompleted, "a release must wait while another transaction holds its account's lock");
        await holder.ReleaseAsync();
        var released = await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
    }

    [Fact]
    public async Task A_release_waits_while_maintenance_re_seals_shares()
    {
        var (a, _) = await StartNodesAsync();
        var client = Own(await a.NewClient().SignUpAsync());
        var unit = await client.CreateUnitAsync();

        // What rewrap-kek holds while it re-seals every share: no write under an account's lock may interleave.
        await using var holder = await HoldLocksAsync(WriteTransactions.MaintenanceLockKey);

        var waiting = client.ReleaseAsync(unit.Id);
        var read = await client.SendAsync(HttpMethod.Get, "/v1/units").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(waiting.IsCompleted, "a release must wait while maintenance holds its lock");
        await holder.ReleaseAsync();
        Assert.Equal(HttpStatusCode.OK, (await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).StatusCode);
    }

    /// <summary>Another session's open transaction holding these advisory locks until <see cref="HeldLocks.ReleaseAsync"/>.</summary>
    private async Task<HeldLocks> HoldLocksAsync(params long[] keys)
    {
        var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
        foreach (var key in keys)
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        return new HeldLocks(connection, transaction);
    }

    protected override async Task<Dictionary<string, string?>> NewDatabaseAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync();
        return new()
        {
            ["Symbolon:Database:Provider"] = "PostgreSql",
            ["Symbolon:Database:ConnectionString"] = _connectionString,
            ["Symbolon:Database:MigrateAtStart"] = "true",
        };
    }
}

/// <summary>A PostgreSQL transaction of the test's own that holds advisory locks; committing releases them.</summary>
internal sealed class HeldLocks(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction) : IAsyncDisposable
{
    public Task ReleaseAsync() => transaction.CommitAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
