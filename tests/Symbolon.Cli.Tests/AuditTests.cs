using System.Text.Json;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// Every release leaves a signed receipt on the client; `audit --check` proves the server's log still holds each one,
/// so a server that drops a release record is caught.
/// </summary>
public sealed class AuditTests
{
    [Fact]
    public async Task Audit_lists_the_releases_and_the_check_fails_when_the_server_drops_one()
    {
        // Its own server: this test deletes from the audit log.
        await using var server = await KeyServer.StartAsync();
        using var device = new ClientDevice();
        await device.SignUpAsync(server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("beta", "bot@beta.example", "beta-password-1");
        (await device.RunAsync("show", "acme")).AssertSuccess();
        (await device.RunAsync("show", "acme", "--reveal")).AssertSuccess();
        (await device.RunAsync("exec", "--env", "P=beta.password", "--", "true")).AssertSuccess();
        var acme = await device.UnitIdAsync("acme");
        var beta = await device.UnitIdAsync("beta");

        var releases = (await device.RunAsync("audit", "--json")).AssertSuccess().Json().EnumerateArray()
            .Where(r => r.GetProperty("event").GetString() == "unit.released")
            .ToList();
        Assert.Equal([acme, acme, beta], releases.Select(r => r.GetProperty("unitId").GetGuid()));
        var text = (await device.RunAsync("audit")).AssertSuccess().Stdout;
        Assert.Equal(3, text.Split('\n').Count(l => l.Contains("\tunit.released\t", StringComparison.Ordinal)));

        var receipts = File.ReadAllLines(Path.Combine(device.Home, "receipts.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64())
            .ToList();
        Assert.Equal(releases.Select(r => r.GetProperty("sequence").GetInt64()), receipts);
        var passed = (await device.RunAsync("audit", "--check")).AssertSuccess();
        Assert.Contains("passed", passed.Stdout, StringComparison.Ordinal);
        Assert.Contains("all 3 releases", passed.Stdout, StringComparison.Ordinal);

        // The server keeps running; one release record disappears from its database.
        var dropped = receipts[1];
        Assert.Equal(1, server.DeleteAuditRecord(dropped));
        Assert.False(server.HasAuditRecord(dropped));

        (await device.RunAsync("audit", "--check")).AssertFailure(ExitCodes.AuditCheckFailed, $"records {dropped}", hint: "operator");
        var jsonRun = await device.RunAsync("audit", "--check", "--json");
        Assert.Equal(ExitCodes.AuditCheckFailed, jsonRun.ExitCode);
        var json = jsonRun.Json();
        Assert.Equal([dropped], json.GetProperty("missing").EnumerateArray().Select(m => m.GetInt64()));
        Assert.Equal(3, json.GetProperty("checked").GetInt32());
    }
}

/// <summary>
/// The audit log's checkpoints (docs/spec.md §7.1): a device that verified a checkpoint catches a database writer who
/// truncates the log and rewinds everything that names the lost records, and a log regrown over the rewritten past.
/// </summary>
public sealed class AuditLogRewindTests
{
    [Fact]
    public async Task A_truncated_and_rewound_log_fails_the_check_naming_the_rewind_then_the_rewrite()
    {
        // Checkpoints only when asked, so the test decides what each check sees.
        await using var server = await KeyServer.StartAsync("--Symbolon:Audit:CheckpointInterval=01:00:00");
        using var device = new ClientDevice();
        await device.SignUpAsync(server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        (await device.RunAsync("show", "acme", "--reveal")).AssertSuccess();
        var kept = await server.CheckpointAuditAsync();
        await device.AddAsync("beta", "bot@beta.example", "beta-password-1");
        var pinned = await server.CheckpointAuditAsync();

        var passed = (await device.RunAsync("audit", "--check", "--json")).AssertSuccess().Json();
        Assert.Equal(1, passed.GetProperty("included").GetInt32());
        Assert.Equal(pinned, passed.GetProperty("treeSize").GetInt64());
        Assert.True(passed.GetProperty("passed").GetBoolean());

        // The writer drops the newest records (none a receipt names, so the receipts alone cannot tell) and rewinds
        // the head, the tree and the checkpoints to match.
        server.RewindAuditLog(kept);
        Assert.Equal(kept, server.AuditRecordCount());
        (await device.RunAsync("audit", "--check")).AssertFailure(
            ExitCodes.AuditCheckFailed, $"rewound its audit log: this device verified a checkpoint of {pinned} records", hint: "operator");

        // The server goes on and the log regrows past the pinned size: the new history does not extend the old one.
        (await device.RunAsync("show", "acme", "--reveal")).AssertSuccess();
        (await device.RunAsync("show", "acme", "--reveal")).AssertSuccess();
        Assert.True(await server.CheckpointAuditAsync() > pinned);
        (await device.RunAsync("audit", "--check")).AssertFailure(
            ExitCodes.AuditCheckFailed, $"does not extend the checkpoint of {pinned} records this device verified", hint: "operator");
    }

    [Fact]
    public async Task A_changed_audit_key_fails_the_check_and_a_receipt_not_yet_checkpointed_is_pending()
    {
        await using var server = await KeyServer.StartAsync("--Symbolon:Audit:CheckpointInterval=01:00:00");
        using var device = new ClientDevice();
        await device.SignUpAsync(server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        (await device.RunAsync("show", "acme", "--reveal")).AssertSuccess();
        await server.CheckpointAuditAsync();
        (await device.RunAsync("show", "acme", "--reveal")).AssertSuccess();

        var result = (await device.RunAsync("audit", "--check", "--json")).AssertSuccess().Json();
        Assert.Equal(1, result.GetProperty("included").GetInt32());
        Assert.Single(result.GetProperty("pending").EnumerateArray());

        // A server restarted with another audit key (its old one lost or replaced) is not trusted silently.
        await server.StopAsync();
        File.Delete(Path.Combine(server.DataDirectory, "audit-signing.key"));
        await server.StartAsync();
        (await device.RunAsync("audit", "--check")).AssertFailure(ExitCodes.AuditCheckFailed, "different audit key", hint: "operator");
    }
}
