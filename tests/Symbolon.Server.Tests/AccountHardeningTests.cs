using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Audit;
using Symbolon.Server.Operations;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests;

/// <summary>Issue 14, findings 2 and 3: shutting a leaked password out, and destroying data only after a recent login.</summary>
public sealed class AccountHardeningTests
{
    /// <summary>Past the recent-login window, with a session kept alive by refreshes (as a client left logged in does).</summary>
    private static async Task OutliveRecentLoginAsync(SymbolonApp app, TestClient client)
    {
        app.Time.Advance(TimeSpan.FromMinutes(4));
        await (await client.RefreshAsync()).AssertOkJsonAsync();
        app.Time.Advance(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task Shredding_needs_a_recent_login_and_a_fresh_login_on_the_same_device_gives_one()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        await OutliveRecentLoginAsync(app, client);

        var refused = await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}");
        var stillThere = await client.ReleaseAsync(unit.Id);
        await (await client.LoginAsync()).AssertOkJsonAsync();
        var shredded = await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}");

        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, shredded.StatusCode);
    }

    [Fact]
    public async Task Revoking_a_device_and_confirming_a_rotation_that_retires_a_share_need_a_recent_login()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        var unit = await laptop.CreateUnitAsync();
        await (await laptop.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate")).AssertOkJsonAsync();
        await OutliveRecentLoginAsync(app, laptop);

        var revoke = await laptop.SendAsync(HttpMethod.Delete, $"/v1/devices/{phone.DeviceId}");
        var confirm = await laptop.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/confirm", new { version = 2 });

        await revoke.AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        await confirm.AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        Assert.Null(app.WithDatabase(db => db.Devices.Single(d => d.Id == phone.DeviceId).RevokedAt));
        Assert.Equal(2, app.WithDatabase(db => db.UnitVersions.Count(v => v.UnitId == unit.Id && v.State == UnitVersionState.Active)));
    }

    [Fact]
    public async Task Retiring_blinded_keys_needs_a_recent_login()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync();
        await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/rotate")).AssertOkJsonAsync();
        await OutliveRecentLoginAsync(app, client);

        var refused = await client.SendAsync(HttpMethod.Post, "/v1/oprf/confirm", new { epoch = 2 });
        await (await client.LoginAsync()).AssertOkJsonAsync();
        var confirmed = await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/confirm", new { epoch = 2 })).AssertOkJsonAsync();

        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication-required");
        Assert.Equal([1], confirmed.GetProperty("retired").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Destructive_requests_go_through_a_rate_limit()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DestructiveBurst"] = "2" });
        using var client = await app.NewClient().SignUpAsync();
        var units = new[] { await client.CreateUnitAsync(), await client.CreateUnitAsync(), await client.CreateUnitAsync() };

        var answers = new List<HttpResponseMessage>();
        foreach (var unit in units)
        {
            answers.Add(await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}"));
        }

        Assert.Equal(HttpStatusCode.NoContent, answers[0].StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, answers[1].StatusCode);
        await answers[2].AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.NotNull(answers[2].Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(units[2].Id)).StatusCode);
    }

    [Fact]
    public async Task A_shredded_unit_answers_404_but_its_owner_can_restore_it_within_the_grace_period_and_again_without_a_change()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        using var stranger = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}")).StatusCode);
        var whileShredded = await client.ReleaseAsync(unit.Id);
        var strangerRestore = await stranger.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/restore");
        app.Time.Advance(TimeSpan.FromDays(6));
        await client.RefreshAfterLongPauseAsync();
        var restore = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/restore");
        var again = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/restore");
        var released = await (await client.ReleaseAsync(unit.Id)).AssertOkJsonAsync();

        await whileShredded.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await strangerRestore.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.NoContent, restore.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(unit.Share, released.GetProperty("share").GetBytesFromBase64());
        Assert.Single(app.WithDatabase(db => db.AuditRecords.Where(r => r.Event == AuditEvents.UnitRestored).ToList()));
    }

    [Fact]
    public async Task After_the_grace_period_the_sweeper_destroys_the_share_and_it_cannot_be_restored()
    {
        using var app = WithoutBackgroundSweeper();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}")).StatusCode);

        app.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        var destroyed = await DestroyDueAsync(app);
        await client.RefreshAfterLongPauseAsync();
        var restore = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/restore");

        Assert.Equal(1, destroyed);
        await restore.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(0, app.WithDatabase(db => db.UnitVersions.Count(v => v.UnitId == unit.Id)));
        Assert.Contains(AuditEvents.UnitDestroyed, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
    }

    [Fact]
    public void The_sweeper_finds_the_due_units_through_their_index_not_by_scanning_every_unit()
    {
        using var app = new SymbolonApp();

        var plan = app.WithDatabase(db =>
        {
            // SQLite's text of the sweeper's query: ".param set @now …", a blank line, then the SELECT.
            var text = ShreddedShares.Due(db, app.Time.GetUtcNow()).Select(u => u.Id).ToQueryString();
            var select = text[text.IndexOf("SELECT", StringComparison.Ordinal)..];
            var connection = db.Database.GetDbConnection();
            connection.Open();
            using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + select;
            foreach (var name in System.Text.RegularExpressions.Regex.Matches(select, @"@\w+").Select(m => m.Value).Distinct())
            {
                var parameter = explain.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = 0L;
                explain.Parameters.Add(parameter);
            }

            using var reader = explain.ExecuteReader();
            var details = new List<string>();
            while (reader.Read())
            {
                details.Add(reader.GetString(3));
            }

            return string.Join("; ", details);
        });

        Assert.Contains("USING INDEX IX_Units_DestroyAt", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shredding_now_destroys_at_once_with_no_grace_period()
    {
        using var app = WithoutBackgroundSweeper();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        var pending = await client.CreateUnitAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{pending.Id}")).StatusCode);

        var now = await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}?now=true");
        var pendingNow = await client.SendAsync(HttpMethod.Delete, $"/v1/units/{pending.Id}?now=true");
        var restore = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/restore");
        var restorePending = await client.SendAsync(HttpMethod.Post, $"/v1/units/{pending.Id}/restore");

        Assert.Equal(HttpStatusCode.NoContent, now.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, pendingNow.StatusCode);
        await restore.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await restorePending.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.All(app.WithDatabase(db => db.UnitVersions.Where(v => v.UnitId == unit.Id || v.UnitId == pending.Id).ToList()), v => Assert.Empty(v.SealedShare));
        Assert.Equal(2, await DestroyDueAsync(app));
    }

    [Fact]
    public async Task Once_destroyed_the_sealed_share_bytes_are_nowhere_in_the_SQLite_files()
    {
        using var app = WithoutBackgroundSweeper();
        using var client = await app.NewClient().SignUpAsync();
        var kept = await client.CreateUnitAsync();
        var unit = await client.CreateUnitAsync();
        var sealedShare = app.WithDatabase(db => db.UnitVersions.Single(v => v.UnitId == unit.Id).SealedShare);
        var keptShare = app.WithDatabase(db => db.UnitVersions.Single(v => v.UnitId == kept.Id).SealedShare);
        Assert.True(ContainsInDatabaseFiles(app, sealedShare));

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}")).StatusCode);
        app.Time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, await DestroyDueAsync(app));

        Assert.False(ContainsInDatabaseFiles(app, sealedShare));
        Assert.True(ContainsInDatabaseFiles(app, keptShare));
    }

    [Fact]
    public async Task Changing_the_password_ends_every_session_and_gives_the_caller_a_fresh_one()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        var oldToken = laptop.AccessToken;
        const string newPassword = "a much better passphrase";

        var changed = await (await laptop.SendAsync(HttpMethod.Post, "/v1/account/password",
            new { currentPassword = TestClient.Password, newPassword })).AssertOkJsonAsync();
        var phoneAfter = await phone.ListDevicesAsync();
        Assert.Equal(oldToken, laptop.AccessToken);
        var oldLaptopToken = await laptop.ListDevicesAsync();
        laptop.AccessToken = changed.GetProperty("accessToken").GetString();
        var laptopAfter = await laptop.ListDevicesAsync();
        var oldPassword = await phone.LoginAsync(username: laptop.Username);
        var phoneLogin = await phone.LoginAsync(password: newPassword, username: laptop.Username);

        await phoneAfter.AssertUnauthorizedAsync();
        await oldLaptopToken.AssertUnauthorizedAsync();
        Assert.Equal(HttpStatusCode.OK, laptopAfter.StatusCode);
        await oldPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(HttpStatusCode.OK, phoneLogin.StatusCode);
        Assert.Contains(AuditEvents.PasswordChanged, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
        Assert.DoesNotContain(app.Logs, line => line.Contains(newPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changing_the_password_can_revoke_every_other_device()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        const string newPassword = "a much better passphrase";

        await (await laptop.SendAsync(HttpMethod.Post, "/v1/account/password",
            new { currentPassword = TestClient.Password, newPassword, revokeOtherDevices = true })).AssertOkJsonAsync();
        var phoneLogin = await phone.LoginAsync(password: newPassword, username: laptop.Username);

        await phoneLogin.AssertProblemAsync(HttpStatusCode.Forbidden, "device-revoked");
        Assert.Null(app.WithDatabase(db => db.Devices.Single(d => d.Id == laptop.DeviceId).RevokedAt));
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing_and_is_audited()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        var refused = await client.SendAsync(HttpMethod.Post, "/v1/account/password",
            new { currentPassword = "not the password at all", newPassword = "a much better passphrase" });
        var still = await client.ListDevicesAsync();
        var login = await client.LoginAsync();

        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains(AuditEvents.PasswordChangeFailed, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
    }

    [Fact]
    public async Task Logging_out_everywhere_ends_every_session_of_the_account()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();
        using var stranger = await app.NewClient().SignUpAsync();

        var logout = await phone.SendAsync(HttpMethod.Delete, "/v1/sessions");

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await (await laptop.ListDevicesAsync()).AssertUnauthorizedAsync();
        await (await phone.ListDevicesAsync()).AssertUnauthorizedAsync();
        await (await laptop.RefreshAsync()).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-refresh-token");
        Assert.Equal(HttpStatusCode.OK, (await stranger.ListDevicesAsync()).StatusCode);
        Assert.Contains(AuditEvents.SessionsRevokedAll, app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList()));
    }

    [Fact]
    public async Task With_device_approval_on_a_new_device_cannot_release_until_an_existing_one_approves_it()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        var unit = await laptop.CreateUnitAsync();
        var settings = await (await laptop.SendAsync(HttpMethod.Put, "/v1/account/settings", new { requireDeviceApproval = true })).AssertOkJsonAsync();
        using var thief = app.NewClient();
        await (await thief.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();

        var pendingRelease = await thief.ReleaseAsync(unit.Id);
        var pendingRevoke = await thief.SendAsync(HttpMethod.Delete, $"/v1/devices/{laptop.DeviceId}");
        var pendingPassword = await thief.SendAsync(HttpMethod.Post, "/v1/account/password",
            new { currentPassword = TestClient.Password, newPassword = "a much better passphrase", revokeOtherDevices = true });
        var pendingApproveSelf = await thief.SendAsync(HttpMethod.Post, $"/v1/devices/{thief.DeviceId}/approve");
        var pendingSettings = await thief.SendAsync(HttpMethod.Put, "/v1/account/settings", new { requireDeviceApproval = false });
        var listed = await (await laptop.ListDevicesAsync()).AssertOkJsonAsync();
        var approve = await (await laptop.SendAsync(HttpMethod.Post, $"/v1/devices/{thief.DeviceId}/approve")).AssertOkJsonAsync();
        var approvedRelease = await thief.ReleaseAsync(unit.Id);

        Assert.True(settings.GetProperty("requireDeviceApproval").GetBoolean());
        await pendingRelease.AssertProblemAsync(HttpStatusCode.Forbidden, "device-pending-approval");
        await pendingRevoke.AssertProblemAsync(HttpStatusCode.Forbidden, "device-pending-approval");
        await pendingPassword.AssertProblemAsync(HttpStatusCode.Forbidden, "device-pending-approval");
        await pendingApproveSelf.AssertProblemAsync(HttpStatusCode.Forbidden, "device-pending-approval");
        await pendingSettings.AssertProblemAsync(HttpStatusCode.Forbidden, "device-pending-approval");
        Assert.True(listed.EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == thief.DeviceId).GetProperty("pendingApproval").GetBoolean());
        Assert.False(listed.EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == laptop.DeviceId).GetProperty("pendingApproval").GetBoolean());
        Assert.False(approve.GetProperty("pendingApproval").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, approvedRelease.StatusCode);
        var events = app.WithDatabase(db => db.AuditRecords.Select(r => r.Event).ToList());
        Assert.Contains(AuditEvents.DeviceApproved, events);
        Assert.Contains(AuditEvents.AccountSettingsChanged, events);
    }

    [Fact]
    public async Task A_login_whose_password_was_changed_while_it_was_being_checked_is_refused()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        using var thief = app.NewClient();
        var changed = 0;
        // While the thief's old password is being hashed, the owner's password change commits.
        using var hashes = new AppMeasurements(app, "symbolon.password.hashes", () =>
        {
            if (Interlocked.Exchange(ref changed, 1) == 0)
            {
                app.WithDatabase(db =>
                {
                    var user = db.Users.Single(u => u.Username == laptop.Username);
                    user.PasswordHash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(user.PasswordHash!.Length);
                    return db.SaveChanges();
                });
            }
        });

        var login = await thief.LoginAsync(username: laptop.Username);

        Assert.Equal(1, changed);
        await login.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal([laptop.DeviceId], app.WithDatabase(db => db.Devices.Select(d => d.Id).ToList()));
    }

    [Fact]
    public async Task A_device_awaiting_approval_can_neither_destroy_nor_rotate_nor_read_the_accounts_units_and_audit()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        var unit = await laptop.CreateUnitAsync();
        await (await laptop.SendAsync(HttpMethod.Put, "/v1/account/settings", new { requireDeviceApproval = true })).AssertOkJsonAsync();
        using var thief = app.NewClient();
        await (await thief.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();

        // The thief's login is as recent as it gets, so only the device's approval stands between it and the shares.
        var refused = new[]
        {
            await thief.SendAsync(HttpMethod.Delete, $"/v1/units/{unit.Id}?now=true"),
            await thief.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate"),
            await thief.SendAsync(HttpMethod.Post, "/v1/oprf/rotate"),
            await thief.SendAsync(HttpMethod.Get, "/v1/units"),
            await thief.SendAsync(HttpMethod.Get, "/v1/audit"),
        };
        var devices = await thief.ListDevicesAsync();

        foreach (var response in refused)
        {
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "device-pending-approval");
        }

        Assert.Equal(HttpStatusCode.OK, devices.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.ReleaseAsync(unit.Id)).StatusCode);
        Assert.Equal(1, app.WithDatabase(db => db.UnitVersions.Count(v => v.UnitId == unit.Id)));
    }

    [Fact]
    public async Task Without_device_approval_a_new_device_releases_at_once()
    {
        using var app = new SymbolonApp();
        using var laptop = await app.NewClient().SignUpAsync();
        var unit = await laptop.CreateUnitAsync();
        using var phone = app.NewClient();
        await (await phone.LoginAsync(username: laptop.Username)).AssertOkJsonAsync();

        Assert.Equal(HttpStatusCode.OK, (await phone.ReleaseAsync(unit.Id)).StatusCode);
        var settings = await (await phone.SendAsync(HttpMethod.Get, "/v1/account/settings")).AssertOkJsonAsync();
        Assert.False(settings.GetProperty("requireDeviceApproval").GetBoolean());
    }

    /// <summary>A server whose maintenance sweeper runs only when the test calls it (moving the clock would also start it).</summary>
    private static SymbolonApp WithoutBackgroundSweeper() => new()
    {
        ExtraServices = services => services.Remove(services.Single(d => d.ImplementationType == typeof(ExpiredProofSweeper))),
    };

    private static async Task<int> DestroyDueAsync(SymbolonApp app)
    {
        using var scope = app.Services.CreateScope();
        return await ShreddedShares.DestroyDueAsync(scope.ServiceProvider, app.Time.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>Whether the bytes appear in the database file or its write-ahead log, read as they are on disk now.</summary>
    private static bool ContainsInDatabaseFiles(SymbolonApp app, byte[] needle)
    {
        foreach (var path in new[] { "symbolon.db", "symbolon.db-wal" }.Select(name => Path.Combine(app.DataDirectory, name)).Where(File.Exists))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            if (memory.GetBuffer().AsSpan(0, (int)memory.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
