// An RFC 9497 server key pair for ristretto255-SHA512: a nonzero scalar skS (32 bytes, little-endian, below the
// group order) and pkS = skS · G (32 bytes). §3.2 (random) and §3.2.1 DeriveKeyPair (from a seed).
namespace Symbolon.Crypto.Oprf;

/// <summary>
/// The key server's OPRF private key for one mode, with its public key. The scalar sits in pinned memory that is
/// zeroed on <see cref="Dispose"/>; reading it needs <see cref="ExportUnsafe"/>, a name meant to be searched for in review.
/// </summary>
public sealed class OprfPrivateKey : IDisposable
{
    /// <summary>Size of the private key (a scalar) in bytes.</summary>
    public const int KeySize = OprfCore.ScalarSize;

    /// <summary>Size of the public key (an element) in bytes.</summary>
    public const int PublicKeySize = OprfCore.ElementSize;

    /// <summary>Size of the seed <see cref="DeriveKeyPair"/> takes, in bytes.</summary>
    internal const int SeedSize = 32;

    private readonly SecretBuffer _key;
    private readonly byte[] _publicKey;

    private OprfPrivateKey(OprfMode mode, SecretBuffer key, byte[] publicKey)
    {
        Mode = mode;
        _key = key;
        _publicKey = publicKey;
    }

    /// <summary>The mode this key serves; the same seed derives a different key in each mode.</summary>
    public OprfMode Mode { get; }

    /// <summary>pkS, which clients of the verifiable modes are given (<see cref="PublicKeySize"/> bytes).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    internal ReadOnlySpan<byte> Secret => _key.Span;

    /// <summary>Draws a new key, uniform in [1, order − 1], from the operating system's CSPRNG.</summary>
    public static OprfPrivateKey Generate(OprfMode mode)
    {
        Guard.DefinedMode(mode, nameof(mode));
        var key = new SecretBuffer(KeySize);
        Ristretto255.RandomScalar(key.Span);
        return WithPublicKey(mode, key);
    }

    /// <summary>RFC 9497 §3.2.1 DeriveKeyPair: the same seed, info and mode always give the same key.</summary>
    /// <param name="mode">The mode, part of the derivation's domain separation.</param>
    /// <param name="seed">Exactly <see cref="SeedSize"/> secret, uniformly random bytes.</param>
    /// <param name="info">Public key info (at most 65535 bytes), e.g. which unit and key version the key serves.</param>
    /// <exception cref="OprfException">DeriveKeyPairError, which in practice never happens (256 scalars in a row would have to be zero).</exception>
    internal static OprfPrivateKey DeriveKeyPair(OprfMode mode, ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info)
    {
        Guard.DefinedMode(mode, nameof(mode));
        Guard.Length(seed, SeedSize, nameof(seed));
        Guard.MaxLength(info, OprfCore.MaxLength, nameof(info));
        var key = new SecretBuffer(KeySize);
        try
        {
            var publicKey = new byte[PublicKeySize];
            OprfCore.DeriveKeyPair(mode, seed, info, key.Span, publicKey);
            return new OprfPrivateKey(mode, key, publicKey);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Loads a key previously written with <see cref="ExportUnsafe"/>.</summary>
    /// <param name="mode">The mode the key was made for.</param>
    /// <param name="key">Exactly <see cref="KeySize"/> bytes, a nonzero canonical scalar. The caller should wipe its copy.</param>
    public static OprfPrivateKey Import(OprfMode mode, ReadOnlySpan<byte> key)
    {
        Guard.DefinedMode(mode, nameof(mode));
        Guard.Length(key, KeySize, nameof(key));
        if (!Ristretto255.IsCanonicalScalar(key) || Ristretto255.IsZero(key))
        {
            throw new ArgumentException("`key` must be a nonzero ristretto255 scalar below the group order.", nameof(key));
        }

        return WithPublicKey(mode, new SecretBuffer(key));
    }

    /// <summary>Copies the raw scalar out, for storing it. Unsafe by name: the caller owns the copy and must wipe it.</summary>
    /// <param name="destination">Exactly <see cref="KeySize"/> bytes.</param>
    public void ExportUnsafe(Span<byte> destination)
    {
        Guard.Length(destination, KeySize, nameof(destination));
        _key.Span.CopyTo(destination);
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"OprfPrivateKey({Mode}, redacted)";

    private static OprfPrivateKey WithPublicKey(OprfMode mode, SecretBuffer key)
    {
        var publicKey = new byte[PublicKeySize];
        Ristretto255.MultiplyBase(publicKey, key.Span);
        return new OprfPrivateKey(mode, key, publicKey);
    }
}
