using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>`rotate --all` re-seals every item under a new server share and the server destroys the old shares.</summary>
public sealed class RotateTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task Rotate_all_reseals_every_item_and_retires_the_old_versions()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        var passwords = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["acme"] = "acme-password-1",
            ["beta"] = "beta-password-2",
            ["gamma"] = "gamma-password-3",
        };
        foreach (var (name, password) in passwords)
        {
            await device.AddAsync(name, $"bot@{name}.example", password);
        }

        Assert.All(await device.ListAsync(), i => Assert.Equal(1, i.GetProperty("keyVersion").GetInt32()));

        var result = (await device.RunAsync("rotate", "--all")).AssertSuccess();

        Assert.Contains("Rotated 3 items.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("1/3", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("2/3", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("3/3", result.Stderr, StringComparison.Ordinal);
        var items = await device.ListAsync();
        Assert.Equal(passwords.Keys.Order(StringComparer.Ordinal), items.Select(i => i.GetProperty("name").GetString()));
        foreach (var item in items)
        {
            var name = item.GetProperty("name").GetString()!;
            var unitId = item.GetProperty("unitId").GetGuid();
            Assert.Equal(2, item.GetProperty("keyVersion").GetInt32());
            Assert.Equal(passwords[name], (await device.RevealAsync(name))["password"]);

            Assert.Equal(2, Server.CurrentVersion(unitId));
            var versions = Server.Versions(unitId);
            Assert.Equal([1, 2], versions.Select(v => v.Version));
            Assert.Equal(StoredVersion.RetiredState, versions[0].State);
            Assert.Equal(0, versions[0].SealedShareLength);
            Assert.True(versions[0].Retired);
            Assert.Equal(StoredVersion.Active, versions[1].State);
            Assert.True(versions[1].SealedShareLength > 0);
        }
    }

    [Fact]
    public async Task Rotate_needs_exactly_one_of_a_name_all_or_the_server_key()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);

        (await device.RunAsync("rotate")).AssertFailure(ExitCodes.Usage, "give one of: an item name, --all, --server-key", hint: "symbolon rotate --all");
        (await device.RunAsync("rotate", "acme", "--all")).AssertFailure(ExitCodes.Usage, "give one of: an item name, --all, --server-key", hint: "symbolon rotate --all");
        (await device.RunAsync("rotate", "--all", "--server-key")).AssertFailure(ExitCodes.Usage, "give one of: an item name, --all, --server-key", hint: "symbolon rotate --server-key");
    }
}
