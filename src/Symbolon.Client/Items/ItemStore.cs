using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Symbolon.Client.Modes;
using Symbolon.Crypto;

namespace Symbolon.Client.Items;

/// <summary>
/// Items on disk: items/&lt;unit id&gt;.json holding the local name and the sealed item (ciphertext only). One file per
/// item, replaced atomically, so a crash can lose at most an item that was never reported saved. A file whose format
/// no mode of the registry knows, that does not fit its mode, or whose fields do not match its MAC (docs/spec.md §3.1:
/// the server, the set's members, unit ids, versions, mode and name are acted on before the item itself is opened) is
/// refused as tampered.
/// </summary>
internal sealed partial class ItemStore(ClientHome home, ItemModes modes, LocalSecrets secrets)
{
    /// <summary>The version byte that opens the MAC'd fields (and the number vault.json's itemMacs held in an unreleased development version).</summary>
    public const byte MacVersion = 1;

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Every item, by name; a damaged or altered file fails the whole call (see <see cref="Survey"/>).</summary>
    public IReadOnlyList<StoredItem> All()
    {
        var (items, damaged) = Survey();
        return damaged.Count == 0 ? items : throw Tampered(damaged);
    }

    /// <summary>
    /// Every intact item, by name, and the files that are damaged or were altered: those are left out (never opened)
    /// instead of hiding every other item. Anything that acts on all items uses <see cref="All"/>, which refuses to go
    /// on past a damaged file.
    /// </summary>
    public (IReadOnlyList<StoredItem> Items, IReadOnlyList<string> Damaged) Survey()
    {
        var files = ReadAll(requireMac: true);
        return ([.. files.Where(f => f.Item is not null).Select(f => f.Item!).OrderBy(i => i.Name, StringComparer.Ordinal)],
            [.. files.Where(f => f.Item is null).Select(f => f.Path).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The intact item of that name. A damaged or altered file is never opened and does not keep the others from
    /// opening; when no intact item has the name, the damaged files are named, as the item may be among them.
    /// </summary>
    public StoredItem Find(string name)
    {
        var (items, damaged) = Survey();
        var matches = items.Where(i => i.Name == name).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 when damaged.Count > 0 => throw Tampered(damaged),
            0 => throw new ItemNotFoundException($"No item named '{name}'.", "Run `symbolon list` to see the stored items."),
            _ => throw new InvalidOperationSymbolonException(
                $"{matches.Count} items are named '{name}' (two adds ran at once).",
                $"Remove the extra files from {Path.GetDirectoryName(PathOf(matches[1].UnitId))}: " + string.Join(", ", matches.Skip(1).Select(m => m.UnitId + ".json"))),
        };
    }

    public bool Exists(string name) => Survey().Items.Any(i => i.Name == name);

    public void Save(StoredItem item) =>
        ClientHome.WriteAtomically(PathOf(item.UnitId), JsonSerializer.SerializeToUtf8Bytes(item with { Mac = secrets.ItemMac(AuthenticatedFields(item)) }, ClientFileJson.Default.StoredItem));

    /// <summary>
    /// True when some item file carries a MAC that verifies: a client with item MACs has written to this vault, so it
    /// is no longer one from before them (docs/spec.md §3.1). items/ only, as the TypeScript client sees it.
    /// </summary>
    public bool AnyWithMac() =>
        // A damaged file proves nothing either way; it is refused when listed or opened.
        ReadAll(requireMac: false).Any(f => f.Item?.Mac is not null);

    /// <summary>
    /// Gives every item file written before item MACs its MAC (once per vault: vault.json's itemMacTag records it, and
    /// from then on a file without one is tampered). Files are taken as they are: they were written by this client.
    /// </summary>
    public void AddMissingMacs()
    {
        // A damaged file is left as it is, refused as tampered when listed or opened (not here, where it would keep the
        // whole vault from opening).
        foreach (var (_, item) in ReadAll(requireMac: false))
        {
            if (item is { Mac: null })
            {
                Save(item);
            }
        }
    }

    /// <summary>
    /// The bytes the item MAC covers (docs/spec.md §3.1): everything the client acts on; not createdAt, which is only shown.
    /// Servers as written in the file (<see cref="Uri.OriginalString"/>), so another client reading the file computes the same.
    /// </summary>
    public static byte[] AuthenticatedFields(StoredItem item)
    {
        var fields = new ArrayBufferWriter<byte>(256);
        fields.Write<byte>([MacVersion]);
        WriteU32(fields, (uint)item.Format);
        WriteString(fields, item.Name);
        WriteUuid(fields, item.UnitId);
        // The sealed item's header (its context: mode, vault, unit, key version); the rest is the AEAD's to authenticate,
        // when the item opens.
        var header = item.SealedItem.AsSpan(0, Math.Min(SealedItem.HeaderSize, item.SealedItem.Length));
        WriteU32(fields, (uint)header.Length);
        fields.Write(header);
        WriteString(fields, item.Server?.OriginalString ?? "");
        if (item.Threshold is not { } threshold)
        {
            fields.Write<byte>([0]);
        }
        else
        {
            fields.Write<byte>([1, checked((byte)threshold.Threshold), checked((byte)threshold.Members.Count)]);
            foreach (var member in threshold.Members)
            {
                WriteString(fields, member.Server.OriginalString);
                WriteUuid(fields, member.UnitId);
                WriteU32(fields, (uint)member.Version);
            }
        }

        return fields.WrittenSpan.ToArray();
    }

    private static void WriteU32(ArrayBufferWriter<byte> fields, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(fields.GetSpan(4), value);
        fields.Advance(4);
    }

    private static void WriteString(ArrayBufferWriter<byte> fields, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteUInt16BigEndian(fields.GetSpan(2), checked((ushort)bytes.Length));
        fields.Advance(2);
        fields.Write(bytes);
    }

    private static void WriteUuid(ArrayBufferWriter<byte> fields, Guid id)
    {
        _ = id.TryWriteBytes(fields.GetSpan(16), bigEndian: true, out _);
        fields.Advance(16);
    }

    public void Delete(StoredItem item) => ClientHome.Delete(PathOf(item.UnitId));

    /// <summary>
    /// Moves a removed item's file to items/removed/, where no listing sees it, so that <see cref="Restore"/> can bring
    /// it back while the server still keeps its shares (the shred's grace period).
    /// </summary>
    public void MoveAside(StoredItem item)
    {
        Directory.CreateDirectory(RemovedPath);
        ClientHome.WriteAtomically(RemovedPathOf(item.UnitId), JsonSerializer.SerializeToUtf8Bytes(item, ClientFileJson.Default.StoredItem));
        Delete(item);
    }

    /// <summary>The removed item named <paramref name="name"/> (the latest removed, if several were), or null.</summary>
    public StoredItem? FindRemoved(string name) =>
        !Directory.Exists(RemovedPath) ? null
            : Directory.EnumerateFiles(RemovedPath, "*.json").OrderByDescending(File.GetLastWriteTimeUtc).Select(Read).FirstOrDefault(i => i.Name == name);

    /// <summary>Puts a removed item back among the items.</summary>
    public void Restore(StoredItem item)
    {
        Save(item);
        DeleteRemoved(item);
    }

    /// <summary>Forgets a removed item's file for good (its shares were destroyed).</summary>
    public void DeleteRemoved(StoredItem item)
    {
        if (File.Exists(RemovedPathOf(item.UnitId)))
        {
            ClientHome.Delete(RemovedPathOf(item.UnitId));
        }
    }

    private string RemovedPath => Path.Combine(home.ItemsPath, "removed");

    private string RemovedPathOf(Guid unitId) => Path.Combine(RemovedPath, unitId.ToString("D") + ".json");

    private string PathOf(Guid unitId) => Path.Combine(home.ItemsPath, unitId.ToString("D") + ".json");

    private StoredItem Read(string path) => Read(path, requireMac: true);

    /// <summary>Every item file, read; a null item for one that is damaged or was altered.</summary>
    private List<(string Path, StoredItem? Item)> ReadAll(bool requireMac)
    {
        var files = new List<(string Path, StoredItem? Item)>();
        foreach (var path in Directory.EnumerateFiles(home.ItemsPath, "*.json"))
        {
            try
            {
                files.Add((path, Read(path, requireMac)));
            }
            catch (ItemTamperedException)
            {
                files.Add((path, null));
            }
        }

        return files;
    }

    private StoredItem Read(string path, bool requireMac)
    {
        try
        {
            var item = JsonSerializer.Deserialize(File.ReadAllBytes(path), ClientFileJson.Default.StoredItem)
                ?? throw new JsonException("empty");
            if (!modes.Fits(item) || item.Name is null || !IsValidName(item.Name) || item.SealedItem is null
                || Path.GetFileNameWithoutExtension(path) != item.UnitId.ToString("D"))
            {
                throw new JsonException("unexpected content");
            }

            if ((requireMac || item.Mac is not null)
                && !(item.Mac is { Length: 32 } mac && CryptographicOperations.FixedTimeEquals(mac, secrets.ItemMac(AuthenticatedFields(item)))))
            {
                throw new JsonException("the MAC does not match");
            }

            return item;
        }
        catch (Exception exception) when (exception is JsonException or OverflowException)
        {
            throw Tampered(path, exception);
        }
    }

    /// <summary>The error for damaged or altered item files, naming each.</summary>
    public static ItemTamperedException Tampered(IReadOnlyList<string> paths) => paths.Count == 1
        ? Tampered(paths[0], inner: null)
        : new($"{paths.Count} item files are damaged or were altered: {string.Join(", ", paths.Select(Path.GetFileName))}.");

    private static ItemTamperedException Tampered(string path, Exception? inner) =>
        new($"The item file '{Path.GetFileName(path)}' is damaged or was altered.", inner);

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
    int Format, string Name, Guid UnitId, byte[] SealedItem, DateTimeOffset CreatedAt, Uri? Server = null, ThresholdItem? Threshold = null, byte[]? Mac = null)
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
