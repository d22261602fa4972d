using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Symbolon.Crypto;

namespace Symbolon.Benchmarks;

/// <summary>
/// The envelope's cost against its floor: bare AES-256-GCM over the same padded payload plus the one HKDF that any
/// split-key design needs. The goal is Seal and Open at most 1.3× that baseline (docs/performance.md).
/// </summary>
[MemoryDiagnoser]
public class SealBenchmarks
{
    private static readonly Guid VaultId = Guid.Parse("8f2d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    private static readonly Guid UnitId = Guid.Parse("1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809");

    private readonly byte[] _rawKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _inputKeyMaterial = RandomNumberGenerator.GetBytes(64);
    private readonly byte[] _info = new byte[60];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private byte[] _payload = [];
    private byte[] _ciphertext = [];
    private byte[] _sealedItem = [];
    private ClientRootKey _rootKey = null!;
    private ServerShare _serverShare = null!;
    private DataKey _dataKey = null!;
    private ClientShare _clientShare = null!;
    private Credential _credential = null!;
    private ItemContext _context;

    [GlobalSetup]
    public void Setup()
    {
        _context = new ItemContext(VaultId, UnitId, 1, ItemMode.Split);
        _rootKey = ClientRootKey.Generate();
        _serverShare = ServerShare.Generate();
        _clientShare = _rootKey.DeriveClientShare(VaultId, UnitId);
        _dataKey = DataKey.Derive(_clientShare, _serverShare, _context);
        _credential = new Credential("sync-bot@acme.example", "k9!vX2#pL7qR4$mN", "https://portal.vendor.example/login");
        _sealedItem = SealedItem.Seal(_dataKey, _credential);
        _payload = new byte[_sealedItem.Length - SealedItem.HeaderSize - SealedItem.TagSize];
        _ciphertext = new byte[_payload.Length];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _credential.Dispose();
        _dataKey.Dispose();
        _clientShare.Dispose();
        _serverShare.Dispose();
        _rootKey.Dispose();
    }

    /// <summary>The floor: one HKDF to a 32-byte key, then AES-256-GCM over the same 256-byte payload.</summary>
    [Benchmark(Baseline = true)]
    public byte BareHkdfAndAesGcm()
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _inputKeyMaterial, key, [], _info);
        RandomNumberGenerator.Fill(_nonce);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(_nonce, _payload, _ciphertext, _tag);
        return _tag[0];
    }

    /// <summary>
    /// The envelope measured against the baseline: combine both shares into the context-bound data key (one HKDF),
    /// encode and pad the credential, seal with a fresh nonce.
    /// </summary>
    [Benchmark]
    public int CombineAndSeal()
    {
        using var dataKey = DataKey.Derive(_clientShare, _serverShare, _context);
        return SealedItem.Seal(dataKey, _credential).Length;
    }

    /// <summary>The same for opening: combine, check the header, decrypt, decode strictly.</summary>
    [Benchmark]
    public int CombineAndOpen()
    {
        using var dataKey = DataKey.Derive(_clientShare, _serverShare, _context);
        using var credential = SealedItem.Open(dataKey, _sealedItem);
        return credential.PasswordUtf8.Length;
    }

    /// <summary>What a client does to seal from scratch: derive the client share too (a second HKDF), then combine the shares into the data key, encode, pad, seal.</summary>
    [Benchmark]
    public int DeriveAndSeal()
    {
        using var clientShare = _rootKey.DeriveClientShare(VaultId, UnitId);
        using var dataKey = DataKey.Derive(clientShare, _serverShare, _context);
        return SealedItem.Seal(dataKey, _credential).Length;
    }

    /// <summary>What a client does to open once the share is in hand.</summary>
    [Benchmark]
    public int DeriveAndOpen()
    {
        using var clientShare = _rootKey.DeriveClientShare(VaultId, UnitId);
        using var dataKey = DataKey.Derive(clientShare, _serverShare, _context);
        using var credential = SealedItem.Open(dataKey, _sealedItem);
        return credential.PasswordUtf8.Length;
    }

    /// <summary>The envelope alone with a ready data key, against the same baseline.</summary>
    [Benchmark]
    public int Seal() => SealedItem.Seal(_dataKey, _credential).Length;

    [Benchmark]
    public int Open()
    {
        using var credential = SealedItem.Open(_dataKey, _sealedItem);
        return credential.PasswordUtf8.Length;
    }

    [Benchmark]
    public int DeriveClientShare()
    {
        using var clientShare = _rootKey.DeriveClientShare(VaultId, UnitId);
        return clientShare.GetHashCode();
    }

    [Benchmark]
    public int CombineShares()
    {
        using var dataKey = DataKey.Derive(_clientShare, _serverShare, _context);
        return dataKey.Context.GetHashCode();
    }
}
