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
    /// Rotates the default server's blinded-mode key: the server starts a new key epoch, every blinded item on it is
    /// opened under its old epoch and re-sealed under the new one (progress as (done, total)), then the server destroys
    /// the old keys. Interrupted, it can simply be run again: items are saved one by one and the old keys stay until the end.
    /// </summary>
    public async Task RotateBlindedKeyAsync(IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var server = DefaultServer();
        var rotated = await AuthorisedAsync(server, HttpMethod.Post, "/v1/oprf/rotate", null, cancellationToken);
        var epoch = rotated.GetProperty("epoch").GetInt32();
        Pin(server, epoch, rotated.GetProperty("publicKey").GetBytesFromBase64());
        var items = _items.All().Where(i => i.Threshold is null && i.Context().Mode == ItemMode.Blinded && ItemServer(i) == server).ToList();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            var context = item.Context();
            if (context.KeyVersion != epoch)
            {
                using var credential = OpenSealed(item, await EvaluateAsync(server, context, cancellationToken), context);
                var next = new ItemContext(context.VaultId, context.UnitId, (uint)epoch, ItemMode.Blinded);
                using var share = await EvaluateAsync(server, next, cancellationToken);
                _items.Save(item with { SealedItem = Seal(share, next, credential), Server = server });
            }

            progress?.Report((index + 1, items.Count));
        }

        await AuthorisedAsync(server, HttpMethod.Post, "/v1/oprf/confirm", new { epoch }, cancellationToken);
    }

    private async Task<ItemInfo> AddBlindedAsync(string name, Credential credential, CancellationToken cancellationToken)
    {
        var server = DefaultServer();
        var key = await AuthorisedAsync(server, HttpMethod.Get, "/v1/oprf/key", null, cancellationToken);
        var epoch = key.GetProperty("epoch").GetInt32();
        Pin(server, epoch, key.GetProperty("publicKey").GetBytesFromBase64());
        var created = await AuthorisedAsync(server, HttpMethod.Post, "/v1/units", new { blinded = true }, cancellationToken);
        var unitId = created.GetProperty("unitId").GetGuid();
        var context = new ItemContext(_vault.VaultId, unitId, (uint)epoch, ItemMode.Blinded);
        try
        {
            using var share = await EvaluateAsync(server, context, cancellationToken);
            var item = new StoredItem(StoredItem.SplitFormat, name, unitId, Seal(share, context, credential), _options.Time.GetUtcNow(), server);
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
        var pinned = _vault.OprfKeys?.FirstOrDefault(k => k.Server == server && k.UserId == userId && k.Epoch == epoch);
        if (pinned is not null)
        {
            return CryptographicOperations.FixedTimeEquals(pinned.PublicKey, publicKey)
                ? pinned.PublicKey
                : throw new ProtocolException(
                    $"The key server at {server} now presents a different blinded-mode key for epoch {epoch} than the one pinned on this device; refusing to use it.");
        }

        SaveVault(_vault with { OprfKeys = [.. _vault.OprfKeys ?? [], new PinnedOprfKey(server, userId, epoch, publicKey)] });
        return publicKey;
    }
}
