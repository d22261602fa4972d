// RFC 9497 §3.3.1–3.3.3 BlindEvaluate (server side) for ristretto255-SHA512, with the batched proof of §2.2.1.
using System.Security.Cryptography;

namespace Symbolon.Crypto.Oprf;

/// <summary>The key server's side: evaluates blinded elements under an <see cref="OprfPrivateKey"/>.</summary>
public static class OprfServer
{
    /// <summary>The largest batch: composite indices are two bytes.</summary>
    internal const int MaxBatchSize = OprfCore.MaxLength;

    /// <summary>
    /// True when <paramref name="element"/> is a canonical ristretto255 encoding other than the identity: what
    /// <see cref="BlindEvaluate(OprfPrivateKey, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> accepts. Lets a server refuse
    /// malformed input before it touches its key or counts the request.
    /// </summary>
    public static bool IsValidBlindedElement(ReadOnlySpan<byte> element) =>
        Ristretto255.IsValidElement(element);

    /// <summary>
    /// Evaluates one blinded element: skS · B in OPRF and VOPRF, (skS + m)⁻¹ · B in POPRF, where m hashes the info. In
    /// VOPRF and POPRF the answer carries a DLEQ proof; its randomness comes from the OS CSPRNG.
    /// </summary>
    /// <param name="key">The server's key; its mode decides the protocol.</param>
    /// <param name="blindedElement">The element received from the client.</param>
    /// <param name="info">POPRF's public info (at most 65535 bytes); must be empty in the other modes.</param>
    /// <exception cref="OprfException">
    /// DeserializeError (the element is not a canonical non-identity encoding), or InverseError (POPRF).
    /// </exception>
    public static OprfEvaluation BlindEvaluate(OprfPrivateKey key, ReadOnlySpan<byte> blindedElement, ReadOnlySpan<byte> info = default) =>
        BlindEvaluate(key, [blindedElement.ToArray()], info);

    /// <summary>
    /// Evaluates a batch of blinded elements: skS · B in OPRF and VOPRF, (skS + m)⁻¹ · B in POPRF, where m hashes the
    /// info. In VOPRF and POPRF one DLEQ proof covers the whole batch; its randomness comes from the OS CSPRNG.
    /// </summary>
    /// <param name="key">The server's key; its mode decides the protocol.</param>
    /// <param name="blindedElements">From 1 to <see cref="MaxBatchSize"/> elements received from clients.</param>
    /// <param name="info">POPRF's public info (at most 65535 bytes); must be empty in the other modes.</param>
    /// <exception cref="OprfException">
    /// DeserializeError (an element is not a canonical non-identity encoding), or InverseError (POPRF).
    /// </exception>
    internal static OprfEvaluation BlindEvaluate(OprfPrivateKey key, IReadOnlyList<byte[]> blindedElements, ReadOnlySpan<byte> info = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> proofRandomness = stackalloc byte[key.Mode == OprfMode.Oprf ? 0 : OprfCore.ScalarSize];
        try
        {
            if (!proofRandomness.IsEmpty)
            {
                Ristretto255.RandomScalar(proofRandomness);
            }

            return BlindEvaluate(key, blindedElements, info, proofRandomness);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(proofRandomness);
        }
    }

    /// <summary>The deterministic half, given the proof's random scalar r (test vectors fix it).</summary>
    internal static OprfEvaluation BlindEvaluate(
        OprfPrivateKey key, IReadOnlyList<byte[]> blindedElements, ReadOnlySpan<byte> info, ReadOnlySpan<byte> proofRandomness)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(blindedElements);
        Guard.Count(blindedElements.Count, MaxBatchSize, nameof(blindedElements));
        Guard.InfoOnlyInPoprf(key.Mode, info, nameof(info));
        Guard.MaxLength(info, OprfCore.MaxLength, nameof(info));

        var blinded = OprfCore.DeserializeElements(blindedElements);
        var evaluated = new byte[blinded.Length];
        var proof = new byte[key.Mode == OprfMode.Oprf ? 0 : OprfCore.ProofSize];
        OprfCore.BlindEvaluate(key.Mode, key.Secret, key.PublicKey, info, blinded, evaluated, proofRandomness, proof);
        return new OprfEvaluation([.. evaluated.Chunk(OprfCore.ElementSize)], proof);
    }
}
