using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsCheck;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Crypto.Tests;

/// <summary>DPoP proofs (RFC 9449) and device keys: the RFC's own examples, round trips, and one test per refusal.</summary>
public sealed class DpopTests
{
    private const string AccessToken = "symbolon-access-token.v1.Zm9v";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly Uri Target = new("https://keys.symbolon.test/v1/units/42/share");
    private static readonly DpopProofValidator Validator = new();

    // --- RFC 9449 examples -------------------------------------------------------------------------------------

    public static TheoryData<string> RfcProofs() =>
        [.. TestData.Load("rfc9449-dpop.json").GetProperty("proofs").EnumerateArray().Select(p => p.Text("name"))];

    [Theory]
    [MemberData(nameof(RfcProofs))]
    public void Rfc9449_example_proof_is_accepted_with_the_published_thumbprint(string name)
    {
        var vectors = TestData.Load("rfc9449-dpop.json");
        var vector = vectors.GetProperty("proofs").EnumerateArray().Single(p => p.Text("name") == name);
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(vector.GetProperty("iat").GetInt64());
        var accessToken = vector.GetProperty("access_token").GetString();

        var result = Validator.Validate(vector.Text("proof"), vector.Text("htm"), new Uri(vector.Text("htu")), accessToken, issuedAt);

        Assert.Equal(DpopFailure.None, result.Failure);
        Assert.True(result.IsValid);
        Assert.Equal(vectors.Text("jkt"), result.Thumbprint);
        Assert.Equal(vector.Text("jti"), result.Jti);
        Assert.Equal(issuedAt, result.IssuedAt);
    }

    [Fact]
    public void Rfc9449_resource_proof_is_refused_for_another_token_without_a_token_check_and_once_stale()
    {
        var vector = TestData.Load("rfc9449-dpop.json").GetProperty("proofs")[1];
        var proof = vector.Text("proof");
        var htu = new Uri(vector.Text("htu"));
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(vector.GetProperty("iat").GetInt64());

        Assert.Equal(DpopFailure.AccessTokenMismatch, Validator.Validate(proof, "GET", htu, "another-token", issuedAt).Failure);
        Assert.Equal(DpopFailure.Stale, Validator.Validate(proof, "GET", htu, vector.Text("access_token"), issuedAt.AddSeconds(61)).Failure);
    }

