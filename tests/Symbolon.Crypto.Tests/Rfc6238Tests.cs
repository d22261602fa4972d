namespace Symbolon.Crypto.Tests;

/// <summary>RFC 6238 Appendix B and the otpauth:// cases of testdata/vectors/rfc6238-totp.json (the TypeScript client reads them too).</summary>
public sealed class Rfc6238Tests
{
    private const string File = "rfc6238-totp.json";

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, TestData.Load(File).GetProperty("cases").GetArrayLength())];

    public static TheoryData<string> Uris() => [.. TestData.Load(File).GetProperty("uris").EnumerateArray().Select(c => c.Text("name"))];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Official_vector_matches(int index)
    {
        var vectors = TestData.Load(File);
        var vector = vectors.GetProperty("cases")[index];
        var algorithmName = vector.Text("algorithm");
        var algorithm = Enum.Parse<TotpAlgorithm>(algorithmName, ignoreCase: true);
        using var secret = TotpSecret.Create(vectors.GetProperty("seeds").Hex(algorithmName), algorithm, digits: vectors.GetProperty("digits").GetInt32(), period: vectors.GetProperty("period").GetInt32());

        Assert.Equal(vector.Text("totp"), secret.Code(DateTimeOffset.FromUnixTimeSeconds(vector.GetProperty("time").GetInt64())));
    }

    [Theory]
    [MemberData(nameof(Uris))]
    public void Otpauth_uri_case(string name)
    {
        var vector = TestData.Load(File).GetProperty("uris").EnumerateArray().Single(c => c.Text("name") == name);
        if (vector.TryGetProperty("error", out _))
        {
            Assert.False(TotpSecret.TryParse(vector.Text("input"), out var rejected, out var error));
            Assert.Null(rejected);
            Assert.False(string.IsNullOrWhiteSpace(error));
            return;
        }

        using var secret = TotpSecret.Parse(vector.Text("input"));
        Assert.Equal(vector.Text("canonical"), secret.RevealUri());
        if (vector.TryGetProperty("code", out var code))
        {
            Assert.Equal(code.GetString(), secret.Code(DateTimeOffset.FromUnixTimeSeconds(vector.GetProperty("time").GetInt64())));
        }

        // The canonical form is a fixed point.
        using var again = TotpSecret.Parse(secret.RevealUri());
        Assert.Equal(secret.RevealUri(), again.RevealUri());
    }

    [Fact]
    public void Seconds_left_counts_down_within_the_period_and_the_secret_stays_out_of_text()
    {
        using var secret = TotpSecret.Parse("otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=30");
        Assert.Equal(30, secret.SecondsLeft(DateTimeOffset.FromUnixTimeSeconds(60)));
        Assert.Equal(1, secret.SecondsLeft(DateTimeOffset.FromUnixTimeSeconds(89)));
        Assert.Equal(2, secret.Step(DateTimeOffset.FromUnixTimeSeconds(89)));
        Assert.DoesNotContain("GEZD", secret.ToString(), StringComparison.Ordinal);
        Assert.False(TotpSecret.TryParse("otpauth://totp/a?secret=GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ", out _, out var error));
        Assert.DoesNotContain("GEZD", error!, StringComparison.Ordinal);

        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => secret.Code(DateTimeOffset.UnixEpoch));
    }
}
