using System.Security.Cryptography;
using System.Text.Json;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client;

/// <summary>
/// receipts.jsonl: the receipt the key server signed for every release and evaluation, one line each, kept to check
/// later that the server's audit log still holds those records unchanged (docs/spec.md, release receipts).
/// </summary>
internal sealed class ReceiptLog(ClientHome home)
{
    private readonly Lock _lock = new();

    private string Path => home.File("receipts.jsonl");

    public void Keep(Uri server, ReceiptView receipt) => Keep([(server, receipt)]);

    /// <summary>Appends the receipts of one open with one durable write.</summary>
    public void Keep(IReadOnlyCollection<(Uri Server, ReceiptView Receipt)> receipts)
    {
        if (receipts.Count == 0)
        {
            return;
        }

        var lines = receipts.Select(r => JsonSerializer.Serialize(
            new StoredReceipt(r.Receipt.Sequence, r.Receipt.ChainHash, r.Receipt.UnitId, r.Receipt.DeviceId, r.Receipt.Time, r.Receipt.Signature, r.Server), ClientLineJson.Default.StoredReceipt));
        lock (_lock)
        {
            ClientHome.AppendLineDurably(Path, string.Join('\n', lines));
        }
    }

    /// <summary>The receipts kept from <paramref name="server"/>, oldest first.</summary>
    public IReadOnlyList<StoredReceipt> Read(Uri server)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        // A crash mid-append can leave a torn last line; that receipt was never complete, so it is skipped.
        var lines = File.ReadAllLines(Path).Where(l => l.Length > 0).ToList();
        var receipts = new List<StoredReceipt>();
        for (var index = 0; index < lines.Count; index++)
        {
            try
            {
                receipts.Add(JsonSerializer.Deserialize(lines[index], ClientLineJson.Default.StoredReceipt) ?? throw new JsonException("A receipt line is null."));
            }
            catch (JsonException) when (index == lines.Count - 1)
            {
            }
        }

        return [.. receipts.Where(r => r.Server == server)];
    }

    /// <summary>
    /// Checks each receipt's signature against the server's audit key, and that the server's log (sequence → chain hash)
    /// still holds its record. A receipt that does not verify means the server (or this file) is not what it claims.
    /// </summary>
    public static AuditCheckResult Check(IReadOnlyList<StoredReceipt> receipts, AuditKeyView key, IReadOnlyDictionary<long, byte[]> log)
    {
        using var auditKey = AuditKey(key);
        var missing = new List<long>();
        foreach (var receipt in receipts)
        {
            var signed = new ReleaseReceipt(receipt.Sequence, receipt.ChainHash, receipt.UnitId, receipt.DeviceId, receipt.Time);
            if (!signed.Verify(auditKey, receipt.Signature))
            {
                throw new ProtocolException($"The receipt for record {receipt.Sequence} does not verify against the server's audit key.");
            }

            if (!log.TryGetValue(receipt.Sequence, out var hash) || !CryptographicOperations.FixedTimeEquals(hash, receipt.ChainHash))
            {
                missing.Add(receipt.Sequence);
            }
        }

        return new AuditCheckResult(receipts.Count, missing);
    }

    /// <summary>The server's audit key from its JWK; one that is not a P-256 public key is the server's fault.</summary>
    internal static ECDsa AuditKey(AuditKeyView key)
    {
        const string NotP256 = "The server's audit key is not a P-256 public key (a JWK with kty EC, crv P-256 and base64url x and y).";
        if (key is not { Kty: "EC", Crv: "P-256" })
        {
            throw new ProtocolException(NotP256);
        }

        try
        {
            return ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint
                {
                    X = System.Buffers.Text.Base64Url.DecodeFromChars(key.X),
                    Y = System.Buffers.Text.Base64Url.DecodeFromChars(key.Y),
                },
            });
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException or ArgumentException)
        {
            throw new ProtocolException(NotP256, exception);
        }
    }
}

/// <summary>A receipt the key server signed for one release, as one line of receipts.jsonl.</summary>
internal sealed record StoredReceipt(long Sequence, byte[] ChainHash, Guid UnitId, Guid DeviceId, DateTimeOffset Time, byte[] Signature, Uri Server);
