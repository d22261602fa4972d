using System.Reflection;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// Where the programs under test are: the repository root (the folder holding Symbolon.slnx, found by walking up from
/// the test binaries) and the server's and CLI's dlls built in the same configuration as these tests.
/// </summary>
internal static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    /// <summary>Debug or Release: the configuration these tests were built in, which built the programs too.</summary>
    public static string Configuration { get; } =
        typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string ServerDll => Built("Symbolon.Server", "Symbolon.Server.dll");

    public static string CliDll => Built("Symbolon.Cli", "symbolon.dll");

    public static string Readme => Path.Combine(Root, "README.md");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{dll} is missing at {path}. Build the solution first (`dotnet build` at {Root}, configuration {Configuration}); " +
                "the end-to-end tests run the real programs.");
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Symbolon.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Symbolon.slnx above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }
}
