using System.Security.Cryptography;
using Symbolon.Client.Items;
using Symbolon.Client.Modes;
using Symbolon.Protocol;

namespace Symbolon.Client.Tests;

/// <summary>
/// Inputs the fuzz targets (tests/Symbolon.Fuzz, docs/security.md) found to escape as undocumented exceptions: an
/// item file without a name, a receipt whose chain hash is not 32 bytes, a receipts.jsonl line that is JSON null.
/// The same inputs are regression-* files of testdata/fuzz.
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private static readonly Uri Server = new("https://keys.example/");

    private readonly string _home = Path.Combine(Path.GetTempPath(), "symbolon-fuzz-regression-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void An_item_file_without_a_name_is_refused_as_tampered()
    {
        using var rootKey = Symbolon.Crypto.ClientRootKey.Import(RandomNumberGenerator.GetBytes(32));
        using var secrets = new LocalSecrets(rootKey, passphraseProtected: false);
        var store = new ItemStore(new ClientHome(_home), ItemModes.Default, secrets);
        var unitId = Guid.NewGuid();
        Directory.CreateDirectory(Path.Combine(_home, "items"));
        File.WriteAllText(Path.Combine(_home, "items", unitId.ToString("D") + ".json"),
            $$"""{"format":1,"unitId":"{{unitId:D}}","sealedItem":"AQID","createdAt":"1970-01-01T00:00:00+00:00"}""");

        var refused = Assert.Throws<ItemTamperedException>(() => store.All());

        Assert.NotNull(refused.Hint);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(0)]
    public void A_receipt_whose_chain_hash_is_not_32_bytes_is_a_protocol_error(int chainHashLength)
    {
        using var auditKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = auditKey.ExportParameters(includePrivateParameters: false).Q;
        var key = new AuditKeyView("EC", "P-256", System.Buffers.Text.Base64Url.EncodeToString(point.X), System.Buffers.Text.Base64Url.EncodeToString(point.Y));
        var receipt = new StoredReceipt(1, new byte[chainHashLength], Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UnixEpoch, new byte[64], Server);

        Assert.Throws<ProtocolException>(() => ReceiptLog.Check([receipt], key, new Dictionary<long, byte[]>()));
    }

    [Fact]
    public void A_null_last_line_of_the_receipt_log_is_skipped_like_a_torn_one()
    {
        var home = new ClientHome(_home);
        Directory.CreateDirectory(home.Path);
        var log = new ReceiptLog(home);
        log.Keep(Server, new ReceiptView(1, new byte[32], Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UnixEpoch, new byte[64]));
        File.AppendAllText(home.File("receipts.jsonl"), "null\n");

        var receipts = log.Read(Server);

        Assert.Equal(1, Assert.Single(receipts).Sequence);
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }
}
