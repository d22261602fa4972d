// The parsers that take untrusted bytes (issue 14, "Fuzzing and soak"), each wrapped as a target that feeds them one
// input and lets through only the failures their API documents. Any other exception escaping a target is a crash;
// AFL++ (run-afl.sh) and the bounded run in ./test.sh (Symbolon.Fuzz.Tests) both treat it so. docs/security.md.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Symbolon.Client;
using Symbolon.Client.Items;
using Symbolon.Client.Modes;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;
using Symbolon.Crypto.Oprf;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;

namespace Symbolon.Fuzz;

/// <summary>One fuzz target: a name (also its corpus folder, testdata/fuzz/NAME) and what it does with one input.</summary>
public sealed record FuzzTarget(string Name, string Parser, Action<byte[]> Run);

/// <summary>Every target. Each one's documented failures are caught inside it; anything else propagates.</summary>
public static class FuzzTargets
{
    /// <summary>The fixed time the DPoP and OIDC targets validate at (seeds carry timestamps around it).</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The request a DPoP proof is checked against.</summary>
    public static readonly Uri RequestUri = new("https://keys.example/v1/units");

    public const string AccessToken = "access-token-for-fuzzing";

    public const string OidcIssuer = "https://issuer.example/";

    public const string OidcAudience = "symbolon";

