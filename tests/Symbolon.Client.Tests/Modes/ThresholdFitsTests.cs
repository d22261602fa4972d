using Symbolon.Client.Items;
using Symbolon.Client.Modes;
using Symbolon.Client.Modes.Threshold;
using Symbolon.Crypto;

namespace Symbolon.Client.Tests.Modes;

/// <summary>A threshold item file whose set no split could have made is refused as tampered, not opened.</summary>
public sealed class ThresholdFitsTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "symbolon-fits-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<int, string[]> AlteredSets() => new()
    {
        { 1, ["http://key1.test/", "http://key2.test/", "http://key3.test/"] },
        { 0, ["http://key1.test/", "http://key2.test/", "http://key3.test/"] },
        { 4, ["http://key1.test/", "http://key2.test/", "http://key3.test/"] },
        { 2, ["http://key1.test/"] },
        { 2, [] },
        { 2, ["http://key1.test/", "http://key2.test/", "http://key1.test/"] },
        { 2, ["http://key1.test/", "key2"] },
        { 2, [.. Enumerable.Range(1, Shamir.MaxShares + 1).Select(i => $"http://key{i}.test/")] },
    };

    [Theory]
    [MemberData(nameof(AlteredSets))]
    public void A_set_no_split_could_have_made_does_not_fit(int threshold, string[] servers)
    {
        var item = ItemOn(threshold, servers);

        Assert.False(new ThresholdMode().Fits(item));
    }

    [Fact]
    public void A_set_a_split_could_have_made_fits()
    {
        Assert.True(new ThresholdMode().Fits(ItemOn(2, ["http://key1.test/", "http://key2.test/", "http://key3.test/"])));
        Assert.True(new ThresholdMode().Fits(ItemOn(3, ["http://key1.test/", "http://key2.test/", "http://key3.test/"])));
    }

    [Fact]
    public void An_item_file_with_an_altered_threshold_is_refused_as_tampered()
    {
        var home = new ClientHome(_home);
        using var rootKey = Symbolon.Crypto.ClientRootKey.Generate();
        using var secrets = new LocalSecrets(rootKey, passphraseProtected: false);
        var store = new ItemStore(home, ItemModes.Default, secrets);
        var item = ItemOn(2, ["http://key1.test/", "http://key2.test/", "http://key3.test/"]);
        store.Save(item with { Threshold = item.Threshold! with { Threshold = 4 } });

        var refused = Assert.Throws<ItemTamperedException>(() => store.All());

        Assert.NotNull(refused.Hint);
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    private static StoredItem ItemOn(int threshold, string[] servers) =>
        new(2, "acme", Guid.NewGuid(), [1, 2, 3], DateTimeOffset.UnixEpoch, null,
            new ThresholdItem(threshold, [.. servers.Select(s => new ThresholdShareRef(new Uri(s, UriKind.RelativeOrAbsolute), Guid.NewGuid(), 1))]));
}
