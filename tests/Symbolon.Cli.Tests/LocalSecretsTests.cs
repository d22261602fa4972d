using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Issue 14, findings 1 and 4: the passphrase, where it comes from and where it never goes; the lock verb; status.</summary>
public sealed class LocalSecretsTests(SharedKeyServer shared)
{
    private const string Passphrase = "a long passphrase for this device";

    private KeyServer Server => shared.Server;

    [Fact]
    public async Task Exec_passes_no_SYMBOLON_variable_to_the_command()
    {
        using var device = new ClientDevice { Passphrase = Passphrase };
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");

        var environment = (await device.RunAsync("exec", "--env", "VENDOR_PASSWORD=acme.password", "--", "env")).AssertSuccess().Stdout;

        // The value is there: masking replaced exactly it (MaskingTests).
        Assert.Contains("VENDOR_PASSWORD=<concealed by symbolon>", environment, StringComparison.Ordinal);
        Assert.DoesNotContain("SYMBOLON_", environment, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Passphrase, environment, StringComparison.Ordinal);
        (await device.RunAsync("exec", "--env", "SYMBOLON_PASSPHRASE=acme.password", "--", "env")).AssertFailure(ExitCodes.Usage, "symbolon's own variables");
    }

    [Fact]
    public async Task A_passphrase_descriptor_is_closed_before_exec_starts_the_command()
    {
        using var device = new ClientDevice { Passphrase = Passphrase };
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        device.Passphrase = null;
        var passphraseFile = Path.Combine(device.Home, "..", "passphrase-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(passphraseFile, Passphrase + "\n", TestContext.Current.CancellationToken);
        try
        {
            // A shell opens the file on descriptor 3 for symbolon, as `symbolon --passphrase-fd 3 exec … 3<file` would.
            var start = new System.Diagnostics.ProcessStartInfo("sh")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "-c", "exec dotnet \"$0\" \"$@\" 3<\"$PASSPHRASE_FILE\"", Repository.CliDll,
                    "--passphrase-fd", "3", "exec", "--env", "VENDOR_PASSWORD=acme.password", "--",
                    "sh", "-c", "echo \"password:$VENDOR_PASSWORD\"; if [ -e /proc/self/fd/3 ]; then echo inherited:; cat /proc/self/fd/3; else echo closed; fi",
                },
            };
            start.Environment.Remove("SYMBOLON_PASSPHRASE");
            foreach (var (name, value) in device.Environment)
            {
                start.Environment[name] = value;
            }

            start.Environment["PASSPHRASE_FILE"] = passphraseFile;
            using var process = System.Diagnostics.Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.True(process.ExitCode == 0, await stderr);
            Assert.Contains("password:<concealed by symbolon>", await stdout, StringComparison.Ordinal);
            Assert.Contains("closed", await stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(Passphrase, await stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(passphraseFile);
        }
    }

    [Fact]
    public async Task The_passphrase_can_come_from_a_file_descriptor_and_is_asked_for_otherwise()
    {
        using var device = new ClientDevice { Passphrase = Passphrase };
        await device.SignUpAsync(Server);
        device.Passphrase = null;

        (await device.RunAsync("status")).AssertFailure(ExitCodes.NotLoggedIn, "protected by a passphrase", hint: "--passphrase-fd");
        var status = (await device.RunWithInputAsync(Passphrase + "\n", "status", "--passphrase-fd", "0")).AssertSuccess();
        Assert.Contains("Logged in", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not protected", status.Stderr, StringComparison.Ordinal);

        // The passphrase and the password share standard input: the first line is the passphrase, the next the password.
        (await device.RunWithInputAsync(Passphrase + "\n" + ClientDevice.AccountPassword + "\n",
            "login", "--server", Server.Url, "--username", device.Username, "--password-stdin", "--passphrase-fd", "0")).AssertSuccess();
        (await device.RunWithInputAsync("a wrong passphrase\n", "status", "--passphrase-fd", "0")).AssertFailure(ExitCodes.NotLoggedIn, "does not unlock");
    }

    [Fact]
    public async Task Status_warns_when_the_secrets_are_unprotected_and_a_passphrase_given_for_them_is_a_warning()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);

        var status = (await device.RunAsync("status")).AssertSuccess();
        Assert.Contains("symbolon: warning: this device's secrets are not protected", status.Stderr, StringComparison.Ordinal);
        Assert.Contains("symbolon: hint: Run `symbolon passphrase set`", status.Stderr, StringComparison.Ordinal);

        device.Passphrase = Passphrase;
        var given = (await device.RunAsync("list")).AssertSuccess();
        Assert.Contains("symbolon: warning: a passphrase was given, but this client directory's root key is not protected", given.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passphrase_set_protects_an_existing_directory_whose_items_still_open_and_changes_the_passphrase()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        var rootKey = Path.Combine(device.Home, "root.key");
        var deviceKey = Path.Combine(device.Home, "device.key");
        var sessionFile = Directory.GetFiles(device.Home, "session-*.json").Single();
        using var plain = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(sessionFile, TestContext.Current.CancellationToken));
        string[] tokens = [plain.RootElement.GetProperty("accessToken").GetString()!, plain.RootElement.GetProperty("refreshToken").GetString()!];

        (await device.RunWithInputAsync("\n", "passphrase", "set", "--new-passphrase-stdin")).AssertFailure(ExitCodes.Usage, "empty");
        Assert.Contains("\"none\"", await File.ReadAllTextAsync(rootKey, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var set = (await device.RunWithInputAsync(Passphrase + "\n", "passphrase", "set", "--new-passphrase-stdin")).AssertSuccess();

        Assert.Contains("are now protected", set.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"argon2id\"", await File.ReadAllTextAsync(rootKey, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(1, (await File.ReadAllBytesAsync(deviceKey, TestContext.Current.CancellationToken))[0]);
        var session = await File.ReadAllTextAsync(sessionFile, TestContext.Current.CancellationToken);
        Assert.All(tokens, token => Assert.DoesNotContain(token, session, StringComparison.Ordinal));
        Assert.Contains("\"wrappedTokens\"", session, StringComparison.Ordinal);
        (await device.RunAsync("status")).AssertFailure(ExitCodes.NotLoggedIn, "protected by a passphrase");
        device.Passphrase = Passphrase;
        Assert.DoesNotContain("not protected", (await device.RunAsync("status")).AssertSuccess().Stderr, StringComparison.Ordinal);
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);

        // Changed: the current passphrase from SYMBOLON_PASSPHRASE, the new one from standard input.
        const string next = "the next passphrase for this device";
        Assert.Contains("Passphrase changed.", (await device.RunWithInputAsync(next + "\n", "passphrase", "set", "--new-passphrase-stdin")).AssertSuccess().Stdout, StringComparison.Ordinal);
        (await device.RunAsync("status")).AssertFailure(ExitCodes.NotLoggedIn, "does not unlock");
        device.Passphrase = next;
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
    }

    [Fact]
    public async Task Lock_ends_the_session_on_the_server_so_the_tokens_left_on_disk_are_refused()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        var sessionFile = Directory.GetFiles(device.Home, "session-*.json").Single();
        var tokens = await File.ReadAllBytesAsync(sessionFile, TestContext.Current.CancellationToken);

        (await device.RunAsync("lock")).AssertSuccess();
        Assert.False(File.Exists(sessionFile));

        // A thief who copied the session file before the lock puts it back: the server refuses it.
        await File.WriteAllBytesAsync(sessionFile, tokens, TestContext.Current.CancellationToken);
        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotLoggedIn, "expired or was revoked");
    }

    [Fact]
    public async Task Logout_with_the_server_unreachable_deletes_the_tokens_and_says_the_server_session_ends_by_itself()
    {
        await using var server = await KeyServer.StartAsync();
        using var device = new ClientDevice();
        await device.SignUpAsync(server);
        await server.StopAsync();

        var logout = (await device.RunAsync("logout")).AssertSuccess();

        Assert.Contains("ends by itself after 10 minutes without use", logout.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(device.Home, "session-*.json"));
    }
}
