// RFC 9497 (Oblivious Pseudorandom Functions) for the ristretto255-SHA512 suite (§4.1): elements and scalars are
// 32 bytes (Ne = Ns = 32), Hash is SHA-512 (Nh = 64 = Noe), proofs are c ‖ s (64 bytes). HashToGroup and
// HashToScalar use expand_message_xmd with SHA-512 (RFC 9380 §5.3.1). docs/spec.md §10.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto.Oprf;

/// <summary>
/// The protocol on spans. Callers have validated sizes and deserialized everything received
/// (<see cref="DeserializeElements"/>, <see cref="Ristretto255.IsCanonicalScalar"/>); the protocol methods only
/// assert. Lists of elements are concatenations of 32-byte encodings.
/// </summary>
internal static class OprfCore
{
    public const int ElementSize = Ristretto255.ElementSize;
    public const int ScalarSize = Ristretto255.ScalarSize;
    public const int ProofSize = 2 * ScalarSize;
    public const int OutputSize = 64;

    /// <summary>Inputs and info are framed with a two-byte length (RFC 9497 §1.2), and so are batch indices.</summary>
    public const int MaxLength = ushort.MaxValue;

    private const int HashSize = 64;
    private const int HashBlockSize = 128;

    private static readonly byte[][] HashToGroupDst = ForEachMode(Labels.OprfHashToGroup);
    private static readonly byte[][] HashToScalarDst = ForEachMode(Labels.OprfHashToScalar);
    private static readonly byte[][] DeriveKeyPairDst = ForEachMode(Labels.OprfDeriveKeyPair);
    private static readonly byte[][] SeedDst = ForEachMode(Labels.OprfSeed);
    private static readonly byte[] InfoLabel = Encoding.ASCII.GetBytes(Labels.OprfInfo);
    private static readonly byte[] CompositeLabel = Encoding.ASCII.GetBytes(Labels.OprfComposite);
    private static readonly byte[] ChallengeLabel = Encoding.ASCII.GetBytes(Labels.OprfChallenge);
    private static readonly byte[] FinalizeLabel = Encoding.ASCII.GetBytes(Labels.OprfFinalize);

    /// <summary>contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ "ristretto255-SHA512" (§3.1).</summary>
    public static byte[] ContextString(OprfMode mode) =>
        [.. Encoding.ASCII.GetBytes(Labels.OprfContextPrefix), (byte)mode, (byte)'-', .. Encoding.ASCII.GetBytes(Labels.OprfSuite)];

    /// <summary>
    /// §4.1 DeserializeElement for each received element, then the identity check §3.3 requires of each;
    /// returns their concatenation, or throws DeserializeError.
    /// </summary>
    public static byte[] DeserializeElements(IReadOnlyList<byte[]> elements)
    {
        var concatenated = new byte[elements.Count * ElementSize];
        for (int i = 0; i < elements.Count; i++)
        {
            if (!Ristretto255.IsValidElement(elements[i]))
            {
                throw OprfException.Create(OprfError.Deserialize);
            }

            elements[i].CopyTo(concatenated, i * ElementSize);
        }

        return concatenated;
    }

    /// <summary>§3.2.1 DeriveKeyPair. Throws DeriveKeyPairError if 256 counters all hash to zero.</summary>
    public static void DeriveKeyPair(OprfMode mode, ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info, Span<byte> privateKey, Span<byte> publicKey)
    {
        Debug.Assert(info.Length <= MaxLength && privateKey.Length == ScalarSize && publicKey.Length == ElementSize, "Checked by the caller.");

        // deriveInput = seed ‖ I2OSP(len(info), 2) ‖ info, then one counter byte.
        using var deriveInput = new SecretBuffer(seed.Length + 2 + info.Length + 1);
        var transcript = new Transcript(deriveInput.Span);
        transcript.Append(seed);
        transcript.AppendFramed(info);
        for (int counter = 0; counter <= byte.MaxValue; counter++)
        {
            deriveInput.Span[^1] = (byte)counter;
            HashToScalar(deriveInput.Span, DeriveKeyPairDst[(int)mode], privateKey);
            if (!Ristretto255.IsZero(privateKey))
            {
                Ristretto255.MultiplyBase(publicKey, privateKey);
                return;
            }
        }

        throw OprfException.Create(OprfError.DeriveKeyPair);
    }

