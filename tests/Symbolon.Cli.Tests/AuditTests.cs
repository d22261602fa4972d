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
