// A device's public ES256 key as a JWK (RFC 7517 §4, RFC 7518 §6.2.1: kty "EC", crv "P-256", x and y 32 bytes each)
// and its JWK SHA-256 thumbprint (RFC 7638 §3: SHA-256 over the required members in lexicographic order, no
// whitespace), which RFC 9449 §6.1 uses as "jkt" and Symbolon uses to name an enrolled device.
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Symbolon.Crypto.Dpop;

/// <summary>
/// The public half of a <see cref="DeviceKey"/>: a P-256 point known to lie on the curve. Public data, immutable;
/// it is what a device enrols with and what every DPoP proof carries in its <c>jwk</c> header.
/// </summary>
public sealed class DevicePublicKey
{
    /// <summary>Size of each coordinate in bytes.</summary>
    internal const int CoordinateSize = 32;

    /// <summary>At most this many imported keys are kept; past it the cache starts again empty.</summary>
    private const int MaximumImported = 10_000;

    /// <summary>
    /// Validated OpenSSL keys by canonical JWK. Importing a point (parsing it and checking it lies on the curve) costs
    /// several times what one ES256 verification does, and a server sees the same few device keys on every request.
    /// </summary>
    private static readonly ConcurrentDictionary<string, ECDsa> Imported = new(StringComparer.Ordinal);

    private readonly byte[] _x;
    private readonly byte[] _y;
    private readonly string _canonicalJson;
    private readonly ECDsa _verifier;

    private DevicePublicKey(byte[] x, byte[] y, string canonicalJson, ECDsa verifier)
    {
        _x = x;
        _y = y;
        _canonicalJson = canonicalJson;
        _verifier = verifier;
        Thumbprint = Base64UrlStrict.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(_canonicalJson)));
    }

    /// <summary>The x coordinate, big-endian, <see cref="CoordinateSize"/> bytes.</summary>
    public ReadOnlyMemory<byte> X => _x;

    /// <summary>The y coordinate, big-endian, <see cref="CoordinateSize"/> bytes.</summary>
    public ReadOnlyMemory<byte> Y => _y;

    /// <summary>The RFC 7638 JWK SHA-256 thumbprint, base64url without padding (43 characters).</summary>
    public string Thumbprint { get; }

    /// <summary>
    /// Reads a public JWK. Accepts only <c>kty</c> "EC", <c>crv</c> "P-256" and <c>x</c>, <c>y</c> as unpadded
    /// base64url of exactly 32 bytes each, forming a point on the curve. A JWK with a <c>d</c> member is refused:
    /// a private key must never travel. Other members are ignored, as RFC 7517 §4 requires.
    /// </summary>
    /// <param name="jwk">The JWK object.</param>
    /// <param name="key">The key, or null when this returns false.</param>
    /// <returns>Whether <paramref name="jwk"/> is an acceptable public P-256 key.</returns>
    public static bool TryParseJwk(JsonElement jwk, [NotNullWhen(true)] out DevicePublicKey? key)
    {
        key = null;
        if (jwk.ValueKind != JsonValueKind.Object || !JsonText.IsValidUtf16(jwk))
        {
            return false;
        }

        string? kty = null, crv = null, x = null, y = null;
        foreach (var member in jwk.EnumerateObject())
        {
            // A repeated member would let two parsers disagree about which key this is.
            var accepted = member.Name switch
            {
                "kty" => TryTakeString(member.Value, ref kty),
                "crv" => TryTakeString(member.Value, ref crv),
                "x" => TryTakeString(member.Value, ref x),
                "y" => TryTakeString(member.Value, ref y),
                "d" => false,
                _ => true,
            };
            if (!accepted)
            {
                return false;
            }
        }

        if (kty != "EC" || crv != "P-256" || x is null || y is null
            || !Base64UrlStrict.TryDecode(x, out var xBytes) || xBytes.Length != CoordinateSize
            || !Base64UrlStrict.TryDecode(y, out var yBytes) || yBytes.Length != CoordinateSize)
        {
            return false;
        }

        key = Create(xBytes, yBytes);
        return key is not null;
    }

    /// <summary>
    /// The JWK as compact JSON with exactly the required members in lexicographic order:
    /// <c>{"crv":"P-256","kty":"EC","x":"…","y":"…"}</c> (the text the thumbprint is computed over).
    /// </summary>
    public string ToJwkJson() => _canonicalJson;

    /// <inheritdoc />
    public override string ToString() => $"DevicePublicKey({Thumbprint})";

    internal static DevicePublicKey FromParameters(ECParameters parameters) =>
        Create(parameters.Q.X!.ToArray(), parameters.Q.Y!.ToArray()) ?? throw new CryptographicException("The key is not a P-256 point.");

    internal void WriteJwk(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("crv", "P-256");
        writer.WriteString("kty", "EC");
        writer.WriteString("x", Base64UrlStrict.Encode(_x));
        writer.WriteString("y", Base64UrlStrict.Encode(_y));
        writer.WriteEndObject();
    }

    /// <summary>ES256 verification: SHA-256 and a 64-byte IEEE P1363 signature (r ‖ s).</summary>
    internal bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 2 * CoordinateSize)
        {
            return false;
        }

        // One verification at a time per key object: the type does not promise that concurrent calls are safe.
        lock (_verifier)
        {
            return _verifier.VerifyData(data, signature, HashAlgorithmName.SHA256);
        }
    }

    /// <summary>The key of this point, or null when it is not on the curve.</summary>
    private static DevicePublicKey? Create(byte[] x, byte[] y)
    {
        var canonicalJson = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64UrlStrict.Encode(x)}}","y":"{{Base64UrlStrict.Encode(y)}}"}""";
        if (!Imported.TryGetValue(canonicalJson, out var verifier))
        {
            if (Import(x, y) is not { } imported)
            {
                return null;
            }

            if (Imported.Count >= MaximumImported)
            {
                // Keys still in use elsewhere stay valid: they are only dropped from the cache, never disposed here.
                Imported.Clear();
            }

            verifier = Imported.GetOrAdd(canonicalJson, imported);
            if (!ReferenceEquals(verifier, imported))
            {
                imported.Dispose();
            }
        }

        return new DevicePublicKey(x, y, canonicalJson, verifier);
    }

    private static bool TryTakeString(JsonElement value, ref string? slot)
    {
        if (slot is not null || value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        slot = value.GetString();
        return true;
    }

    private static ECDsa? Import(byte[] x, byte[] y)
    {
        try
        {
            // Import validates the point (on the curve, coordinates below p); an invalid-curve point would
            // otherwise let a forged key pass for a real one.
            return ECDsa.Create(Parameters(x, y));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static ECParameters Parameters(byte[] x, byte[] y) =>
        new() { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } };
}
