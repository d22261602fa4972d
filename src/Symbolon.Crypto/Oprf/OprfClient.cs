// RFC 9497 §3.3.1–3.3.3 Blind and Finalize (client side) for ristretto255-SHA512, with the batched proof check of
// §2.2.2. Output = SHA-512 of the framed input, info (POPRF) and unblinded element: 64 bytes.
using System.Security.Cryptography;

namespace Symbolon.Crypto.Oprf;

/// <summary>
/// The client's side for one server: blinds inputs, then checks the server's evaluation (VOPRF, POPRF) and unblinds
/// it into the PRF output. The server learns nothing about the inputs or the outputs.
/// </summary>
public sealed class OprfClient
{
    /// <summary>Size of a PRF output in bytes.</summary>
    public const int OutputSize = OprfCore.OutputSize;

    /// <summary>The longest input or info: both are framed with a two-byte length.</summary>
    public const int MaxInputLength = OprfCore.MaxLength;

    private readonly byte[] _serverPublicKey;

    /// <summary>Creates a client of one server in one mode.</summary>
    /// <param name="mode">The server key's mode.</param>
    /// <param name="serverPublicKey">pkS (32 bytes) in VOPRF and POPRF; empty in OPRF, which verifies nothing.</param>
    /// <exception cref="OprfException">DeserializeError: the public key is not a valid non-identity element.</exception>
    public OprfClient(OprfMode mode, ReadOnlySpan<byte> serverPublicKey = default)
    {
        Guard.DefinedMode(mode, nameof(mode));
        Guard.Length(serverPublicKey, mode == OprfMode.Oprf ? 0 : OprfPrivateKey.PublicKeySize, nameof(serverPublicKey));
        if (mode != OprfMode.Oprf && !Ristretto255.IsValidElement(serverPublicKey))
        {
            throw OprfException.Create(OprfError.Deserialize);
        }

        Mode = mode;
        _serverPublicKey = serverPublicKey.ToArray();
    }

    /// <summary>The protocol variant.</summary>
    public OprfMode Mode { get; }

