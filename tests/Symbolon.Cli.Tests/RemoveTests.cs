using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>`rm --now` crypto-shreds the unit on the server at once: a copy of the item file kept anywhere can never open again.</summary>
public sealed class RemoveTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task A_removed_item_is_shredded_on_the_server_and_a_restored_copy_no_longer_opens()
    {
        using var device = new ClientDevice();
        using var backup = new TempDirectory("backup");
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("keep", "bot@keep.example", "keep-password-1");
        var unitId = await device.UnitIdAsync("acme");
        var itemFile = await device.ItemFileAsync("acme");
        var copy = backup.Combine(Path.GetFileName(itemFile));
        File.Copy(itemFile, copy);
        Assert.Null(Server.ShreddedAt(unitId));

        Assert.Contains("Removed 'acme'", (await device.RunAsync("rm", "--now", "acme")).AssertSuccess().Stdout, StringComparison.Ordinal);

        Assert.False(File.Exists(itemFile));
        Assert.Equal(["keep"], (await device.ListAsync()).Select(i => i.GetProperty("name").GetString()));
        Assert.NotNull(Server.ShreddedAt(unitId));
        var versions = Server.Versions(unitId);
        Assert.NotEmpty(versions);
        Assert.All(versions, v =>
        {
            Assert.Equal(0, v.SealedShareLength);
            Assert.Equal(StoredVersion.RetiredState, v.State);
        });

        // The server no longer releases the share: the restored file is ciphertext that nothing can open.
        File.Copy(copy, itemFile);
        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotFound, "no such unit");
        (await device.RunAsync("exec", "--env", "P=acme.password", "--", "true")).AssertFailure(ExitCodes.NotFound, "no such unit");

        // Removing the stale copy again finishes the job locally; the other item is untouched throughout.
        (await device.RunAsync("rm", "acme")).AssertSuccess();
        Assert.False(File.Exists(itemFile));
        Assert.Equal("keep-password-1", (await device.RevealAsync("keep"))["password"]);
    }

    [Fact]
    public async Task Removing_or_showing_an_unknown_item_is_not_found()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);

        (await device.RunAsync("rm", "nothing")).AssertFailure(ExitCodes.NotFound, "No item named 'nothing'", hint: "symbolon list");
        (await device.RunAsync("show", "nothing")).AssertFailure(ExitCodes.NotFound, "No item named 'nothing'", hint: "symbolon list");
    }
}
