using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Symbolon.Cli.Masking;

namespace Symbolon.Cli.Tests.Masking;

/// <summary>The streaming matcher behind `exec`'s masking, checked against a regular expression over the whole input.</summary>
public sealed class SecretMaskerTests
{
    private const string Concealed = "<concealed by symbolon>";

    // A two-letter alphabet makes overlapping secrets, secrets inside secrets and near-misses common.
    private static readonly Gen<string> Secret = Gen.String[Gen.Char["ab"], 4, 9];

    [Fact]
    public void Any_split_of_the_input_gives_what_a_regular_expression_over_the_whole_input_gives()
    {
        Gen.Select(Secret.List[1, 4], Gen.String[Gen.Char["abx"], 0, 80], Gen.Int[0, 80].List[0, 6])
            .Sample((secrets, input, cuts) =>
            {
                // Leftmost match, longest secret first where several start at one place.
                var pattern = string.Join('|', secrets.Distinct().OrderByDescending(s => s.Length).Select(Regex.Escape));
                var expected = Regex.Replace(input, pattern, Concealed);

                Assert.Equal(expected, Mask(secrets, Split(input, cuts)));
            });
    }

    [Fact]
    public void A_secret_is_matched_on_UTF8_bytes_even_when_a_write_ends_inside_a_character()
    {
        var bytes = Encoding.UTF8.GetBytes("vor 密码pässwört nach");
        var pieces = Enumerable.Range(0, bytes.Length).Select(i => bytes[i..(i + 1)]).ToArray();

        Assert.Equal($"vor {Concealed} nach", MaskBytes(["密码pässwört"], pieces));
    }

    [Fact]
    public void Output_is_written_at_once_except_a_trailing_start_of_a_secret()
    {
        using var secrets = new SecretSet(["hunter22"]);
        using var output = new MemoryStream();
        using var masker = new SecretMasker(secrets, output);

        masker.Write("Password: "u8);
        Assert.Equal("Password: ", Encoding.UTF8.GetString(output.ToArray()));

        masker.Write("hun"u8);
        Assert.Equal("Password: ", Encoding.UTF8.GetString(output.ToArray()));

        masker.Write("t!"u8);
        Assert.Equal("Password: hunt!", Encoding.UTF8.GetString(output.ToArray()));

        masker.Write("hunt"u8);
        masker.Complete();
        Assert.Equal("Password: hunt!hunt", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public void Values_shorter_than_the_minimum_are_not_masked()
    {
        var tooShort = new string('z', SecretMasker.MinimumLength - 1);
        var justLongEnough = new string('y', SecretMasker.MinimumLength);

        Assert.Equal($"{tooShort} {Concealed}", Mask([tooShort, justLongEnough], [$"{tooShort} {justLongEnough}"]));
    }

    [Fact]
    public void A_value_with_line_breaks_is_masked_as_written_and_as_a_terminal_shows_it()
    {
        const string Key = "-----BEGIN KEY-----\nMIIBVwIBADANBgkq\n-----END KEY-----";

        Assert.Equal($"a {Concealed} b", Mask([Key], [$"a {Key} b"]));
        Assert.Equal($"a {Concealed} b", Mask([Key], ["a ", Key.Replace("\n", "\r\n", StringComparison.Ordinal)[..25], Key.Replace("\n", "\r\n", StringComparison.Ordinal)[25..], " b"]));
    }

    private static IEnumerable<string> Split(string input, List<int> cuts)
    {
        var previous = 0;
        foreach (var cut in cuts.Select(c => Math.Min(c, input.Length)).Order())
        {
            yield return input[previous..cut];
            previous = cut;
        }

        yield return input[previous..];
    }

    private static string Mask(IEnumerable<string> secrets, IEnumerable<string> pieces) =>
        MaskBytes(secrets, pieces.Select(Encoding.UTF8.GetBytes));

    private static string MaskBytes(IEnumerable<string> secrets, IEnumerable<byte[]> pieces)
    {
        using var set = new SecretSet(secrets);
        using var output = new MemoryStream();
        using (var masker = new SecretMasker(set, output))
        {
            foreach (var piece in pieces)
            {
                masker.Write(piece);
            }

            masker.Complete();
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }
}