    /// <summary>§3.3.1 Blind with a given blind: blindedElement = blind · HashToGroup(input).</summary>
    public static void Blind(OprfMode mode, ReadOnlySpan<byte> input, ReadOnlySpan<byte> blind, Span<byte> blindedElement)
    {
        // H(input) is as sensitive as the input: whoever holds it can test guesses against the server.
        Span<byte> inputElement = stackalloc byte[ElementSize];
        Span<byte> uniform = stackalloc byte[HashSize];
        try
        {
            ExpandMessageXmd(input, HashToGroupDst[(int)mode], uniform);
            Ristretto255.FromUniformBytes(inputElement, uniform);
            if (Ristretto255.IsIdentity(inputElement))
            {
                throw OprfException.Create(OprfError.InvalidInput);
            }

            Ristretto255.Multiply(blindedElement, blind, inputElement);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inputElement);
            CryptographicOperations.ZeroMemory(uniform);
        }
    }

    /// <summary>§3.3.3 Blind, the POPRF part: tweakedKey = G · HashToScalar(framedInfo) + pkS.</summary>
    public static void TweakKey(ReadOnlySpan<byte> info, ReadOnlySpan<byte> publicKey, Span<byte> tweakedKey)
    {
        Span<byte> infoScalar = stackalloc byte[ScalarSize];
        Span<byte> infoElement = stackalloc byte[ElementSize];
        InfoScalar(info, infoScalar);
        Ristretto255.MultiplyBase(infoElement, infoScalar);
        Ristretto255.Add(tweakedKey, infoElement, publicKey);
        if (Ristretto255.IsIdentity(tweakedKey))
        {
            throw OprfException.Create(OprfError.InvalidInput);
        }
    }

    /// <summary>
    /// §3.3.1–3.3.3 BlindEvaluate over a batch, with one proof for all of it in the verifiable modes (§2.2.1).
    /// <paramref name="publicKey"/> is used in VOPRF; <paramref name="info"/> in POPRF; the proof's random scalar
    /// <paramref name="proofRandomness"/> and <paramref name="proof"/> are empty in OPRF.
    /// </summary>
    public static void BlindEvaluate(
        OprfMode mode,
        ReadOnlySpan<byte> privateKey,
        ReadOnlySpan<byte> publicKey,
        ReadOnlySpan<byte> info,
        ReadOnlySpan<byte> blindedElements,
        Span<byte> evaluatedElements,
        ReadOnlySpan<byte> proofRandomness,
        Span<byte> proof)
    {
        Debug.Assert(blindedElements.Length == evaluatedElements.Length && blindedElements.Length % ElementSize == 0, "One evaluation per element.");
        Debug.Assert(proof.Length == (mode == OprfMode.Oprf ? 0 : ProofSize), "A proof exactly in the verifiable modes.");

        if (mode != OprfMode.Poprf)
        {
            MultiplyEach(privateKey, blindedElements, evaluatedElements);
            if (mode == OprfMode.Voprf)
            {
                GenerateProof(mode, privateKey, publicKey, blindedElements, evaluatedElements, proofRandomness, proof);
            }

            return;
        }

        // POPRF: t = skS + m, evaluated = t⁻¹ · blinded, and the proof shows t · evaluated = blinded for G · t.
        Span<byte> infoScalar = stackalloc byte[ScalarSize];
        Span<byte> tweakedPrivateKey = stackalloc byte[ScalarSize];
        Span<byte> inverse = stackalloc byte[ScalarSize];
        Span<byte> tweakedKey = stackalloc byte[ElementSize];
        try
        {
            InfoScalar(info, infoScalar);
            Ristretto255.AddScalars(tweakedPrivateKey, privateKey, infoScalar);
            if (!Ristretto255.TryInvert(inverse, tweakedPrivateKey))
            {
                throw OprfException.Create(OprfError.Inverse);
            }

            MultiplyEach(inverse, blindedElements, evaluatedElements);
            Ristretto255.MultiplyBase(tweakedKey, tweakedPrivateKey);
            GenerateProof(mode, tweakedPrivateKey, tweakedKey, evaluatedElements, blindedElements, proofRandomness, proof);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tweakedPrivateKey);
            CryptographicOperations.ZeroMemory(inverse);
        }
    }

    /// <summary>
    /// The client's check of a verifiable evaluation (§3.3.2 and §3.3.3 Finalize, first step): the server's public
    /// key in VOPRF, the tweaked key in POPRF.
    /// </summary>
    public static bool VerifyEvaluation(
        OprfMode mode, ReadOnlySpan<byte> verificationKey, ReadOnlySpan<byte> blindedElements, ReadOnlySpan<byte> evaluatedElements, ReadOnlySpan<byte> proof) =>
        mode == OprfMode.Poprf
            ? VerifyProof(mode, verificationKey, evaluatedElements, blindedElements, proof)
            : VerifyProof(mode, verificationKey, blindedElements, evaluatedElements, proof);

    /// <summary>
    /// §3.3.1–3.3.3 Finalize after any proof check: Hash(I2OSP(len(input), 2) ‖ input [‖ I2OSP(len(info), 2) ‖ info
    /// in POPRF] ‖ I2OSP(32, 2) ‖ SerializeElement(blind⁻¹ · evaluatedElement) ‖ "Finalize").
    /// </summary>
    public static void Finalize(
        OprfMode mode, ReadOnlySpan<byte> input, ReadOnlySpan<byte> info, ReadOnlySpan<byte> blind, ReadOnlySpan<byte> evaluatedElement, Span<byte> output)
    {
        Debug.Assert(output.Length == OutputSize, "64-byte output.");
        Span<byte> inverse = stackalloc byte[ScalarSize];
        Span<byte> unblinded = stackalloc byte[ElementSize];
        try
        {
            if (!Ristretto255.TryInvert(inverse, blind))
            {
                throw OprfException.Create(OprfError.Inverse);
            }

            Ristretto255.Multiply(unblinded, inverse, evaluatedElement);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            AppendFramed(hash, input);
            if (mode == OprfMode.Poprf)
            {
                AppendFramed(hash, info);
            }

            AppendFramed(hash, unblinded);
            hash.AppendData(FinalizeLabel);
            hash.GetHashAndReset(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inverse);
            CryptographicOperations.ZeroMemory(unblinded);
        }
    }

    /// <summary>
    /// §2.2.1 GenerateProof with A = G: (M, Z) = ComputeCompositesFast(k, B, C, D); t2 = r·G; t3 = r·M;
    /// c = HashToScalar(challenge transcript); s = r − c·k; proof = c ‖ s.
    /// </summary>
    internal static void GenerateProof(
        OprfMode mode, ReadOnlySpan<byte> k, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, ReadOnlySpan<byte> r, Span<byte> proof)
    {
        Span<byte> m = stackalloc byte[ElementSize];
        Span<byte> z = stackalloc byte[ElementSize];
        Span<byte> t2 = stackalloc byte[ElementSize];
        Span<byte> t3 = stackalloc byte[ElementSize];
        Span<byte> challengeTimesKey = stackalloc byte[ScalarSize];
        try
        {
            ComputeComposites(mode, b, c, d, k, m, z);
            Ristretto255.MultiplyBase(t2, r);
            Ristretto255.Multiply(t3, r, m);
            Challenge(mode, b, m, z, t2, t3, proof[..ScalarSize]);
            Ristretto255.MultiplyScalars(challengeTimesKey, proof[..ScalarSize], k);
            Ristretto255.SubtractScalars(proof[ScalarSize..], r, challengeTimesKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(challengeTimesKey);
        }
    }

    /// <summary>
    /// §2.2.2 VerifyProof with A = G: (M, Z) = ComputeComposites(B, C, D); t2 = s·G + c·B; t3 = s·M + c·Z; accept
    /// when HashToScalar(challenge transcript) equals c (compared in constant time). c and s are canonical.
    /// </summary>
    internal static bool VerifyProof(OprfMode mode, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, ReadOnlySpan<byte> proof)
    {
        Debug.Assert(proof.Length == ProofSize, "c ‖ s.");
        var challenge = proof[..ScalarSize];
        var response = proof[ScalarSize..];
        Span<byte> m = stackalloc byte[ElementSize];
        Span<byte> z = stackalloc byte[ElementSize];
        Span<byte> left = stackalloc byte[ElementSize];
        Span<byte> right = stackalloc byte[ElementSize];
        Span<byte> t2 = stackalloc byte[ElementSize];
        Span<byte> t3 = stackalloc byte[ElementSize];
        Span<byte> expected = stackalloc byte[ScalarSize];

        ComputeComposites(mode, b, c, d, k: [], m, z);
        Ristretto255.MultiplyBase(left, response);
        Ristretto255.Multiply(right, challenge, b);
        Ristretto255.Add(t2, left, right);
        Ristretto255.Multiply(left, response, m);
        Ristretto255.Multiply(right, challenge, z);
        Ristretto255.Add(t3, left, right);
        Challenge(mode, b, m, z, t2, t3, expected);
        return CryptographicOperations.FixedTimeEquals(expected, challenge);
    }

    /// <summary>
    /// §2.2.1 ComputeCompositesFast when <paramref name="k"/> is given (the server: Z = k·M), else §2.2.2
    /// ComputeComposites (the client: Z = Σ dᵢ·Dᵢ). M = Σ dᵢ·Cᵢ with dᵢ = HashToScalar(I2OSP(64, 2) ‖ seed ‖
    /// I2OSP(i, 2) ‖ I2OSP(32, 2) ‖ Cᵢ ‖ I2OSP(32, 2) ‖ Dᵢ ‖ "Composite") and seed = Hash(I2OSP(32, 2) ‖ B ‖
    /// I2OSP(len(seedDST), 2) ‖ seedDST).
    /// </summary>
    private static void ComputeComposites(
        OprfMode mode, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, ReadOnlySpan<byte> k, Span<byte> m, Span<byte> z)
    {
        Debug.Assert(c.Length == d.Length && c.Length % ElementSize == 0 && c.Length / ElementSize <= MaxLength + 1, "Equal lists, indices fit two bytes.");
        Span<byte> seed = stackalloc byte[HashSize];
        Span<byte> transcriptBuffer = stackalloc byte[(2 * 4) + HashSize + (2 * ElementSize) + 2 + 64];
        var seedTranscript = new Transcript(transcriptBuffer);
        seedTranscript.AppendFramed(b);
        seedTranscript.AppendFramed(SeedDst[(int)mode]);
        SHA512.HashData(seedTranscript.Written, seed);

        Span<byte> weight = stackalloc byte[ScalarSize];
        Span<byte> term = stackalloc byte[ElementSize];
        m.Clear();
        z.Clear();
        for (int i = 0; i < c.Length / ElementSize; i++)
        {
            var ci = c.Slice(i * ElementSize, ElementSize);
            var di = d.Slice(i * ElementSize, ElementSize);
            var compositeTranscript = new Transcript(transcriptBuffer);
            compositeTranscript.AppendFramed(seed);
            compositeTranscript.AppendUInt16(i);
            compositeTranscript.AppendFramed(ci);
            compositeTranscript.AppendFramed(di);
            compositeTranscript.Append(CompositeLabel);
            HashToScalar(compositeTranscript.Written, HashToScalarDst[(int)mode], weight);

            Ristretto255.Multiply(term, weight, ci);
            Ristretto255.Add(m, m, term);
            if (k.IsEmpty)
            {
                Ristretto255.Multiply(term, weight, di);
                Ristretto255.Add(z, z, term);
            }
        }

        if (!k.IsEmpty)
        {
            Ristretto255.Multiply(z, k, m);
        }
    }

    /// <summary>c = HashToScalar(framed B, M, Z, t2, t3 ‖ "Challenge") (§2.2.1).</summary>
    private static void Challenge(
        OprfMode mode, ReadOnlySpan<byte> b, ReadOnlySpan<byte> m, ReadOnlySpan<byte> z, ReadOnlySpan<byte> t2, ReadOnlySpan<byte> t3, Span<byte> challenge)
    {
        Span<byte> buffer = stackalloc byte[(5 * (2 + ElementSize)) + 16];
        var transcript = new Transcript(buffer);
        transcript.AppendFramed(b);
        transcript.AppendFramed(m);
        transcript.AppendFramed(z);
        transcript.AppendFramed(t2);
        transcript.AppendFramed(t3);
        transcript.Append(ChallengeLabel);
        HashToScalar(transcript.Written, HashToScalarDst[(int)mode], challenge);
    }

    private static void MultiplyEach(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> elements, Span<byte> products)
    {
        for (int offset = 0; offset < elements.Length; offset += ElementSize)
        {
            Ristretto255.Multiply(products.Slice(offset, ElementSize), scalar, elements.Slice(offset, ElementSize));
        }
    }

    /// <summary>m = HashToScalar("Info" ‖ I2OSP(len(info), 2) ‖ info), in POPRF (§3.3.3).</summary>
    private static void InfoScalar(ReadOnlySpan<byte> info, Span<byte> scalar)
    {
        var framedInfo = new byte[InfoLabel.Length + 2 + info.Length];
        var transcript = new Transcript(framedInfo);
        transcript.Append(InfoLabel);
        transcript.AppendFramed(info);
        HashToScalar(framedInfo, HashToScalarDst[(int)OprfMode.Poprf], scalar);
    }

    /// <summary>§4.1 HashToScalar: expand_message_xmd to 64 bytes, read little-endian, reduced mod ℓ.</summary>
    private static void HashToScalar(ReadOnlySpan<byte> message, ReadOnlySpan<byte> dst, Span<byte> scalar)
    {
        Span<byte> uniform = stackalloc byte[HashSize];
        try
        {
            ExpandMessageXmd(message, dst, uniform);
            Ristretto255.Reduce(scalar, uniform);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(uniform);
        }
    }

    /// <summary>
    /// RFC 9380 §5.3.1 expand_message_xmd with SHA-512 for len_in_bytes = 64 (all this suite needs), so ell = 1:
    /// b_0 = H(Z_pad ‖ msg ‖ I2OSP(64, 2) ‖ I2OSP(0, 1) ‖ DST_prime), uniform = b_1 = H(b_0 ‖ I2OSP(1, 1) ‖ DST_prime),
    /// DST_prime = DST ‖ I2OSP(len(DST), 1).
    /// </summary>
    internal static void ExpandMessageXmd(ReadOnlySpan<byte> message, ReadOnlySpan<byte> dst, Span<byte> uniform)
    {
        Debug.Assert(uniform.Length == HashSize && dst.Length <= byte.MaxValue, "One SHA-512 block of output; a short DST.");
        Span<byte> b0 = stackalloc byte[HashSize];
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            hash.AppendData(stackalloc byte[HashBlockSize]);
            hash.AppendData(message);
            hash.AppendData([0, HashSize, 0]);
            hash.AppendData(dst);
            hash.AppendData([(byte)dst.Length]);
            hash.GetHashAndReset(b0);

            hash.AppendData(b0);
            hash.AppendData([1]);
            hash.AppendData(dst);
            hash.AppendData([(byte)dst.Length]);
            hash.GetHashAndReset(uniform);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(b0);
        }
    }

    private static void AppendFramed(IncrementalHash hash, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)value.Length));
        hash.AppendData(length);
        hash.AppendData(value);
    }

    private static byte[][] ForEachMode(string prefix) =>
        [.. Enum.GetValues<OprfMode>().Select(mode => (byte[])[.. Encoding.ASCII.GetBytes(prefix), .. ContextString(mode)])];

    /// <summary>Writes a transcript into a buffer sized by the caller; I2OSP(n, 2) is big-endian.</summary>
    private ref struct Transcript(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Append(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_buffer[_length..]);
            _length += value.Length;
        }

        public void AppendUInt16(int value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], checked((ushort)value));
            _length += 2;
        }

        public void AppendFramed(ReadOnlySpan<byte> value)
        {
            AppendUInt16(value.Length);
            Append(value);
        }
    }
}
