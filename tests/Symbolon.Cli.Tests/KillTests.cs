using Symbolon.Cli.Tests.Infrastructure;
using Symbolon.Client;
using Symbolon.Testing;

namespace Symbolon.Cli.Tests;

/// <summary>
/// The key server is killed with SIGKILL (no handler, no flush, no finally) while devices release through the SDK, and
/// started again on the same data and port. A release is answered only after its audit record is durably committed,
/// so afterwards every answer a device received has its record — the same sequence and chain hash as its signed
/// receipt —, the client's receipts check passes, and the operator's <c>verify-audit</c> finds the chain intact.
/// Kills come after a number of answers, not after a delay, so each lands while the other devices' requests are in
/// flight whatever the machine's speed.
/// </summary>
public sealed class KillTests
{
    private const int Kills = 3;
    private const int AnswersPerRound = 40;

    [Fact]
    public async Task Every_answered_release_keeps_its_audit_record_when_the_server_is_killed_under_load()
    {
        using var homes = new TempDirectory("kill");
        await using var server = await KeyServer.StartAsync(KillRun.Unthrottled);
        await using var load = await ReleaseLoad.SetUpAsync(server.Url, homes, accounts: 2, devicesPerAccount: 3, itemsPerDevice: 3);

        load.Start();
        for (var round = 1; round <= Kills; round++)
        {
            // The only server is down until it restarts: wait until every device has found it gone.
            await KillRun.KillAfterAsync(load, server, AnswersPerRound, failuresToSee: load.Devices.Count);
            await server.StartAsync();
        }

        await load.WhenAnsweredAsync(load.Answered + AnswersPerRound).WaitAsync(KillRun.HangGuard, TestContext.Current.CancellationToken);
        await load.StopAsync();

        await KillRun.AssertEveryAnswerAuditedAsync(load, minimumFailures: Kills * load.Devices.Count, server.CheckpointAuditAsync);
        await server.StopAsync();
        var verify = await KeyServer.RunCommandAsync(server.DataDirectory, "verify-audit");
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("audit chains intact", verify.Output, StringComparison.Ordinal);
    }
}

/// <summary>The same with two server nodes on one PostgreSQL database behind a balancer: each node is killed in turn.</summary>
public sealed class MultiNodeKillTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int AnswersPerRound = 40;

    [Fact]
    public async Task Every_answered_release_keeps_its_audit_record_when_nodes_are_killed_under_load()
    {
        using var keys = new TempDirectory("kill-nodes");
        using var homes = new TempDirectory("kill");
        string[] database = ["--Symbolon:Database:Provider=PostgreSql", $"--Symbolon:Database:ConnectionString={await postgres.CreateDatabaseAsync()}"];
        var migrate = await KeyServer.RunCommandAsync(keys.Path, ["migrate", .. database]);
        Assert.True(migrate.ExitCode == 0, migrate.Output);
        await using var a = await KeyServer.StartNodeAsync(keys.Path, [.. database, .. KillRun.Unthrottled]);
        await using var b = await KeyServer.StartNodeAsync(keys.Path, [.. database, .. KillRun.Unthrottled]);
        await using var balancer = new TcpBalancer(() => a.Port, () => b.Port);
        await using var load = await ReleaseLoad.SetUpAsync(balancer.Url, homes, accounts: 2, devicesPerAccount: 3, itemsPerDevice: 3);

        load.Start();
        KeyServer[] kills = [a, b, a];
        foreach (var node in kills)
        {
            // The other node keeps serving: a device whose connection went to it may never notice the kill, so the
            // node comes back after one failed attempt or once the load has gone on through the other node.
            await KillRun.KillAfterAsync(load, node, AnswersPerRound, failuresToSee: 1);
            await node.StartAsync();
        }

        await load.WhenAnsweredAsync(load.Answered + AnswersPerRound).WaitAsync(KillRun.HangGuard, TestContext.Current.CancellationToken);
        await load.StopAsync();

        await KillRun.AssertEveryAnswerAuditedAsync(load, minimumFailures: 1, a.CheckpointAuditAsync);
        var verify = await KeyServer.RunCommandAsync(keys.Path, ["verify-audit", .. database]);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("audit chains intact", verify.Output, StringComparison.Ordinal);
    }
}

