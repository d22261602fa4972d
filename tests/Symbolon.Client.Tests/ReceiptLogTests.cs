using System.Security.Cryptography;
using Symbolon.Protocol;

namespace Symbolon.Client.Tests;

public sealed class ReceiptLogTests
{
    public static TheoryData<string, string, string, string> MalformedKeys()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = key.ExportParameters(includePrivateParameters: false).Q;
        var x = System.Buffers.Text.Base64Url.EncodeToString(point.X);
        var y = System.Buffers.Text.Base64Url.EncodeToString(point.Y);
        var offCurve = System.Buffers.Text.Base64Url.EncodeToString(new byte[32]);
        return new()
        {
            { "EC", "P-256", "not base64url!", y },
            { "EC", "P-256", x, "AAAA" },
            { "EC", "P-256", offCurve, offCurve },
            { "EC", "P-384", x, y },
            { "RSA", "P-256", x, y },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedKeys))]
    public void An_audit_key_that_is_not_a_P256_public_key_is_a_protocol_error(string kty, string crv, string x, string y)
    {
        var refused = Assert.Throws<ProtocolException>(() => ReceiptLog.Check([], new AuditKeyView(kty, crv, x, y), new Dictionary<long, byte[]>()));

        Assert.Contains("audit key", refused.Message, StringComparison.Ordinal);
    }
}
