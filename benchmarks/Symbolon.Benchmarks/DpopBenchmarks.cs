using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Benchmarks;

/// <summary>
/// The cryptography every authenticated request pays on the key server, against its floor: one ES256 verification
/// (OpenSSL's P-256, a key already imported). A release adds the receipt's ES256 signature. These bound what any
/// authenticated request can cost relative to the no-op endpoint (docs/performance.md, "Write path").
/// </summary>
[MemoryDiagnoser]
public class DpopBenchmarks
{
    private static readonly Uri Target = new("https://keys.example/v1/units/0193c5a2-4e6f-7a8b-9c0d-1e2f3a4b5c6d/release");
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);

    private readonly DpopProofValidator _validator = new();
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(300);
    private ECDsa _signer = null!;
    private ECDsa _verifier = null!;
    private ECParameters _publicKey;
    private byte[] _signature = [];
    private DeviceKey _device = null!;
    private string _proof = "";
    private ReleaseReceipt _receipt = null!;

    [GlobalSetup]
    public void Setup()
    {
        _signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _publicKey = _signer.ExportParameters(includePrivateParameters: false);
        _verifier = ECDsa.Create(_publicKey);
        _signature = _signer.SignData(_data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        _device = DeviceKey.Generate();
        _proof = DpopProof.Create(_device, "POST", Target, "access-token", Now);
        _receipt = new ReleaseReceipt(42, RandomNumberGenerator.GetBytes(32), Guid.NewGuid(), Guid.NewGuid(), Now);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _signer.Dispose();
        _verifier.Dispose();
        _device.Dispose();
    }

    /// <summary>The floor: one ES256 verification of 300 bytes with an imported key.</summary>
    [Benchmark(Baseline = true)]
    public bool BareEs256Verify() => _verifier.VerifyData(_data, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>What the server runs per authenticated request before any database work: parse, checks, the key (cached), the signature.</summary>
    [Benchmark]
    public bool ValidateProof() => _validator.Validate(_proof, "POST", Target, "access-token", Now).IsValid;

    /// <summary>
    /// What the server no longer pays per request: importing (and so validating) a device's public point into OpenSSL,
    /// which it did twice per proof before parsed keys were kept per process.
    /// </summary>
    [Benchmark]
    public int ImportPublicKey()
    {
        using var key = ECDsa.Create(_publicKey);
        return key.KeySize;
    }

    /// <summary>What a release adds after its commit: the receipt's ES256 signature.</summary>
    [Benchmark]
    public byte[] SignReceipt() => _receipt.Sign(_signer);
}
