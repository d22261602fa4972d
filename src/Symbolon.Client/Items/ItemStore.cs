using System.Text.Json;
using System.Text.RegularExpressions;
using Symbolon.Client.Modes;
using Symbolon.Crypto;

namespace Symbolon.Client.Items;

/// <summary>
/// Items on disk: items/&lt;unit id&gt;.json holding the local name and the sealed item (ciphertext only). One file per
/// item, replaced atomically, so a crash can lose at most an item that was never reported saved. A file whose format
/// no mode of the registry knows, or that does not fit its mode, is refused as tampered.
/// </summary>
internal sealed partial class ItemStore(ClientHome home, ItemModes modes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public IReadOnlyList<StoredItem> All()
    {
        var items = new List<StoredItem>();
        foreach (var path in Directory.EnumerateFiles(home.ItemsPath, "*.json"))
        {
            items.Add(Read(path));
        }

        return [.. items.OrderBy(i => i.Name, StringComparer.Ordinal)];
    }

    public StoredItem Find(string name)
    {
        var matches = All().Where(i => i.Name == name).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ItemNotFoundException($"No item named '{name}'.", "Run `symbolon list` to see the stored items."),
            _ => throw new InvalidOperationSymbolonException(
                $"{matches.Count} items are named '{name}' (two adds ran at once).",
                $"Remove the extra files from {Path.GetDirectoryName(PathOf(matches[1].UnitId))}: " + string.Join(", ", matches.Skip(1).Select(m => m.UnitId + ".json"))),
        };
    }

    public bool Exists(string name) => All().Any(i => i.Name == name);

    public void Save(StoredItem item) =>
        ClientHome.WriteAtomically(PathOf(item.UnitId), JsonSerializer.SerializeToUtf8Bytes(item, Json));

    public void Delete(StoredItem item) => ClientHome.Delete(PathOf(item.UnitId));

    private string PathOf(Guid unitId) => Path.Combine(home.ItemsPath, unitId.ToString("D") + ".json");

    private StoredItem Read(string path)
    {
        try
        {
            var item = JsonSerializer.Deserialize<StoredItem>(File.ReadAllBytes(path), Json)
                ?? throw new JsonException("empty");
            if (!modes.Fits(item) || item.Name is null || !IsValidName(item.Name) || item.SealedItem is null
                || Path.GetFileNameWithoutExtension(path) != item.UnitId.ToString("D"))
            {
                throw new JsonException("unexpected content");
            }

            return item;
        }
        catch (JsonException exception)
        {
            throw new ItemTamperedException($"The item file '{Path.GetFileName(path)}' is damaged or was altered.", exception);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

/// <summary>
/// One item file. <see cref="Format"/> names its mode (<see cref="IItemMode.Format"/>); <see cref="SealedItem"/> is the
/// sealed-item v1 bytes of docs/spec.md §3. A split item names the server holding its unit (<see cref="Server"/>; absent
/// in files from before server sets, meaning the default server); a threshold item names its set's members, and
/// <see cref="UnitId"/> is its own item id; a blinded item names its server like a split item.
/// </summary>
internal sealed record StoredItem(
    int Format, string Name, Guid UnitId, byte[] SealedItem, DateTimeOffset CreatedAt, Uri? Server = null, ThresholdItem? Threshold = null)
{
    /// <summary>The header's context, checked structurally (authenticated only when the item opens).</summary>
    public ItemContext Context()
    {
        try
        {
            return Crypto.SealedItem.ReadContext(SealedItem);
        }
        catch (ItemOpenException exception)
        {
            throw new ItemTamperedException($"The item '{Name}' is damaged or was altered.", exception);
        }
    }
}

/// <summary>Where a threshold item's shares live: t, and per member (in share-index order) server, unit and version.</summary>
internal sealed record ThresholdItem(int Threshold, IReadOnlyList<ThresholdShareRef> Members)
{
    public IReadOnlyList<ThresholdMember> Binding => [.. Members.Select(m => new ThresholdMember(m.Server, m.UnitId))];
}

/// <summary>Member i of a threshold item's set: the unit on that server holding share i, and its current version.</summary>
internal sealed record ThresholdShareRef(Uri Server, Guid UnitId, int Version);
