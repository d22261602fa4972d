using System.Text.Json;
using System.Text.Json.Nodes;
using Symbolon.Client.Items;
using Symbolon.Client.Modes;
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
            vault.Remove("itemMacTag");
            File.WriteAllText(vaultFile, vault.ToJsonString());
            File.WriteAllText(Path.Combine(path, "items", Guid.NewGuid().ToString("D") + ".json"), "{ not json");

            using var client = VaultClient.Open(new VaultClientOptions { HomePath = path });

            Assert.Throws<ItemTamperedException>(() => client.List());
            Assert.NotNull(JsonNode.Parse(File.ReadAllText(vaultFile))!["itemMacTag"]);
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void The_item_MACs_tag_matches_the_cross_language_vector()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", "item-file-mac.json")));
        using var rootKey = ClientRootKey.Import(Convert.FromHexString(document.RootElement.GetProperty("rootKey").GetString()!));
        using var secrets = new LocalSecrets(rootKey, passphraseProtected: false);
        var vector = document.RootElement.GetProperty("itemMacTag");
        var vaultId = Guid.Parse(vector.GetProperty("vaultId").GetString()!);
        var tag = Convert.FromBase64String(vector.GetProperty("tag").GetString()!);

        Assert.Equal(vector.GetProperty("message").GetString(), Convert.ToHexStringLower([.. System.Text.Encoding.UTF8.GetBytes(Labels.ItemMacsComplete), .. vaultId.ToByteArray(bigEndian: true)]));
        Assert.Equal(tag, secrets.ItemMacsTag(vaultId));
        Assert.True(secrets.IsItemMacsTag(vaultId, tag));
        Assert.False(secrets.IsItemMacsTag(Guid.NewGuid(), tag));
    }

    // The attack of the review: the attacker edits an item's server, deletes its mac and makes vault.json say the
    // vault is from before item MACs (itemMacs 0, or the record removed). A client that then signed the files as they
    // stand would sign the forgery.
    [Theory]
    [InlineData("zero")]
    [InlineData("removed")]
    public void An_item_forged_after_the_upgrade_is_not_signed_when_vault_json_claims_a_vault_from_before_item_MACs(string claim)
    {
        using var home = MacHome.WithTwoItems();
        var forged = home.Item(0);
        forged["server"] = "https://evil.example/";
        forged.Remove("mac");
        home.WriteItem(0, forged);
        home.EditVault(vault =>
        {
            vault.Remove("itemMacTag");
            vault.Remove("itemMacs");
            if (claim == "zero")
            {
                vault["itemMacs"] = 0;
            }
        });

        Assert.Throws<ItemTamperedException>(() => VaultClient.Open(new VaultClientOptions { HomePath = home.Path }).Dispose());
        Assert.Null(home.Item(0)["mac"]);
    }

    [Fact]
    public void A_vault_json_whose_tag_does_not_verify_is_refused_and_nothing_is_signed()
    {
        using var home = MacHome.WithTwoItems();
        var forged = home.Item(0);
        forged.Remove("mac");
        home.WriteItem(0, forged);
        home.EditVault(vault => vault["itemMacTag"] = Convert.ToBase64String(new byte[32]));

        Assert.Throws<ItemTamperedException>(() => VaultClient.Open(new VaultClientOptions { HomePath = home.Path }).Dispose());
        Assert.Null(home.Item(0)["mac"]);

        // Another vault's genuine tag is no better.
        home.EditVault(vault => vault["vaultId"] = Guid.NewGuid().ToString("D"));
        Assert.Throws<ItemTamperedException>(() => VaultClient.Open(new VaultClientOptions { HomePath = home.Path }).Dispose());
    }

    [Fact]
    public void The_development_form_itemMacs_1_becomes_the_tag_without_signing_anything()
    {
        using var home = MacHome.WithTwoItems();
        var stripped = home.Item(0);
        stripped.Remove("mac");
        home.WriteItem(0, stripped);
        home.EditVault(vault =>
        {
            vault.Remove("itemMacTag");
            vault["itemMacs"] = 1;
        });

        using (var client = VaultClient.Open(new VaultClientOptions { HomePath = home.Path }))
        {
            Assert.Throws<ItemTamperedException>(() => client.List());
        }

        Assert.Null(home.Item(0)["mac"]);
        var vault = home.Vault();
        Assert.Null(vault["itemMacs"]);
        Assert.True(home.Secrets.IsItemMacsTag(vault["vaultId"]!.GetValue<Guid>(), Convert.FromBase64String(vault["itemMacTag"]!.GetValue<string>())));
    }

    [Fact]
    public void A_vault_from_before_item_MACs_gets_every_item_its_MAC_and_the_tag_once()
    {
        using var home = MacHome.WithTwoItems();
        var macs = new[] { home.Item(0)["mac"]!.GetValue<string>(), home.Item(1)["mac"]!.GetValue<string>() };
        for (var i = 0; i < 2; i++)
        {
            var item = home.Item(i);
            item.Remove("mac");
            home.WriteItem(i, item);
        }

        home.EditVault(vault => vault.Remove("itemMacTag"));

        using (VaultClient.Open(new VaultClientOptions { HomePath = home.Path }))
        {
        }

        Assert.Equal<string[]>(macs, [home.Item(0)["mac"]!.GetValue<string>(), home.Item(1)["mac"]!.GetValue<string>()]);
        var vault = home.Vault();
        Assert.True(home.Secrets.IsItemMacsTag(vault["vaultId"]!.GetValue<Guid>(), Convert.FromBase64String(vault["itemMacTag"]!.GetValue<string>())));

        // Upgraded once: a MAC removed now is tampering, not a reason to sign again.
        var item0 = home.Item(0);
        item0.Remove("mac");
        home.WriteItem(0, item0);
        using (var client = VaultClient.Open(new VaultClientOptions { HomePath = home.Path }))
        {
            Assert.Throws<ItemTamperedException>(() => client.List());
        }

        Assert.Null(home.Item(0)["mac"]);
    }

    /// <summary>A client directory holding the two vector items, saved (with their MACs) under its own root key.</summary>
    private sealed class MacHome : IDisposable
    {
        private readonly ClientRootKey _rootKey;
        private readonly List<Guid> _units = [];

        private MacHome(string path)
        {
            Path = path;
            _rootKey = DeviceSecrets.LoadOrCreateRootKey(new ClientHome(path), null);
            Secrets = new LocalSecrets(_rootKey, passphraseProtected: false);
        }

        public string Path { get; }

        public LocalSecrets Secrets { get; }

        public static MacHome WithTwoItems()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "symbolon-macs-" + Guid.NewGuid().ToString("N"));
            using (VaultClient.Open(new VaultClientOptions { HomePath = path }))
            {
            }

            var home = new MacHome(path);
            using var document = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", "item-file-mac.json")));
            var store = new ItemStore(new ClientHome(path), ItemModes.Default, home.Secrets);
            foreach (var vector in document.RootElement.GetProperty("vectors").EnumerateArray())
            {
                var item = vector.GetProperty("item").Deserialize<StoredItem>(Json)!;
                store.Save(item);
                home._units.Add(item.UnitId);
            }

            return home;
        }

        public JsonObject Item(int index) => JsonNode.Parse(File.ReadAllText(ItemPath(index)))!.AsObject();

        public void WriteItem(int index, JsonObject item) => File.WriteAllText(ItemPath(index), item.ToJsonString());

        public JsonObject Vault() => JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(Path, "vault.json")))!.AsObject();

        public void EditVault(Action<JsonObject> edit)
        {
            var vault = Vault();
            edit(vault);
            File.WriteAllText(System.IO.Path.Combine(Path, "vault.json"), vault.ToJsonString());
        }

        public void Dispose()
        {
            Secrets.Dispose();
            _rootKey.Dispose();
            Directory.Delete(Path, recursive: true);
        }

        private string ItemPath(int index) => System.IO.Path.Combine(Path, "items", _units[index].ToString("D") + ".json");
    }
}
