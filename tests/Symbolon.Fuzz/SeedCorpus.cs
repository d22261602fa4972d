using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Symbolon.Client;
using Symbolon.Client.Items;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;
using Symbolon.Crypto.Oprf;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;

namespace Symbolon.Fuzz;

/// <summary>
/// Writes testdata/fuzz/TARGET/*: valid inputs made by the real code with the targets' fixed keys (so they pass every
/// check a fuzzer has to get past), the sealed-item vectors of testdata/vectors, and a few edge cases per target.
/// Small on purpose: a fuzzer needs variety, not volume.
/// </summary>
internal static class SeedCorpus
{
    private static readonly Guid VaultId = Guid.Parse("8f2d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    private static readonly Guid UnitId = Guid.Parse("1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809");

    public static void Write(string root)
    {
        var keys = new FuzzKeys();
        var credentials = Credentials();
        var items = new List<byte[]>();
        var payloads = new List<byte[]>();
        foreach (var (mode, index) in new[] { ItemMode.Split, ItemMode.Threshold, ItemMode.Blinded }.Select((m, i) => (m, i)))
        {
            var credential = credentials[index % credentials.Count];
            using var payload = CredentialEncoding.Encode(credential);
            payloads.Add(payload.Span.ToArray());
            var context = new ItemContext(VaultId, UnitId, (uint)(index + 1), mode);
            using var clientShare = KeyDerivation.DeriveClientShare(keys.RootKey, VaultId, UnitId);
            using var key = KeyDerivation.DeriveDataKey(clientShare.Secret.Span, keys.ServerShare, context);
            items.Add(SealedItem.SealCore(key, new byte[12], payload.Span));
        }

        foreach (var credential in credentials.Skip(3))
        {
            using var payload = CredentialEncoding.Encode(credential);
            payloads.Add(payload.Span.ToArray());
        }

        Save(root, "sealed-item", items.Append(items[0][..SealedItem.HeaderSize]));
        Save(root, "credential-payload", payloads.Append(new byte[256]));
        Save(root, "item-file", ItemFiles(items));
        Save(root, "dpop-proof", DpopProofs(keys).Select(Encoding.UTF8.GetBytes));
        Save(root, "dpop-signed", DpopClaims(keys));
        Save(root, "jwk", Jwks(keys));
        Save(root, "oidc-token", OidcTokens(keys).Select(Encoding.UTF8.GetBytes));
        Save(root, "oidc-signed", OidcClaims().Select(Encoding.UTF8.GetBytes));
        Save(root, "oprf", OprfInputs(keys));
        Save(root, "receipt", Receipts(keys).Select(Encoding.UTF8.GetBytes));
        Save(root, "checkpoint", Checkpoints(keys).Select(Encoding.UTF8.GetBytes));
    }

    private static List<Credential> Credentials() =>
    [
        new("alice@example.com", "correct horse battery staple"),
        new("bob", "pässwörd ✓", "https://vendor.example/login", "notes\nwith lines"),
        new("carol", "p", fields: new Dictionary<string, string> { ["api-key"] = "k-123", ["totp"] = "JBSWY3DPEHPK3PXP" }),
        new("", "", "https://x.example/", "n", new Dictionary<string, string> { ["a"] = "", ["b_2"] = "v" }),
        new("dave", new string('x', 300)),
    ];

    private static IEnumerable<byte[]> ItemFiles(List<byte[]> items)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        var unitId = Guid.Parse(Path.GetFileNameWithoutExtension(FuzzKeys.ItemFileName));
        var created = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        yield return JsonSerializer.SerializeToUtf8Bytes(new StoredItem(1, "vendor-portal", unitId, items[0], created), json);
        yield return JsonSerializer.SerializeToUtf8Bytes(new StoredItem(1, "with-server", unitId, items[0], created, FuzzKeys.Server), json);
        yield return JsonSerializer.SerializeToUtf8Bytes(new StoredItem(3, "blinded.item", unitId, items[2], created, FuzzKeys.Server), json);
        var members = new[] { "https://a.example/", "https://b.example/", "https://c.example/" }
            .Select((server, i) => new ThresholdShareRef(new Uri(server), Guid.Parse($"00000000-0000-4000-8000-00000000000{i + 1}"), 1)).ToList();
        yield return JsonSerializer.SerializeToUtf8Bytes(new StoredItem(2, "threshold_1", unitId, items[1], created, Threshold: new ThresholdItem(2, members)), json);
    }

    private static IEnumerable<string> DpopProofs(FuzzKeys keys)
    {
        var now = FuzzTargets.Now;
        yield return DpopProof.Create(keys.Device, "POST", FuzzTargets.RequestUri, accessToken: null, now);
        yield return DpopProof.Create(keys.Device, "POST", FuzzTargets.RequestUri, FuzzTargets.AccessToken, now);
        yield return DpopProof.Create(keys.Device, "GET", new Uri("https://keys.example/v1/units?x=1"), FuzzTargets.AccessToken, now.AddMinutes(-5));
        yield return "eyJhbGciOiJub25lIiwidHlwIjoiZHBvcCtqd3QifQ.eyJqdGkiOiIxIn0.";
        yield return "..";
    }

