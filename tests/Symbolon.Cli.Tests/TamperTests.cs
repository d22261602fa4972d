using System.Text.Json.Nodes;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>An altered or damaged item file is refused with the tamper error, never opened or half-read.</summary>
public sealed class TamperTests(SharedKeyServer shared)
{
    /// <summary>Sealed item v1 (docs/spec.md §3): a 54-byte header, the ciphertext, a 16-byte tag.</summary>
    private const int HeaderSize = 54;

    private KeyServer Server => shared.Server;

    [Fact]
    public async Task An_item_with_one_ciphertext_byte_flipped_is_refused_as_tampered()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("other", "bot@other.example", "other-password-1");
        var itemFile = await device.ItemFileAsync("acme");

        var item = JsonNode.Parse(File.ReadAllText(itemFile))!.AsObject();
        var sealedItem = Convert.FromBase64String(item["sealedItem"]!.GetValue<string>());
        Assert.True(sealedItem.Length > HeaderSize + 16 + 8);
        sealedItem[HeaderSize + 5] ^= 0x01;
        item["sealedItem"] = Convert.ToBase64String(sealedItem);
        File.WriteAllText(itemFile, item.ToJsonString());

        var result = (await device.RunAsync("show", "acme", "--reveal")).AssertFailure(ExitCodes.Tampered, "could not be opened", hint: "Restore the item");
        Assert.DoesNotContain("acme-password-1", result.Stdout, StringComparison.Ordinal);
        (await device.RunAsync("exec", "--env", "P=acme.password", "--", "true")).AssertFailure(ExitCodes.Tampered, "could not be opened", hint: "Restore the item");

        // One altered file does not take the others with it.
        Assert.Equal("other-password-1", (await device.RevealAsync("other"))["password"]);
    }

    [Fact]
    public async Task An_item_file_with_broken_JSON_is_refused_as_damaged_and_the_other_items_still_open()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("other", "bot@other.example", "other-password-1");
        var itemFile = await device.ItemFileAsync("acme");
        var text = File.ReadAllText(itemFile);
        File.WriteAllText(itemFile, text[..(text.Length / 2)]);

        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.Tampered, "damaged or was altered", hint: "Restore the item");
        var listed = (await device.RunAsync("list")).AssertFailure(ExitCodes.Tampered, "damaged or was altered", hint: "Restore the item");
        Assert.Contains("other", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(itemFile), listed.ErrorLine, StringComparison.Ordinal);

        // The damaged file is never opened, and does not keep the intact items from opening.
        Assert.Equal("other-password-1", (await device.RevealAsync("other"))["password"]);
        (await device.RunAsync("exec", "--env", "P=other.password", "--", "true")).AssertSuccess();
        (await device.RunAsync("rm", "other")).AssertSuccess();
        (await device.RunAsync("rm", "--now", "other")).AssertSuccess();
    }

    [Fact]
    public async Task An_item_file_naming_another_server_is_refused_as_tampered_before_any_request()
    {
        var asked = 0;
        using var elsewhere = new HostileServer(_ =>
        {
            Interlocked.Increment(ref asked);
            return (200, HostileServer.Session(), null);
        });
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        var itemFile = await device.ItemFileAsync("acme");
        var item = JsonNode.Parse(File.ReadAllText(itemFile))!.AsObject();
        item["server"] = elsewhere.Url;
        File.WriteAllText(itemFile, item.ToJsonString());

        (await device.RunAsync("show", "acme", "--reveal")).AssertFailure(ExitCodes.Tampered, "damaged or was altered", hint: "Restore the item");
        (await device.RunAsync("list")).AssertFailure(ExitCodes.Tampered, "damaged or was altered");
        Assert.Equal(0, asked);
    }

    [Fact]
    public async Task Item_files_from_before_item_MACs_get_theirs_once_and_a_MAC_removed_later_is_tampering()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        var itemFile = await device.ItemFileAsync("acme");
        var vaultFile = Path.Combine(device.Home, "vault.json");

        // As a client from before item MACs left them: no mac in the item, no itemMacTag in vault.json.
        var item = JsonNode.Parse(File.ReadAllText(itemFile))!.AsObject();
        var mac = item["mac"]!.GetValue<string>();
        item.Remove("mac");
        File.WriteAllText(itemFile, item.ToJsonString());
        var vault = JsonNode.Parse(File.ReadAllText(vaultFile))!.AsObject();
        vault.Remove("itemMacTag");
        File.WriteAllText(vaultFile, vault.ToJsonString());

        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
        Assert.Equal(mac, JsonNode.Parse(File.ReadAllText(itemFile))!["mac"]!.GetValue<string>());
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(vaultFile))!["itemMacTag"]);

        item = JsonNode.Parse(File.ReadAllText(itemFile))!.AsObject();
        item.Remove("mac");
        File.WriteAllText(itemFile, item.ToJsonString());
        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.Tampered, "damaged or was altered");
    }
}
