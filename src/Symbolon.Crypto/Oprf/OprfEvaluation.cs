namespace Symbolon.Crypto.Oprf;

/// <summary>
/// The server's answer to a batch of blinded elements (RFC 9497 §3.3): one evaluated element per blinded element,
/// in the same order, and in the verifiable modes one proof (c ‖ s) for the whole batch.
/// </summary>
public sealed class OprfEvaluation
{
    /// <summary>Size of a proof in bytes (VOPRF and POPRF; OPRF has none).</summary>
    public const int ProofSize = OprfCore.ProofSize;

    /// <summary>Size of an evaluated element in bytes.</summary>
    public const int ElementSize = OprfCore.ElementSize;

    private readonly byte[] _proof;

    /// <summary>Wraps an evaluation as received; <see cref="OprfClient.Finalize(OprfBlindedInput, OprfEvaluation, Span{byte})"/> checks it.</summary>
    /// <param name="evaluatedElements">The evaluated elements, copied.</param>
    /// <param name="proof">The proof, copied; empty in OPRF mode.</param>
    public OprfEvaluation(IReadOnlyList<byte[]> evaluatedElements, ReadOnlySpan<byte> proof)
    {
        ArgumentNullException.ThrowIfNull(evaluatedElements);
        EvaluatedElements = [.. evaluatedElements.Select(element => element?.ToArray() ?? [])];
        _proof = proof.ToArray();
    }

    /// <summary>The evaluated elements, one per blinded element sent.</summary>
    public IReadOnlyList<byte[]> EvaluatedElements { get; }

    /// <summary>The batch's proof; empty in OPRF mode.</summary>
    public ReadOnlySpan<byte> Proof => _proof;
}
