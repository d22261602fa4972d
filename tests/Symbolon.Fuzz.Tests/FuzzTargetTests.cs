using System.Globalization;
using Symbolon.Fuzz;

namespace Symbolon.Fuzz.Tests;

/// <summary>
/// The bounded fuzz run of ./test.sh (docs/security.md): per target, every input of its seed corpus in
/// testdata/fuzz/TARGET (regression inputs of crashes found earlier included), then a fixed number of mutations from a
/// fixed seed. A failure is an exception the parser does not document, or an execution still running after
/// <see cref="FuzzRunner.DefaultTimeout"/> (a hang); the message carries the input in hex. Set
/// SYMBOLON_FUZZ_MUTATIONS for a longer run of the same test.
/// </summary>
public sealed class FuzzTargetTests
{
    private const int DefaultMutations = 1500;

    private static readonly string CorpusRoot = Path.Combine(AppContext.BaseDirectory, "testdata", "fuzz");

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_seed_corpus_and_seeded_mutations_raise_no_undocumented_exception_and_no_hang(string name)
    {
        var target = FuzzTargets.Find(name);
        var corpus = FuzzRunner.Corpus(CorpusRoot, name);
        var mutations = int.TryParse(Environment.GetEnvironmentVariable("SYMBOLON_FUZZ_MUTATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var given)
            ? given
            : DefaultMutations;

        var (executions, failure) = FuzzRunner.Run(target, corpus, seed: 14, mutations);

        Assert.NotEmpty(corpus);
        Assert.True(failure is null, $"{name}, execution {executions}: {failure}");
        Assert.Equal(corpus.Count + mutations, executions);
    }

    [Fact]
    public void Every_target_has_a_seed_corpus_and_every_corpus_folder_a_target()
    {
        var folders = Directory.EnumerateDirectories(CorpusRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(StringComparer.Ordinal), folders);
    }
}