    private static IEnumerable<byte[]> DpopClaims(FuzzKeys keys)
    {
        var iat = FuzzTargets.Now.ToUnixTimeSeconds();
        var ath = Base64UrlStrict.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(FuzzTargets.AccessToken)));
        var claims = $$"""{"jti":"abc","htm":"POST","htu":"https://keys.example/v1/units","iat":{{iat}},"ath":"{{ath}}"}""";
        yield return Encoding.UTF8.GetBytes(claims);
        yield return [.. keys.DpopHeader, 0, .. Encoding.UTF8.GetBytes(claims)];
        yield return Encoding.UTF8.GetBytes($$"""{"jti":"a","htm":"POST","htu":"https://KEYS.example:443/v1/./units/../units#f","iat":{{iat - 30}}.0,"ath":null}""");
        yield return [.. """{"typ":"dpop+jwt","alg":"ES256","crit":["x"],"jwk":{"kty":"EC"}}"""u8, 0, .. """{"jti":"\ud800"}"""u8];
    }

    private static IEnumerable<byte[]> Jwks(FuzzKeys keys)
    {
        yield return Encoding.UTF8.GetBytes(keys.Device.PublicJwk.ToJwkJson());
        var jwk = keys.Device.PublicJwk;
        yield return Encoding.UTF8.GetBytes($$"""{"kty":"EC","crv":"P-256","x":"{{Base64UrlStrict.Encode(jwk.X.Span)}}","y":"{{Base64UrlStrict.Encode(jwk.Y.Span)}}","d":"AAAA","kid":"k"}""");
        yield return """{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"""u8.ToArray();
        yield return """{"kty":"EC","kty":"RSA"}"""u8.ToArray();
    }

    private static IEnumerable<string> OidcTokens(FuzzKeys keys)
    {
        foreach (var claims in OidcClaims().Take(2))
        {
            yield return keys.OidcHandler.CreateToken(claims, keys.OidcSigning);
        }

        yield return keys.OidcHandler.CreateToken(OidcClaims().First());
        yield return "eyJhbGciOiJIUzI1NiJ9.e30.AAAA";
    }

    private static IEnumerable<string> OidcClaims()
    {
        var now = FuzzTargets.Now.ToUnixTimeSeconds();
        var realNow = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        yield return $$"""{"iss":"{{FuzzTargets.OidcIssuer}}","aud":"{{FuzzTargets.OidcAudience}}","sub":"alice","iat":{{realNow}},"nbf":{{realNow - 60}},"exp":{{realNow + 315360000}}}""";
        yield return $$"""{"iss":"{{FuzzTargets.OidcIssuer}}","aud":["{{FuzzTargets.OidcAudience}}","other"],"sub":"bob","nbf":{{now}},"exp":{{now + 3600}},"jti":"j1","azp":"cli"}""";
        yield return """{"iss":1,"aud":null,"exp":"x","nbf":1e400}""";
    }

    private static IEnumerable<byte[]> OprfInputs(FuzzKeys keys)
    {
        using var blinded = keys.OprfClient.Blind("seed input"u8, FuzzKeys.OprfInfo);
        var evaluation = OprfServer.BlindEvaluate(keys.OprfKey, blinded.BlindedElement, FuzzKeys.OprfInfo);
        yield return [.. blinded.BlindedElement, .. evaluation.EvaluatedElements[0], .. evaluation.Proof];
        yield return [.. keys.OprfKey.PublicKey, .. new byte[32], .. Enumerable.Repeat((byte)0xff, 64)];
        yield return new byte[128];
    }

    private static IEnumerable<string> Receipts(FuzzKeys keys)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var time = FuzzTargets.Now;
        var good = new ReleaseReceipt(7, SHA256.HashData("chain"u8), UnitId, VaultId, time);
        var line = JsonSerializer.Serialize(new StoredReceipt(7, good.ChainHash, UnitId, VaultId, time, good.Sign(keys.AuditKey), FuzzKeys.Server), json);
        yield return line + "\n";
        yield return line + "\n" + line[..40];
        yield return JsonSerializer.Serialize(new StoredReceipt(8, new byte[32], UnitId, VaultId, time, new byte[64], FuzzKeys.Server), json) + "\n" + line + "\n";
    }

    private static IEnumerable<string> Checkpoints(FuzzKeys keys)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var leaves = Enumerable.Range(0, 5).Select(i => i == 0 ? keys.PinnedRoot : MerkleTree.LeafHash([(byte)i])).ToList();
        var root = MerkleTree.Root(leaves);
        var checkpoint = new AuditCheckpoint(5, root, FuzzTargets.Now);
        var consistency = MerkleTree.ConsistencyProof(leaves, 3);
        var inclusion = MerkleTree.InclusionProof(leaves, 0);
        yield return JsonSerializer.Serialize(new
        {
            treeSize = 5L,
            rootHash = root,
            time = FuzzTargets.Now,
            signature = checkpoint.Sign(keys.AuditKey),
            from = 3L,
            to = 5L,
            proof = consistency,
            sequence = 1L,
            leafIndex = 0L,
            path = inclusion,
        }, json);
        yield return JsonSerializer.Serialize(new { treeSize = 1L, rootHash = keys.PinnedRoot, time = FuzzTargets.Now, signature = new byte[64], from = 1L, to = 1L, proof = Array.Empty<byte[]>(), sequence = 1L, leafIndex = 0L, treeSize2 = 1L, path = Array.Empty<byte[]>() }, json);
        yield return """{"treeSize":-1,"rootHash":"","time":"2026-12-01T12:00:00Z","signature":null}""";
    }

    private static void Save(string root, string target, IEnumerable<byte[]> inputs)
    {
        var folder = Path.Combine(root, target);
        Directory.CreateDirectory(folder);
        // Only the generated seeds: regression-* inputs (crashes fuzzing found, docs/security.md) stay.
        foreach (var stale in Directory.EnumerateFiles(folder, "seed-*"))
        {
            File.Delete(stale);
        }

        var index = 0;
        foreach (var input in inputs)
        {
            File.WriteAllBytes(Path.Combine(folder, $"seed-{index++:D2}"), input);
        }
    }
}
