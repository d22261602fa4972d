using System.Security.Cryptography;
using System.Text.Json;
using Symbolon.Crypto;
using Symbolon.Crypto.Oprf;

namespace Symbolon.Client;

/// <summary>
/// Blinded mode (docs/spec.md §10): the server share is the POPRF output (RFC 9497, ristretto255-SHA512) of the
/// account's key on a private input only this device derives, with the unit id as public info. The server sees a
/// blinded element and the unit id, never the input, the output or the share; every evaluation carries a proof,
/// checked against the public key pinned when it was first seen, before anything is sealed or opened with it.
/// </summary>
public sealed partial class VaultClient
{
    /// <summary>
    /// Rotates the default server's blinded-mode key and returns how many items were re-sealed. If this home's items
    /// are all under the newest epoch, the server starts a new one; otherwise (another device started a rotation, or
    /// one was interrupted) the items move to the newest. Each is opened under its epoch and re-sealed under the new one
    /// (progress as (done, total)), items added meanwhile too; then the rotation is confirmed. The server destroys the
    /// old keys only once every blinded item of the account, on every device, has moved: until then a warning says how
    /// many are pending (run the same command on those devices). Interrupted, it can simply be run again.
    /// </summary>
    public async Task<int> RotateBlindedKeyAsync(IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var server = DefaultServer();
        var epoch = await NewestEpochAsync(server, "/v1/oprf/key", HttpMethod.Get, cancellationToken);
        if (BlindedItems(server).All(i => i.Context().KeyVersion == epoch))
        {
            epoch = await NewestEpochAsync(server, "/v1/oprf/rotate", HttpMethod.Post, cancellationToken);
        }

        var resealed = 0;
        for (var behind = Behind(server, epoch); behind.Count > 0; behind = Behind(server, epoch))
        {
            for (var index = 0; index < behind.Count; index++)
            {
                var item = behind[index];
                var context = item.Context();
                using var credential = OpenSealed(item, await EvaluateAsync(server, context, cancellationToken), context);
                var next = new ItemContext(context.VaultId, context.UnitId, (uint)epoch, ItemMode.Blinded);
                using var share = await EvaluateAsync(server, next, cancellationToken);
                _items.Save(item with { SealedItem = Seal(share, next, credential), Server = server });
                resealed++;
                progress?.Report((index + 1, behind.Count));
            }
        }

        var confirmed = await AuthorisedAsync(server, HttpMethod.Post, "/v1/oprf/confirm", new { epoch }, cancellationToken);
        if (confirmed.GetProperty("pendingUnits").GetInt32() is > 0 and var pending)
        {
            _options.Warning?.Invoke(
                $"{pending} blinded items of this account on other devices or homes are not under key epoch {epoch} yet, so the server keeps the older keys: run `symbolon rotate --server-key` there too.");
        }

        return resealed;
    }

    private List<StoredItem> BlindedItems(Uri server) =>
        [.. _items.All().Where(i => i.Threshold is null && i.Context().Mode == ItemMode.Blinded && ItemServer(i) == server)];

    private List<StoredItem> Behind(Uri server, int epoch) => [.. BlindedItems(server).Where(i => i.Context().KeyVersion < epoch)];

    private async Task<int> NewestEpochAsync(Uri server, string path, HttpMethod method, CancellationToken cancellationToken)
    {
        var key = await AuthorisedAsync(server, method, path, null, cancellationToken);
        var epoch = key.GetProperty("epoch").GetInt32();
        Pin(server, epoch, key.GetProperty("publicKey").GetBytesFromBase64());
        return epoch;
    }

    private async Task<ItemInfo> AddBlindedAsync(string name, Credential credential, CancellationToken cancellationToken)
    {
        var server = DefaultServer();
        var epoch = await NewestEpochAsync(server, "/v1/oprf/key", HttpMethod.Get, cancellationToken);
        var created = await AuthorisedAsync(server, HttpMethod.Post, "/v1/units", new { blinded = true }, cancellationToken);
        var unitId = created.GetProperty("unitId").GetGuid();
        var context = new ItemContext(_vault.VaultId, unitId, (uint)epoch, ItemMode.Blinded);
        try
        {
            using var share = await EvaluateAsync(server, context, cancellationToken);
            var item = new StoredItem(StoredItem.BlindedFormat, name, unitId, Seal(share, context, credential), _options.Time.GetUtcNow(), server);
            _items.Save(item);
            return Info(item);
        }
        catch
        {
            await TryShredAsync(server, unitId, cancellationToken);
            throw;
        }
    }

