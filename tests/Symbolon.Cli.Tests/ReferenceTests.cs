using OtpNet;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// TOTP secrets (add --totp, `totp`, a code per release), secret references (`read`, `inject`, references in `exec`):
/// docs/spec.md §4.1–4.2. Codes are checked by Otp.NET, an independent RFC 6238 implementation.
/// </summary>
public sealed class ReferenceTests(SharedKeyServer shared)
{
    private const string Sha1Secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    private const string Sha256Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";

    private KeyServer Server => shared.Server;

    [Fact]
    public async Task Totp_prints_a_code_an_independent_implementation_accepts_and_each_code_is_an_audited_release()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        // A bare base32 secret (SHA-1, 6 digits, 30 s), and a URI with SHA-256 and 8 digits: password first, then the secret.
        (await device.RunWithInputAsync($"acme-password-1\n{Sha1Secret.ToLowerInvariant()}\n", "add", "acme", "-u", "bot@acme.example", "--password-stdin", "--totp")).AssertSuccess();
        (await device.RunWithInputAsync($"beta-password-1\notpauth://totp/Beta:bot?secret={Sha256Secret}&algorithm=SHA256&digits=8&issuer=Beta\n",
            "add", "beta", "-u", "bot", "--password-stdin", "--totp")).AssertSuccess();
        var acme = await device.UnitIdAsync("acme");

        var code = (await device.RunAsync("totp", "acme")).AssertSuccess().Stdout.TrimEnd('\n');
        AssertAccepted(Sha1Secret, OtpHashMode.Sha1, 6, code);
        var json = (await device.RunAsync("totp", "beta", "--json")).AssertSuccess().Json();
        AssertAccepted(Sha256Secret, OtpHashMode.Sha256, 8, json.GetProperty("code").GetString()!);
        Assert.Equal(30, json.GetProperty("period").GetInt32());
        Assert.InRange(json.GetProperty("secondsLeft").GetInt32(), 1, 30);

        var exec = (await device.RunAsync("exec", "--no-masking", "--env", "CODE=acme.totp", "--", "sh", "-c", "printf %s \"$CODE\"")).AssertSuccess();
        AssertAccepted(Sha1Secret, OtpHashMode.Sha1, 6, exec.Stdout);
        AssertAccepted(Sha1Secret, OtpHashMode.Sha1, 6, (await device.RunAsync("read", "symbolon://acme/totp")).AssertSuccess().Stdout.TrimEnd('\n'));

        // totp, exec, read: three codes, three releases of acme's unit; the stored secret never shows as a code.
        Assert.Equal(3, await ReleasesAsync(device, acme));
        Assert.DoesNotContain(Sha1Secret, (await device.RunAsync("show", "acme")).AssertSuccess().Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_invalid_totp_secret_stores_nothing_and_an_item_without_one_has_no_code()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);

        (await device.RunWithInputAsync("pw\nJBSWY3DPEHPK3PX\n", "add", "short", "-u", "bot", "--password-stdin", "--totp"))
            .AssertFailure(ExitCodes.Usage, "TOTP secret is not valid: the secret must be", hint: "base32");
        (await device.RunWithInputAsync($"pw\notpauth://totp/a?secret={Sha1Secret}&digits=9\n", "add", "nine", "-u", "bot", "--password-stdin", "--totp"))
            .AssertFailure(ExitCodes.Usage, "digits must be 6, 7 or 8");
        (await device.RunWithInputAsync($"pw\notpauth://totp/a?secret={Sha1Secret}&algorithm=MD5\n", "add", "md5", "-u", "bot", "--password-stdin", "--totp"))
            .AssertFailure(ExitCodes.Usage, "algorithm 'MD5' is not SHA1");
        Assert.Empty(await device.ListAsync());

