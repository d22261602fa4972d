using Symbolon.Cli.Tests.Infrastructure;
using Symbolon.Testing;

namespace Symbolon.Cli.Tests;

/// <summary>
/// Two key server processes on one PostgreSQL database behind a load balancer, driven by the real CLI: what a
/// deployment that outgrew one node looks like (docs/operations.md, "Several nodes").
/// </summary>
public sealed class MultiNodeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int Quota = 5;

    [Fact]
    public async Task Two_nodes_behind_a_balancer_serve_one_client_enforce_one_quota_and_keep_one_audit_chain()
    {
        using var keys = new TempDirectory("nodes");
        var database = await DatabaseSettingsAsync();
        var migrate = await KeyServer.RunCommandAsync(keys.Path, ["migrate", .. database]);
        Assert.True(migrate.ExitCode == 0, migrate.Output);
        string[] settings = [.. database, $"--Symbolon:Limits:DistinctUnitsPerHour={Quota}", "--Symbolon:LoginThrottle:SignUpsPerAddressPerHour=1000"];
        await using var a = await KeyServer.StartNodeAsync(keys.Path, settings);
        await using var b = await KeyServer.StartNodeAsync(keys.Path, settings);
        await using var balancer = new TcpBalancer(() => a.Port, () => b.Port);

        using var device = new ClientDevice();
        await device.SignUpAsync(balancer.Url);
        var passwords = new Dictionary<string, string>(StringComparer.Ordinal) { ["acme"] = "acme-1", ["beta"] = "beta-2", ["gamma"] = "gamma-3" };
        foreach (var (name, password) in passwords)
        {
            await device.AddAsync(name, $"bot@{name}.example", password);
        }

        foreach (var (name, password) in passwords)
        {
            Assert.Equal(password, (await device.RevealAsync(name))["password"]);
        }

        Assert.Contains("Rotated 3 items.", (await device.RunAsync("rotate", "--all")).AssertSuccess().Stdout, StringComparison.Ordinal);
        foreach (var (name, password) in passwords)
        {
            Assert.Equal(password, (await device.RevealAsync(name))["password"]);
        }

        (await device.RunAsync("rm", "beta")).AssertSuccess();
        Assert.Equal(ExitCodes.NotFound, (await device.RunAsync("show", "beta")).ExitCode);
        Assert.True(balancer.ConnectionsTo(0) > 2 && balancer.ConnectionsTo(1) > 2,
            $"the balancer spread {balancer.ConnectionsTo(0)} and {balancer.ConnectionsTo(1)} connections");

        // One user's distinct-unit quota, spent from both nodes at once, is never exceeded.
        using var greedy = new ClientDevice();
        await greedy.SignUpAsync(balancer.Url);
        var names = Enumerable.Range(1, Quota + 3).Select(i => $"item{i}").ToList();
        foreach (var name in names)
        {
            await greedy.AddAsync(name, "bot@example.com", "secret-" + name);
        }

        var shows = await Task.WhenAll(names.Select(name => greedy.RunAsync("show", name, "--reveal", "--json")));

        Assert.Equal(Quota, shows.Count(show => show.ExitCode == 0));
        Assert.All(shows.Where(show => show.ExitCode != 0), show => show.AssertFailure(ExitCodes.Denied, "distinct"));

        var verify = await KeyServer.RunCommandAsync(keys.Path, ["verify-audit", .. database]);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("audit chains intact", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_refuses_to_start_without_the_shared_keys_or_an_up_to_date_schema()
    {
        using var empty = new TempDirectory("node");
        var database = await DatabaseSettingsAsync();
        string[] serve = [$"--urls=http://127.0.0.1:{PostgresCluster.FreePort()}", .. database];

        var withoutKeys = await KeyServer.RunCommandAsync(empty.Path, serve);
        using var migrated = new TempDirectory("node");
        Assert.Equal(0, (await KeyServer.RunCommandAsync(migrated.Path, ["migrate", .. await DatabaseSettingsAsync()])).ExitCode);
        var withoutSchema = await KeyServer.RunCommandAsync(migrated.Path, serve);

        Assert.Equal(1, withoutKeys.ExitCode);
        Assert.Contains("symbolon-server: error: kek.key, audit-signing.key, operator.token missing", withoutKeys.Output, StringComparison.Ordinal);
        Assert.Contains("symbolon-server: hint: run `migrate` once", withoutKeys.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(empty.Path));
        Assert.Equal(1, withoutSchema.ExitCode);
        Assert.Contains("symbolon-server: error: the database schema is not up to date.", withoutSchema.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_refuses_to_start_on_PostgreSQL_without_a_usable_connection_string()
    {
        using var data = new TempDirectory("node");

        var missing = await KeyServer.RunCommandAsync(data.Path, ["migrate", "--Symbolon:Database:Provider=PostgreSql"]);
        var unreachable = await KeyServer.RunCommandAsync(data.Path,
            ["migrate", "--Symbolon:Database:Provider=PostgreSql", $"--Symbolon:Database:ConnectionString=Host=127.0.0.1;Port={PostgresCluster.FreePort()};Database=none;Username=none;Timeout=3"]);

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("symbolon-server: error: Symbolon:Database:ConnectionString must be a PostgreSQL connection string", missing.Output, StringComparison.Ordinal);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("symbolon-server: error: the PostgreSQL database is unreachable", unreachable.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", missing.Output + unreachable.Output, StringComparison.Ordinal);
    }

    private async Task<string[]> DatabaseSettingsAsync() =>
        ["--Symbolon:Database:Provider=PostgreSql", $"--Symbolon:Database:ConnectionString={await postgres.CreateDatabaseAsync()}"];
}
