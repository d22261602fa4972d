using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Symbolon.Crypto.Oprf;

namespace Symbolon.Benchmarks;

/// <summary>
/// RFC 9497 POPRF (ristretto255-SHA512), one input. Server: BlindEvaluate with its proof against its floor, the same
/// libsodium group and scalar operations called directly with no hashing, validation or transcripts; the goal is
/// ours at ≥ 80% of that limit, i.e. a ratio to the baseline of at most 1.25. Client: Blind then Finalize (which
/// verifies the proof).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class OprfBenchmarks
{
    private readonly byte[] _input = "a unit's client input"u8.ToArray();
    private readonly byte[] _info = "symbolon unit 7, version 3"u8.ToArray();
    private readonly byte[] _blind = new byte[32];
    private readonly byte[] _privateKey = new byte[32];
    private readonly byte[] _infoScalar = new byte[32];
    private readonly byte[] _weight = new byte[32];
    private readonly byte[] _challenge = new byte[32];
    private readonly byte[] _output = new byte[OprfClient.OutputSize];
    private OprfPrivateKey _key = null!;
    private OprfClient _client = null!;
    private byte[] _blindedElement = [];
    private OprfEvaluation _evaluation = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = OprfPrivateKey.Generate(OprfMode.Poprf);
        _key.ExportUnsafe(_privateKey);
        _client = new OprfClient(OprfMode.Poprf, _key.PublicKey);
        RandomNumberGenerator.Fill(_infoScalar.AsSpan(0, 31));
        RandomNumberGenerator.Fill(_weight.AsSpan(0, 31));
        RandomNumberGenerator.Fill(_challenge.AsSpan(0, 31));
        Ristretto255.RandomScalar(_blind);
        using var blinded = _client.Blind(_input, _info, _blind);
        _blindedElement = blinded.BlindedElement.ToArray();
        _evaluation = OprfServer.BlindEvaluate(_key, _blindedElement, _info);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        _key.Dispose();
    }

    /// <summary>
    /// The floor: t = skS + m, t⁻¹, evaluated = t⁻¹·B, t·G, M = d·evaluated, Z = t·M, r, r·G, r·M, s = r − c·t —
    /// four variable-base and two fixed-base scalar multiplications, one inversion.
    /// </summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("server")]
    public byte RawLibsodiumOperations()
    {
        Span<byte> t = stackalloc byte[32];
        Span<byte> inverse = stackalloc byte[32];
        Span<byte> evaluated = stackalloc byte[32];
        Span<byte> tweakedKey = stackalloc byte[32];
        Span<byte> m = stackalloc byte[32];
        Span<byte> z = stackalloc byte[32];
        Span<byte> r = stackalloc byte[32];
        Span<byte> t2 = stackalloc byte[32];
        Span<byte> t3 = stackalloc byte[32];
        Span<byte> challengeTimesKey = stackalloc byte[32];
        Span<byte> s = stackalloc byte[32];
        Ristretto255.AddScalars(t, _privateKey, _infoScalar);
        _ = Ristretto255.TryInvert(inverse, t);
        Ristretto255.Multiply(evaluated, inverse, _blindedElement);
        Ristretto255.MultiplyBase(tweakedKey, t);
        Ristretto255.Multiply(m, _weight, evaluated);
        Ristretto255.Multiply(z, t, m);
        Ristretto255.RandomScalar(r);
        Ristretto255.MultiplyBase(t2, r);
        Ristretto255.Multiply(t3, r, m);
        Ristretto255.MultiplyScalars(challengeTimesKey, _challenge, t);
        Ristretto255.SubtractScalars(s, r, challengeTimesKey);
        return (byte)(s[0] ^ tweakedKey[0] ^ z[0] ^ t2[0] ^ t3[0]);
    }

    /// <summary>The server's whole POPRF evaluation of one blinded element, proof included.</summary>
    [Benchmark]
    [BenchmarkCategory("server")]
    public int PoprfBlindEvaluateWithProof() => OprfServer.BlindEvaluate(_key, _blindedElement, _info).Proof.Length;

    /// <summary>
    /// The client's two steps: blind (hash to the group, tweak the key, multiply) and finalize (check the proof,
    /// unblind, hash). The blind is fixed so that the server's evaluation from setup stays valid.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory("client")]
    public byte PoprfBlindAndFinalize()
    {
        using var blinded = _client.Blind(_input, _info, _blind);
        _client.Finalize(blinded, _evaluation, _output);
        return _output[0];
    }
}
