using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto;

namespace Symbolon.Server.Tests;

public sealed class UnitTests
{
    [Fact]
    public async Task Create_returns_a_share_once_and_release_returns_the_same_share_with_a_signed_receipt()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var unit = await client.CreateUnitAsync();
        var response = await client.ReleaseAsync(unit.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(32, unit.Share.Length);
        Assert.Equal(unit.Share, json.GetProperty("share").GetBytesFromBase64());
        Assert.Equal(1, json.GetProperty("version").GetInt32());
        var receipt = json.GetProperty("receipt");
        var signed = new ReleaseReceipt(
            receipt.GetProperty("sequence").GetInt64(),
            receipt.GetProperty("chainHash").GetBytesFromBase64(),
            receipt.GetProperty("unitId").GetGuid(),
            receipt.GetProperty("deviceId").GetGuid(),
            receipt.GetProperty("time").GetDateTimeOffset());
        using var auditKey = await AuditKeyAsync(client);
        Assert.Equal(unit.Id, signed.UnitId);
        Assert.Equal(client.DeviceId, signed.DeviceId);
        Assert.True(signed.Verify(auditKey, receipt.GetProperty("signature").GetBytesFromBase64()));
        Assert.False((signed with { Sequence = signed.Sequence + 1 }).Verify(auditKey, receipt.GetProperty("signature").GetBytesFromBase64()));
    }

    [Fact]
    public async Task Another_users_unit_answers_404_not_403()
    {
        using var app = new SymbolonApp();
        using var owner = await app.NewClient().SignUpAsync();
        using var other = await app.NewClient().SignUpAsync();
        var unit = await owner.CreateUnitAsync();

        var release = await other.ReleaseAsync(unit.Id);
        var rotate = await other.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate");
        var delete = await other.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}");

        Assert.Equal(HttpStatusCode.NotFound, release.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, rotate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.ReleaseAsync(unit.Id)).StatusCode);
    }

    [Fact]
    public async Task A_shredded_unit_answers_404_forever_and_its_share_bytes_are_gone()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();

        var delete = await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}");
        app.Time.Advance(TimeSpan.FromDays(30));
        await client.RefreshAfterLongPauseAsync();

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.ReleaseAsync(unit.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.ReleaseAsync(unit.Id, 1)).StatusCode);
        Assert.True(app.WithDatabase(db => db.UnitVersions.Where(v => v.UnitId == unit.Id).AsEnumerable().All(v => v.SealedShare.Length == 0)));
    }

    [Fact]
    public async Task A_share_the_client_supplies_is_stored_and_released_like_one_the_server_drew()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var first = RandomNumberGenerator.GetBytes(32);
        var second = RandomNumberGenerator.GetBytes(32);

        var created = await (await client.SendAsync(HttpMethod.Post, "/v1/units", new { share = first })).AssertOkJsonAsync(HttpStatusCode.Created);
        var unitId = created.GetProperty("unitId").GetGuid();
        var released = await (await client.ReleaseAsync(unitId)).AssertOkJsonAsync();
        var rotated = await (await client.SendAsync(HttpMethod.Post, $"/v1/units/{unitId}/rotate", new { share = second })).AssertOkJsonAsync();
        var releasedAfterRotation = await (await client.ReleaseAsync(unitId, 2)).AssertOkJsonAsync();

        Assert.Equal(first, released.GetProperty("share").GetBytesFromBase64());
        Assert.Equal(2, rotated.GetProperty("version").GetInt32());
        Assert.Equal(second, releasedAfterRotation.GetProperty("share").GetBytesFromBase64());
        Assert.NotEqual(first, app.WithDatabase(db => db.UnitVersions.Single(v => v.UnitId == unitId && v.Version == 1).SealedShare.AsSpan(12, 32).ToArray()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(34)]
    public async Task A_supplied_share_of_the_wrong_length_is_refused_and_changes_nothing(int length)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var records = app.WithDatabase(db => db.AuditRecords.Count());

        var create = await client.SendAsync(HttpMethod.Post, "/v1/units", new { share = new byte[length] });
        var rotate = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate", new { share = new byte[length] });

        await create.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await rotate.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(1, app.WithDatabase(db => db.Units.Count()));
        Assert.Equal(1, app.WithDatabase(db => db.UnitVersions.Count()));
        Assert.Equal(records, app.WithDatabase(db => db.AuditRecords.Count()));
    }

    [Fact]
    public async Task Rotation_keeps_the_old_version_until_confirmed_then_retires_it()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();

        var rotate = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate");
        var rotated = await rotate.Content.ReadFromJsonAsync<JsonElement>();
        var newShare = rotated.GetProperty("share").GetBytesFromBase64();
        var oldBeforeConfirm = await client.ReleaseAsync(unit.Id, 1);
        var confirm = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/confirm", new { version = 2 });
        var oldAfterConfirm = await client.ReleaseAsync(unit.Id, 1);
        var current = await client.ReleaseAsync(unit.Id);

        Assert.Equal(2, rotated.GetProperty("version").GetInt32());
        Assert.NotEqual(unit.Share, newShare);
        Assert.Equal(HttpStatusCode.OK, oldBeforeConfirm.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, oldAfterConfirm.StatusCode);
        var currentJson = await current.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, currentJson.GetProperty("version").GetInt32());
        Assert.Equal(newShare, currentJson.GetProperty("share").GetBytesFromBase64());
    }

    [Fact]
    public async Task Listing_shows_metadata_and_never_share_bytes()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();

        var body = await (await client.SendAsync(HttpMethod.Get, "/v1/units")).Content.ReadAsStringAsync();

        Assert.Contains(unit.Id.ToString(), body, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(unit.Share), body, StringComparison.Ordinal);
        Assert.DoesNotContain("share", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_tampered_stored_share_is_refused_and_a_row_moved_to_another_unit_does_not_open()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var first = await client.CreateUnitAsync();
        var second = await client.CreateUnitAsync();

        app.WithDatabase(db =>
        {
            var original = db.UnitVersions.AsNoTracking().Single(v => v.UnitId == first.Id).SealedShare;
            var flipped = (byte[])original.Clone();
            flipped[^1] ^= 1;
            db.UnitVersions.Single(v => v.UnitId == first.Id).SealedShare = flipped;
            db.UnitVersions.Single(v => v.UnitId == second.Id).SealedShare = original;
            return db.SaveChanges();
        });
        var tampered = await client.ReleaseAsync(first.Id);
        var movedResponse = await client.ReleaseAsync(second.Id);

        Assert.Equal(HttpStatusCode.InternalServerError, tampered.StatusCode);
        Assert.Contains("share-damaged", await tampered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, movedResponse.StatusCode);
    }

    internal static async Task<ECDsa> AuditKeyAsync(TestClient client)
    {
        var key = await client.Http.GetFromJsonAsync<JsonElement>("/v1/audit/key");
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = System.Buffers.Text.Base64Url.DecodeFromChars(key.GetProperty("x").GetString()),
                Y = System.Buffers.Text.Base64Url.DecodeFromChars(key.GetProperty("y").GetString()),
            },
        });
    }
}
