using System.IO.Compression;
using System.Net;
using System.Xml.Linq;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// What a release ships, built as the README's "Install" says and then used: the Native AOT CLI against a real key
/// server (a trimming or AOT break, such as a type serialised by reflection, only shows when the binary runs), the
/// NuGet packages and the .NET tool installed from them, and the server's self-contained single file.
/// </summary>
[Collection(nameof(ReleaseBuildTests))]
public sealed class ReleaseTests(ReleaseBuild release, SharedKeyServer shared)
{
    private const string VendorPassword = "vendor-pw-aot-5Kd";

    [Fact]
    public async Task The_native_AOT_CLI_logs_in_adds_execs_and_answers_JSON_against_a_real_server()
    {
        var cli = await release.NativeCliAsync();
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(cli)!, "libsodium.so")), "the AOT CLI carries libsodium inside: no libsodium.so beside it");
        Assert.False(File.Exists(Path.ChangeExtension(cli, ".dll")), "the AOT CLI should be a native binary, not a dll");
        using var device = new ClientDevice { Program = cli };

        var version = (await device.RunAsync("--version")).AssertSuccess();
        Assert.Equal(ReleaseBuild.Version, version.Stdout.Trim());
        var help = (await device.RunAsync("--help")).AssertSuccess();
        Assert.Contains("exec", help.Stdout, StringComparison.Ordinal);

        await device.SignUpAsync(shared.Server);
        await device.AddAsync("acme", "bot@acme.example", VendorPassword);
        var exec = (await device.RunAsync("exec", "--env", "P=acme.password", "--", "sh", "-c", $"test \"$P\" = '{VendorPassword}' && echo password-arrived")).AssertSuccess();
        Assert.Contains("password-arrived", exec.Stdout, StringComparison.Ordinal);

        // --json answers of several shapes: a list with an enum, an object, a dictionary.
        var item = Assert.Single(await device.ListAsync());
        Assert.Equal("acme", item.GetProperty("name").GetString());
        Assert.Equal("split", item.GetProperty("mode").GetString());
        Assert.True((await device.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("loggedIn").GetBoolean());
        Assert.Equal(VendorPassword, (await device.RevealAsync("acme"))["password"]);

        // libsodium, from inside the binary: ristretto255 (a blinded item) and Argon2id through NSec (a passphrase).
        (await device.RunWithInputAsync(VendorPassword + "\n", "add", "blind", "--username", "bot@blind.example", "--password-stdin", "--mode", "blinded")).AssertSuccess();
        Assert.Equal(VendorPassword, (await device.RevealAsync("blind"))["password"]);
        using var protectedDevice = new ClientDevice { Program = cli, Passphrase = "a passphrase for the AOT binary" };
        await protectedDevice.SignUpAsync(shared.Server);
        Assert.DoesNotContain("not protected", (await protectedDevice.RunAsync("status")).AssertSuccess().Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_packages_carry_readme_license_docs_and_symbols_and_the_tool_installs_and_prints_the_version()
    {
        var feed = await release.FeedAsync();
        foreach (var project in ReleaseBuild.PackedProjects)
        {
            var id = project == "Symbolon.Cli" ? "symbolon" : project;
            var package = Path.Combine(feed, $"{id}.{ReleaseBuild.Version}.nupkg");
            Assert.True(File.Exists(package), $"{package} is missing; the feed holds: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{id}'s symbol package (.snupkg) is missing");

            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", entries);
            Assert.Contains("LICENSE", entries);
            var assembly = project == "Symbolon.Cli" ? "symbolon" : project;
            Assert.Contains(entries, e => e.EndsWith($"/{assembly}.xml", StringComparison.Ordinal));

            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            string Metadata(string name) => nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.Equal(ReleaseBuild.Version, Metadata("version"));
            Assert.Equal("Apache-2.0", Metadata("license"));
            Assert.Equal("README.md", Metadata("readme"));
            Assert.NotEmpty(Metadata("authors"));
            Assert.NotEmpty(Metadata("description"));
            Assert.NotEmpty(Metadata("tags"));
        }

        var tools = Path.Combine(release.Root, "tools");
        var config = Path.Combine(release.Root, "nuget.config");
        // Only the local feed: the test must install what was just packed, never a package of the same name elsewhere.
        await File.WriteAllTextAsync(config, $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        await release.DotnetAsync("tool", "install", "symbolon", "--tool-path", tools, "--add-source", feed, "--configfile", config, "--version", ReleaseBuild.Version);

        using var device = new ClientDevice { Program = Path.Combine(tools, "symbolon") };
        var environment = new Dictionary<string, string>(device.Environment) { ["DOTNET_ROOT"] = ReleaseBuild.DotnetRoot };
        var version = (await CliProcess.RunAsync(environment, ["--version"], program: device.Program)).AssertSuccess();
        Assert.Equal(ReleaseBuild.Version, version.Stdout.Trim());
    }

    [Fact]
    public async Task The_self_contained_single_file_server_starts_and_answers_readyz()
    {
        var executable = await release.SingleFileServerAsync();
        Assert.False(File.Exists(Path.ChangeExtension(executable, ".dll")), "the server should be one file, not a dll beside a launcher");

        // StartPublishedAsync returns once /readyz answered 200 and fails the test otherwise; asked again here to be sure.
        await using var server = await KeyServer.StartPublishedAsync(executable);
        using var http = new HttpClient();
        using var ready = await http.GetAsync(new Uri($"{server.Url}/readyz"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "symbolon.db")), "the server should keep its database in the data directory it was given");
    }
}
