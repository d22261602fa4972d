using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Blinded mode end to end: the real CLI against a real key server process; the server never holds a share.</summary>
public sealed class BlindedTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task A_blinded_item_is_added_used_rotated_under_a_new_key_epoch_and_removed_for_good()
    {
        using var device = new ClientDevice();
        using var backup = new TempDirectory("backup");
        await device.SignUpAsync(Server);
        var added = (await device.RunWithInputAsync("blinded-password-1\n", "add", "acme", "--username", "bot@acme.example", "--password-stdin", "--mode", "blinded")).AssertSuccess();
        Assert.Contains("Stored 'acme'.", added.Stdout, StringComparison.Ordinal);
        var item = Assert.Single(await device.ListAsync());
        Assert.Equal("blinded", item.GetProperty("mode").GetString());
        Assert.Equal(1, item.GetProperty("keyVersion").GetInt32());
        var firstUnit = item.GetProperty("unitId").GetGuid();
        Assert.Empty(Server.Versions(firstUnit));

        Assert.Equal("blinded-password-1", (await device.RevealAsync("acme"))["password"]);
        (await device.RunAsync("exec", "--env", "P=acme.password", "--", "sh", "-c", "test \"$P\" = blinded-password-1")).AssertSuccess();

        // A new unit: new POPRF input, new share; the old unit is shredded.
        (await device.RunAsync("rotate", "acme")).AssertSuccess();
        var rotatedUnit = await device.UnitIdAsync("acme");
        Assert.NotEqual(firstUnit, rotatedUnit);
        Assert.NotNull(Server.ShreddedAt(firstUnit));
        Assert.Equal("blinded-password-1", (await device.RevealAsync("acme"))["password"]);

        // A new server key epoch: the item is re-derived and re-sealed under it, with progress.
        var epoch = (await device.RunAsync("rotate", "--server-key")).AssertSuccess();
        Assert.Contains("re-sealed 1 blinded items", epoch.Stdout, StringComparison.Ordinal);
        Assert.Contains("1/1", epoch.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(await device.ListAsync()).GetProperty("keyVersion").GetInt32());
        Assert.Equal("blinded-password-1", (await device.RevealAsync("acme"))["password"]);

        var file = await device.ItemFileAsync("acme");
        var copy = backup.Combine(Path.GetFileName(file));
        File.Copy(file, copy);
        (await device.RunAsync("rm", "acme")).AssertSuccess();
        Assert.NotNull(Server.ShreddedAt(rotatedUnit));
        File.Copy(copy, file);
        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotFound, "no such unit");

        var events = (await device.RunAsync("audit", "--json")).AssertSuccess().Json().EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("unit.evaluated", events);
        Assert.Contains("oprf-key.retired", events);
        Assert.DoesNotContain("unit.released", events);
    }
}
