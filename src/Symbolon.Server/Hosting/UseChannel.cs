using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;

namespace Symbolon.Server.Hosting;

/// <summary>
/// The use channel (GET /v1/channel, a WebSocket): unit releases and evaluations as messages on one long-lived
/// connection, for browsers, where every fetch costs a few milliseconds of the browser's own inter-process hops
/// (docs/performance.md). A message is an HTTP request in a JSON envelope — path, Authorization, DPoP proof, body — and
/// runs through this server's own pipeline, routing, session filter and handler included, exactly as if it had come as a
/// request: the same authentication, proof checks (htu is the http(s) URL of the path), limits, audit and answer. The
/// channel adds no state and no authority: a socket is nobody's until a message proves it.
/// </summary>
public static class UseChannel
{
    /// <summary>The largest message accepted; a longer one closes the channel (1009).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>How many of one channel's messages run at once; the next message is read when one finishes.</summary>
    public const int MaxInFlight = 8;

    /// <summary>A channel with no message for this long is closed; clients close theirs sooner and reconnect on demand.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private static readonly TemplateMatcher[] CarriedRoutes =
        [Matcher(Routes.UnitRelease), Matcher(Routes.UnitEvaluate)];

    /// <summary>
    /// Keeps the rest of the pipeline (routing onwards) for the channel's messages. Must come before UseRouting, so a
    /// message is routed as a request would be.
    /// </summary>
    public static WebApplication UseChannelPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var pipeline = app.Services.GetRequiredService<ChannelPipeline>();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.Use(next => pipeline.Next = next);
        return app;
    }

    /// <summary>Maps the channel's route.</summary>
    public static void MapUseChannel(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(Routes.Channel, AcceptAsync).ExcludeFromDescription();

    private static async Task AcceptAsync(
        HttpContext http, ChannelPipeline pipeline, IHttpContextFactory contexts, IOptions<ServerOptions> options, IHostApplicationLifetime lifetime)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await Problems.InvalidRequest("The use channel is a WebSocket: connect with an upgrade request.").ExecuteAsync(http);
            return;
        }

        if (!OriginAllowed(http, options.Value.Cors.AllowedOrigins))
        {
            // As CORS keeps other origins away from the API, this keeps them off the channel.
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        using var connection = new Connection(socket, http, pipeline.Next ?? throw new InvalidOperationException("UseChannelPipeline was not called."), contexts);
        await connection.RunAsync(closing.Token);
    }

    /// <summary>No Origin (not a browser), the server's own origin (the web app at /app/), or one the CORS list allows.</summary>
    private static bool OriginAllowed(HttpContext http, IEnumerable<string> allowed)
    {
        var origin = http.Request.Headers.Origin;
        if (origin.Count == 0)
        {
            return true;
        }

        var value = origin.ToString();
        return string.Equals(value, $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase)
            || allowed.Contains(value, StringComparer.Ordinal);
    }

    private static TemplateMatcher Matcher(string route) => new(TemplateParser.Parse(route), new RouteValueDictionary());

    private static bool Carried(string path) => CarriedRoutes.Any(route => route.TryMatch(path, new RouteValueDictionary()));

    /// <summary>The message's request, as the envelope gives it.</summary>
    private sealed record Envelope(long Id, string Method, string Path, string? Authorization, string? Dpop, byte[]? Body);

    private sealed class Connection(WebSocket socket, HttpContext upgrade, RequestDelegate pipeline, IHttpContextFactory contexts) : IDisposable
    {
        private readonly SemaphoreSlim sending = new(1, 1);
        private readonly SemaphoreSlim slots = new(MaxInFlight, MaxInFlight);
        private readonly List<Task> running = [];

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[MaxMessageBytes];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idle.CancelAfter(IdleTimeout);
                    var (length, close) = await ReceiveAsync(buffer, idle.Token);
                    if (close is { } status)
                    {
                        await CloseAsync(status.Code, status.Reason);
                        break;
                    }

                    if (Parse(buffer.AsSpan(0, length)) is not { } envelope)
                    {
                        await CloseAsync(WebSocketCloseStatus.InvalidPayloadData, "malformed message");
                        break;
                    }

                    await slots.WaitAsync(cancellationToken);
                    running.RemoveAll(task => task.IsCompleted);
                    running.Add(DispatchAsync(envelope, cancellationToken));
                }
            }
            catch (OperationCanceledException)
            {
                // Idle, shut down or gone: answers under way finish below; the socket is closed with the server.
                await CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "closing");
            }
            catch (WebSocketException)
            {
                // The peer went away without a close.
            }

            await Task.WhenAll(running);
        }

        /// <summary>Called once <see cref="RunAsync"/> has returned, when no message is under way.</summary>
        public void Dispose()
        {
            sending.Dispose();
            slots.Dispose();
        }

        private async Task<(int Length, (WebSocketCloseStatus Code, string Reason)? Close)> ReceiveAsync(byte[] buffer, CancellationToken cancellationToken)
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    return (0, (WebSocketCloseStatus.MessageTooBig, "message too long"));
                }

                var received = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return (0, (WebSocketCloseStatus.NormalClosure, "closed"));
                }

                if (received.MessageType != WebSocketMessageType.Text)
                {
                    return (0, (WebSocketCloseStatus.InvalidMessageType, "messages are JSON text"));
                }

                length += received.Count;
                if (received.EndOfMessage)
                {
                    return (length, null);
                }
            }
        }

        /// <summary>The envelope, or null when the message is not one (the channel is then closed: there is no id to answer).</summary>
        private static Envelope? Parse(ReadOnlySpan<byte> message)
        {
            try
            {
                var reader = new Utf8JsonReader(message);
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("id", out var id) || !id.TryGetInt64(out var number) || number <= 0
                    || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String
                    || !root.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
                {
                    return null;
                }

                return new Envelope(
                    number,
                    method.GetString()!,
                    path.GetString()!,
                    OptionalString(root, "authorization"),
                    OptionalString(root, "dpop"),
                    root.TryGetProperty("body", out var body) && body.ValueKind != JsonValueKind.Null ? JsonSerializer.SerializeToUtf8Bytes(body) : null);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string? OptionalString(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private async Task DispatchAsync(Envelope envelope, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Yield();
                var answer = new MemoryStream(4096);
                try
                {
                    await AnswerAsync(envelope, answer, cancellationToken);
                    await SendAsync(answer.GetBuffer().AsMemory(0, (int)answer.Length), cancellationToken);
                }
                finally
                {
                    // The answer may hold a share.
                    CryptographicOperations.ZeroMemory(answer.GetBuffer());
                }
            }
            catch (Exception failure) when (failure is OperationCanceledException or WebSocketException)
            {
                // The channel is closing; the client learns it from the close.
            }
            finally
            {
                slots.Release();
            }
        }

        /// <summary>Runs the message's request through the pipeline and writes the answer envelope to <paramref name="answer"/>.</summary>
        private async Task AnswerAsync(Envelope envelope, MemoryStream answer, CancellationToken cancellationToken)
        {
            if (envelope.Method != HttpMethods.Post || !Carried(envelope.Path))
            {
                await WriteAnswerAsync(envelope.Id, answer, http => Problems.InvalidRequest(
                    "The use channel carries only POST requests to release or evaluate a unit.").ExecuteAsync(http), cancellationToken);
                return;
            }

            await WriteAnswerAsync(envelope.Id, answer, pipeline, cancellationToken, envelope);
        }

        private async Task WriteAnswerAsync(
            long id, MemoryStream answer, RequestDelegate handler, CancellationToken cancellationToken, Envelope? request = null)
        {
            var response = new ResponseFeature();
            var body = new MemoryStream(2048);
            var features = new FeatureCollection();
            features.Set<IHttpRequestFeature>(RequestOf(request));
            features.Set<IHttpResponseFeature>(response);
            features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
            features.Set(upgrade.Features.Get<IHttpConnectionFeature>());
            features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
            features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(request?.Body is not null));
            var context = contexts.Create(features);
            try
            {
                await handler(context);
                await response.StartAsync();
                Write(id, response, body, answer);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(body.GetBuffer());
                await response.CompleteAsync();
                contexts.Dispose(context);
            }
        }

        private HttpRequestFeature RequestOf(Envelope? envelope)
        {
            IHeaderDictionary headers = new HeaderDictionary();
            headers.Host = upgrade.Request.Host.ToString();
            if (envelope?.Authorization is { } authorization)
            {
                headers.Authorization = authorization;
            }

            if (envelope?.Dpop is { } proof)
            {
                headers[Headers.Dpop] = proof;
            }

            if (envelope?.Body is { } body)
            {
                headers.ContentType = "application/json";
                headers.ContentLength = body.Length;
            }

            return new HttpRequestFeature
            {
                Protocol = upgrade.Request.Protocol,
                Method = HttpMethods.Post,
                Scheme = upgrade.Request.Scheme,
                PathBase = upgrade.Request.PathBase,
                Path = envelope?.Path ?? Routes.Channel,
                Headers = headers,
                Body = new MemoryStream(envelope?.Body ?? [], writable: false),
            };
        }

        /// <summary>{"id", "status", "retryAfter", "body"}: the body as the handler wrote it (JSON), or null when it wrote none.</summary>
        private static void Write(long id, ResponseFeature response, MemoryStream body, MemoryStream answer)
        {
            using var writer = new Utf8JsonWriter(answer);
            writer.WriteStartObject();
            writer.WriteNumber("id", id);
            writer.WriteNumber("status", response.StatusCode);
            var retryAfter = response.Headers.RetryAfter;
            if (retryAfter.Count == 1)
            {
                writer.WriteString("retryAfter", retryAfter.ToString());
            }
            else
            {
                writer.WriteNull("retryAfter");
            }

            writer.WritePropertyName("body");
            if (body.Length == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(body.GetBuffer().AsSpan(0, (int)body.Length));
            }

            writer.WriteEndObject();
        }

        private async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            await sending.WaitAsync(cancellationToken);
            try
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            finally
            {
                sending.Release();
            }
        }

        private async Task CloseAsync(WebSocketCloseStatus status, string reason)
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.CloseOutputAsync(status, reason, timeout.Token);
                }
                catch (Exception failure) when (failure is OperationCanceledException or WebSocketException)
                {
                    // Closing is best effort.
                }
            }
        }
    }

    /// <summary>A response kept in memory: its start and completion callbacks run when the channel says so.</summary>
    private sealed class ResponseFeature : IHttpResponseFeature
    {
        private readonly Stack<(Func<object, Task> Callback, object State)> starting = new();
        private readonly Stack<(Func<object, Task> Callback, object State)> completed = new();

        public int StatusCode { get; set; } = StatusCodes.Status200OK;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        [Obsolete("Use IHttpResponseBodyFeature.")]
        public Stream Body { get; set; } = Stream.Null;

        public bool HasStarted { get; private set; }

        public void OnStarting(Func<object, Task> callback, object state) => starting.Push((callback, state));

        public void OnCompleted(Func<object, Task> callback, object state) => completed.Push((callback, state));

        public async Task StartAsync()
        {
            while (starting.TryPop(out var next))
            {
                await next.Callback(next.State);
            }

            HasStarted = true;
        }

        public async Task CompleteAsync()
        {
            while (completed.TryPop(out var next))
            {
                await next.Callback(next.State);
            }
        }
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
    }
}

/// <summary>The pipeline after <see cref="UseChannel.UseChannelPipeline"/>, kept when the app is built.</summary>
public sealed class ChannelPipeline
{
    public RequestDelegate? Next { get; set; }
}
