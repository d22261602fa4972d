using System.Text.Json.Nodes;
using Symbolon.Client.Items;
using Symbolon.Client.Modes;
using Symbolon.Client.Modes.Split;
using Symbolon.Crypto;

namespace Symbolon.Client.Tests.Modes;

/// <summary>
/// What every item mode must do, run for each mode of the registry (as StorageContract runs for each database) and for
/// a mode defined only in this file, through the public <see cref="VaultClient"/> against in-process key servers.
/// </summary>
public sealed class ModeContract
{
    private const string VendorPassword = ModeDeployment.VendorPassword;

    /// <summary>The shipped modes and <see cref="TestOnlyMode"/>, which no file outside this one names.</summary>
    private static readonly ItemModes Registry = ItemModes.Default.With(new TestOnlyMode());

    public static TheoryData<int> Formats => [.. Registry.All.Select(mode => mode.Format)];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task An_item_is_added_listed_opened_rotated_reopened_and_removed_and_a_restored_copy_never_opens(int format)
    {
        using var deployment = await ModeDeployment.StartAsync(ModeOf(format), Registry);
        var vault = deployment.Vault;

        var added = await deployment.AddAsync("acme");
        var listed = Assert.Single(vault.List());
        var opened = await deployment.RevealAsync("acme");
        await vault.RotateAsync("acme");
        var rotated = Assert.Single(vault.List());
        var reopened = await deployment.RevealAsync("acme");
        var file = deployment.ItemFile();
        var copy = File.ReadAllBytes(file);
        await vault.RemoveAsync("acme");
        var afterRemoval = vault.List();
        File.WriteAllBytes(file, copy);

        Assert.Equal(added, listed);
        Assert.Equal(("acme", deployment.Mode.Mode), (listed.Name, listed.Mode));
        Assert.Equal(VendorPassword, opened);
        Assert.NotEqual((added.UnitId, added.KeyVersion), (rotated.UnitId, rotated.KeyVersion));
        Assert.Equal(deployment.Mode.Mode, rotated.Mode);
        Assert.Equal(VendorPassword, reopened);
        Assert.Empty(afterRemoval);
        await Assert.ThrowsAsync<ItemNotFoundException>(() => deployment.RevealAsync("acme"));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_removed_item_is_restored_and_opens_again(int format)
    {
        using var deployment = await ModeDeployment.StartAsync(ModeOf(format), Registry);
        var vault = deployment.Vault;
        await deployment.AddAsync("acme");
        await vault.RemoveAsync("acme");
        var afterRemoval = vault.List();

        await vault.RestoreAsync("acme");

        Assert.Empty(afterRemoval);
        Assert.Equal("acme", Assert.Single(vault.List()).Name);
        Assert.Equal(VendorPassword, await deployment.RevealAsync("acme"));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_tampered_item_file_is_refused_with_the_one_tamper_exception(int format)
    {
        using var deployment = await ModeDeployment.StartAsync(ModeOf(format), Registry);
        await deployment.AddAsync("acme");
        var file = deployment.ItemFile();
        var item = JsonNode.Parse(File.ReadAllText(file))!;
        var sealedItem = Convert.FromBase64String(item["sealedItem"]!.GetValue<string>());
        sealedItem[^1] ^= 0x01;
        item["sealedItem"] = Convert.ToBase64String(sealedItem);

        File.WriteAllText(file, item.ToJsonString());
        var altered = await Assert.ThrowsAsync<ItemTamperedException>(() => deployment.RevealAsync("acme"));
        File.WriteAllText(file, """{ "format": """);
        var damaged = Assert.Throws<ItemTamperedException>(() => deployment.Vault.List());

        Assert.DoesNotContain(VendorPassword, altered.Message, StringComparison.Ordinal);
        Assert.NotNull(damaged.Hint);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task With_its_servers_down_every_operation_fails_as_unreachable_and_the_item_is_kept(int format)
    {
        using var deployment = await ModeDeployment.StartAsync(ModeOf(format), Registry);
        var vault = deployment.Vault;
        await deployment.AddAsync("acme");
        var before = File.ReadAllBytes(deployment.ItemFile());

        deployment.Down = true;
        await Assert.ThrowsAsync<ServerUnreachableException>(() => deployment.RevealAsync("acme"));
        await Assert.ThrowsAsync<ServerUnreachableException>(() => vault.RotateAsync("acme"));
        await Assert.ThrowsAsync<ServerUnreachableException>(() => vault.RemoveAsync("acme"));
        await Assert.ThrowsAsync<ServerUnreachableException>(() => deployment.AddAsync("beta"));
        deployment.Down = false;

        Assert.Equal(before, File.ReadAllBytes(deployment.ItemFile()));
        Assert.Equal(["acme"], vault.List().Select(i => i.Name));
        Assert.Equal(VendorPassword, await deployment.RevealAsync("acme"));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Several_items_open_together_with_one_request_per_server_and_one_receipt_per_unit(int format)
    {
        using var deployment = await ModeDeployment.StartAsync(ModeOf(format), Registry);
        var vault = deployment.Vault;
        string[] names = ["acme", "beta", "gamma"];
        foreach (var name in names)
        {
            await deployment.AddAsync(name);
        }

        var before = deployment.Requests.Count;
        var receiptsBefore = ReceiptCount(deployment);
        var opened = await vault.UseManyAsync([.. names, "acme"], credentials => credentials.ToDictionary(c => c.Key, c => (c.Value.Username, c.Value.RevealPassword())));
        var uses = deployment.Requests.Skip(before).Where(r => r.Path.StartsWith("/v1/units", StringComparison.Ordinal)).ToList();

        Assert.Equal(names.Order(), opened.Keys.Order());
        Assert.All(names, name => Assert.Equal(($"bot@{name}.example", VendorPassword), opened[name]));
        Assert.Equal(deployment.Urls.Count, uses.Count);
        Assert.All(uses, use => Assert.Equal("/v1/units/uses", use.Path));
        Assert.Equal(deployment.Urls.Select(u => u.Host).Order(), uses.Select(u => u.Host).Order());
        Assert.Equal(names.Length * deployment.Urls.Count, ReceiptCount(deployment) - receiptsBefore);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task When_one_item_cannot_open_none_is_given_to_use_and_the_error_names_it(int format)
    {
        using var deployment = await ModeDeployment.StartAsync(ModeOf(format), Registry);
        await deployment.AddAsync("acme");
        await deployment.AddAsync("beta");
        var files = Directory.GetFiles(Path.Combine(deployment.Vault.HomePath, "items"), "*.json").ToDictionary(file => file, File.ReadAllBytes);
        await deployment.Vault.RemoveAsync("beta", now: true);
        foreach (var (file, bytes) in files.Where(pair => !File.Exists(pair.Key)))
        {
            File.WriteAllBytes(file, bytes);
        }

        var called = false;

        var refused = await Assert.ThrowsAsync<ItemNotFoundException>(() => deployment.Vault.UseManyAsync(["acme", "beta"], _ => called = true));

        Assert.False(called);
        Assert.Contains("'beta'", refused.Message, StringComparison.Ordinal);
    }

    private static int ReceiptCount(ModeDeployment deployment) =>
        Directory.GetFiles(deployment.Vault.HomePath, "receipts.jsonl", SearchOption.AllDirectories).Sum(file => File.ReadAllLines(file).Length);

    private static IItemMode ModeOf(int format) => Registry.All.Single(mode => mode.Format == format);

    /// <summary>
    /// A fourth mode that exists only here: split mode's server side under a mode number and item-file format of its
    /// own. Registering it in <see cref="Registry"/> is all it takes for the vault to add, list, open, rotate, remove and
    /// restore its items.
    /// </summary>
    private sealed class TestOnlyMode : IItemMode
    {
        private readonly SplitMode _split = new();

        public ItemMode Mode => (ItemMode)99;

        public int Format => 99;

        public bool TakesSet => false;

        public bool Fits(StoredItem item) => _split.Fits(item);

        public async Task<StoredItem> AddAsync(VaultContext vault, string name, Credential credential, string? set, CancellationToken cancellationToken)
        {
            var item = await _split.AddAsync(vault, name, credential, set, cancellationToken) with { Format = Format };
            vault.Items.Save(item);
            return item;
        }

        public Task<Credential> OpenAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken) => _split.OpenAsync(vault, item, cancellationToken);

        public Task<PendingOpen> PrepareOpenAsync(VaultContext vault, StoredItem item, UseBatch batch, CancellationToken cancellationToken) =>
            _split.PrepareOpenAsync(vault, item, batch, cancellationToken);

        public Task RotateAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken) => _split.RotateAsync(vault, item, cancellationToken);

        public Task RemoveAsync(VaultContext vault, StoredItem item, bool now, CancellationToken cancellationToken) => _split.RemoveAsync(vault, item, now, cancellationToken);

        public Task RestoreAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken) => _split.RestoreAsync(vault, item, cancellationToken);
    }
}
