using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Symbolon.Server.Audit;

namespace Symbolon.Server.Tests;

/// <summary>
/// The use channel (a WebSocket at /v1/channel): each message is a release or evaluation request in an envelope, answered
/// through the same pipeline as the request itself — authentication, DPoP replay, limits, audit, problems.
/// </summary>
public sealed class UseChannelTests
{
    private const string OtherOrigin = "https://evil.example.net";
    private const string AllowedOrigin = "https://app.example.com";

    [Fact]
    public async Task A_release_over_the_channel_answers_what_the_request_answers_and_is_audited()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        using var channel = await ConnectAsync(app);

        var answer = await channel.AskAsync(Release(client, 1, unit.Id));

        Assert.Equal(1, answer["id"]!.GetValue<long>());
        Assert.Equal(200, answer["status"]!.GetValue<int>());
        var body = answer["body"]!;
        Assert.Equal(unit.Share, Convert.FromBase64String(body["share"]!.GetValue<string>()));
        Assert.Equal(unit.Id, body["receipt"]!["unitId"]!.GetValue<Guid>());
        var events = (await AuditTests.EventsAsync(client)).Where(e => e.Event == AuditEvents.UnitReleased).ToList();
        Assert.Single(events);
    }

    [Fact]
    public async Task A_replayed_message_is_refused_as_a_replayed_request_is()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        using var channel = await ConnectAsync(app);
        var message = Release(client, 1, unit.Id);

        var first = await channel.AskAsync(message);
        message["id"] = 2;
        var replay = await channel.AskAsync(message);

        Assert.Equal(200, first["status"]!.GetValue<int>());
        Assert.Equal(401, replay["status"]!.GetValue<int>());
        Assert.Null(replay["body"]!["share"]);
    }

    [Fact]
    public async Task Without_a_token_or_proof_nothing_is_released()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        using var channel = await ConnectAsync(app);
        var noToken = Release(client, 1, unit.Id);
        noToken.Remove("authorization");
        var noProof = Release(client, 2, unit.Id);
        noProof.Remove("dpop");

        var answers = new[] { await channel.AskAsync(noToken), await channel.AskAsync(noProof) };

        Assert.All(answers, answer => Assert.Equal(401, answer["status"]!.GetValue<int>()));
        Assert.DoesNotContain(AuditEvents.UnitReleased, (await AuditTests.EventsAsync(client)).Select(e => e.Event));
    }

    [Fact]
    public async Task A_rate_limited_release_carries_Retry_After()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DeviceBurst"] = "1", ["Symbolon:Limits:DeviceRefillPerMinute"] = "1" });
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        using var channel = await ConnectAsync(app);

        var allowed = await channel.AskAsync(Release(client, 1, unit.Id));
        var refused = await channel.AskAsync(Release(client, 2, unit.Id));

        Assert.Equal(200, allowed["status"]!.GetValue<int>());
        Assert.Equal(429, refused["status"]!.GetValue<int>());
        Assert.EndsWith("rate-limited", refused["body"]!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(refused["retryAfter"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Theory]
    [InlineData("GET", "/v1/units/{0}/release")]
    [InlineData("POST", "/v1/units")]
    [InlineData("POST", "/v1/units/{0}/rotate")]
    [InlineData("DELETE", "/v1/units/{0}")]
    [InlineData("POST", "/v1/sessions/current")]
    public async Task Only_releases_and_evaluations_are_carried(string method, string template)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        using var channel = await ConnectAsync(app);
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, unit.Id);
        var message = Envelope(client, 1, new HttpMethod(method), path, body: null);

        var answer = await channel.AskAsync(message);

        Assert.Equal(400, answer["status"]!.GetValue<int>());
        Assert.EndsWith("invalid-request", answer["body"]!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        var released = await (await client.ReleaseAsync(unit.Id)).AssertOkJsonAsync();
        Assert.Equal(1, released.GetProperty("version").GetInt32());
        Assert.Equal(2, (await AuditTests.EventsAsync(client)).Count(e => e.Event is AuditEvents.UnitCreated or AuditEvents.UnitReleased));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"method\":\"POST\",\"path\":\"/v1/noop\"}")]
    [InlineData("{\"id\":0,\"method\":\"POST\",\"path\":\"/v1/noop\"}")]
    [InlineData("[1,2]")]
    public async Task A_message_that_is_not_an_envelope_closes_the_channel(string message)
    {
        using var app = new SymbolonApp();
        using var channel = await ConnectAsync(app);

        await channel.SendAsync(message);
        var closed = await channel.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, closed);
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_the_channel()
    {
        using var app = new SymbolonApp();
        using var channel = await ConnectAsync(app);

        await channel.SendAsync("{\"id\":1,\"pad\":\"" + new string('x', Hosting.UseChannel.MaxMessageBytes) + "\"}");
        var closed = await channel.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, closed);
    }

    [Fact]
    public async Task Another_origin_is_refused_unless_listed_and_the_servers_own_is_accepted()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Cors:AllowedOrigins:0"] = AllowedOrigin });

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(app, OtherOrigin));
        using var listed = await ConnectAsync(app, AllowedOrigin);
        using var own = await ConnectAsync(app, "http://localhost");

        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, listed.State);
        Assert.Equal(WebSocketState.Open, own.State);
    }

    [Fact]
    public async Task A_plain_request_to_the_channel_is_told_to_upgrade()
    {
        using var app = new SymbolonApp();
        using var http = app.CreateClient();

        var response = await http.GetAsync(new Uri("/v1/channel", UriKind.Relative), TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
    }

    private static JsonObject Release(TestClient client, long id, Guid unitId) =>
        Envelope(client, id, HttpMethod.Post, $"/v1/units/{unitId}/release", new JsonObject { ["version"] = null });

    private static JsonObject Envelope(TestClient client, long id, HttpMethod method, string path, JsonNode? body) => new()
    {
        ["id"] = id,
        ["method"] = method.Method,
        ["path"] = path,
        ["authorization"] = "DPoP " + client.AccessToken,
        ["dpop"] = client.Proof(method, path, client.AccessToken),
        ["body"] = body,
    };

    private static async Task<Channel> ConnectAsync(SymbolonApp app, string? origin = null)
    {
        _ = app.Server;
        var client = app.Server.CreateWebSocketClient();
        if (origin is not null)
        {
            client.ConfigureRequest = request => request.Headers.Origin = origin;
        }

        var socket = await client.ConnectAsync(new Uri("ws://localhost/v1/channel"), TestContext.Current.CancellationToken);
        return new Channel(socket);
    }

    private sealed class Channel(WebSocket socket) : IDisposable
    {
        public WebSocketState State => socket.State;

        public Task SendAsync(string message) =>
            socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

        public async Task<JsonNode> AskAsync(JsonObject message)
        {
            await SendAsync(message.ToJsonString());
            var buffer = new byte[128 * 1024];
            var length = 0;
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(length), TestContext.Current.CancellationToken);
                Assert.Equal(WebSocketMessageType.Text, received.MessageType);
                length += received.Count;
                if (received.EndOfMessage)
                {
                    return JsonNode.Parse(buffer.AsSpan(0, length))!;
                }
            }
        }

        public async Task<WebSocketCloseStatus?> ReceiveCloseAsync()
        {
            var buffer = new byte[1024];
            var received = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
            Assert.Equal(WebSocketMessageType.Close, received.MessageType);
            return received.CloseStatus;
        }

        public void Dispose() => socket.Dispose();
    }
}
