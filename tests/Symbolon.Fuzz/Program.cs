using System.Diagnostics;
using System.Globalization;
using SharpFuzz;
using Symbolon.Fuzz;

// Fuzz targets for Symbolon's parsers of untrusted bytes (docs/security.md):
//
//   dotnet Symbolon.Fuzz.dll afl TARGET                      AFL++ persistent mode through SharpFuzz (run-afl.sh)
//   dotnet Symbolon.Fuzz.dll loop TARGET SECONDS [SEED]      in-process seeded mutations for SECONDS; prints
//                                                            executions, executions/s, crashes and hangs
//   dotnet Symbolon.Fuzz.dll replay TARGET FILE|DIR…         runs inputs once each (a crash AFL++ found, say)
//   dotnet Symbolon.Fuzz.dll seeds DIR                       writes the seed corpus (testdata/fuzz) from the real code
//   dotnet Symbolon.Fuzz.dll list                            the targets and the parsers they reach
//
// Exit codes: 0 no crash or hang; 1 a crash or hang; 2 usage error.
var corpusRoot = Environment.GetEnvironmentVariable("SYMBOLON_FUZZ_CORPUS") ?? Path.Combine(AppContext.BaseDirectory, "testdata", "fuzz");
try
{
    switch (args)
    {
        case ["list"]:
            foreach (var target in FuzzTargets.All)
            {
                Console.WriteLine($"{target.Name,-20} {target.Parser}");
            }

            return 0;
        case ["afl", var name]:
            var aflTarget = FuzzTargets.Find(name);
            Fuzzer.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                aflTarget.Run(buffer.ToArray());
            });
            return 0;
        case ["loop", var name, var secondsText, ..]:
            var seed = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;
            return Loop(FuzzTargets.Find(name), TimeSpan.FromSeconds(double.Parse(secondsText, CultureInfo.InvariantCulture)), seed, corpusRoot);
        case ["replay", var name, .. var paths] when paths.Length > 0:
            return Replay(FuzzTargets.Find(name), paths);
        case ["seeds", var directory]:
            SeedCorpus.Write(directory);
            return 0;
        default:
            Console.Error.WriteLine("symbolon-fuzz: error: usage: afl TARGET | loop TARGET SECONDS [SEED] | replay TARGET FILE|DIR… | seeds DIR | list");
            return 2;
    }
}
catch (ArgumentException exception) when (exception.ParamName == "name")
{
    Console.Error.WriteLine($"symbolon-fuzz: error: {exception.Message}");
    return 2;
}

static int Loop(FuzzTarget target, TimeSpan duration, int seed, string corpusRoot)
{
    var corpus = FuzzRunner.Corpus(corpusRoot, target.Name);
    var crashes = 0;
    var hangs = 0;
    long executions = 0;
    var clock = Stopwatch.StartNew();
    var crashFolder = Path.Combine(Path.GetTempPath(), "symbolon-fuzz-crashes", target.Name);
    while (clock.Elapsed < duration)
    {
        var (ran, failure) = FuzzRunner.Run(target, corpus, seed++, long.MaxValue, duration - clock.Elapsed);
        executions += ran;
        if (failure is null)
        {
            continue;
        }

        _ = failure.Hung ? hangs++ : crashes++;
        Directory.CreateDirectory(crashFolder);
        var file = Path.Combine(crashFolder, $"{(failure.Hung ? "hang" : "crash")}-{seed - 1}-{executions}");
        File.WriteAllBytes(file, failure.Input);
        Console.Error.WriteLine($"symbolon-fuzz: {target.Name}: {failure} (input saved to {file})");
        if (crashes + hangs >= 20)
        {
            break;
        }
    }

    var seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{target.Name}: {executions} executions in {seconds:0} s ({executions / seconds:0} per second), corpus {corpus.Count}, {crashes} crashes, {hangs} hangs"));
    return crashes + hangs == 0 ? 0 : 1;
}

static int Replay(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]).ToList();
    var failures = 0;
    foreach (var file in files)
    {
        var outcome = FuzzRunner.Execute(target, File.ReadAllBytes(file), FuzzRunner.DefaultTimeout);
        if (outcome.Failed)
        {
            failures++;
            Console.Error.WriteLine($"symbolon-fuzz: {file}: {outcome}");
        }
    }

    Console.WriteLine($"{target.Name}: {files.Count} inputs replayed, {failures} failed");
    return failures == 0 ? 0 : 1;
}
