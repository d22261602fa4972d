// DPoP proof JWTs (RFC 9449 §4.2): a JWS in compact serialization (RFC 7515 §7.1) signed with ES256 (RFC 7518 §3.4).
// Header {"typ":"dpop+jwt","alg":"ES256","jwk":{public key}}; claims jti, htm, htu (the target URI without query and
// fragment), iat (seconds since the epoch) and, with an access token, ath = base64url(SHA-256(ASCII(token))) (§4.2).
using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Symbolon.Crypto.Dpop;

/// <summary>
/// Creates the DPoP proof a device sends with each request to the key server, in the <c>DPoP</c> header. Each call
/// draws a fresh <c>jti</c>, so a proof is never reused; make a new one for every request.
/// </summary>
public static class DpopProof
{
    /// <summary>The JOSE <c>typ</c> of a DPoP proof (RFC 9449 §4.2).</summary>
    internal const string TokenType = "dpop+jwt";

    /// <summary>The only JWS algorithm Symbolon signs or accepts: ECDSA P-256 with SHA-256.</summary>
    internal const string Algorithm = "ES256";

    /// <summary>Bytes of randomness in a generated <c>jti</c> (22 base64url characters).</summary>
    internal const int JtiSize = 16;

    /// <summary>The longest <c>jti</c> a validator accepts, in characters; it bounds the server's replay store.</summary>
    internal const int MaxJtiLength = 64;

    // The output is a header value, never HTML, so the relaxed encoder is safe here; it keeps "dpop+jwt" and URIs
    // readable instead of writing "dpop\u002Bjwt".
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Creates a signed DPoP proof for one HTTP request.</summary>
    /// <param name="key">The device key that signs the proof; its public key goes into the header.</param>
    /// <param name="httpMethod">The request method, exactly as sent (for example <c>POST</c>); compared case-sensitively.</param>
    /// <param name="httpUri">The absolute http or https request URI; its query and fragment are left out of <c>htu</c>.</param>
    /// <param name="accessToken">The access token sent with the request, which the proof then binds through
    /// <c>ath</c>; null when there is none.</param>
    /// <param name="issuedAt">The <c>iat</c> time, normally now; written in whole seconds.</param>
    /// <returns>The compact JWS: three base64url parts joined by dots.</returns>
    public static string Create(DeviceKey key, string httpMethod, Uri httpUri, string? accessToken, DateTimeOffset issuedAt)
    {
        Span<byte> jti = stackalloc byte[JtiSize];
        RandomNumberGenerator.Fill(jti);
        return Create(key, httpMethod, httpUri, accessToken, issuedAt, Base64UrlStrict.Encode(jti));
    }

    /// <summary>As the public overload, with a chosen <c>jti</c> so tests can build exact proofs.</summary>
    internal static string Create(DeviceKey key, string httpMethod, Uri httpUri, string? accessToken, DateTimeOffset issuedAt, string jti)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(httpMethod);
        RequireHttpUri(httpUri);
        if (accessToken is not null && (accessToken.Length == 0 || !Ascii.IsValid(accessToken)))
        {
            throw new ArgumentException("`accessToken` must be null or non-empty ASCII.", nameof(accessToken));
        }

        if (jti is not { Length: > 0 and <= MaxJtiLength })
        {
            throw new ArgumentException($"`jti.Length` must be 1 to {MaxJtiLength}.", nameof(jti));
        }

        var header = WriteJson(writer =>
        {
            writer.WriteString("typ", TokenType);
            writer.WriteString("alg", Algorithm);
            writer.WritePropertyName("jwk");
            key.PublicJwk.WriteJwk(writer);
        });
        var claims = WriteJson(writer =>
        {
            writer.WriteString("jti", jti);
            writer.WriteString("htm", httpMethod);
            writer.WriteString("htu", TargetUri(httpUri));
            writer.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            if (accessToken is not null)
            {
                writer.WriteString("ath", Base64UrlStrict.Encode(AccessTokenHash(accessToken)));
            }
        });

        var signingInput = $"{Base64UrlStrict.Encode(header)}.{Base64UrlStrict.Encode(claims)}";
        var signature = key.Sign(Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64UrlStrict.Encode(signature)}";
    }

    /// <summary>The <c>htu</c> for a request URI: scheme, host, non-default port and path (RFC 9449 §4.2).</summary>
    internal static string TargetUri(Uri httpUri) =>
        httpUri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    /// <summary>SHA-256 of the token's ASCII bytes; the caller has checked that it is ASCII.</summary>
    internal static byte[] AccessTokenHash(string accessToken) => SHA256.HashData(Encoding.ASCII.GetBytes(accessToken));

    internal static void RequireHttpUri(Uri httpUri, string name = "httpUri")
    {
        ArgumentNullException.ThrowIfNull(httpUri, name);
        if (!IsHttp(httpUri))
        {
            throw new ArgumentException($"`{name}` must be an absolute http or https URI.", name);
        }
    }

    internal static bool IsHttp(Uri uri) => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static byte[] WriteJson(Action<Utf8JsonWriter> writeMembers)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writeMembers(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
