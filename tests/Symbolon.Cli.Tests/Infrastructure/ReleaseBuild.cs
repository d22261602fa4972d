using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Xml.Linq;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// What a release ships, built the way the README says, once per test run and only when a test asks: the NuGet
/// packages (`dotnet pack`), the Native AOT CLI and the server's self-contained single file (`dotnet publish`). Every
/// build goes to its own artifacts folder (--artifacts-path), so it never touches the bin/ and obj/ folders the
/// other tests run programs from, and the steps share its Release builds of the libraries. Steps run one at a time
/// (the tests using them are one collection, <see cref="ReleaseBuildTests"/>).
/// </summary>
public sealed class ReleaseBuild : IDisposable
{
    /// <summary>A cold publish on a busy 2-core machine: restore, compile, ILC (the AOT step alone is ~1 CPU minute).</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _directory = new("release");
    private string? _feed;
    private string? _nativeCli;
    private string? _server;

    /// <summary>The version every package and the CLI carry: Directory.Build.props's &lt;Version&gt;.</summary>
    public static string Version { get; } =
        XDocument.Load(Path.Combine(Repository.Root, "Directory.Build.props")).Descendants("Version").Single().Value;

    /// <summary>The packable projects, in the order they are packed (the SDK first builds its dependencies).</summary>
    public static IReadOnlyList<string> PackedProjects { get; } = ["Symbolon.Client", "Symbolon.Crypto", "Symbolon.Protocol", "Symbolon.Cli"];

    public string Root => _directory.Path;

    /// <summary>A folder of .nupkg and .snupkg files, as `dotnet pack -o artifacts` leaves them.</summary>
    internal async Task<string> FeedAsync()
    {
        if (_feed is null)
        {
            var feed = _directory.Combine("feed");
            foreach (var project in PackedProjects)
            {
                await DotnetAsync("pack", Path.Combine("src", project), "-c", "Release", "-o", feed);
            }

            _feed = feed;
        }

        return _feed;
    }

    /// <summary>The Native AOT CLI: `dotnet publish src/Symbolon.Cli -c Release -r linux-x64`, its binary path.</summary>
    internal async Task<string> NativeCliAsync()
    {
        if (_nativeCli is null)
        {
            var output = _directory.Combine("cli");
            await DotnetAsync("publish", "src/Symbolon.Cli", "-c", "Release", "-r", RuntimeIdentifier, "-o", output);
            _nativeCli = Path.Combine(output, "symbolon");
        }

        return _nativeCli;
    }

    /// <summary>The server as one self-contained file (README, "Install"), its path.</summary>
    internal async Task<string> SingleFileServerAsync()
    {
        if (_server is null)
        {
            var output = _directory.Combine("server");
            await DotnetAsync("publish", "src/Symbolon.Server", "-c", "Release", "-r", RuntimeIdentifier, "--self-contained", "-p:PublishSingleFile=true", "-o", output);
            _server = Path.Combine(output, "Symbolon.Server");
        }

        return _server;
    }

    /// <summary>The dotnet root of the running tests, for an installed tool's launcher (its DOTNET_ROOT).</summary>
    internal static string DotnetRoot => Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    private static string RuntimeIdentifier => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    /// <summary>Runs `dotnet ARGS` at the repository root, with its own artifacts folder; fails the test with the output on a non-zero exit.</summary>
    internal async Task DotnetAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repository.Root,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] is "pack" or "publish")
        {
            // Warnings are errors (trim and AOT ones included); no MSBuild node outlives the test.
            foreach (var option in new[] { "--artifacts-path", _directory.Combine("artifacts"), "-warnaserror", "-nodeReuse:false", "-nologo", "-v:q" })
            {
                start.ArgumentList.Add(option);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"`dotnet {string.Join(' ', arguments)}` exited {process.ExitCode}:{Environment.NewLine}{await output}{await error}");
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>The tests that use the release build: one at a time, one build for all of them.</summary>
[CollectionDefinition(nameof(ReleaseBuildTests))]
public sealed class ReleaseBuildTests : ICollectionFixture<ReleaseBuild>;
