using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Symbolon.Crypto.Dpop;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

public sealed class DeviceTests
{
    [Fact]
    public async Task Login_enrols_the_device_under_its_RFC_7638_thumbprint()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var devices = await (await client.ListDevicesAsync()).AssertOkJsonAsync();

        var device = Assert.Single(devices.EnumerateArray());
        Assert.Equal(client.DeviceId, device.GetProperty("id").GetGuid());
        Assert.Equal(client.Device.PublicJwk.Thumbprint, device.GetProperty("thumbprint").GetString());
        Assert.Equal(Rfc7638Thumbprint(client.Device), device.GetProperty("thumbprint").GetString());
        Assert.Equal("test device", device.GetProperty("name").GetString());
        Assert.True(device.GetProperty("current").GetBoolean());
        Assert.Equal(JsonValueKind.Null, device.GetProperty("revokedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, device.GetProperty("lockedAt").ValueKind);
        Assert.Equal(app.Time.GetUtcNow(), device.GetProperty("createdAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_login_from_another_key_adds_a_second_device_and_logging_in_again_adds_none()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();

        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        await (await laptop.LoginAsync()).AssertOkJsonAsync();
        var fromLaptop = (await (await laptop.ListDevicesAsync()).AssertOkJsonAsync()).EnumerateArray().ToList();
        var fromPhone = (await (await phone.ListDevicesAsync()).AssertOkJsonAsync()).EnumerateArray().ToList();

        Assert.Equal(2, fromLaptop.Count);
        Assert.NotEqual(laptop.DeviceId, phone.DeviceId);
        Assert.Equal(laptop.UserId, phone.UserId);
        var laptopSeesPhone = fromLaptop.Single(d => d.GetProperty("id").GetGuid() == phone.DeviceId);
        Assert.Equal(phone.Device.PublicJwk.Thumbprint, laptopSeesPhone.GetProperty("thumbprint").GetString());
        Assert.False(laptopSeesPhone.GetProperty("current").GetBoolean());
        Assert.True(fromLaptop.Single(d => d.GetProperty("id").GetGuid() == laptop.DeviceId).GetProperty("current").GetBoolean());
        Assert.True(fromPhone.Single(d => d.GetProperty("id").GetGuid() == phone.DeviceId).GetProperty("current").GetBoolean());
        Assert.False(fromPhone.Single(d => d.GetProperty("id").GetGuid() == laptop.DeviceId).GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task Revoking_a_device_ends_its_sessions_at_once_and_it_can_never_log_in_again()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await phone.ListDevicesAsync()).StatusCode);
        var phoneRefreshToken = phone.RefreshToken;

        var revoke = await laptop.SendAsync(HttpMethod.Delete, $"/v1/devices/{phone.DeviceId}");
        var phoneSession = await phone.ListDevicesAsync();
        var phoneRefresh = await phone.RefreshAsync(phoneRefreshToken);
        var phoneLogin = await phone.LoginAsync(username: laptop.Username);
        var list = await (await laptop.ListDevicesAsync()).AssertOkJsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        // The revoked device is told so (not merely "unauthorised"): only a new device key can help it.
        await phoneSession.AssertProblemAsync(HttpStatusCode.Forbidden, "device-revoked");
        await phoneRefresh.AssertProblemAsync(HttpStatusCode.Forbidden, "device-revoked");
        await phoneLogin.AssertProblemAsync(HttpStatusCode.Forbidden, "device-revoked");
        var revoked = list.EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == phone.DeviceId);
        Assert.Equal(app.Time.GetUtcNow(), revoked.GetProperty("revokedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, list.EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == laptop.DeviceId).GetProperty("revokedAt").ValueKind);
        Assert.Equal(1, app.WithDatabase(db => db.Sessions.Count(s => s.DeviceId == phone.DeviceId)));
        Assert.Contains(AuditEvents.DeviceRevoked, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
    }

    [Fact]
    public async Task Revoking_the_same_device_twice_answers_204_and_keeps_the_first_revocation_time()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        var firstTime = app.Time.GetUtcNow();

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.SendAsync(HttpMethod.Delete, $"/v1/devices/{phone.DeviceId}")).StatusCode);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.NoContent, (await laptop.SendAsync(HttpMethod.Delete, $"/v1/devices/{phone.DeviceId}")).StatusCode);

        var list = await (await laptop.ListDevicesAsync()).AssertOkJsonAsync();
        Assert.Equal(firstTime, list.EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == phone.DeviceId).GetProperty("revokedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Another_users_device_or_an_unknown_id_answers_404_and_stays_enrolled()
    {
        using var app = new SymbolonApp();
        using var mallory = await app.NewClient().SignUpAsync();
        using var victim = await app.NewClient().SignUpAsync();

        var othersDevice = await mallory.SendAsync(HttpMethod.Delete, $"/v1/devices/{victim.DeviceId}");
        var unknown = await mallory.SendAsync(HttpMethod.Delete, $"/v1/devices/{Guid.NewGuid()}");

        await othersDevice.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var victimDevices = await (await victim.ListDevicesAsync()).AssertOkJsonAsync();
        Assert.Equal(JsonValueKind.Null, Assert.Single(victimDevices.EnumerateArray()).GetProperty("revokedAt").ValueKind);
        Assert.DoesNotContain(
            (await (await mallory.ListDevicesAsync()).AssertOkJsonAsync()).EnumerateArray(),
            d => d.GetProperty("id").GetGuid() == victim.DeviceId);
    }

    [Fact]
    public async Task Enrolling_a_JWK_with_a_private_part_answers_400_and_enrols_nothing()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
        var x = Base64Url.EncodeToString(parameters.Q.X);
        var y = Base64Url.EncodeToString(parameters.Q.Y);

        var withPrivate = await client.SendAsync(HttpMethod.Post, "/v1/devices", new
        {
            name = "sync host",
            jwk = new { kty = "EC", crv = "P-256", x, y, d = Base64Url.EncodeToString(parameters.D) },
        });
        var devicesAfter = await (await client.ListDevicesAsync()).AssertOkJsonAsync();
        var publicOnly = await client.SendAsync(HttpMethod.Post, "/v1/devices", new { name = "sync host", jwk = new { kty = "EC", crv = "P-256", x, y } });

        var problem = await withPrivate.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains("`jwk`", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(devicesAfter.EnumerateArray());
        var enrolled = await publicOnly.AssertOkJsonAsync(HttpStatusCode.Created);
        Assert.False(enrolled.GetProperty("current").GetBoolean());
        Assert.Equal(2, (await (await client.ListDevicesAsync()).AssertOkJsonAsync()).GetArrayLength());
    }

    public static TheoryData<string> BadJwks() =>
    [
        """{"kty":"EC","crv":"P-384","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""",
        """{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""",
        """{"kty":"RSA","n":"AQAB","e":"AQAB"}""",
        "\"not an object\""
    ];

    [Theory]
    [MemberData(nameof(BadJwks))]
    public async Task Enrolling_a_key_that_is_not_a_public_P256_point_answers_400(string jwkJson)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var response = await client.SendAsync(HttpMethod.Post, "/v1/devices", new { name = "bad", jwk = JsonSerializer.Deserialize<JsonElement>(jwkJson) });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(1, app.WithDatabase(db => db.Devices.Count()));
    }

    [Fact]
    public async Task A_key_enrolled_from_a_session_can_then_log_in_as_that_device()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var syncHost = app.NewClient();
        var jwk = JsonSerializer.Deserialize<JsonElement>(syncHost.Device.PublicJwk.ToJwkJson());

        var enrolled = await (await laptop.SendAsync(HttpMethod.Post, "/v1/devices", new { name = "sync host", jwk })).AssertOkJsonAsync(HttpStatusCode.Created);
        var again = await laptop.SendAsync(HttpMethod.Post, "/v1/devices", new { name = "sync host", jwk });
        var login = await (await syncHost.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();

        Assert.Equal(syncHost.Device.PublicJwk.Thumbprint, enrolled.GetProperty("thumbprint").GetString());
        await again.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(enrolled.GetProperty("id").GetGuid(), login.GetProperty("deviceId").GetGuid());
    }

    [Fact]
    public async Task Device_endpoints_need_a_session()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var deviceId = client.DeviceId;
        client.AccessToken = null;

        await (await client.ListDevicesAsync()).AssertUnauthorizedAsync();
        await (await client.SendAsync(HttpMethod.Delete, $"/v1/devices/{deviceId}")).AssertUnauthorizedAsync();
        Assert.Null(app.WithDatabase(db => db.Devices.Single().RevokedAt));
    }

    /// <summary>RFC 7638 §3.2 computed here independently: SHA-256 over the required members in lexicographic order.</summary>
    private static string Rfc7638Thumbprint(DeviceKey key)
    {
        var x = Base64Url.EncodeToString(key.PublicJwk.X.Span);
        var y = Base64Url.EncodeToString(key.PublicJwk.Y.Span);
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));
    }
}
