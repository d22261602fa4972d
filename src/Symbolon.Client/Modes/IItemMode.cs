using Symbolon.Client.Items;
using Symbolon.Crypto;

namespace Symbolon.Client.Modes;

/// <summary>
/// One item mode: where an item's server share comes from, and so how an item of that mode is added, opened, rotated
/// and removed. Each mode is one implementation, listed once in <see cref="ItemModes"/>; nothing else asks which mode
/// an item has.
/// </summary>
internal interface IItemMode
{
    /// <summary>The mode callers ask for, and that <see cref="ItemInfo.Mode"/> reports.</summary>
    ItemMode Mode { get; }

    /// <summary>
    /// The item-file format (<see cref="StoredItem.Format"/>) that marks this mode's items: a number of its own, so that a
    /// client which does not know the mode refuses its items instead of opening them as another mode's.
    /// </summary>
    int Format { get; }

    /// <summary>Whether the mode stores items on a named server set (threshold) rather than on the default server.</summary>
    bool TakesSet { get; }

    /// <summary>Whether a file of this mode's <see cref="Format"/> has the members the mode needs (and none it does not).</summary>
    bool Fits(StoredItem item);

    /// <summary>Creates the server side of a new item, seals <paramref name="credential"/> and saves the item durably.</summary>
    Task<StoredItem> AddAsync(VaultContext vault, string name, Credential credential, string? set, CancellationToken cancellationToken);

    /// <summary>Opens the item with a live, audited release of its server share.</summary>
    Task<Credential> OpenAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the unit uses that open the item to <paramref name="batch"/> (for <see cref="VaultClient.UseManyAsync"/>), and
    /// returns how it opens once the batch is answered.
    /// </summary>
    Task<PendingOpen> PrepareOpenAsync(VaultContext vault, StoredItem item, UseBatch batch, CancellationToken cancellationToken);

    /// <summary>Re-seals the item under a new server share, saves it, and only then lets the old share be destroyed.</summary>
    Task RotateAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken);

    /// <summary>
    /// Shreds the item's server side so that no copy of its file can open again, and moves the file aside: both are
    /// restorable for the server's grace period; with <paramref name="now"/> both are destroyed at once.
    /// </summary>
    Task RemoveAsync(VaultContext vault, StoredItem item, bool now, CancellationToken cancellationToken);

    /// <summary>Brings back an item removed within the grace period: its server side, then its file.</summary>
    Task RestoreAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken);
}