    private static readonly Lazy<FuzzKeys> Keys = new(() => new FuzzKeys());

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("sealed-item", "SealedItem.ReadContext and Open (src/Symbolon.Crypto/SealedItem.cs)", SealedItemTarget),
        new("credential-payload", "CredentialEncoding.TryDecode (src/Symbolon.Crypto/CredentialEncoding.cs)", CredentialPayloadTarget),
        new("item-file", "ItemStore reading items/<unit id>.json (src/Symbolon.Client/Items/ItemStore.cs)", ItemFileTarget),
        new("dpop-proof", "DpopProofValidator.Validate on the raw header (src/Symbolon.Crypto/Dpop)", DpopProofTarget),
        new("dpop-signed", "DpopProofValidator.Validate on header and claims signed with a valid key (past the signature)", DpopSignedTarget),
        new("jwk", "DevicePublicKey.TryParseJwk (src/Symbolon.Crypto/Dpop/DevicePublicKey.cs)", JwkTarget),
        new("oidc-token", "JsonWebTokenHandler.ValidateTokenAsync with the server's OIDC validation parameters", OidcTokenTarget),
        new("oidc-signed", "the same, on claims signed with the issuer's key (past the signature)", OidcSignedTarget),
        new("oprf", "RFC 9497 element and scalar decoding: OprfServer (blinded element) and OprfClient.Finalize (evaluation, proof)", OprfTarget),
        new("receipt", "receipts.jsonl lines and ReceiptLog.Check (src/Symbolon.Client/ReceiptLog.cs, ReleaseReceipt.cs)", ReceiptTarget),
        new("checkpoint", "CheckpointView, consistency and inclusion proofs (src/Symbolon.Crypto/Transparency)", CheckpointTarget),
    ];

    public static FuzzTarget Find(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"No fuzz target named '{name}'; the targets are: {string.Join(", ", All.Select(t => t.Name))}.", nameof(name));

    /// <summary>Documented: <see cref="ItemOpenException"/> from ReadContext and Open. A fixed client and server share
    /// (those of testdata/vectors/sealed-item.json) derive the key, so seeds from the vectors open for real.</summary>
    private static void SealedItemTarget(byte[] input)
    {
        try
        {
            var context = SealedItem.ReadContext(input);
            using var clientShare = KeyDerivation.DeriveClientShare(Keys.Value.RootKey, context.VaultId, context.UnitId);
            using var key = KeyDerivation.DeriveDataKey(clientShare.Secret.Span, Keys.Value.ServerShare, context);
            using var credential = SealedItem.Open(key, input);
        }
        catch (ItemOpenException)
        {
        }
    }

    /// <summary>Documented: returns null for anything but the canonical encoding; never throws.</summary>
    private static void CredentialPayloadTarget(byte[] input) => CredentialEncoding.TryDecode(input)?.Dispose();

    /// <summary>
    /// Documented: <see cref="ItemTamperedException"/> for a file that is not a well-formed item of a known mode. Twice:
    /// as written (most inputs stop at the MAC), then after the upgrade that gives a MAC-less file its MAC, so the checks
    /// behind the MAC (mode, header) see fuzzed files too.
    /// </summary>
    private static void ItemFileTarget(byte[] input)
    {
        var home = Keys.Value.ItemHome;
        File.WriteAllBytes(Path.Combine(home.ItemsPath, FuzzKeys.ItemFileName), input);
        var store = new ItemStore(home, ItemModes.Default, Keys.Value.ItemSecrets);
        ListItems(store);
        store.AddMissingMacs();
        ListItems(store);
    }

    private static void ListItems(ItemStore store)
    {
        try
        {
            foreach (var item in store.All())
            {
                _ = item.Context();
            }
        }
        catch (ItemTamperedException)
        {
        }
    }

    /// <summary>Documented: never throws for a bad proof (a non-null string); returns a failure.</summary>
    private static void DpopProofTarget(byte[] input)
    {
        var proof = Encoding.UTF8.GetString(input);
        _ = Keys.Value.Dpop.Validate(proof, "POST", RequestUri, accessToken: null, Now);
        _ = Keys.Value.Dpop.Validate(proof, "POST", RequestUri, AccessToken, Now);
    }

    /// <summary>
    /// The input is a header and a claims set separated by the first NUL byte (no NUL: claims only, under the
    /// header of a valid proof); both are base64url-encoded as they are and signed with the device key, so every
    /// check after the signature sees fuzzed JSON. Documented: never throws.
    /// </summary>
    private static void DpopSignedTarget(byte[] input)
    {
        var separator = Array.IndexOf(input, (byte)0);
        var header = separator < 0 ? Keys.Value.DpopHeader : input[..separator];
        var claims = separator < 0 ? input : input[(separator + 1)..];
        var signingInput = Base64UrlStrict.Encode(header) + "." + Base64UrlStrict.Encode(claims);
        var proof = signingInput + "." + Base64UrlStrict.Encode(Keys.Value.Device.Sign(Encoding.ASCII.GetBytes(signingInput)));
        _ = Keys.Value.Dpop.Validate(proof, "POST", RequestUri, AccessToken, Now);
    }

    /// <summary>Documented: JsonException from the JSON parser; TryParseJwk itself never throws.</summary>
    private static void JwkTarget(byte[] input)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            _ = DevicePublicKey.TryParseJwk(document.RootElement, out _);
        }
    }

    /// <summary>Documented: ValidateTokenAsync reports every failure in its result (IsValid false, Exception set).</summary>
    private static void OidcTokenTarget(byte[] input) => ValidateOidc(Encoding.UTF8.GetString(input));

    /// <summary>The input is the token's claims (JSON), signed ES256 with the issuer's key.</summary>
    private static void OidcSignedTarget(byte[] input)
    {
        string token;
        try
        {
            token = Keys.Value.OidcHandler.CreateToken(Encoding.UTF8.GetString(input), Keys.Value.OidcSigning);
        }
        catch (ArgumentException)
        {
            // CreateToken refuses a payload that is not a JSON object: nothing reaches the validator then.
            return;
        }

        ValidateOidc(token);
    }

    private static void ValidateOidc(string token)
    {
        var result = Keys.Value.OidcHandler.ValidateTokenAsync(token, Keys.Value.OidcParameters).GetAwaiter().GetResult();
        if (result.IsValid && result.ClaimsIdentity is null)
        {
            throw new InvalidOperationException("A valid token without an identity.");
        }
    }

    /// <summary>
    /// Bytes 0–31: a blinded element the server evaluates (POPRF, as the blinded endpoints do); 32–63: an evaluated
    /// element and 64–127 a proof the client finalizes. Documented: IsValidBlindedElement never throws;
    /// <see cref="OprfException"/> from BlindEvaluate and Finalize.
    /// </summary>
    private static void OprfTarget(byte[] input)
    {
        var keys = Keys.Value;
        var blinded = Slice(input, 0, OprfEvaluation.ElementSize);
        if (OprfServer.IsValidBlindedElement(blinded))
        {
            try
            {
                _ = OprfServer.BlindEvaluate(keys.OprfKey, blinded, FuzzKeys.OprfInfo);
            }
            catch (OprfException)
            {
            }
        }

        var evaluated = Slice(input, OprfEvaluation.ElementSize, OprfEvaluation.ElementSize);
        var proof = Slice(input, 2 * OprfEvaluation.ElementSize, OprfEvaluation.ProofSize);
        using var blindedInput = keys.OprfClient.Blind("fuzz input"u8, FuzzKeys.OprfInfo);
        Span<byte> output = stackalloc byte[OprfClient.OutputSize];
        try
        {
            keys.OprfClient.Finalize(blindedInput, new OprfEvaluation([evaluated], proof), output);
        }
        catch (OprfException)
        {
        }

        // The client is made with the key a server published; its length is the caller's to check (ArgumentException).
        if (blinded.Length == OprfPrivateKey.PublicKeySize)
        {
            try
            {
                _ = new OprfClient(OprfMode.Poprf, blinded);
            }
            catch (OprfException)
            {
            }
        }
    }

    /// <summary>
    /// The input is receipts.jsonl as the client reads it back; every receipt read is checked against the audit key.
    /// Documented: JsonException for a damaged line other than the last (a torn last line is skipped);
    /// <see cref="ProtocolException"/> for a receipt that does not verify.
    /// </summary>
    private static void ReceiptTarget(byte[] input)
    {
        var keys = Keys.Value;
        File.WriteAllBytes(keys.ReceiptPath, input);
        try
        {
            var receipts = new ReceiptLog(keys.ReceiptHome).Read(FuzzKeys.Server);
            _ = ReceiptLog.Check(receipts, keys.AuditKeyView, new Dictionary<long, byte[]>());
        }
        catch (Exception exception) when (exception is JsonException or ProtocolException)
        {
        }
    }

    /// <summary>
    /// The input is one JSON object read as a checkpoint, a consistency proof and an inclusion proof (each from the
    /// same object). Documented: JsonException from deserialisation; Verify, VerifyConsistency and VerifyInclusion
    /// never throw on malformed input.
    /// </summary>
    private static void CheckpointTarget(byte[] input)
    {
        var keys = Keys.Value;
        CheckpointView? checkpoint;
        ConsistencyProofView? consistency;
        InclusionProofView? inclusion;
        try
        {
            checkpoint = JsonSerializer.Deserialize(input, ProtocolJsonContext.Default.CheckpointView);
            consistency = JsonSerializer.Deserialize(input, ProtocolJsonContext.Default.ConsistencyProofView);
            inclusion = JsonSerializer.Deserialize(input, ProtocolJsonContext.Default.InclusionProofView);
        }
        catch (JsonException)
        {
            return;
        }

        if (checkpoint is not null)
        {
            _ = new AuditCheckpoint(checkpoint.TreeSize, checkpoint.RootHash, checkpoint.Time).Verify(keys.AuditKey, checkpoint.Signature);
            if (consistency is not null)
            {
                _ = MerkleTree.VerifyConsistency(consistency.From, consistency.To, keys.PinnedRoot, checkpoint.RootHash, consistency.Proof);
            }

            if (inclusion is not null)
            {
                _ = MerkleTree.VerifyInclusion(inclusion.LeafIndex, inclusion.TreeSize, keys.PinnedRoot, inclusion.Path, checkpoint.RootHash);
            }
        }
    }

    private static byte[] Slice(byte[] input, int offset, int length) =>
        offset >= input.Length ? [] : input.AsSpan(offset, Math.Min(length, input.Length - offset)).ToArray();
}