    /// <summary>A blinded item's rotation: a new unit (so a new POPRF input and share), re-sealed, then the old unit shredded.</summary>
    private async Task RotateBlindedAsync(StoredItem item, CancellationToken cancellationToken)
    {
        var server = ItemServer(item);
        var context = item.Context();
        using var credential = OpenSealed(item, await EvaluateAsync(server, context, cancellationToken), context);
        var created = await AuthorisedAsync(server, HttpMethod.Post, "/v1/units", new { blinded = true }, cancellationToken);
        var next = new ItemContext(context.VaultId, created.GetProperty("unitId").GetGuid(), context.KeyVersion, ItemMode.Blinded);
        using (var share = await EvaluateAsync(server, next, cancellationToken))
        {
            _items.Save(item with { UnitId = next.UnitId, SealedItem = Seal(share, next, credential), Server = server });
        }

        // Only now, with the new item durably saved, may the old file go and the old unit be shredded.
        _items.Delete(item);
        await TryShredAsync(server, item.UnitId, cancellationToken);
    }

    /// <summary>
    /// One POPRF evaluation for the unit in <paramref name="context"/> under the epoch in its key version: blind the
    /// private input, ask the server, verify its proof against the pinned key, unblind, derive the server share.
    /// </summary>
    private async Task<ServerShare> EvaluateAsync(Uri server, ItemContext context, CancellationToken cancellationToken)
    {
        var epoch = (int)context.KeyVersion;
        var client = new OprfClient(OprfMode.Poprf, await PinnedKeyAsync(server, epoch, cancellationToken));
        var input = new byte[BlindedShare.InputSize];
        var output = new byte[OprfClient.OutputSize];
        try
        {
            _rootKey.DeriveBlindedInput(context.VaultId, context.UnitId, input);
            using var blinded = client.Blind(input, BlindedShare.Info(context.UnitId));
            var response = await AuthorisedAsync(server, HttpMethod.Post, $"/v1/units/{context.UnitId}/evaluate",
                new { blindedElement = blinded.BlindedElement.ToArray(), epoch }, cancellationToken);
            KeepReceipt(server, response.GetProperty("receipt"));
            try
            {
                var evaluation = new OprfEvaluation([response.GetProperty("evaluatedElement").GetBytesFromBase64()], response.GetProperty("proof").GetBytesFromBase64());
                client.Finalize(blinded, evaluation, output);
            }
            catch (Exception exception) when (exception is OprfException or ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw new ProtocolException(
                    $"The key server at {server} answered a blinded evaluation with a proof that does not verify against its key for epoch {epoch} pinned on this device: it evaluated with another key (or the answer was altered). Nothing was sealed or opened with it.");
            }

            return BlindedShare.FromOutput(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>The pinned public key for (server, account, epoch), fetched and pinned on first use.</summary>
    private async Task<byte[]> PinnedKeyAsync(Uri server, int epoch, CancellationToken cancellationToken)
    {
        var userId = RequireSession(server).UserId;
        if (_vault.OprfKeys?.FirstOrDefault(k => k.Server == server && k.UserId == userId && k.Epoch == epoch) is { } pinned)
        {
            return pinned.PublicKey;
        }

        var key = await AuthorisedAsync(server, HttpMethod.Get, $"/v1/oprf/key?epoch={epoch}", null, cancellationToken);
        return Pin(server, epoch, key.GetProperty("publicKey").GetBytesFromBase64());
    }

    /// <summary>Pins a public key the server presented; one that differs from the key already pinned for the epoch is refused.</summary>
    private byte[] Pin(Uri server, int epoch, byte[] publicKey)
    {
        var userId = RequireSession(server).UserId;
        UpdateVault(vault =>
        {
            var pinned = vault.OprfKeys?.FirstOrDefault(k => k.Server == server && k.UserId == userId && k.Epoch == epoch);
            if (pinned is null)
            {
                return vault with { OprfKeys = [.. vault.OprfKeys ?? [], new PinnedOprfKey(server, userId, epoch, publicKey)] };
            }

            return CryptographicOperations.FixedTimeEquals(pinned.PublicKey, publicKey)
                ? vault
                : throw new ProtocolException(
                    $"The key server at {server} now presents a different blinded-mode key for epoch {epoch} than the one pinned on this device; refusing to use it.");
        });
        return publicKey;
    }
}
