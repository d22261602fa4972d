using System.Text;
using CsCheck;

namespace Symbolon.Crypto.Tests;

public sealed class CredentialTests
{
    private static readonly Gen<string> Text = Gen.String[Gen.Char.AlphaNumeric, 0, 40]
        .SelectMany(ascii => Gen.OneOf("", "é", "密码", "🔑", " ").Select(extra => ascii + extra));

    private static readonly Gen<string> FieldName = Gen.String[Gen.Char["abcXYZ019_-"], 1, 12]
        .Where(name => Credential.IsValidFieldName(name));

    [Fact]
    public void Any_credential_round_trips_through_the_canonical_encoding()
    {
        Gen.Select(Text, Text, Text, Text, Gen.Dictionary(FieldName, Text)[0, 5])
            .Sample((username, password, url, notes, fields) =>
            {
                using var credential = new Credential(username, password, url, notes, fields);
                using var padded = CredentialEncoding.Encode(credential);
                using var decoded = CredentialEncoding.TryDecode(padded.Span);

                Assert.NotNull(decoded);
                Assert.Equal(username, decoded.Username);
                Assert.Equal(password, decoded.RevealPassword());
                Assert.Equal(url.Length == 0 ? null : url, decoded.Url);
                Assert.Equal(notes.Length == 0 ? null : notes, decoded.RevealNotes());
                Assert.Equal(fields.Keys.Order(StringComparer.Ordinal), decoded.FieldNames);
                using var again = CredentialEncoding.Encode(decoded);
                Assert.Equal(padded.Span.ToArray(), again.Span.ToArray());
            });
    }

    [Theory]
    [InlineData(0, 256)]
    [InlineData(200, 256)]
    [InlineData(238, 256)]
    [InlineData(239, 512)]
    [InlineData(1000, 1024)]
    public void Payload_length_depends_only_on_the_size_bucket(int passwordLength, int expectedSize)
    {
        using var credential = new Credential("u", new string('p', passwordLength));
        using var padded = CredentialEncoding.Encode(credential);

        Assert.Equal(expectedSize, padded.Length);
    }

    [Fact]
    public void Too_large_a_credential_is_refused_with_a_clear_error()
    {
        var exception = Assert.Throws<ArgumentException>(() =>
        {
            using var credential = new Credential("u", new string('p', 70_000));
            using var padded = CredentialEncoding.Encode(credential);
        });

        Assert.Contains("too large", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("password")]
    [InlineData("URL")]
    [InlineData("naïve")]
    public void Invalid_field_names_are_refused(string name)
    {
        var exception = Assert.Throws<ArgumentException>(() =>
            new Credential("u", "p", fields: new Dictionary<string, string> { [name] = "v" }));

        Assert.Contains("Field name", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lone_surrogates_are_refused()
    {
        var exception = Assert.Throws<ArgumentException>(() => new Credential("u", "\ud800"));

        Assert.Contains("not valid Unicode", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_wipes_the_secrets_and_ToString_never_shows_them()
    {
        var credential = new Credential("alice", "hunter2", notes: "secret-note", fields: new Dictionary<string, string> { ["token"] = "tok-123" });
        var password = credential.PasswordSecret;

        Assert.DoesNotContain("hunter2", credential.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("alice", credential.ToString(), StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes("hunter2"), credential.PasswordUtf8.ToArray());

        credential.Dispose();

        Assert.Throws<ObjectDisposedException>(() => credential.PasswordUtf8.Length);
        Assert.Throws<ObjectDisposedException>(() => credential.GetFieldUtf8("token").Length);
        Assert.Throws<ObjectDisposedException>(() => password.Span.Length);
    }

    [Fact]
    public void Unknown_field_names_say_which()
    {
        using var credential = new Credential("alice", "hunter2");

        var exception = Assert.Throws<KeyNotFoundException>(() => credential.RevealField("token"));

        Assert.Contains("'token'", exception.Message, StringComparison.Ordinal);
    }
}
