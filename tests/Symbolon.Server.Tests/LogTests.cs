using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Symbolon.Server.Tests;

/// <summary>Secrets never reach the logs: every log line of a full session is scanned for each one.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task No_password_token_share_or_key_appears_in_any_log_line()
    {
        using var app = new SymbolonApp();
        using var client = app.NewClient();
        await client.CreateAccountAsync("log-scan-user");
        await client.LoginAsync(password: "a wrong password attempt");
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync()).StatusCode);
        var firstRefresh = client.RefreshToken!;
        var firstAccess = client.AccessToken!;
        var unit = await client.CreateUnitAsync();
        var released = await (await client.ReleaseAsync(unit.Id)).Content.ReadFromJsonAsync<JsonElement>();
        var rotated = await (await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit.Id}/rotate")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        await client.RefreshAsync(firstRefresh);
        await client.SendAsync(HttpMethod.Delete, "/v1/sessions/current");

        var secrets = new List<string>
        {
            TestClient.Password,
            "a wrong password attempt",
            firstAccess,
            firstRefresh,
            client.AccessToken!,
            File.ReadAllText(Path.Combine(app.DataDirectory, "operator.token")).Trim(),
        };
        foreach (var bytes in new[]
        {
            unit.Share,
            released.GetProperty("share").GetBytesFromBase64(),
            rotated.GetProperty("share").GetBytesFromBase64(),
            File.ReadAllBytes(Path.Combine(app.DataDirectory, "kek.key")),
        })
        {
            secrets.Add(Convert.ToBase64String(bytes));
            secrets.Add(Base64Url.EncodeToString(bytes));
            secrets.Add(Convert.ToHexString(bytes));
        }

        var logs = string.Join('\n', app.Logs);

        Assert.NotEmpty(app.Logs);
        Assert.Contains("/v1/units", logs, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, logs, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("sya_", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("syr_", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("syo_", logs, StringComparison.Ordinal);
    }
}
