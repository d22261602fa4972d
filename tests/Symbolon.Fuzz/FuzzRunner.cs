using System.Diagnostics;

namespace Symbolon.Fuzz;

/// <summary>What one execution did: finished (with or without a documented failure), crashed, or hung.</summary>
public sealed record FuzzOutcome(byte[] Input, Exception? Crash, bool Hung)
{
    public bool Failed => Crash is not null || Hung;

    public override string ToString() =>
        Hung ? $"hang on {Describe(Input)}"
        : Crash is not null ? $"crash on {Describe(Input)}: {Crash.GetType().FullName}: {Crash.Message}{Environment.NewLine}{Crash.StackTrace}"
        : "ok";

    private static string Describe(byte[] input) => $"{input.Length} bytes, hex {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 256)))}{(input.Length > 256 ? "…" : "")}";
}

/// <summary>
/// The in-process run: every seed of a target's corpus, then seeded mutations of them, each execution bounded by a
/// timeout (a hang is reported, not waited for). Used by the bounded run in ./test.sh and by <c>loop</c>.
/// </summary>
public static class FuzzRunner
{
    /// <summary>Far above any real execution (microseconds to milliseconds): only a loop that never ends reaches it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The seed corpus of a target: every file of testdata/fuzz/NAME under <paramref name="corpusRoot"/>.</summary>
    public static IReadOnlyList<byte[]> Corpus(string corpusRoot, string target)
    {
        var folder = Path.Combine(corpusRoot, target);
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)]
            : [];
    }

    /// <summary>Runs one input on a worker thread and waits at most <paramref name="timeout"/>.</summary>
    public static FuzzOutcome Execute(FuzzTarget target, byte[] input, TimeSpan timeout)
    {
        var run = Task.Run(() => target.Run(input));
        try
        {
            return run.Wait(timeout) ? new FuzzOutcome(input, null, false) : new FuzzOutcome(input, null, true);
        }
        catch (AggregateException exception)
        {
            return new FuzzOutcome(input, exception.InnerException, false);
        }
    }

    /// <summary>
    /// The corpus, then mutations until <paramref name="mutations"/> were run or <paramref name="until"/> passed (whichever
    /// comes first); stops at the first failure. Returns the executions run and the failure, if any.
    /// </summary>
    public static (long Executions, FuzzOutcome? Failure) Run(
        FuzzTarget target, IReadOnlyList<byte[]> corpus, int seed, long mutations, TimeSpan? until = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        long executions = 0;
        foreach (var input in corpus.DefaultIfEmpty([]))
        {
            executions++;
            if (Execute(target, input, limit) is { Failed: true } failure)
            {
                return (executions, failure);
            }
        }

        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var pool = corpus.Count > 0 ? corpus : [[]];
        for (long i = 0; i < mutations && (until is null || clock.Elapsed < until); i++)
        {
            var input = Mutator.Mutate(pool[random.Next(pool.Count)], pool, random);
            executions++;
            if (Execute(target, input, limit) is { Failed: true } failure)
            {
                return (executions, failure);
            }
        }

        return (executions, null);
    }
}