/// <summary>What the kill tests share: the settings, one kill, and the checks afterwards.</summary>
internal static class KillRun
{
    /// <summary>Only against a hang (a server that never comes back); no assertion depends on time.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    /// <summary>The release limits and quota raised: the devices release as fast as they can, from one address.</summary>
    public static readonly string[] Unthrottled =
    [
        "--Symbolon:Limits:DeviceBurst=1000000",
        "--Symbolon:Limits:DeviceRefillPerMinute=1000000",
        "--Symbolon:Limits:UserBurst=1000000",
        "--Symbolon:Limits:UserRefillPerMinute=1000000",
        "--Symbolon:Limits:DistinctUnitsPerHour=1000000",
        "--Symbolon:LoginThrottle:SignUpsPerAddressPerHour=1000",
    ];

    /// <summary>
    /// SIGKILLs <paramref name="server"/> from the device that receives the <paramref name="answers"/>-th answer from
    /// now, before it sends again, then waits for the process to be gone and for <paramref name="failuresToSee"/>
    /// attempts to have failed (or, where another node serves, as many answers again). The other devices keep sending.
    /// </summary>
    public static async Task KillAfterAsync(ReleaseLoad load, KeyServer server, long answers, int failuresToSee)
    {
        var failedBefore = load.Failed;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killAt = load.Answered + answers;
        load.OnAnswered(killAt, () =>
        {
            server.Kill();
            killed.TrySetResult();
        });
        await (await Task.WhenAny(killed.Task, load.Faulted)).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        await server.StopAsync();

        // The devices find the server gone (their requests in flight fail, the next are refused) before it comes back.
        await load.WhenFailedOrAnsweredAsync(failedBefore + failuresToSee, killAt + answers).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Every device kept exactly one receipt per answer it received, and each receipt's record (sequence and chain hash)
    /// is in the server's log: the SDK's own check (<c>CheckAuditAsync</c>, as `symbolon audit --check`), which must
    /// prove every receipt in a checkpoint taken after the load, and the account's audit listing, compared receipt by receipt.
    /// </summary>
    public static async Task AssertEveryAnswerAuditedAsync(ReleaseLoad load, long minimumFailures, Func<Task<long>> checkpointAsync)
    {
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"{load.Answered} releases answered, {load.Failed} attempts without an answer");
        Assert.True(load.Failed >= minimumFailures, $"only {load.Failed} attempts failed: the kills did not interrupt the load");

        var cancellationToken = TestContext.Current.CancellationToken;
        foreach (var device in load.Devices)
        {
            var receipts = device.Receipts();
            Assert.Equal(Interlocked.Read(ref device.AnsweredCount), receipts.Count);

            // Checkpoints taken after the load stopped hold every receipt's record, each proven by an inclusion proof. On
            // two nodes a checkpoint asked of one may find the other's in progress and add nothing, hence a few tries.
            var check = await CheckAfterCheckpointAsync(device, receipts.Count, checkpointAsync, cancellationToken);
            Assert.True(check.Passed, $"records missing from the server's log for {device.Username}: {string.Join(", ", check.Missing)}");
            Assert.Equal(receipts.Count, check.Checked);
            Assert.Equal(receipts.Count, check.Included);

            var records = (await device.Client.AuditAsync(cancellationToken)).ToDictionary(entry => entry.Sequence, entry => Convert.ToBase64String(entry.Hash));
            var missing = receipts.Where(r => !records.TryGetValue(r.Sequence, out var hash) || hash != r.ChainHash).Select(r => r.Sequence).ToList();
            Assert.True(missing.Count == 0, $"answered releases without their record: {string.Join(", ", missing)}");
        }
    }

    private static async Task<AuditCheckResult> CheckAfterCheckpointAsync(
        LoadDevice device, int receipts, Func<Task<long>> checkpointAsync, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await checkpointAsync();
            var check = await device.Client.CheckAuditAsync(cancellationToken);
            if (check.Included >= receipts || attempt == 20)
            {
                return check;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }
}