        await device.AddAsync("plain", "bot", "plain-password-1");
        (await device.RunAsync("totp", "plain")).AssertFailure(ExitCodes.Usage, "item 'plain' has no TOTP secret", hint: "--totp");
    }

    [Fact]
    public async Task Read_prints_each_field_kind_and_refuses_bad_references_before_any_release()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        await device.AddAsync("acme.prod", "bot@acme.example", "acme-password-1", url: "https://acme.example/login");
        var unit = await device.UnitIdAsync("acme.prod");

        Assert.Equal("bot@acme.example\n", (await device.RunAsync("read", "symbolon://acme.prod/username")).AssertSuccess().Stdout);
        Assert.Equal("acme-password-1\n", (await device.RunAsync("read", "symbolon://acme.prod/password")).AssertSuccess().Stdout);
        Assert.Equal("https://acme.example/login", (await device.RunAsync("read", "--no-newline", "symbolon://acme.prod/url")).AssertSuccess().Stdout);
        Assert.Equal(3, await ReleasesAsync(device, unit));

        (await device.RunAsync("read", "symbolon://acme.prod/notes")).AssertFailure(ExitCodes.Usage, "item 'acme.prod' has no notes", hint: "Fields:");
        (await device.RunAsync("read", "symbolon://acme.prod/colour")).AssertFailure(ExitCodes.Usage, "has no field 'colour'");
        Assert.Equal(5, await ReleasesAsync(device, unit));

        // Syntax and unknown items are refused locally: no release at all.
        (await device.RunAsync("read", "acme.prod/password")).AssertFailure(ExitCodes.Usage, "must start with symbolon://", hint: "Secret references");
        (await device.RunAsync("read", "symbolon://acme.prod")).AssertFailure(ExitCodes.Usage, "use symbolon://ITEM/FIELD");
        (await device.RunAsync("read", "symbolon://ACME/password")).AssertFailure(ExitCodes.Usage, "does not name a valid item");
        (await device.RunAsync("read", "symbolon://acme.prod/pass word")).AssertFailure(ExitCodes.Usage, "does not name a valid field");
        (await device.RunAsync("read", "symbolon://nothing/password")).AssertFailure(ExitCodes.Usage, "No item named 'nothing'", hint: "symbolon list");
        Assert.Equal(5, await ReleasesAsync(device, unit));
    }

    [Fact]
    public async Task Inject_writes_the_filled_file_0600_atomically_and_refuses_a_bad_reference_naming_its_line()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        (await device.RunWithInputAsync($"acme-password-1\n{Sha1Secret}\n", "add", "acme", "-u", "bot@acme.example", "--password-stdin", "--totp")).AssertSuccess();
        using var work = new TempDirectory("inject");
        var template = work.Combine("config.tpl");
        File.WriteAllText(template, "user: {{ symbolon://acme/username }}\npass: {{symbolon://acme/password}}\ncode: {{   symbolon://acme/totp\t}}\nkept: {{ other }}\n");
        var output = work.Combine("config.yml");

        (await device.RunAsync("inject", "-i", template, "-o", output)).AssertSuccess();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        var lines = File.ReadAllLines(output);
        Assert.Equal(["user: bot@acme.example", "pass: acme-password-1"], lines[..2]);
        Assert.StartsWith("code: ", lines[2], StringComparison.Ordinal);
        AssertAccepted(Sha1Secret, OtpHashMode.Sha1, 6, lines[2]["code: ".Length..]);
        Assert.Equal("kept: {{ other }}", lines[3]);
        Assert.Empty(Directory.GetFiles(work.Path, ".tmp-*"));

        // An unknown field (found once the item is open), an unknown item and a bad reference: exit 2 naming the line; the
        // existing file is unchanged and a new one is not created.
        var before = File.ReadAllBytes(output);
        var fresh = work.Combine("fresh.yml");
        foreach (var (bad, error) in new[]
        {
            ("symbolon://acme/colour", "line 3: item 'acme' has no field 'colour'"),
            ("symbolon://nothing/password", "line 3: No item named 'nothing'"),
            ("symbolon://acme", "line 3: 'symbolon://acme' is not a secret reference"),
        })
        {
            File.WriteAllText(template, $"user: {{{{ symbolon://acme/username }}}}\n\nbad: {{{{ {bad} }}}}\n");
            (await device.RunAsync("inject", "-i", template, "-o", output)).AssertFailure(ExitCodes.Usage, error);
            (await device.RunAsync("inject", "-i", template, "-o", fresh)).AssertFailure(ExitCodes.Usage, error);
            Assert.Equal(before, File.ReadAllBytes(output));
            Assert.False(File.Exists(fresh));
        }
    }

    [Fact]
    public async Task Inject_to_stdout_conceals_the_values_unless_asked_not_to_and_reads_the_template_from_stdin()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        const string Template = "u={{ symbolon://acme/username }} p={{ symbolon://acme/password }}\n";

        var masked = (await device.RunWithInputAsync(Template, "inject", "-o", "-")).AssertSuccess();
        Assert.Equal("u=<concealed by symbolon> p=<concealed by symbolon>\n", masked.Stdout);
        var revealed = (await device.RunWithInputAsync(Template, "inject", "-i", "-", "--no-masking")).AssertSuccess();
        Assert.Equal("u=bot@acme.example p=acme-password-1\n", revealed.Stdout);
    }

    [Fact]
    public async Task Exec_resolves_inherited_references_and_env_options_and_refuses_a_bad_one_before_any_release()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("beta", "bot@beta.example", "beta-password-1");
        var acme = await device.UnitIdAsync("acme");
        var beta = await device.UnitIdAsync("beta");
        using var work = new TempDirectory("exec-refs");
        var marker = work.Combine("started");
        const string Script = """printf '%s|%s|%s|%s' "$VENDOR_PASS" "$BETA_USER" "$LOOKS_LIKE" "$PLAIN" """;

        var result = (await RunWithEnvironmentAsync(device,
            new() { ["VENDOR_PASS"] = "symbolon://acme/password", ["LOOKS_LIKE"] = "xsymbolon://acme/password", ["PLAIN"] = "plain" },
            "exec", "--no-masking", "--env", "BETA_USER=beta.username", "--", "sh", "-c", Script)).AssertSuccess();
        Assert.Equal("acme-password-1|bot@beta.example|xsymbolon://acme/password|plain", result.Stdout);

        // --env wins over an inherited reference of the same name, which is then not opened at all.
        var overridden = (await RunWithEnvironmentAsync(device, new() { ["VENDOR_PASS"] = "symbolon://acme/password" },
            "exec", "--no-masking", "--env", "VENDOR_PASS=beta.password", "--", "sh", "-c", "printf %s \"$VENDOR_PASS\"")).AssertSuccess();
        Assert.Equal("beta-password-1", overridden.Stdout);
        Assert.Equal((1, 2), (await ReleasesAsync(device, acme), await ReleasesAsync(device, beta)));

        (await RunWithEnvironmentAsync(device, new() { ["VENDOR_PASS"] = "symbolon://acme" }, "exec", "--env", "B=beta.password", "--", "touch", marker))
            .AssertFailure(ExitCodes.Usage, "$VENDOR_PASS: 'symbolon://acme' is not a secret reference");
        (await RunWithEnvironmentAsync(device, new() { ["VENDOR_PASS"] = "symbolon://nothing/password" }, "exec", "--env", "B=beta.password", "--", "touch", marker))
            .AssertFailure(ExitCodes.Usage, "No item named 'nothing'", hint: "symbolon list");
        (await device.RunAsync("exec", "--env", "P=Beta.password", "--", "touch", marker)).AssertFailure(ExitCodes.Usage, "--env P: 'symbolon://Beta/password' does not name a valid item");
        Assert.False(File.Exists(marker));
        Assert.Equal((1, 2), (await ReleasesAsync(device, acme), await ReleasesAsync(device, beta)));
    }

    /// <summary>Whether Otp.NET, at this moment, takes <paramref name="code"/> for the current or the previous time step (the CLI ran just before).</summary>
    private static void AssertAccepted(string base32, OtpHashMode mode, int digits, string code)
    {
        var totp = new Totp(Base32Encoding.ToBytes(base32), step: 30, mode: mode, totpSize: digits);
        Assert.True(totp.VerifyTotp(code, out _, new VerificationWindow(previous: 1, future: 0)), $"'{code}' is not the current {mode} code");
    }

    private static async Task<int> ReleasesAsync(ClientDevice device, Guid unit) =>
        (await device.RunAsync("audit", "--json")).AssertSuccess().Json().EnumerateArray()
            .Count(r => r.GetProperty("event").GetString() == "unit.released" && r.GetProperty("unitId").GetGuid() == unit);

    private static Task<CliResult> RunWithEnvironmentAsync(ClientDevice device, Dictionary<string, string> extra, params string[] arguments)
    {
        var environment = new Dictionary<string, string>(device.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return CliProcess.RunAsync(environment, arguments);
    }
}
