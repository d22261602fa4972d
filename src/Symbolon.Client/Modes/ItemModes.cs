using Symbolon.Client.Items;
using Symbolon.Client.Modes.Blinded;
using Symbolon.Client.Modes.Split;
using Symbolon.Client.Modes.Threshold;
using Symbolon.Crypto;

namespace Symbolon.Client.Modes;

/// <summary>The item modes this client knows: the one place that finds an item's mode, by its file format.</summary>
internal sealed class ItemModes
{
    private readonly IReadOnlyList<IItemMode> _modes;

    /// <summary>Every mode; a mode given twice (by its mode or its format) is a programming error.</summary>
    public ItemModes(IReadOnlyList<IItemMode> modes)
    {
        if (modes.DistinctBy(m => m.Mode).Count() != modes.Count || modes.DistinctBy(m => m.Format).Count() != modes.Count)
        {
            throw new ArgumentException("Each mode and each item-file format must appear once.", nameof(modes));
        }

        _modes = modes;
    }

    public static ItemModes Default { get; } = new([new SplitMode(), new ThresholdMode(), new BlindedMode()]);

    public IReadOnlyList<IItemMode> All => _modes;

    /// <summary>These modes and <paramref name="mode"/> (tests add modes of their own).</summary>
    public ItemModes With(IItemMode mode) => new([.. _modes, mode]);

    /// <summary>Whether a file read from disk is of a known format and fits that mode.</summary>
    public bool Fits(StoredItem item) => _modes.FirstOrDefault(m => m.Format == item.Format) is { } mode && mode.Fits(item);

    /// <summary>The mode of an item read through <see cref="ItemStore"/> (which has checked that it <see cref="Fits"/>).</summary>
    public IItemMode Of(StoredItem item) => _modes.Single(m => m.Format == item.Format);

    /// <summary>The mode to add an item in: one that exists, given a set exactly when it takes one.</summary>
    public IItemMode ForAdding(ItemMode mode, string? set) =>
        _modes.FirstOrDefault(m => m.Mode == mode) is { } found && found.TakesSet == (set is not null)
            ? found
            : throw new InvalidOperationSymbolonException("Threshold mode needs a server set, and only threshold mode takes one.");
}
