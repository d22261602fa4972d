using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// The README's Quickstart, run as written: every command of its code block, in order, against a real key server. Only
/// the port changes (the test's server listens on a free one), and the passwords the commands prompt for arrive on
/// standard input, as a script would give them.
/// </summary>
public sealed class QuickstartTests(SharedKeyServer shared)
{
    private const string ReadmeServer = "http://127.0.0.1:5290";
    private const string VendorUser = "bot@acme.example";
    private const string VendorUrl = "https://portal.acme.example";
    private const string VendorPassword = "vendor-pw-7Fq2x";

    [Fact]
    public async Task The_README_quickstart_works_as_written()
    {
        var block = QuickstartBlock();
        var commands = block.Where(c => c.Count > 0 && c[0] == "symbolon").ToList();
        Assert.True(commands.Count >= 5, $"the Quickstart should show a CLI session; found:{Environment.NewLine}{string.Join(Environment.NewLine, block.Select(c => string.Join(' ', c)))}");
        Assert.Equal(["account", "login", "add", "show", "exec"], commands.Select(c => c[1]));
        AssertAliasRunsTheBuiltCli(block);

        var server = shared.Server;
        using var device = new ClientDevice(username: "alice");
        using var work = new TempDirectory("quickstart");
        WriteSyncScript(work.Combine("sync.sh"));

        foreach (var words in commands)
        {
            var arguments = words.Skip(1).Select(w => w.Replace(ReadmeServer, server.Url, StringComparison.Ordinal)).ToList();
            var input = arguments[0] switch
            {
                "account" or "login" => ClientDevice.AccountPassword + "\n",
                "add" => VendorPassword + "\n",
                _ => null,
            };
            var result = (await CliProcess.RunAsync(device.Environment, arguments, input, workingDirectory: work.Path)).AssertSuccess();
            switch (arguments[0])
            {
                case "account":
                    Assert.Contains("Account 'alice' created", result.Stdout, StringComparison.Ordinal);
                    break;
                case "login":
                    Assert.Contains("Logged in to", result.Stdout, StringComparison.Ordinal);
                    break;
                case "add":
                    Assert.Contains("Stored 'acme'.", result.Stdout, StringComparison.Ordinal);
                    break;
                case "show":
                    Assert.Contains($"username: {VendorUser}", result.Stdout, StringComparison.Ordinal);
                    Assert.Contains($"url: {VendorUrl}", result.Stdout, StringComparison.Ordinal);
                    Assert.Contains("password: (hidden; use --reveal)", result.Stdout, StringComparison.Ordinal);
                    Assert.DoesNotContain(VendorPassword, result.Stdout + result.Stderr, StringComparison.Ordinal);
                    break;
                case "exec":
                    Assert.Contains("synced as <concealed by symbolon>", result.Stdout, StringComparison.Ordinal); // exec masks every value it passed
                    Assert.DoesNotContain(VendorPassword, result.Stdout + result.Stderr, StringComparison.Ordinal);
                    break;
            }
        }
    }

    /// <summary>The commands of the code block(s) under the heading that names the Quickstart, split into words.</summary>
    private static List<IReadOnlyList<string>> QuickstartBlock()
    {
        var lines = File.ReadAllLines(Repository.Readme);
        var start = Array.FindIndex(lines, l => l.StartsWith('#') && l.Contains("Quickstart", StringComparison.OrdinalIgnoreCase));
        Assert.True(start >= 0, "README.md has no heading containing 'Quickstart'.");

        var commands = new List<IReadOnlyList<string>>();
        var fenced = false;
        var pending = "";
        for (var index = start + 1; index < lines.Length; index++)
        {
            var line = lines[index];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced && line.StartsWith('#'))
            {
                break;
            }

            var isCode = fenced || line.StartsWith("    ", StringComparison.Ordinal) || line.StartsWith('\t');
            if (!isCode || line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            pending += line.Trim();
            if (pending.EndsWith('\\'))
            {
                pending = pending[..^1] + " ";
                continue;
            }

            commands.Add(ShellWords.Split(pending));
            pending = "";
        }

        Assert.True(commands.Count > 0, "the README's Quickstart has no code block.");
        return commands;
    }

    /// <summary>The README's `alias symbolon='dotnet …/symbolon.dll'` must name the dll these tests run.</summary>
    private static void AssertAliasRunsTheBuiltCli(List<IReadOnlyList<string>> block)
    {
        var alias = block.SingleOrDefault(c => c.Count == 2 && c[0] == "alias" && c[1].StartsWith("symbolon=", StringComparison.Ordinal));
        if (alias is null)
        {
            return;
        }

        var target = ShellWords.Split(alias[1]["symbolon=".Length..]);
        Assert.Equal("dotnet", target[0]);
        var relative = target[1].Replace("/Debug/", $"/{Repository.Configuration}/", StringComparison.Ordinal);
        Assert.Equal(Repository.CliDll, Path.GetFullPath(Path.Combine(Repository.Root, relative)));
    }

    /// <summary>The README's ./sync.sh: a vendor job that takes its credentials from the environment only.</summary>
    private static void WriteSyncScript(string path)
    {
        File.WriteAllText(path, $$"""
            #!/bin/sh
            [ "$VENDOR_USER" = "{{VendorUser}}" ] || { echo "VENDOR_USER is '$VENDOR_USER'" >&2; exit 10; }
            [ "$VENDOR_PASS" = "{{VendorPassword}}" ] || { echo "VENDOR_PASS is wrong" >&2; exit 11; }
            echo "synced as $VENDOR_USER"

            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
