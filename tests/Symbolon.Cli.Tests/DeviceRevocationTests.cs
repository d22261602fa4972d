using System.Text.Json;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>A device revoked from another device of the account is denied at once, and told how to recover.</summary>
public sealed class DeviceRevocationTests(SharedKeyServer shared)
{
    private KeyServer Server => shared.Server;

    [Fact]
    public async Task A_device_revoked_from_a_second_device_is_denied_and_told_to_enrol_a_new_key()
    {
        using var laptop = new ClientDevice();
        await laptop.SignUpAsync(Server);
        await laptop.AddAsync("acme", "bot@acme.example", "acme-password-1");
        var laptopId = (await laptop.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("deviceId").GetGuid();

        using var phone = new ClientDevice(laptop.Username);
        await phone.LoginAsync(Server);
        var devices = (await phone.RunAsync("devices", "list", "--json")).AssertSuccess().Json().EnumerateArray().ToList();
        Assert.Equal(2, devices.Count);
        var listed = devices.Single(d => !d.GetProperty("current").GetBoolean());
        Assert.Equal(laptopId, listed.GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);

        (await phone.RunAsync("devices", "revoke", laptopId.ToString())).AssertSuccess();

        (await laptop.RunAsync("show", "acme")).AssertFailure(ExitCodes.Denied, "revoked", hint: "--new-device");
        (await laptop.RunAsync("devices", "list")).AssertFailure(ExitCodes.Denied, "revoked", hint: "--new-device");
        (await laptop.RunWithInputAsync(ClientDevice.AccountPassword + "\n", "login", "--server", Server.Url, "--username", laptop.Username, "--password-stdin"))
            .AssertFailure(ExitCodes.Denied, "revoked", hint: "--new-device");
        var revoked = (await phone.RunAsync("devices", "list", "--json")).AssertSuccess().Json().EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == laptopId);
        Assert.NotEqual(JsonValueKind.Null, revoked.GetProperty("revokedAt").ValueKind);

        // The hint works: a fresh device key is a new device; the items (sealed with the root key) open again.
        await laptop.LoginAsync(Server, "--new-device");
        Assert.Equal("acme-password-1", (await laptop.RevealAsync("acme"))["password"]);
        Assert.NotEqual(laptopId, (await laptop.RunAsync("status", "--json")).AssertSuccess().Json().GetProperty("deviceId").GetGuid());
    }
}
