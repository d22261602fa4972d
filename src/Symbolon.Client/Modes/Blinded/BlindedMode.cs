using Symbolon.Client.Items;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes.Blinded;

/// <summary>
/// Blinded mode (docs/spec.md §10): the server share is the POPRF output (RFC 9497, ristretto255-SHA512) of the
/// account's key on a private input only this device derives, with the unit id as public info. The server sees a
/// blinded element and the unit id, never the input, the output or the share; every evaluation carries a proof,
/// checked against the public key pinned when it was first seen (<see cref="BlindedKeys"/>), before anything is sealed
/// or opened with it. An item's key version is the key epoch it is sealed under.
/// </summary>
internal sealed class BlindedMode : IItemMode
{
    /// <summary>A format of its own, so that clients from before blinded mode refuse these items instead of asking for a release.</summary>
    public const int FileFormat = 3;

    public ItemMode Mode => ItemMode.Blinded;

    public int Format => FileFormat;

    public bool TakesSet => false;

    public bool Fits(StoredItem item) => item.Threshold is null;

    public async Task<StoredItem> AddAsync(VaultContext vault, string name, Credential credential, string? set, CancellationToken cancellationToken)
    {
        var server = vault.DefaultServer();
        var epoch = await BlindedKeys.NewestEpochAsync(vault, server, rotate: false, cancellationToken);
        var created = await vault.Server(server).CreateUnitAsync(new ShareRequest(Blinded: true), cancellationToken);
        var context = new ItemContext(vault.VaultId, created.UnitId, (uint)epoch, Mode);
        try
        {
            using var share = await BlindedKeys.EvaluateAsync(vault, server, context, cancellationToken);
            var item = new StoredItem(Format, name, created.UnitId, vault.Seal(share, context, credential), vault.Options.Time.GetUtcNow(), server);
            vault.Items.Save(item);
            return item;
        }
        catch
        {
            await vault.ShredIfReachableAsync(server, created.UnitId, cancellationToken);
            throw;
        }
    }

    public Task<Credential> OpenAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken) =>
        OpenAsync(vault, item, vault.ServerOf(item), cancellationToken);

    public async Task<PendingOpen> PrepareOpenAsync(VaultContext vault, StoredItem item, UseBatch batch, CancellationToken cancellationToken)
    {
        var server = vault.ServerOf(item);
        var context = item.Context();
        var evaluation = await BlindedKeys.BlindAsync(vault, server, context, cancellationToken);
        batch.Evaluate(server, evaluation.Request, item.Name);
        return new PendingOpen(
            () =>
            {
                using var share = evaluation.Finish(batch.Evaluated(server, item.UnitId));
                return vault.Open(item, share, context);
            },
            evaluation);
    }

    /// <summary>A new unit (so a new POPRF input and share), re-sealed, then the old unit shredded.</summary>
    public async Task RotateAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken)
    {
        var server = vault.ServerOf(item);
        var context = item.Context();
        using var credential = await OpenAsync(vault, item, server, cancellationToken);
        var created = await vault.Server(server).CreateUnitAsync(new ShareRequest(Blinded: true), cancellationToken);
        var next = new ItemContext(context.VaultId, created.UnitId, context.KeyVersion, Mode);
        using (var share = await BlindedKeys.EvaluateAsync(vault, server, next, cancellationToken))
        {
            vault.Items.Save(item with { UnitId = next.UnitId, SealedItem = vault.Seal(share, next, credential), Server = server });
        }

        // Only now, with the new item durably saved, may the old file go and the old unit be shredded.
        vault.Items.Delete(item);
        await vault.ShredIfReachableAsync(server, item.UnitId, cancellationToken);
    }

    public Task RemoveAsync(VaultContext vault, StoredItem item, bool now, CancellationToken cancellationToken) =>
        vault.ShredAndDeleteAsync(item, now, cancellationToken);

    public Task RestoreAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken) => vault.RestoreAsync(item, cancellationToken);

    /// <summary>Opens the item with an evaluation under the epoch it is sealed under.</summary>
    internal static async Task<Credential> OpenAsync(VaultContext vault, StoredItem item, Uri server, CancellationToken cancellationToken)
    {
        var context = item.Context();
        using var share = await BlindedKeys.EvaluateAsync(vault, server, context, cancellationToken);
        return vault.Open(item, share, context);
    }
}
