using System.Text.Json;
using System.Text.Json.Nodes;
using Symbolon.Client.Items;
using Symbolon.Crypto;

namespace Symbolon.Client.Tests;

/// <summary>Issue 14, finding 5: the fields of an item file the client acts on are MAC'd (docs/spec.md §3.1).</summary>
public sealed class ItemMacTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public void The_item_file_MAC_matches_the_cross_language_vectors()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", "item-file-mac.json")));
        using var rootKey = ClientRootKey.Import(Convert.FromHexString(document.RootElement.GetProperty("rootKey").GetString()!));
        using var secrets = new LocalSecrets(rootKey, passphraseProtected: false);
        var vectors = document.RootElement.GetProperty("vectors").EnumerateArray().ToList();

        Assert.Equal(2, vectors.Count);
        foreach (var vector in vectors)
        {
            var item = vector.GetProperty("item").Deserialize<StoredItem>(Json)!;
            var fields = ItemStore.AuthenticatedFields(item);

            Assert.Equal(vector.GetProperty("fields").GetString(), Convert.ToHexStringLower(fields));
            Assert.Equal(vector.GetProperty("mac").GetString(), Convert.ToBase64String(secrets.ItemMac(fields)));
        }
    }

    [Fact]
    public void Every_field_the_client_acts_on_changes_the_MAC_and_createdAt_does_not()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", "item-file-mac.json")));
        var threshold = document.RootElement.GetProperty("vectors")[1].GetProperty("item").Deserialize<StoredItem>(Json)!;
        var split = document.RootElement.GetProperty("vectors")[0].GetProperty("item").Deserialize<StoredItem>(Json)!;
        var header = (byte[])split.SealedItem.Clone();
        header[20] ^= 1;
        var members = threshold.Threshold!.Members;
        var changed = new[]
        {
            split with { Format = 3 },
            split with { Name = "acme2" },
            split with { UnitId = Guid.NewGuid() },
            split with { Server = new Uri("https://evil.example/") },
            split with { SealedItem = header },
            threshold with { Threshold = threshold.Threshold with { Threshold = 3 } },
            threshold with { Threshold = threshold.Threshold with { Members = [members[1], members[0], members[2]] } },
            threshold with { Threshold = threshold.Threshold with { Members = [members[0] with { Server = new Uri("https://evil.example/") }, members[1], members[2]] } },
            threshold with { Threshold = threshold.Threshold with { Members = [members[0] with { UnitId = Guid.NewGuid() }, members[1], members[2]] } },
            threshold with { Threshold = threshold.Threshold with { Members = [members[0] with { Version = 9 }, members[1], members[2]] } },
        };

        Assert.All(changed, item => Assert.NotEqual(
            ItemStore.AuthenticatedFields(item.Threshold is null ? split : threshold), ItemStore.AuthenticatedFields(item)));
        Assert.Equal(ItemStore.AuthenticatedFields(split), ItemStore.AuthenticatedFields(split with { CreatedAt = DateTimeOffset.UnixEpoch }));
    }

    [Fact]
    public void A_damaged_item_file_in_a_vault_from_before_item_MACs_does_not_keep_the_vault_from_opening()
    {
        var path = Path.Combine(Path.GetTempPath(), "symbolon-macs-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (VaultClient.Open(new VaultClientOptions { HomePath = path }))
            {
            }

            var vaultFile = Path.Combine(path, "vault.json");
            var vault = JsonNode.Parse(File.ReadAllText(vaultFile))!.AsObject();
            vault.Remove("itemMacs");
            File.WriteAllText(vaultFile, vault.ToJsonString());
            File.WriteAllText(Path.Combine(path, "items", Guid.NewGuid().ToString("D") + ".json"), "{ not json");

            using var client = VaultClient.Open(new VaultClientOptions { HomePath = path });

            Assert.Throws<ItemTamperedException>(() => client.List());
            Assert.Equal(1, JsonNode.Parse(File.ReadAllText(vaultFile))!["itemMacs"]!.GetValue<int>());
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
