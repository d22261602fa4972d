// Blinded mode: a unit's server share is the POPRF output (RFC 9497, ristretto255-SHA512) on a private input only
// this device can derive, with the unit id as the public info. docs/spec.md §10, "Blinded items".
using System.Security.Cryptography;
using System.Text;
using Symbolon.Crypto.Oprf;

namespace Symbolon.Crypto;

/// <summary>
/// The two derivations around the key server's POPRF evaluation: the private input the client blinds, and the server
/// share taken from the verified output. The server sees neither: only a blinded element and the unit id.
/// </summary>
public static class BlindedShare
{
    /// <summary>Size of the private input in bytes.</summary>
    public const int InputSize = 32;

    /// <summary>Size of the POPRF public info (the unit id) in bytes.</summary>
    internal const int InfoSize = 16;

    private static readonly byte[] InputLabel = Encoding.ASCII.GetBytes(Labels.BlindedInput);
    private static readonly byte[] ShareLabel = Encoding.ASCII.GetBytes(Labels.BlindedShare);

    /// <summary>
    /// <c>input = HKDF-SHA256(ikm = root key, salt = "", info = "symbolon.dev/v1/blinded-input" ‖ vault id ‖ unit id, L = 32)</c>.
    /// Called through <see cref="ClientRootKey.DeriveBlindedInput"/>.
    /// </summary>
    internal static void DeriveInput(ReadOnlySpan<byte> rootKey, Guid vaultId, Guid unitId, Span<byte> input)
    {
        Guard.Length(input, InputSize, nameof(input));
        Span<byte> info = stackalloc byte[InputLabel.Length + 32];
        InputLabel.CopyTo(info);
        ItemContext.WriteId(vaultId, info[InputLabel.Length..]);
        ItemContext.WriteId(unitId, info[(InputLabel.Length + 16)..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, input, salt: [], info);
    }

    /// <summary>The POPRF public info: the unit id, 16 bytes big-endian (docs/spec.md §1).</summary>
    public static byte[] Info(Guid unitId)
    {
        var info = new byte[InfoSize];
        ItemContext.WriteId(unitId, info);
        return info;
    }

    /// <summary><c>server share = HKDF-SHA256(ikm = POPRF output, salt = "", info = "symbolon.dev/v1/blinded-share", L = 32)</c>.</summary>
    /// <param name="output">The verified 64-byte POPRF output.</param>
    public static ServerShare FromOutput(ReadOnlySpan<byte> output)
    {
        Guard.Length(output, OprfClient.OutputSize, nameof(output));
        Span<byte> share = stackalloc byte[ServerShare.ShareSize];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, output, share, salt: [], ShareLabel);
            return ServerShare.Import(share);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(share);
        }
    }
}