    [Fact]
    public void Rfc9449_ath_is_the_base64url_sha256_of_the_ascii_access_token()
    {
        var vector = TestData.Load("rfc9449-dpop.json").GetProperty("proofs")[1];

        var ath = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(vector.Text("access_token"))));

        Assert.Equal(vector.Text("ath"), ath);
    }

    [Fact]
    public void Rfc9449_jwk_parses_and_has_the_published_rfc7638_thumbprint()
    {
        var vectors = TestData.Load("rfc9449-dpop.json");
        var jwk = vectors.GetProperty("jwk");

        Assert.True(DevicePublicKey.TryParseJwk(jwk, out var key));

        // RFC 7638 §3.2 by hand: the required members, sorted, no whitespace.
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{jwk.Text("x")}}","y":"{{jwk.Text("y")}}"}""";
        var independent = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        Assert.Equal(vectors.Text("jkt"), independent);
        Assert.Equal(vectors.Text("jkt"), key.Thumbprint);
        Assert.Equal(canonical, key.ToJwkJson());
    }

    // --- Round trips -------------------------------------------------------------------------------------------

    [Fact]
    public void Created_proof_validates_and_names_the_signing_key()
    {
        using var key = DeviceKey.Generate();

        var proof = DpopProof.Create(key, "POST", Target, accessToken: null, Now);
        var result = Validator.Validate(proof, "POST", Target, accessToken: null, Now);

        Assert.True(result.IsValid);
        Assert.Equal(key.PublicJwk.Thumbprint, result.Thumbprint);
        Assert.Equal(Now, result.IssuedAt);
        Assert.Equal(22, result.Jti.Length);
    }

    [Fact]
    public void Created_proof_with_an_access_token_validates_and_carries_the_expected_claims()
    {
        using var key = DeviceKey.Generate();

        var proof = DpopProof.Create(key, "GET", Target, AccessToken, Now.AddMilliseconds(900), "fixed-jti");
        var result = Validator.Validate(proof, "GET", Target, AccessToken, Now);

        Assert.True(result.IsValid);
        Assert.Equal("fixed-jti", result.Jti);
        Assert.Equal(Now, result.IssuedAt);
        var (header, claims) = Decode(proof);
        Assert.Equal($$"""{"typ":"dpop+jwt","alg":"ES256","jwk":{{key.PublicJwk.ToJwkJson()}}}""", header);
        var expectedAth = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(AccessToken)));
        Assert.Equal($$"""{"jti":"fixed-jti","htm":"GET","htu":"{{Target}}","iat":1800000000,"ath":"{{expectedAth}}"}""", claims);
    }

    [Fact]
    public void Every_proof_gets_a_fresh_jti()
    {
        using var key = DeviceKey.Generate();

        var first = Validator.Validate(DpopProof.Create(key, "POST", Target, null, Now), "POST", Target, null, Now);
        var second = Validator.Validate(DpopProof.Create(key, "POST", Target, null, Now), "POST", Target, null, Now);

        Assert.NotEqual(first.Jti, second.Jti);
    }

    [Fact]
    public void Htu_leaves_out_query_and_fragment_and_the_validator_ignores_them()
    {
        using var key = DeviceKey.Generate();
        var withQuery = new Uri("https://keys.symbolon.test/v1/units/42/share?version=3#top");

        var proof = DpopProof.Create(key, "POST", withQuery, null, Now, "jti-1");

        Assert.Contains("\"htu\":\"https://keys.symbolon.test/v1/units/42/share\"", Decode(proof).Claims, StringComparison.Ordinal);
        Assert.True(Validator.Validate(proof, "POST", withQuery, null, Now).IsValid);
        Assert.True(Validator.Validate(proof, "POST", Target, null, Now).IsValid);
        Assert.True(Validator.Validate(proof, "POST", new Uri("https://keys.symbolon.test/v1/units/42/share?other=1"), null, Now).IsValid);
    }

    [Theory]
    [InlineData("HTTPS://KEYS.Symbolon.TEST/v1/units/42/share")]
    [InlineData("https://keys.symbolon.test:443/v1/units/42/share")]
    [InlineData("https://keys.symbolon.test/v1/units/7/../42/share")]
    [InlineData("https://keys.symbolon.test/v1/units/%34%32/share")]
    public void Htu_compares_after_rfc3986_normalisation(string htu)
    {
        using var key = DeviceKey.Generate();
        var proof = Sign(key, Header(key), Claims(htu: htu));

        Assert.True(Validator.Validate(proof, "POST", Target, null, Now).IsValid);
    }

    [Fact]
    public void Empty_path_equals_slash()
    {
        using var key = DeviceKey.Generate();
        var proof = Sign(key, Header(key), Claims(htu: "https://keys.symbolon.test"));

        Assert.True(Validator.Validate(proof, "POST", new Uri("https://keys.symbolon.test/"), null, Now).IsValid);
    }

    // --- Refusals: signature and structure --------------------------------------------------------------------

    [Fact]
    public void Tampered_claims_fail_the_signature()
    {
        using var key = DeviceKey.Generate();
        var parts = DpopProof.Create(key, "POST", Target, null, Now, "original").Split('.');
        parts[1] = Encode(Claims(jti: "replaced"));

        var result = Validator.Validate(string.Join('.', parts), "POST", Target, null, Now);

        Assert.Equal(DpopFailure.BadSignature, result.Failure);
        Assert.False(result.IsValid);
        Assert.Null(result.Thumbprint);
        Assert.Null(result.Jti);
    }

    [Fact]
    public void Tampered_header_fails_the_signature()
    {
        using var key = DeviceKey.Generate();
        var parts = DpopProof.Create(key, "POST", Target, null, Now).Split('.');
        parts[0] = Encode(Header(key) + " ");

        Assert.Equal(DpopFailure.BadSignature, Validator.Validate(string.Join('.', parts), "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Tampered_or_truncated_signature_fails()
    {
        using var key = DeviceKey.Generate();
        var parts = DpopProof.Create(key, "POST", Target, null, Now).Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        var flipped = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}";
        var truncated = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature.AsSpan(0, 63))}";

        Assert.Equal(DpopFailure.BadSignature, Validator.Validate(flipped, "POST", Target, null, Now).Failure);
        Assert.Equal(DpopFailure.BadSignature, Validator.Validate(truncated, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Signature_by_another_key_than_the_jwk_fails()
    {
        using var key = DeviceKey.Generate();
        using var other = DeviceKey.Generate();

        var proof = Sign(other, Header(key), Claims());

        Assert.Equal(DpopFailure.BadSignature, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Alg_none_is_refused()
    {
        using var key = DeviceKey.Generate();
        var header = $$"""{"typ":"dpop+jwt","alg":"none","jwk":{{key.PublicJwk.ToJwkJson()}}}""";

        var proof = $"{Encode(header)}.{Encode(Claims())}.";

        Assert.Equal(DpopFailure.UnsupportedAlgorithm, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Alg_hs256_keyed_with_the_public_key_is_refused()
    {
        using var key = DeviceKey.Generate();
        var header = $$"""{"typ":"dpop+jwt","alg":"HS256","jwk":{{key.PublicJwk.ToJwkJson()}}}""";
        var input = $"{Encode(header)}.{Encode(Claims())}";

        // The classic confusion attack: an HMAC "signature" keyed with the public key bytes anyone can read.
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key.PublicJwk.ToJwkJson()), Encoding.ASCII.GetBytes(input));
        var proof = $"{input}.{Base64Url.EncodeToString(mac)}";

        Assert.Equal(DpopFailure.UnsupportedAlgorithm, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Theory]
    [InlineData("\"alg\":\"ES384\",")]
    [InlineData("\"alg\":\"es256\",")]
    [InlineData("\"alg\":\"RS256\",")]
    [InlineData("\"alg\":null,")]
    [InlineData("")]
    public void Any_alg_but_es256_is_refused(string algMember)
    {
        using var key = DeviceKey.Generate();
        var header = $$"""{"typ":"dpop+jwt",{{algMember}}"jwk":{{key.PublicJwk.ToJwkJson()}}}""";

        var proof = Sign(key, header, Claims());

        Assert.Equal(DpopFailure.UnsupportedAlgorithm, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Theory]
    [InlineData("\"typ\":\"JWT\",")]
    [InlineData("\"typ\":\"DPOP+JWT\",")]
    [InlineData("\"typ\":\"application/dpop+jwt\",")]
    [InlineData("")]
    public void Typ_other_than_dpop_jwt_is_refused(string typMember)
    {
        using var key = DeviceKey.Generate();
        var header = $$"""{{{typMember}}"alg":"ES256","jwk":{{key.PublicJwk.ToJwkJson()}}}""";

        var proof = Sign(key, header, Claims());

        Assert.Equal(DpopFailure.WrongType, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Jwk_with_a_private_key_is_refused_even_though_the_signature_is_good()
    {
        using var key = DeviceKey.Generate();
        var pkcs8 = key.ExportPkcs8Unsafe();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        CryptographicOperations.ZeroMemory(pkcs8);
        var d = Base64Url.EncodeToString(ecdsa.ExportParameters(includePrivateParameters: true).D);
        var jwk = key.PublicJwk.ToJwkJson().TrimEnd('}') + $",\"d\":\"{d}\"}}";

        var proof = Sign(key, Header(jwk), Claims());

        Assert.Equal(DpopFailure.BadKey, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Jwk_for_a_point_off_the_curve_is_refused()
    {
        using var key = DeviceKey.Generate();
        var y = key.PublicJwk.Y.ToArray();
        y[^1] ^= 0x01;
        var jwk = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(key.PublicJwk.X.Span)}}","y":"{{Base64Url.EncodeToString(y)}}"}""";

        var proof = Sign(key, Header(jwk), Claims());

        Assert.Equal(DpopFailure.BadKey, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Missing_jwk_is_refused()
    {
        using var key = DeviceKey.Generate();

        var proof = Sign(key, """{"typ":"dpop+jwt","alg":"ES256"}""", Claims());

        Assert.Equal(DpopFailure.BadKey, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Theory]
    [InlineData("")]                                                     // empty
    [InlineData("garbage")]                                              // one part
    [InlineData("not.a.jws.token")]                                      // four parts
    [InlineData("..")]                                                   // empty parts
    [InlineData("e30.e30")]                                              // two parts ({} and {})
    [InlineData("e30.e30.e30.e30")]                                      // four parts
    [InlineData("W10.e30.")]                                             // header is an array, not an object
    [InlineData("bnVsbA.e30.")]                                          // header is null
    [InlineData("e30.e30.$$$")]                                          // signature outside the alphabet
    [InlineData("e30=.e30.")]                                            // padded header
    [InlineData("e30.e31.")]                                             // non-canonical base64url (trailing bits set)
    [InlineData("e30.e30+.")]                                            // standard base64 alphabet
    [InlineData(" e30.e30.")]                                            // whitespace
    [InlineData("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.eyJhIjox.")] // claims are truncated JSON
    public void Structurally_broken_proofs_are_malformed(string proof)
    {
        Assert.Equal(DpopFailure.Malformed, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void A_valid_proof_with_padding_added_or_a_part_duplicated_is_malformed()
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, null, Now);
        var parts = proof.Split('.');
        var padded = $"{parts[0]}.{parts[1]}.{parts[2]}==";
        var fourParts = $"{proof}.{parts[2]}";
        var twoParts = $"{parts[0]}.{parts[1]}";
        var oversized = $"{parts[0]}.{Encode(Claims(jti: new string('j', 64)) + new string(' ', 3000))}.{parts[2]}";

        Assert.Equal(DpopFailure.Malformed, Validator.Validate(padded, "POST", Target, null, Now).Failure);
        Assert.Equal(DpopFailure.Malformed, Validator.Validate(fourParts, "POST", Target, null, Now).Failure);
        Assert.Equal(DpopFailure.Malformed, Validator.Validate(twoParts, "POST", Target, null, Now).Failure);
        Assert.Equal(DpopFailure.Malformed, Validator.Validate(oversized, "POST", Target, null, Now).Failure);
    }

    [Theory]
    [InlineData("""{"htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000}""")]                        // no jti
    [InlineData("""{"jti":"","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000}""")]               // empty jti
    [InlineData("""{"jti":"a","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000}""")]                           // no htm
    [InlineData("""{"jti":"a","htm":"POST","iat":1800000000}""")]                                                                   // no htu
    [InlineData("""{"jti":"a","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share"}""")]                               // no iat
    [InlineData("""{"jti":"a","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":"1800000000"}""")]            // iat a string
    [InlineData("""{"jti":"a","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000.5}""")]            // fractional iat
    [InlineData("""{"jti":1,"htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000}""")]                // jti a number
    [InlineData("""{"jti":"a","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000,"ath":7}""")]      // ath a number
    [InlineData("""{"jti":"a","jti":"b","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000}""")]    // duplicate member
    [InlineData("""["jti","htm","htu","iat"]""")]                                                                                   // not an object
    [InlineData("""{"jti":"\uD800","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000}""")]        // lone surrogate
    [InlineData("""{"jti":"a","htm":"POST","htu":"https://keys.symbolon.test/v1/units/42/share","iat":1800000000,"ath":"\uDC00"}""")] // lone surrogate
    public void Signed_but_malformed_claims_are_refused(string claims)
    {
        using var key = DeviceKey.Generate();

        Assert.Equal(DpopFailure.Malformed, Validator.Validate(Sign(key, Header(key), claims), "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Jti_longer_than_64_characters_is_refused_and_64_is_accepted()
    {
        using var key = DeviceKey.Generate();

        var longest = Validator.Validate(Sign(key, Header(key), Claims(jti: new string('j', 64))), "POST", Target, null, Now);
        var tooLong = Validator.Validate(Sign(key, Header(key), Claims(jti: new string('j', 65))), "POST", Target, null, Now);

        Assert.True(longest.IsValid);
        Assert.Equal(DpopFailure.Malformed, tooLong.Failure);
    }

    [Theory]
    [InlineData("\"\\uDC00\":1,\"\\uDC00\":2,")]   // a repeated name with no UTF-16 form
    [InlineData("\"a\\uD800\":1,")]                   // a name with no UTF-16 form
    [InlineData("\"kid\":\"\\uD800\",")]              // a value with no UTF-16 form
    public void Header_text_without_a_utf16_form_is_malformed(string members)
    {
        using var key = DeviceKey.Generate();
        var header = $$"""{{{members}}"typ":"dpop+jwt","alg":"ES256","jwk":{{key.PublicJwk.ToJwkJson()}}}""";

        Assert.Equal(DpopFailure.Malformed, Validator.Validate(Sign(key, header, Claims()), "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Critical_header_extensions_are_refused()
    {
        using var key = DeviceKey.Generate();
        var header = $$"""{"typ":"dpop+jwt","alg":"ES256","crit":["exp"],"exp":1,"jwk":{{key.PublicJwk.ToJwkJson()}}}""";

        Assert.Equal(DpopFailure.Malformed, Validator.Validate(Sign(key, header, Claims()), "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Any_single_character_change_to_a_valid_proof_is_refused_without_throwing()
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, AccessToken, Now);
        var replacements = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \"\\{}"];

        Gen.Select(Gen.Int[0, proof.Length - 1], replacements).Sample((index, replacement) =>
        {
            var mutated = string.Concat(proof.AsSpan(0, index), new string(replacement, 1), proof.AsSpan(index + 1));
            var result = Validator.Validate(mutated, "POST", Target, AccessToken, Now);
            return mutated == proof ? result.IsValid : !result.IsValid && result.Failure != DpopFailure.None;
        });
    }

    [Fact]
    public void Arbitrary_text_is_refused_without_throwing()
    {
        var json = Gen.String[Gen.Char["{}[]\":,.0123456789abcdefjkltuvwxyz\\-_ "], 0, 80];
        var proofs = Gen.OneOf(
            Gen.String,
            Gen.Select(json, json, Gen.String[Gen.Char["AZaz09-_"], 0, 90]).Select((header, claims, signature) => $"{Encode(header)}.{Encode(claims)}.{signature}"));

        proofs.Sample(proof => !Validator.Validate(proof, "POST", Target, AccessToken, Now).IsValid);
    }

    // --- Refusals: binding to the request -----------------------------------------------------------------------

    [Theory]
    [InlineData("GET")]
    [InlineData("post")]
    [InlineData("POST ")]
    public void Other_method_is_refused(string method)
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, null, Now);

        Assert.Equal(DpopFailure.MethodMismatch, Validator.Validate(proof, method, Target, null, Now).Failure);
    }

    [Theory]
    [InlineData("https://keys.symbolon.test/v1/units/43/share")]        // other path
    [InlineData("https://keys.symbolon.test/v1/units/42/share/")]       // trailing slash
    [InlineData("https://keys.symbolon.test/V1/units/42/share")]        // path case matters
    [InlineData("https://evil.symbolon.test/v1/units/42/share")]        // other host
    [InlineData("https://keys.symbolon.test:8443/v1/units/42/share")]   // other port
    [InlineData("http://keys.symbolon.test/v1/units/42/share")]         // other scheme
    [InlineData("https://keys.symbolon.test/v1/units%2F42/share")]      // an escaped "/" is not a "/"
    public void Other_request_uri_is_refused(string requestUri)
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, null, Now);

        Assert.Equal(DpopFailure.UriMismatch, Validator.Validate(proof, "POST", new Uri(requestUri), null, Now).Failure);
    }

    [Theory]
    [InlineData("/v1/units/42/share")]                                          // relative
    [InlineData("ftp://keys.symbolon.test/v1/units/42/share")]                  // not http
    [InlineData("https://user@keys.symbolon.test/v1/units/42/share")]           // user info
    [InlineData(" https://keys.symbolon.test/v1/units/42/share")]               // whitespace Uri would trim
    [InlineData("https:\\\\keys.symbolon.test\\v1\\units\\42\\share")]          // backslashes Uri would repair
    [InlineData("not a uri")]
    public void Htu_that_is_not_a_plain_http_uri_is_refused(string htu)
    {
        using var key = DeviceKey.Generate();
        var proof = Sign(key, Header(key), Claims(htu: htu));

        Assert.Equal(DpopFailure.UriMismatch, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    // --- Refusals: time -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(-60, DpopFailure.None)]
    [InlineData(-61, DpopFailure.Stale)]
    [InlineData(-86_400, DpopFailure.Stale)]
    [InlineData(5, DpopFailure.None)]
    [InlineData(6, DpopFailure.FromTheFuture)]
    [InlineData(86_400, DpopFailure.FromTheFuture)]
    public void Iat_must_lie_within_max_age_and_clock_skew(int offsetSeconds, DpopFailure expected)
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, null, Now.AddSeconds(offsetSeconds));

        Assert.Equal(expected, Validator.Validate(proof, "POST", Target, null, Now).Failure);
    }

    [Theory]
    [InlineData(long.MinValue, DpopFailure.Stale)]
    [InlineData(-62_135_596_801, DpopFailure.Stale)]
    [InlineData(253_402_300_800, DpopFailure.FromTheFuture)]
    [InlineData(long.MaxValue, DpopFailure.FromTheFuture)]
    public void Iat_beyond_the_representable_range_is_refused_without_throwing(long iat, DpopFailure expected)
    {
        using var key = DeviceKey.Generate();
        var claims = $$"""{"jti":"a","htm":"POST","htu":"{{Target}}","iat":{{iat}}}""";

        Assert.Equal(expected, Validator.Validate(Sign(key, Header(key), claims), "POST", Target, null, Now).Failure);
    }

    [Fact]
    public void Options_change_the_window()
    {
        using var key = DeviceKey.Generate();
        var strict = new DpopProofValidator(new DpopProofValidatorOptions { MaxAge = TimeSpan.FromSeconds(10), ClockSkew = TimeSpan.Zero });

        Assert.Equal(DpopFailure.Stale, strict.Validate(DpopProof.Create(key, "POST", Target, null, Now.AddSeconds(-11)), "POST", Target, null, Now).Failure);
        Assert.Equal(DpopFailure.FromTheFuture, strict.Validate(DpopProof.Create(key, "POST", Target, null, Now.AddSeconds(1)), "POST", Target, null, Now).Failure);
        Assert.True(strict.Validate(DpopProof.Create(key, "POST", Target, null, Now.AddSeconds(-10)), "POST", Target, null, Now).IsValid);
    }

    [Fact]
    public void Options_outside_their_range_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => new DpopProofValidator(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpopProofValidator(new DpopProofValidatorOptions { MaxAge = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpopProofValidator(new DpopProofValidatorOptions { ClockSkew = TimeSpan.FromSeconds(-1) }));
    }

    // --- Refusals: access token binding -------------------------------------------------------------------------

    [Fact]
    public void Missing_ath_when_an_access_token_is_sent_is_refused()
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, accessToken: null, Now);

        Assert.Equal(DpopFailure.MissingAccessTokenHash, Validator.Validate(proof, "POST", Target, AccessToken, Now).Failure);
    }

    [Theory]
    [InlineData("another-access-token")]
    [InlineData("symbolon-access-token.v1.Zm9w")]
    [InlineData("symbolon-access-token.v1.Zm9vé")]
    [InlineData("")]
    public void Ath_for_another_token_is_refused(string presentedToken)
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, AccessToken, Now);

        Assert.Equal(DpopFailure.AccessTokenMismatch, Validator.Validate(proof, "POST", Target, presentedToken, Now).Failure);
    }

    [Theory]
    [InlineData("not base64url!")]
    [InlineData("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo=")]
    [InlineData("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQE")]
    public void Ath_that_is_not_a_32_byte_base64url_hash_is_refused(string ath)
    {
        using var key = DeviceKey.Generate();
        var claims = $$"""{"jti":"a","htm":"POST","htu":"{{Target}}","iat":1800000000,"ath":"{{ath}}"}""";

        Assert.Equal(DpopFailure.AccessTokenMismatch, Validator.Validate(Sign(key, Header(key), claims), "POST", Target, AccessToken, Now).Failure);
    }

    [Fact]
    public void Ath_without_an_access_token_is_ignored()
    {
        using var key = DeviceKey.Generate();
        var proof = DpopProof.Create(key, "POST", Target, AccessToken, Now);

        Assert.True(Validator.Validate(proof, "POST", Target, accessToken: null, Now).IsValid);
    }

    // --- Keys ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Thumbprint_is_sha256_of_the_canonical_jwk_computed_independently()
    {
        using var key = DeviceKey.Generate();
        using var ecdsa = ECDsa.Create();
        var pkcs8 = key.ExportPkcs8Unsafe();
        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        CryptographicOperations.ZeroMemory(pkcs8);
        var q = ecdsa.ExportParameters(includePrivateParameters: false).Q;

        var canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + Base64Url.EncodeToString(q.X) + "\",\"y\":\"" + Base64Url.EncodeToString(q.Y) + "\"}";
        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

        Assert.Equal(expected, key.PublicJwk.Thumbprint);
        Assert.Equal(43, expected.Length);
        Assert.Equal(q.X, key.PublicJwk.X.ToArray());
        Assert.Equal(q.Y, key.PublicJwk.Y.ToArray());
        Assert.Equal(canonical, key.PublicJwk.ToJwkJson());
    }

    [Fact]
    public void Device_key_round_trips_through_pkcs8_and_signs_for_the_same_thumbprint()
    {
        using var key = DeviceKey.Generate();
        var pkcs8 = key.ExportPkcs8Unsafe();
        using var imported = DeviceKey.ImportPkcs8(pkcs8);
        CryptographicOperations.ZeroMemory(pkcs8);

        var proof = DpopProof.Create(imported, "POST", Target, null, Now);

        Assert.Equal(key.PublicJwk.Thumbprint, imported.PublicJwk.Thumbprint);
        Assert.Equal(key.PublicJwk.Thumbprint, Validator.Validate(proof, "POST", Target, null, Now).Thumbprint);
    }

    [Fact]
    public void Import_rejects_other_curves_garbage_and_trailing_bytes()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var key = DeviceKey.Generate();
        byte[] trailing = [.. key.ExportPkcs8Unsafe(), (byte)0];

        var otherCurve = Assert.Throws<ArgumentException>(() => DeviceKey.ImportPkcs8(p384.ExportPkcs8PrivateKey()));
        Assert.Throws<ArgumentException>(() => DeviceKey.ImportPkcs8(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x00 }));
        Assert.Throws<ArgumentException>(() => DeviceKey.ImportPkcs8([]));
        Assert.Throws<ArgumentException>(() => DeviceKey.ImportPkcs8(trailing));
        Assert.StartsWith("`pkcs8` must be", otherCurve.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_key_to_string_shows_only_the_thumbprint()
    {
        using var key = DeviceKey.Generate();
        var pkcs8 = key.ExportPkcs8Unsafe();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        var d = ecdsa.ExportParameters(includePrivateParameters: true).D!;

        var text = key.ToString();

        Assert.Equal($"DeviceKey({key.PublicJwk.Thumbprint})", text);
        Assert.DoesNotContain(Base64Url.EncodeToString(d), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(d), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(d), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(pkcs8), text, StringComparison.Ordinal);
        Assert.Equal($"DevicePublicKey({key.PublicJwk.Thumbprint})", key.PublicJwk.ToString());
        CryptographicOperations.ZeroMemory(pkcs8);
    }

    [Fact]
    public void Disposed_device_key_cannot_sign_or_export()
    {
        var key = DeviceKey.Generate();
        key.Dispose();
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => DpopProof.Create(key, "POST", Target, null, Now));
        Assert.Throws<ObjectDisposedException>(() => key.ExportPkcs8Unsafe());
    }

    [Theory]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","kid":"k1","use":"sig"}""", true)]
    [InlineData("""{"kty":"RSA","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-384","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBF","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs=","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AGl8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","d":""}""", false)]
    [InlineData("""{"kty":"EC","kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":42,"y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""["kty","EC"]""", false)]
    [InlineData("""{"kty":"EC\uD800","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    [InlineData("""{"\uDC00":1,"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}""", false)]
    public void Jwk_parsing_accepts_only_public_p256_keys(string json, bool accepted)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(accepted, DevicePublicKey.TryParseJwk(document.RootElement, out var key));
        Assert.Equal(accepted, key is not null);
    }

    [Fact]
    public void Arguments_are_validated()
    {
        using var key = DeviceKey.Generate();

        Assert.Throws<ArgumentNullException>(() => DpopProof.Create(null!, "POST", Target, null, Now));
        Assert.Throws<ArgumentException>(() => DpopProof.Create(key, "", Target, null, Now));
        Assert.Throws<ArgumentNullException>(() => DpopProof.Create(key, "POST", null!, null, Now));
        Assert.Throws<ArgumentException>(() => DpopProof.Create(key, "POST", new Uri("/relative", UriKind.Relative), null, Now));
        Assert.Throws<ArgumentException>(() => DpopProof.Create(key, "POST", new Uri("ftp://keys.symbolon.test/"), null, Now));
        Assert.Throws<ArgumentException>(() => DpopProof.Create(key, "POST", Target, "", Now));
        Assert.Throws<ArgumentException>(() => DpopProof.Create(key, "POST", Target, "tökén", Now));
        Assert.Throws<ArgumentNullException>(() => Validator.Validate(null!, "POST", Target, null, Now));
        Assert.Throws<ArgumentException>(() => Validator.Validate("", " ", Target, null, Now));
        Assert.Throws<ArgumentException>(() => Validator.Validate("", "POST", new Uri("/relative", UriKind.Relative), null, Now));
    }

    [Fact]
    public void Validation_result_to_string_names_only_the_outcome()
    {
        using var key = DeviceKey.Generate();

        var valid = Validator.Validate(DpopProof.Create(key, "POST", Target, null, Now), "POST", Target, null, Now);
        var invalid = Validator.Validate("garbage", "POST", Target, null, Now);

        Assert.Equal($"DpopValidationResult(valid, {key.PublicJwk.Thumbprint})", valid.ToString());
        Assert.Equal("DpopValidationResult(Malformed)", invalid.ToString());
    }

    // --- Helpers ------------------------------------------------------------------------------------------------

    private static string Header(DeviceKey key) => Header(key.PublicJwk.ToJwkJson());

    private static string Header(string jwkJson) => $$"""{"typ":"dpop+jwt","alg":"ES256","jwk":{{jwkJson}}}""";

    private static string Claims(string jti = "jti-0001", string htu = "https://keys.symbolon.test/v1/units/42/share") =>
        $$"""{"jti":"{{jti}}","htm":"POST","htu":"{{htu.Replace("\\", "\\\\", StringComparison.Ordinal)}}","iat":1800000000}""";

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    /// <summary>A hand-built compact JWS with a genuine ES256 signature, so only the chosen defect is wrong.</summary>
    private static string Sign(DeviceKey key, string headerJson, string claimsJson)
    {
        var input = $"{Encode(headerJson)}.{Encode(claimsJson)}";
        return $"{input}.{Base64Url.EncodeToString(key.Sign(Encoding.ASCII.GetBytes(input)))}";
    }

    private static (string Header, string Claims) Decode(string proof)
    {
        var parts = proof.Split('.');
        return (Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])), Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])));
    }
}
