using Symbolon.Client.Items;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes.Split;

/// <summary>Split mode: one random share per unit, drawn, kept and released (once per open, audited) by one key server.</summary>
internal sealed class SplitMode : IItemMode
{
    public ItemMode Mode => ItemMode.Split;

    public int Format => 1;

    public bool TakesSet => false;

    public bool Fits(StoredItem item) => item.Threshold is null;

    public async Task<StoredItem> AddAsync(VaultContext vault, string name, Credential credential, string? set, CancellationToken cancellationToken)
    {
        var server = vault.DefaultServer();
        var created = await vault.Server(server).CreateUnitAsync(null, cancellationToken);
        var sealedItem = Seal(vault, server, created, new ItemContext(vault.VaultId, created.UnitId, (uint)created.Version, Mode), credential);
        var item = new StoredItem(Format, name, created.UnitId, sealedItem, vault.Options.Time.GetUtcNow(), server);
        try
        {
            vault.Items.Save(item);
        }
        catch
        {
            await vault.ShredIfReachableAsync(server, created.UnitId, cancellationToken);
            throw;
        }

        return item;
    }

    public async Task<Credential> OpenAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken)
    {
        var server = vault.ServerOf(item);
        var context = item.Context();
        var released = await vault.Server(server).ReleaseAsync(item.UnitId, new ReleaseRequest((int)context.KeyVersion), cancellationToken);
        return Open(vault, server, item, context, released);
    }

    public Task<PendingOpen> PrepareOpenAsync(VaultContext vault, StoredItem item, UseBatch batch, CancellationToken cancellationToken)
    {
        var server = vault.ServerOf(item);
        var context = item.Context();
        batch.Release(server, item.UnitId, (int)context.KeyVersion, item.Name);
        return Task.FromResult(new PendingOpen(() =>
        {
            using var share = ServerShares.Import(server, batch.Released(server, item.UnitId).Share);
            return vault.Open(item, share, context);
        }));
    }

    /// <summary>
    /// Opens the item with a release: the share is imported (and the answer's bytes wiped) before anything else, so that
    /// keeping the receipt, which writes to disk and may fail, cannot leave them behind.
    /// </summary>
    internal static Credential Open(VaultContext vault, Uri server, StoredItem item, ItemContext context, ReleaseResponse released)
    {
        using var share = ServerShares.Import(server, released.Share);
        vault.Receipts.Keep(server, released.Receipt);
        return vault.Open(item, share, context);
    }

    public async Task RotateAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken)
    {
        var server = vault.ServerOf(item);
        var context = item.Context();
        using var credential = await OpenAsync(vault, item, cancellationToken);
        var rotated = await vault.Server(server).RotateUnitAsync(item.UnitId, null, cancellationToken);
        var next = new ItemContext(context.VaultId, context.UnitId, (uint)rotated.Version, Mode);
        vault.Items.Save(item with { SealedItem = Seal(vault, server, rotated, next, credential), Server = server });

        // Only now, with the new item durably saved, may the server destroy the old share.
        await vault.Server(server).ConfirmUnitAsync(item.UnitId, new ConfirmRequest(rotated.Version), cancellationToken);
    }

    public Task RemoveAsync(VaultContext vault, StoredItem item, bool now, CancellationToken cancellationToken) =>
        vault.ShredAndDeleteAsync(item, now, cancellationToken);

    public Task RestoreAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken) => vault.RestoreAsync(item, cancellationToken);

    private static byte[] Seal(VaultContext vault, Uri server, ShareResponse drawn, ItemContext context, Credential credential)
    {
        using var share = ServerShares.Import(server, drawn.Share);
        return vault.Seal(share, context, credential);
    }
}
