using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// What a person notices on first use: at a terminal, tables with headers and item names; new passwords typed twice;
/// counts that read naturally. Scripts (a pipe) keep the tab-separated rows.
/// </summary>
public sealed class FirstUseTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task List_at_a_terminal_has_a_header_and_aligned_columns_and_in_a_pipe_stays_tab_separated()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("a-much-longer-item-name", "bot", "other-password-2");

        var lines = Lines((await device.RunOnTerminalAsync(["list"])).AssertSuccess().Stdout);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("NAME ", lines[0], StringComparison.Ordinal);
        var modeColumn = lines[0].IndexOf("MODE", StringComparison.Ordinal);
        Assert.All(lines[1..], line => Assert.Equal(' ', line[modeColumn - 1]));
        Assert.All(lines[1..], line => Assert.NotEqual(' ', line[modeColumn]));
        Assert.DoesNotContain(lines, line => line.Contains('\t', StringComparison.Ordinal));

        var piped = Lines((await device.RunAsync("list")).AssertSuccess().Stdout);
        Assert.Equal(2, piped.Length);
        Assert.All(piped, line => Assert.Equal(4, line.Split('\t').Length));
        Assert.DoesNotContain(piped, line => line.Contains("NAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_at_a_terminal_shows_the_item_name_beside_its_unit_id()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        (await device.RunAsync("exec", "--env", "P=acme.password", "--", "true")).AssertSuccess();
        var unit = (await device.UnitIdAsync("acme")).ToString();

        var lines = Lines((await device.RunOnTerminalAsync(["audit"])).AssertSuccess().Stdout);
        var header = lines.Single(line => line.StartsWith("SEQ ", StringComparison.Ordinal));
        var itemColumn = header.IndexOf("ITEM", StringComparison.Ordinal);
        var unitColumn = header.IndexOf("UNIT", StringComparison.Ordinal);
        var withUnit = lines.Where(line => line.Contains(unit, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(withUnit);
        Assert.All(withUnit, line =>
        {
            Assert.Equal("acme ", line[itemColumn..(itemColumn + 5)]);
            Assert.Equal(unitColumn, line.IndexOf(unit, StringComparison.Ordinal));
        });

        // Scripts keep the ids alone, as before.
        var piped = (await device.RunAsync("audit")).AssertSuccess().Stdout;
        Assert.Contains(unit, piped, StringComparison.Ordinal);
        Assert.DoesNotContain("acme\t", piped, StringComparison.Ordinal);
        Assert.DoesNotContain("SEQ", piped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Account_create_at_a_prompt_asks_twice_and_refuses_a_mismatch()
    {
        using var device = new ClientDevice { Passphrase = "device passphrase for the test" };
        string[] create = ["account", "create", "--server", Server.Url, "--username", device.Username];

        var refused = await device.RunOnTerminalAsync(create, ("Password: ", "first-try-password"), ("Password again: ", "second-try-password"));
        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("symbolon: error: the two passwords typed differ", refused.Stdout, StringComparison.Ordinal);

        // Nothing was created: the same username is still free.
        var created = await device.RunOnTerminalAsync(create, ("Password: ", ClientDevice.AccountPassword), ("Password again: ", ClientDevice.AccountPassword));
        Assert.True(created.ExitCode == 0, created.ToString());
        (await device.LoginAsync(Server)).AssertSuccess();
    }

    [Fact]
    public async Task A_password_change_at_a_prompt_refuses_two_different_new_passwords()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);

        var refused = await device.RunOnTerminalAsync(["account", "password"],
            ("Current password: ", ClientDevice.AccountPassword), ("New password: ", "new-password-one"), ("New password again: ", "new-password-two"));
        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("symbolon: error: the two passwords typed differ", refused.Stdout, StringComparison.Ordinal);

        (await device.LoginAsync(Server)).AssertSuccess();
    }

    [Fact]
    public async Task Counts_read_naturally()
    {
        using var device = await ClientDevice.SignedUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        Assert.Contains(" 1 item in ", (await device.RunAsync("status")).AssertSuccess().Stdout, StringComparison.Ordinal);
        Assert.Contains("Rotated 1 item.", (await device.RunAsync("rotate", "--all")).AssertSuccess().Stdout, StringComparison.Ordinal);

        await device.AddAsync("beta", "bot", "beta-password-2");
        Assert.Contains(" 2 items in ", (await device.RunAsync("status")).AssertSuccess().Stdout, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
