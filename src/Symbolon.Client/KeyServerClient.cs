using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Client;

/// <summary>
/// HTTP to one key server. Every request carries a fresh DPoP proof from the device key; every problem answer is
/// turned into the SDK's typed exceptions. Nothing is retried silently except what the caller asks for.
/// </summary>
internal sealed class KeyServerClient(Uri server, DeviceKey device, TimeProvider time, HttpMessageHandler? handler = null) : IDisposable
{
    private const string ProblemTypeBase = "https://symbolon.dev/problems/";

    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }, disposeHandler: true)
    {
        BaseAddress = server,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public Uri Server => server;

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, string? accessToken, CancellationToken cancellationToken, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", accessToken);
        }
        else if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        var target = new Uri(server, path.Split('?')[0]);
        request.Headers.Add("DPoP", DpopProof.Create(device, method.Method, target, accessToken, time.GetUtcNow()));

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new ServerUnreachableException($"The key server at {server} is unreachable.", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnreachableException($"The key server at {server} did not answer in time.", exception);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0
                    ? default
                    : await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            }

            throw await ToExceptionAsync(response, cancellationToken);
        }
    }

    public async Task<JsonElement> GetAnonymousAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetFromJsonAsync<JsonElement>(path, cancellationToken);
        }
        catch (HttpRequestException exception) when (exception.StatusCode is null)
        {
            throw new ServerUnreachableException($"The key server at {server} is unreachable.", exception);
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task<SymbolonException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? type = null;
        string? detail = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            type = problem.TryGetProperty("type", out var t) ? t.GetString() : null;
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
        }

        var kind = type is not null && type.StartsWith(ProblemTypeBase, StringComparison.Ordinal) ? type[ProblemTypeBase.Length..] : "";
        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
        detail ??= $"The key server answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return kind switch
        {
            "unauthorized" or "invalid-refresh-token" => new NotLoggedInException("The session has expired or was revoked."),
            "invalid-credentials" => new AccessDeniedException(kind, "The username or password is wrong."),
            "device-revoked" => new AccessDeniedException(kind, "This device was revoked by its account.",
                "Run `symbolon login --new-device` to enrol a new device key."),
            "device-locked" => new AccessDeniedException(kind, "This device is locked: it released too many distinct items in an hour.",
                "Run `symbolon login` to unlock it."),
            "rate-limited" or "quota-exceeded" or "login-throttled" => new AccessDeniedException(kind, detail,
                retryAfter is { } wait ? $"Try again in {Math.Ceiling(wait.TotalSeconds)} s." : null, retryAfter),
            "not-found" => new ItemNotFoundException("The key server has no such unit for this account (it may have been removed)."),
            _ when response.StatusCode >= HttpStatusCode.InternalServerError =>
                new ProtocolException($"The key server failed: {detail}"),
            _ => new InvalidOperationSymbolonException(detail),
        };
    }
}
