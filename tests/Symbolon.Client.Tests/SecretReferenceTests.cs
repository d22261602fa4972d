using System.Text.Json;
using Symbolon.Crypto;

namespace Symbolon.Client.Tests;

/// <summary>The reference grammar (docs/spec.md §4.2) on testdata/vectors/secret-references.json, which the TypeScript client reads too.</summary>
public sealed class SecretReferenceTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", "secret-references.json"))).RootElement.Clone();

    public static TheoryData<string> Valid() => [.. Vectors.GetProperty("valid").EnumerateArray().Select(c => c.GetProperty("reference").GetString()!)];

    public static TheoryData<string> Invalid() => [.. Vectors.GetProperty("invalid").EnumerateArray().Select(c => c.GetProperty("reference").GetString()!)];

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_valid_reference_parses_into_its_parts(string text)
    {
        var vector = Vectors.GetProperty("valid").EnumerateArray().Single(c => c.GetProperty("reference").GetString() == text);

        var reference = SecretReference.Parse(text);

        Assert.Equal(vector.GetProperty("item").GetString(), reference.Item);
        Assert.Equal(vector.GetProperty("field").GetString(), reference.Field);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_reference_is_refused_naming_the_part_at_fault(string text)
    {
        var vector = Vectors.GetProperty("invalid").EnumerateArray().Single(c => c.GetProperty("reference").GetString() == text);

        Assert.False(SecretReference.TryParse(text, out var reference, out var error));

        Assert.Null(reference);
        Assert.Equal(vector.GetProperty("error").GetString(), error.ToString()!.ToLowerInvariant());
        Assert.Throws<FormatException>(() => SecretReference.Parse(text));
    }

    [Fact]
    public void Each_field_kind_reads_its_value_and_totp_gives_the_code_not_the_secret()
    {
        var fields = new Dictionary<string, string> { ["api_key"] = "key-1", ["totp"] = "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8" };
        using var credential = new Credential("bot", "pass-1", "https://acme.example", "note-1", fields);
        using var bare = new Credential("bot", "pass-1");
        var at59 = DateTimeOffset.FromUnixTimeSeconds(59);

        Assert.Equal("bot", SecretReference.Parse("symbolon://acme/username").ValueIn(credential, at59));
        Assert.Equal("pass-1", SecretReference.Parse("symbolon://acme/password").ValueIn(credential, at59));
        Assert.Equal("https://acme.example", SecretReference.Parse("symbolon://acme/url").ValueIn(credential, at59));
        Assert.Equal("note-1", SecretReference.Parse("symbolon://acme/notes").ValueIn(credential, at59));
        Assert.Equal("key-1", SecretReference.Parse("symbolon://acme/api_key").ValueIn(credential, at59));
        Assert.Equal("94287082", SecretReference.Parse("symbolon://acme/totp").ValueIn(credential, at59));

        foreach (var field in new[] { "url", "notes", "totp", "api_key" })
        {
            var missing = Assert.Throws<SecretReferenceException>(() => SecretReference.Parse($"symbolon://acme/{field}").ValueIn(bare, at59));
            Assert.Equal(field, missing.Reference.Field);
        }
    }
}
