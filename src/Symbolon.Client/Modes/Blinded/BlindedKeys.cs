using System.Security.Cryptography;
using Symbolon.Client.Sessions;
using Symbolon.Crypto;
using Symbolon.Crypto.Oprf;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes.Blinded;

/// <summary>
/// Blinded mode's evaluations and the server keys they are checked against: each (server, account, epoch) public key is
/// pinned in vault.json the first time it is seen, and a server that later presents or evaluates with another is refused.
/// </summary>
internal static class BlindedKeys
{
    /// <summary>The newest key epoch (after starting a new one, with <paramref name="rotate"/>), its key pinned.</summary>
    public static async Task<int> NewestEpochAsync(VaultContext vault, Uri server, bool rotate, CancellationToken cancellationToken)
    {
        var api = vault.Server(server);
        var key = rotate ? await api.RotateOprfKeyAsync(cancellationToken) : await api.OprfKeyAsync(null, cancellationToken);
        Pin(vault, server, key.Epoch, key.PublicKey);
        return key.Epoch;
    }

    /// <summary>
    /// One POPRF evaluation for the unit in <paramref name="context"/> under the epoch in its key version: blind the
    /// private input, ask the server, verify its proof against the pinned key, unblind, derive the server share.
    /// </summary>
    public static async Task<ServerShare> EvaluateAsync(VaultContext vault, Uri server, ItemContext context, CancellationToken cancellationToken)
    {
        using var evaluation = await BlindAsync(vault, server, context, cancellationToken);
        var response = await vault.Server(server).EvaluateAsync(context.UnitId, new EvaluateRequest(evaluation.Request.BlindedElement, evaluation.Request.Epoch), cancellationToken);
        vault.Receipts.Keep(server, response.Receipt);
        return evaluation.Finish(response);
    }

    /// <summary>The blinded request of one evaluation (its private input derived and blinded against the pinned key), ready to send.</summary>
    public static async Task<BlindedEvaluation> BlindAsync(VaultContext vault, Uri server, ItemContext context, CancellationToken cancellationToken)
    {
        var epoch = (int)context.KeyVersion;
        var client = new OprfClient(OprfMode.Poprf, await PinnedKeyAsync(vault, server, epoch, cancellationToken));
        var input = new byte[BlindedShare.InputSize];
        try
        {
            vault.DeriveBlindedInput(context, input);
            var blinded = client.Blind(input, BlindedShare.Info(context.UnitId));
            return new BlindedEvaluation(server, client, blinded, new EvaluateItem(context.UnitId, blinded.BlindedElement.ToArray(), epoch));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    /// <summary>The pinned public key for (server, account, epoch), fetched and pinned on first use.</summary>
    private static async Task<byte[]> PinnedKeyAsync(VaultContext vault, Uri server, int epoch, CancellationToken cancellationToken)
    {
        var userId = vault.Sessions.Require(server).UserId;
        if (Pinned(vault.State, server, userId, epoch) is { } pinned)
        {
            return pinned.PublicKey;
        }

        var key = await vault.Server(server).OprfKeyAsync(epoch, cancellationToken);
        return Pin(vault, server, epoch, key.PublicKey);
    }

    /// <summary>Pins a public key the server presented; one that differs from the key already pinned for the epoch is refused.</summary>
    private static byte[] Pin(VaultContext vault, Uri server, int epoch, byte[] publicKey)
    {
        var userId = vault.Sessions.Require(server).UserId;

        // Pins are only ever added, never changed: one this vault already holds is checked without the lock and re-read.
        if (Pinned(vault.State, server, userId, epoch) is { } known)
        {
            return Matching(known, server, epoch, publicKey);
        }

        // Another process may have pinned it since this vault was read: the check then runs against that pin.
        vault.UpdateState(state =>
        {
            if (Pinned(state, server, userId, epoch) is { } pinned)
            {
                _ = Matching(pinned, server, epoch, publicKey);
                return state;
            }

            return state with { OprfKeys = [.. state.OprfKeys ?? [], new PinnedOprfKey(server, userId, epoch, publicKey)] };
        });
        return publicKey;
    }

    /// <summary>The presented key when it is the pinned one; a different key is refused.</summary>
    private static byte[] Matching(PinnedOprfKey pinned, Uri server, int epoch, byte[] publicKey) =>
        CryptographicOperations.FixedTimeEquals(pinned.PublicKey, publicKey)
            ? publicKey
            : throw new ProtocolException(
                $"The key server at {server} now presents a different blinded-mode key for epoch {epoch} than the one pinned on this device; refusing to use it.");

    private static PinnedOprfKey? Pinned(VaultState state, Uri server, Guid userId, int epoch) =>
        state.OprfKeys?.FirstOrDefault(k => k.Server == server && k.UserId == userId && k.Epoch == epoch);
}

/// <summary>One blinded evaluation in flight: the request to send, and the blinding that unblinds its answer (wiped on dispose).</summary>
internal sealed class BlindedEvaluation(Uri server, OprfClient client, OprfBlindedInput blinded, EvaluateItem request) : IDisposable
{
    public EvaluateItem Request => request;

    /// <summary>The server share from the server's answer, its proof verified against the pinned key first.</summary>
    public ServerShare Finish(EvaluateResponse response)
    {
        var output = new byte[OprfClient.OutputSize];
        try
        {
            client.Finalize(blinded, new OprfEvaluation([response.EvaluatedElement], response.Proof), output);
            return BlindedShare.FromOutput(output);
        }
        catch (Exception exception) when (exception is OprfException or ArgumentException or InvalidOperationException)
        {
            throw new ProtocolException(
                $"The key server at {server} answered a blinded evaluation with a proof that does not verify against its key for epoch {request.Epoch} pinned on this device: it evaluated with another key (or the answer was altered). Nothing was sealed or opened with it.",
                exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    public void Dispose() => blinded.Dispose();
}
