using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Symbolon.Client;
using Symbolon.Crypto.Dpop;
using Symbolon.Crypto.Oprf;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;

namespace Symbolon.Fuzz;

/// <summary>
/// The fixed keys and scratch folders the targets share: made once per process, deterministic where a seed depends on
/// them (the sealed-item vector's root key and server share, a fixed device key, OPRF key and audit key), so the
/// committed seed corpus stays valid input for every run.
/// </summary>
internal sealed class FuzzKeys
{
    public const string ItemFileName = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9.json";

    public static readonly Uri Server = new("https://keys.example/");

    /// <summary>POPRF info the blinded endpoints would use for one unit (BlindedShare.Info).</summary>
    public static readonly byte[] OprfInfo = Symbolon.Crypto.BlindedShare.Info(Guid.Parse("1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809"));

    // testdata/vectors/sealed-item.json, first vector: its root key and server share.
    public readonly byte[] RootKey = Convert.FromHexString("cd774fe6d626374916b70246cfccc03deca94ebeb7ba244a1d7afe976c3d8f24");
    public readonly byte[] ServerShare = Convert.FromHexString("3cfcb0fec952701b00149c76fadb9e62a63121cd4e0d0a8e03f6c504bdeb56df");

    public FuzzKeys()
    {
        Device = DeviceKey.ImportPkcs8(FixedEcKey(1).ExportPkcs8PrivateKey());
        DpopHeader = Encoding.UTF8.GetBytes($$"""{"typ":"dpop+jwt","alg":"ES256","jwk":{{Device.PublicJwk.ToJwkJson()}}}""");
        Dpop = new DpopProofValidator();

        var issuerKey = new ECDsaSecurityKey(FixedEcKey(2)) { KeyId = "fuzz-issuer" };
        OidcSigning = new SigningCredentials(issuerKey, SecurityAlgorithms.EcdsaSha256);
        OidcHandler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };

        // The server's own JwtBearer validation (IdentityToken.Configure: pinned algorithms and types, lifetime,
        // issuer, audience), with the issuer's key given directly instead of fetched from its metadata.
        var jwt = new JwtBearerOptions();
        IdentityToken.Configure(jwt, new OidcOptions { Authority = new Uri(FuzzTargets.OidcIssuer), Audience = FuzzTargets.OidcAudience });
        OidcParameters = jwt.TokenValidationParameters.Clone();
        OidcParameters.ValidIssuer = FuzzTargets.OidcIssuer;
        OidcParameters.ValidAudience = FuzzTargets.OidcAudience;
        OidcParameters.IssuerSigningKey = issuerKey;

        OprfKey = OprfPrivateKey.Import(OprfMode.Poprf, Convert.FromHexString("0aa1e0cd2f7ea9e0e1fd7cb1a4c8b5a0e4a2b6c8d0e2f4a6b8c0d2e4f6a8b000"));
        OprfClient = new OprfClient(OprfMode.Poprf, OprfKey.PublicKey);

        AuditKey = FixedEcKey(3);
        var point = AuditKey.ExportParameters(includePrivateParameters: false).Q;
        AuditKeyView = new AuditKeyView("EC", "P-256", Base64Url(point.X!), Base64Url(point.Y!));
        PinnedRoot = MerkleTree.LeafHash("fuzz"u8);

        // Scratch files in memory where the system has a tmpfs: the item-file target's upgrade pass fsyncs every file it
        // signs, which on a disk costs more than the parsing under test (4,366 against 905 executions per second).
        var scratchRoot = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var scratch = Path.Combine(scratchRoot, "symbolon-fuzz-" + Environment.ProcessId);
        ItemHome = new ClientHome(Path.Combine(scratch, "items-home"));
        Directory.CreateDirectory(ItemHome.ItemsPath);
        // Item files carry a MAC under a key from the root key; the parser runs before the MAC is checked.
        ItemSecrets = new LocalSecrets(Symbolon.Crypto.ClientRootKey.Import(new byte[32]), passphraseProtected: false);
        ReceiptHome = new ClientHome(Path.Combine(scratch, "receipts-home"));
        Directory.CreateDirectory(ReceiptHome.Path);
        ReceiptPath = ReceiptHome.File("receipts.jsonl");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveScratch(scratch);
    }

    public DeviceKey Device { get; }

    public byte[] DpopHeader { get; }

    public DpopProofValidator Dpop { get; }

    public SigningCredentials OidcSigning { get; }

    public JsonWebTokenHandler OidcHandler { get; }

    public TokenValidationParameters OidcParameters { get; }

    public OprfPrivateKey OprfKey { get; }

    public OprfClient OprfClient { get; }

    public ECDsa AuditKey { get; }

    public AuditKeyView AuditKeyView { get; }

    public byte[] PinnedRoot { get; }

    public ClientHome ItemHome { get; }

    public LocalSecrets ItemSecrets { get; }

    public ClientHome ReceiptHome { get; }

    public string ReceiptPath { get; }

    /// <summary>A P-256 key whose private scalar is fixed by <paramref name="seed"/>: the same key in every run.</summary>
    public static ECDsa FixedEcKey(byte seed)
    {
        var scalar = SHA256.HashData([(byte)'f', (byte)'u', (byte)'z', (byte)'z', seed]);
        scalar[0] &= 0x7f; // below the group order
        var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
        return key;
    }

    private static void RemoveScratch(string scratch)
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind changes no result.
        }
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
