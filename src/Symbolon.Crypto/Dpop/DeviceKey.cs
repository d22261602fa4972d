// An enrolled device's signing key: ECDSA P-256 with SHA-256 (RFC 7518 §3.4 "ES256"), signatures in IEEE P1363
// form r ‖ s (64 bytes). Stored on the device as PKCS#8 (RFC 5208 §5) with the named curve P-256.
using System.Security.Cryptography;

namespace Symbolon.Crypto.Dpop;

/// <summary>
/// The device's private P-256 key that signs DPoP proofs. The private scalar stays inside the platform's ECDSA
/// object; reading it needs <see cref="ExportPkcs8Unsafe"/>, a name meant to be searched for in review.
/// </summary>
public sealed class DeviceKey : IDisposable
{
    /// <summary>Size of an ES256 signature in bytes (r ‖ s).</summary>
    internal const int SignatureSize = 64;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly ECDsa _key;
    private bool _disposed;

    private DeviceKey(ECDsa key)
    {
        _key = key;
        PublicJwk = DevicePublicKey.FromParameters(key.ExportParameters(includePrivateParameters: false));
    }

    /// <summary>The public key, as enrolled with the key server and embedded in every proof.</summary>
    public DevicePublicKey PublicJwk { get; }

    /// <summary>Creates a new key from the operating system's CSPRNG.</summary>
    public static DeviceKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a key previously written with <see cref="ExportPkcs8Unsafe"/>.</summary>
    /// <param name="pkcs8">An unencrypted PKCS#8 PrivateKeyInfo for a P-256 key (named curve), and nothing after it.
    /// The caller should wipe its copy afterwards.</param>
    /// <exception cref="ArgumentException">The bytes are not exactly such a key.</exception>
    public static DeviceKey ImportPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        if (!TryImportP256(key, pkcs8))
        {
            key.Dispose();
            throw new ArgumentException("`pkcs8` must be an unencrypted PKCS#8 P-256 private key with nothing after it.", nameof(pkcs8));
        }

        return new DeviceKey(key);
    }

    /// <summary>
    /// Copies the private key out as PKCS#8, for storing it on the device. Unsafe by name: the caller owns the
    /// array and must wipe it (<see cref="CryptographicOperations.ZeroMemory"/>).
    /// </summary>
    public byte[] ExportPkcs8Unsafe()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _key.ExportPkcs8PrivateKey();
    }

    /// <summary>Releases the platform key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _key.Dispose();
            _disposed = true;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"DeviceKey({PublicJwk.Thumbprint})";

    /// <summary>ES256 over <paramref name="data"/>; returns <see cref="SignatureSize"/> bytes.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var signature = new byte[SignatureSize];
        var written = _key.SignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return written == SignatureSize ? signature : throw new CryptographicException("ES256 produced a signature of unexpected length.");
    }

    private static bool TryImportP256(ECDsa key, ReadOnlySpan<byte> pkcs8)
    {
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out var bytesRead);
            var curve = key.ExportParameters(includePrivateParameters: false).Curve;
            return bytesRead == pkcs8.Length && curve.IsNamed && curve.Oid.Value == P256Oid;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
