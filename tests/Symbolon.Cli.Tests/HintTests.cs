using System.Text.RegularExpressions;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Issue 14, finding 4: a hint that names an option the CLI does not have sends the user nowhere.</summary>
public sealed partial class HintTests
{
    [Fact]
    public void Every_option_named_in_a_message_of_the_CLI_or_the_client_is_an_option_of_the_CLI()
    {
        var sources = new[] { "src/Symbolon.Cli", "src/Symbolon.Client" }
            .SelectMany(directory => Directory.EnumerateFiles(Path.Combine(Repository.Root, directory), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => (Path: path, Text: File.ReadAllText(path)))
            .ToList();

        // An option is defined by a string literal that is exactly its name: new Option<T>("--name").
        var defined = sources.Where(source => source.Path.Contains("Symbolon.Cli", StringComparison.Ordinal))
            .SelectMany(source => DefinitionPattern().Matches(source.Text).Select(match => match.Groups[1].Value))
            .Append("--help")
            .Append("--version")
            .ToHashSet(StringComparer.Ordinal);
        var named = sources
            .SelectMany(source => LiteralPattern().Matches(source.Text)
                .SelectMany(literal => OptionPattern().Matches(literal.Value).Select(option => (option.Value, File: Path.GetFileName(source.Path)))))
            .ToList();

        Assert.NotEmpty(named);
        Assert.All(named, use => Assert.True(defined.Contains(use.Value), $"{use.File} names {use.Value}, which the CLI does not have"));
    }

    [GeneratedRegex("\"(--[a-z][a-z0-9-]*)\"")]
    private static partial Regex DefinitionPattern();

    /// <summary>A string literal, interpolated or not (no raw or verbatim literals hold messages here).</summary>
    [GeneratedRegex("\\$?\"(?:[^\"\\\\\\n]|\\\\.)*\"")]
    private static partial Regex LiteralPattern();

    [GeneratedRegex("(?<![\\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex OptionPattern();
}
