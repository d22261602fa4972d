using System.Net;
using System.Text;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// A key server that lies, on 127.0.0.1: every request is answered by <see cref="Answer"/> (a login that works, device
/// names with terminal escapes, redirects…). Only what the CLI needs to reach the lie is imitated; no DPoP is checked.
/// </summary>
internal sealed class HostileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public HostileServer(Func<HttpListenerRequest, (int Status, string? Json, string? Location)> answer)
    {
        Port = Symbolon.Testing.PostgresCluster.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        Answer = answer;
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public Func<HttpListenerRequest, (int Status, string? Json, string? Location)> Answer { get; }

    /// <summary>A login answer the client accepts (POST /v1/sessions and /v1/sessions/refresh).</summary>
    public static string Session(int idleTimeoutSeconds = 600) =>
        $$"""{"accessToken":"sya_hostile","tokenType":"DPoP","expiresIn":300,"refreshToken":"syr_hostile","sessionId":"{{Guid.NewGuid()}}","userId":"{{Guid.NewGuid()}}","deviceId":"{{Guid.NewGuid()}}","idleTimeoutSeconds":{{idleTimeoutSeconds}}}""";

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending accept.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            var (status, json, location) = Answer(context.Request);
            response.StatusCode = status;
            if (location is not null)
            {
                response.RedirectLocation = location;
            }

            if (json is not null)
            {
                var body = Encoding.UTF8.GetBytes(json);
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(body);
            }
        }
    }
}
