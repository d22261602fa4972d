using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Symbolon.Server.Tests;

public sealed class DeviceRevocationTests
{
    [Fact]
    public async Task A_revoked_device_is_told_so_on_its_session_and_its_refresh_not_just_unauthorised()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        var unit = await laptop.CreateUnitAsync();
        using var phone = app.NewClient();
        Assert.Equal(HttpStatusCode.OK, (await phone.LoginAsync(username: laptop.Username)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await phone.SendAsync(HttpMethod.Delete, $"/v1/devices/{laptop.DeviceId}")).StatusCode);

        // Revoking the device also revoked its sessions; the holder of its key must still learn that only a new key helps.
        await AssertDeviceRevokedAsync(await laptop.ReleaseAsync(unit.Id));
        await AssertDeviceRevokedAsync(await laptop.RefreshAsync());
        await AssertDeviceRevokedAsync(await laptop.LoginAsync());

        // Without a valid proof from that device's key the answer stays the plain 401: nothing is told to others.
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/release", new { version = 1 }, proof: "")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.ReleaseAsync(unit.Id)).StatusCode);
    }

    private static async Task AssertDeviceRevokedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://symbolon.dev/problems/device-revoked", problem.GetProperty("type").GetString());
    }
}
