using System.Security.Cryptography;

namespace Symbolon.Crypto.Tests;

/// <summary>RFC 5869 Appendix A (SHA-256 cases) against the HKDF implementation every derivation here uses.</summary>
public sealed class Rfc5869Tests
{
    public static TheoryData<string> Cases() =>
        [.. TestData.Load("rfc5869-hkdf-sha256.json").GetProperty("cases").EnumerateArray().Select(c => c.Text("name"))];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Official_vector_matches(string name)
    {
        var vector = TestData.Load("rfc5869-hkdf-sha256.json").GetProperty("cases").EnumerateArray().Single(c => c.Text("name") == name);
        var length = vector.GetProperty("length").GetInt32();

        var prk = HKDF.Extract(HashAlgorithmName.SHA256, vector.Hex("ikm"), vector.Hex("salt"));
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, vector.Hex("ikm"), length, vector.Hex("salt"), vector.Hex("info"));

        Assert.Equal(vector.Hex("prk"), prk);
        Assert.Equal(vector.Hex("okm"), okm);
    }
}
