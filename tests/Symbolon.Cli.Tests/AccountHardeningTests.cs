using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>Issue 14, findings 2 and 3 as a user meets them: rm/restore, re-authentication, password change, logging out everywhere, device approval and announcements.</summary>
public sealed class AccountHardeningTests(SharedKeyServer shared)
{
    private const string NewPassword = "a much better passphrase";

    private KeyServer Server => shared.Server;

    [Fact]
    public async Task Rm_keeps_the_item_restorable_and_restore_brings_it_back()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        var unitId = await device.UnitIdAsync("acme");
        var itemFile = await device.ItemFileAsync("acme");

        var removed = (await device.RunAsync("rm", "acme")).AssertSuccess();

        Assert.Contains("symbolon restore acme", removed.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(itemFile));
        Assert.True(File.Exists(Path.Combine(device.ItemsDirectory, "removed", Path.GetFileName(itemFile))));
        Assert.Empty(await device.ListAsync());
        Assert.NotNull(Server.ShreddedAt(unitId));
        Assert.All(Server.Versions(unitId), v => Assert.Equal(StoredVersion.Active, v.State));
        (await device.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotFound, "No item named 'acme'");

        (await device.RunAsync("restore", "acme")).AssertSuccess();

        Assert.True(File.Exists(itemFile));
        Assert.Null(Server.ShreddedAt(unitId));
        Assert.Equal("acme-password-1", (await device.RevealAsync("acme"))["password"]);
    }

    [Fact]
    public async Task Rm_now_destroys_the_share_at_once_and_nothing_can_restore_it()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("later", "bot@later.example", "later-password-1");
        var unitId = await device.UnitIdAsync("acme");
        var laterId = await device.UnitIdAsync("later");
        (await device.RunAsync("rm", "later")).AssertSuccess();

        (await device.RunAsync("rm", "--now", "acme")).AssertSuccess();
        (await device.RunAsync("rm", "--now", "later")).AssertSuccess();

        Assert.Empty(Directory.GetFiles(device.ItemsDirectory, "*.json", SearchOption.AllDirectories));
        Assert.All(Server.Versions(unitId).Concat(Server.Versions(laterId)), v =>
        {
            Assert.Equal(0, v.SealedShareLength);
            Assert.Equal(StoredVersion.RetiredState, v.State);
        });
        (await device.RunAsync("restore", "acme")).AssertFailure(ExitCodes.NotFound, "No removed item named 'acme'");
    }

    [Fact]
    public async Task A_destructive_verb_after_an_old_login_asks_for_the_password_logs_in_again_and_retries_once()
    {
        using var device = new ClientDevice();
        await device.SignUpAsync(Server);
        await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
        await device.AddAsync("beta", "bot@beta.example", "beta-password-1");
        var unitId = await device.UnitIdAsync("acme");
        Assert.True(Server.AgeLogins(device.Username, TimeSpan.FromMinutes(10)) > 0);

        (await device.RunWithInputAsync("not the password\n", "rm", "beta")).AssertFailure(ExitCodes.Denied, "username or password is wrong");
        var removed = (await device.RunWithInputAsync(ClientDevice.AccountPassword + "\n", "rm", "acme")).AssertSuccess();

        Assert.Contains("wants a recent login", removed.Stderr, StringComparison.Ordinal);
        Assert.NotNull(Server.ShreddedAt(unitId));
        Assert.Equal("beta-password-1", (await device.RevealAsync("beta"))["password"]);
    }

    [Fact]
    public async Task Logout_everywhere_ends_the_sessions_of_every_device()
    {
        using var laptop = new ClientDevice();
        await laptop.SignUpAsync(Server);
        await laptop.AddAsync("acme", "bot@acme.example", "acme-password-1");
        using var phone = new ClientDevice(laptop.Username);
        await phone.LoginAsync(Server);

        (await phone.RunAsync("logout", "--everywhere")).AssertSuccess();

        (await laptop.RunAsync("show", "acme")).AssertFailure(ExitCodes.NotLoggedIn, "expired or was revoked");
        (await phone.RunAsync("devices", "list")).AssertFailure(ExitCodes.NotLoggedIn, "Not logged in");
    }

    [Fact]
    public async Task Changing_the_password_ends_other_sessions_keeps_this_one_and_can_revoke_other_devices()
    {
        using var laptop = new ClientDevice();
        await laptop.SignUpAsync(Server);
        await laptop.AddAsync("acme", "bot@acme.example", "acme-password-1");
        using var phone = new ClientDevice(laptop.Username);
        await phone.LoginAsync(Server);

        (await laptop.RunWithInputAsync($"not the password\n{NewPassword}\n", "account", "password", "--password-stdin"))
            .AssertFailure(ExitCodes.Denied, "username or password is wrong");
        (await laptop.RunWithInputAsync($"{ClientDevice.AccountPassword}\n{NewPassword}\n", "account", "password", "--password-stdin", "--revoke-other-devices"))
            .AssertSuccess();

        Assert.Equal("acme-password-1", (await laptop.RevealAsync("acme"))["password"]);
        (await phone.RunAsync("devices", "list")).AssertFailure(ExitCodes.Denied, "revoked");
        (await phone.RunWithInputAsync(NewPassword + "\n", "login", "--server", Server.Url, "--username", laptop.Username, "--password-stdin"))
            .AssertFailure(ExitCodes.Denied, "revoked");
        (await laptop.RunWithInputAsync(ClientDevice.AccountPassword + "\n", "login", "--server", Server.Url, "--username", laptop.Username, "--password-stdin"))
            .AssertFailure(ExitCodes.Denied, "username or password is wrong");
    }

    [Fact]
    public async Task With_approval_required_a_new_device_cannot_open_items_until_an_existing_device_approves_it()
    {
        using var laptop = new ClientDevice();
        await laptop.SignUpAsync(Server);
        await laptop.AddAsync("acme", "bot@acme.example", "acme-password-1");
        (await laptop.RunAsync("account", "require-approval", "on")).AssertSuccess();
        using var phone = new ClientDevice(laptop.Username);
        await phone.LoginAsync(Server);
        File.Copy(await laptop.ItemFileAsync("acme"), Path.Combine(phone.ItemsDirectory, Path.GetFileName(await laptop.ItemFileAsync("acme"))));
        File.Copy(Path.Combine(laptop.Home, "root.key"), Path.Combine(phone.Home, "root.key"), overwrite: true);
        File.Copy(Path.Combine(laptop.Home, "vault.json"), Path.Combine(phone.Home, "vault.json"), overwrite: true);
        var phoneId = (await phone.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("deviceId").GetGuid();

        (await phone.RunAsync("show", "acme")).AssertFailure(ExitCodes.Denied, "awaits approval", hint: "devices approve");
        Assert.Contains(phoneId + "\t", (await laptop.RunAsync("devices", "list")).AssertSuccess().Stdout.Split('\n').Single(l => l.Contains("pending approval", StringComparison.Ordinal)), StringComparison.Ordinal);
        (await laptop.RunAsync("devices", "approve", phoneId.ToString())).AssertSuccess();

        Assert.Equal("acme-password-1", (await phone.RevealAsync("acme"))["password"]);
    }

    [Fact]
    public async Task A_new_device_is_announced_once_to_the_other_devices_on_their_next_command()
    {
        using var laptop = new ClientDevice();
        await laptop.SignUpAsync(Server);
        await laptop.AddAsync("acme", "bot@acme.example", "acme-password-1");
        using var phone = new ClientDevice(laptop.Username);
        await phone.LoginAsync(Server);
        var phoneId = (await phone.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("deviceId").GetGuid();

        var first = (await laptop.RunAsync("show", "acme")).AssertSuccess();
        var second = (await laptop.RunAsync("show", "acme")).AssertSuccess();
        var onPhone = (await phone.RunAsync("devices", "list")).AssertSuccess();

        var warning = Assert.Single(first.StderrLines, l => l.StartsWith("symbolon: warning: a new device ", StringComparison.Ordinal));
        Assert.Contains($"({phoneId}) was enrolled at ", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(second.StderrLines, l => l.Contains("a new device", StringComparison.Ordinal));
        Assert.DoesNotContain(onPhone.StderrLines, l => l.Contains("a new device", StringComparison.Ordinal));
    }
}
