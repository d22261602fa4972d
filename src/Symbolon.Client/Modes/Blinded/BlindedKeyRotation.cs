using Symbolon.Client.Items;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes.Blinded;

/// <summary>Moving every blinded item of this home to a new server key epoch (<see cref="VaultClient.RotateBlindedKeyAsync"/>).</summary>
internal static class BlindedKeyRotation
{
    /// <summary>
    /// Starts a new epoch if every item is under the newest (otherwise finishes the rotation in progress), re-seals each
    /// item behind it, items added meanwhile too, then confirms; the server says how many items elsewhere still lag.
    /// </summary>
    public static async Task<int> RunAsync(VaultContext vault, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var server = vault.DefaultServer();
        var epoch = await BlindedKeys.NewestEpochAsync(vault, server, rotate: false, cancellationToken);
        if (Items(vault, server).All(i => i.Context().KeyVersion == epoch))
        {
            epoch = await BlindedKeys.NewestEpochAsync(vault, server, rotate: true, cancellationToken);
        }

        var resealed = 0;
        for (var behind = Behind(vault, server, epoch); behind.Count > 0; behind = Behind(vault, server, epoch))
        {
            for (var index = 0; index < behind.Count; index++)
            {
                var item = behind[index];
                var context = item.Context();
                using var credential = await BlindedMode.OpenAsync(vault, item, server, cancellationToken);
                var next = new ItemContext(context.VaultId, context.UnitId, (uint)epoch, ItemMode.Blinded);
                using var share = await BlindedKeys.EvaluateAsync(vault, server, next, cancellationToken);
                vault.Items.Save(item with { SealedItem = vault.Seal(share, next, credential), Server = server });
                resealed++;
                progress?.Report((index + 1, behind.Count));
            }
        }

        var confirmed = await vault.Server(server).ConfirmOprfKeyAsync(new EpochRequest(epoch), cancellationToken);
        if (confirmed.PendingUnits is > 0 and var pending)
        {
            vault.Options.Warning?.Invoke(
                $"{pending} blinded items of this account on other devices or homes are not under key epoch {epoch} yet, so the server keeps the older keys: run `symbolon rotate --server-key` there too.");
        }

        return resealed;
    }

    private static List<StoredItem> Items(VaultContext vault, Uri server) =>
        [.. vault.Items.All().Where(i => i.Format == BlindedMode.FileFormat && vault.ServerOf(i) == server)];

    private static List<StoredItem> Behind(VaultContext vault, Uri server, int epoch) =>
        [.. Items(vault, server).Where(i => i.Context().KeyVersion < epoch)];
}