    /// <summary>Blinds one input with a fresh random blind (and, in POPRF, binds the info).</summary>
    /// <param name="input">The private input, at most <see cref="MaxInputLength"/> bytes; it is copied and wiped on dispose.</param>
    /// <param name="info">POPRF's public info, at most <see cref="MaxInputLength"/> bytes; must be empty in the other modes.</param>
    /// <exception cref="OprfException">InvalidInputError: the input, or (POPRF) the info with the key, maps to the identity.</exception>
    public OprfBlindedInput Blind(ReadOnlySpan<byte> input, ReadOnlySpan<byte> info = default)
    {
        Span<byte> blind = stackalloc byte[OprfCore.ScalarSize];
        try
        {
            Ristretto255.RandomScalar(blind);
            return Blind(input, info, blind);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blind);
        }
    }

    /// <summary>
    /// Checks the server's evaluation (VOPRF and POPRF: its proof, against pkS or the tweaked key) and writes the
    /// <see cref="OutputSize"/>-byte PRF output. Nothing is written unless every check passed.
    /// </summary>
    /// <param name="blindedInput">What <see cref="Blind(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> returned.</param>
    /// <param name="evaluation">The server's answer.</param>
    /// <param name="output">Exactly <see cref="OutputSize"/> bytes. The PRF output is secret: wipe it after use.</param>
    /// <exception cref="OprfException">DeserializeError (a malformed answer) or VerifyError (the proof does not hold).</exception>
    public void Finalize(OprfBlindedInput blindedInput, OprfEvaluation evaluation, Span<byte> output) =>
        Finalize([blindedInput], evaluation, output);

    /// <summary>
    /// Checks a batch evaluation (VOPRF and POPRF: its one proof, against pkS or the tweaked key) and writes one
    /// <see cref="OutputSize"/>-byte output per input, in order. Nothing is written unless every check passed.
    /// </summary>
    /// <param name="blindedInputs">What <see cref="Blind(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> returned, in the order sent; in POPRF all with the same info.</param>
    /// <param name="evaluation">The server's answer.</param>
    /// <param name="outputs">Exactly <c>blindedInputs.Count × 64</c> bytes. The PRF outputs are secret: wipe them after use.</param>
    /// <exception cref="OprfException">DeserializeError (a malformed answer) or VerifyError (the proof does not hold).</exception>
    internal void Finalize(IReadOnlyList<OprfBlindedInput> blindedInputs, OprfEvaluation evaluation, Span<byte> outputs)
    {
        ArgumentNullException.ThrowIfNull(blindedInputs);
        ArgumentNullException.ThrowIfNull(evaluation);
        Guard.Count(blindedInputs.Count, OprfServer.MaxBatchSize, nameof(blindedInputs));
        Guard.Length(outputs, blindedInputs.Count * OutputSize, nameof(outputs));
        var first = blindedInputs[0];
        foreach (var blindedInput in blindedInputs)
        {
            ArgumentNullException.ThrowIfNull(blindedInput, nameof(blindedInputs));
            if (blindedInput.Client != this || !blindedInput.Info.AsSpan().SequenceEqual(first.Info))
            {
                throw new ArgumentException(
                    $"`{nameof(blindedInputs)}` must all come from this client's Blind with the same info: one proof covers one key.",
                    nameof(blindedInputs));
            }

            // A disposed input fails here, before anything is written.
            _ = blindedInput.Input.Span;
            _ = blindedInput.Blind.Span;
        }

        if (evaluation.EvaluatedElements.Count != blindedInputs.Count || evaluation.Proof.Length != (Mode == OprfMode.Oprf ? 0 : OprfCore.ProofSize))
        {
            throw OprfException.Create(OprfError.Deserialize);
        }

        var evaluated = OprfCore.DeserializeElements(evaluation.EvaluatedElements);
        if (Mode != OprfMode.Oprf)
        {
            var proof = evaluation.Proof;
            if (!Ristretto255.IsCanonicalScalar(proof[..OprfCore.ScalarSize]) || !Ristretto255.IsCanonicalScalar(proof[OprfCore.ScalarSize..]))
            {
                throw OprfException.Create(OprfError.Deserialize);
            }

            byte[] blinded = [.. blindedInputs.SelectMany(blindedInput => blindedInput.BlindedElement.ToArray())];
            if (!OprfCore.VerifyEvaluation(Mode, first.VerificationKey, blinded, evaluated, proof))
            {
                throw OprfException.Create(OprfError.Verify);
            }
        }

        for (int i = 0; i < blindedInputs.Count; i++)
        {
            var blindedInput = blindedInputs[i];
            OprfCore.Finalize(
                Mode,
                blindedInput.Input.Span,
                blindedInput.Info,
                blindedInput.Blind.Span,
                evaluated.AsSpan(i * OprfCore.ElementSize, OprfCore.ElementSize),
                outputs.Slice(i * OutputSize, OutputSize));
        }
    }

    /// <summary>The deterministic half of Blind, given the blind (test vectors fix it; a nonzero canonical scalar).</summary>
    internal OprfBlindedInput Blind(ReadOnlySpan<byte> input, ReadOnlySpan<byte> info, ReadOnlySpan<byte> blind)
    {
        Guard.MaxLength(input, MaxInputLength, nameof(input));
        Guard.MaxLength(info, MaxInputLength, nameof(info));
        Guard.InfoOnlyInPoprf(Mode, info, nameof(info));

        var verificationKey = _serverPublicKey;
        if (Mode == OprfMode.Poprf)
        {
            verificationKey = new byte[OprfCore.ElementSize];
            OprfCore.TweakKey(info, _serverPublicKey, verificationKey);
        }

        var blindedElement = new byte[OprfCore.ElementSize];
        OprfCore.Blind(Mode, input, blind, blindedElement);
        return new OprfBlindedInput(this, input, info, new SecretBuffer(blind), blindedElement, verificationKey);
    }
}
