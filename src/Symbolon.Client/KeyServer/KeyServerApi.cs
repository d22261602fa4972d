using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Symbolon.Client.Sessions;
using Symbolon.Crypto.Dpop;
using Symbolon.Protocol;

namespace Symbolon.Client.KeyServer;

/// <summary>
/// The /v1 API of one key server (docs/api.md), one method per route, spoken in Symbolon.Protocol's records. Every
/// request carries a fresh DPoP proof from the device key; session routes use the server's session, refreshed and
/// idle-checked by <see cref="SessionManager"/>. A problem answer becomes one of the SDK's typed exceptions
/// (<see cref="KeyServerProblems"/>), an answer that does not fit its record a <see cref="ProtocolException"/>.
/// Nothing is retried silently.
/// </summary>
internal sealed class KeyServerApi(Uri server, DeviceKey device, TimeProvider time, SessionManager sessions, HttpMessageHandler? handler = null) : IDisposable
{
    private static ProtocolJsonContext Json => ProtocolJsonContext.Default;

    // Redirects are not followed: a 3xx would carry the DPoP-bound token and the password to an address nobody chose.
    private readonly HttpClient _http = new(
        handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), AllowAutoRedirect = false }, disposeHandler: true)
    {
        BaseAddress = RequireSafeScheme(server),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// https, or plain http only to this machine (127.0.0.0/8, ::1, localhost): over plain http to anywhere else the
    /// password, tokens and server shares would cross the network in the clear.
    /// </summary>
    public static Uri RequireSafeScheme(Uri server)
    {
        if (server.Scheme == Uri.UriSchemeHttps
            || (server.Scheme == Uri.UriSchemeHttp && (server.IsLoopback || string.Equals(server.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase))))
        {
            return server;
        }

        throw new InvalidOperationSymbolonException(
            $"Refusing to talk to the key server at {server}: plain http is allowed only to this machine (127.0.0.1, ::1, localhost).",
            "Use its https:// address.");
    }

    public Uri Server => server;

    public async Task CreateAccountAsync(CreateAccountRequest request, CancellationToken cancellationToken) =>
        await ReadAsync(await SendAsync(HttpMethod.Post, Routes.Accounts, Body(request, Json.CreateAccountRequest), null, cancellationToken), Json.CreateAccountResponse, cancellationToken);

    public async Task<SessionResponse> LoginAsync(LoginRequest request, CancellationToken cancellationToken) =>
        await ReadAsync(await SendAsync(HttpMethod.Post, Routes.Sessions, Body(request, Json.LoginRequest), null, cancellationToken), Json.SessionResponse, cancellationToken);

    public async Task<SessionResponse> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken) =>
        await ReadAsync(await SendAsync(HttpMethod.Post, Routes.SessionRefresh, Body(request, Json.RefreshRequest), null, cancellationToken), Json.SessionResponse, cancellationToken);

    /// <summary>Ends the session of <paramref name="accessToken"/> as it is, without refreshing it first.</summary>
    public async Task LogoutAsync(string accessToken, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Delete, Routes.CurrentSession, null, accessToken, cancellationToken)).Dispose();

    /// <summary>Creates a unit; without a request the server draws its share.</summary>
    public Task<ShareResponse> CreateUnitAsync(ShareRequest? request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.Units, Body(request), Json.ShareResponse, cancellationToken);

    /// <summary>Adds a version to a unit (unconfirmed until <see cref="ConfirmUnitAsync"/>); without a request the server draws its share.</summary>
    public Task<ShareResponse> RotateUnitAsync(Guid unitId, ShareRequest? request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.RotateOf(unitId), Body(request), Json.ShareResponse, cancellationToken);

    public Task ConfirmUnitAsync(Guid unitId, ConfirmRequest request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.ConfirmOf(unitId), Body(request, Json.ConfirmRequest), cancellationToken);

    public Task<ReleaseResponse> ReleaseAsync(Guid unitId, ReleaseRequest request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.ReleaseOf(unitId), Body(request, Json.ReleaseRequest), Json.ReleaseResponse, cancellationToken);

    /// <summary>
    /// Many releases and evaluations in one request, all or none; a refusal's exception names the refused units through
    /// <paramref name="describeUnits"/> (e.g. by the names of their items).
    /// </summary>
    public async Task<UseManyResponse> UseManyAsync(UseManyRequest request, Func<IReadOnlyList<Guid>, string> describeUnits, CancellationToken cancellationToken) =>
        await ReadAsync(await SendWithSessionAsync(HttpMethod.Post, Routes.UnitUses, Body(request, Json.UseManyRequest), cancellationToken, describeUnits), Json.UseManyResponse, cancellationToken);

    /// <summary>Shreds a unit: restorable for the server's grace period, or destroyed at once when <paramref name="now"/>.</summary>
    public Task ShredUnitAsync(Guid unitId, bool now, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Delete, now ? Routes.UnitNowOf(unitId) : Routes.UnitOf(unitId), null, cancellationToken);

    public Task RestoreUnitAsync(Guid unitId, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.RestoreOf(unitId), null, cancellationToken);

    public Task<EvaluateResponse> EvaluateAsync(Guid unitId, EvaluateRequest request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.EvaluateOf(unitId), Body(request, Json.EvaluateRequest), Json.EvaluateResponse, cancellationToken);

    /// <summary>The public key of the blinded-mode key of <paramref name="epoch"/>, or of the newest.</summary>
    public Task<OprfKeyResponse> OprfKeyAsync(int? epoch, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Get, epoch is { } wanted ? Routes.OprfKeyOf(wanted) : Routes.OprfKey, null, Json.OprfKeyResponse, cancellationToken);

    public Task<OprfKeyResponse> RotateOprfKeyAsync(CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.OprfRotate, null, Json.OprfKeyResponse, cancellationToken);

    public Task<OprfConfirmResponse> ConfirmOprfKeyAsync(EpochRequest request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.OprfConfirm, Body(request, Json.EpochRequest), Json.OprfConfirmResponse, cancellationToken);

    public Task<AuditRecordView[]> AuditPageAsync(long after, int limit, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Get, Routes.AuditPageOf(after, limit), null, Json.AuditRecordViewArray, cancellationToken);

    public async Task<AuditKeyView> AuditKeyAsync(CancellationToken cancellationToken) =>
        await ReadAsync(await SendAsync(HttpMethod.Get, Routes.AuditKey, null, null, cancellationToken), Json.AuditKeyView, cancellationToken);

    /// <summary>The newest signed checkpoint (anonymous); a server that has logged nothing yet answers not found.</summary>
    public async Task<CheckpointView> LatestCheckpointAsync(CancellationToken cancellationToken) =>
        await ReadAsync(await SendAsync(HttpMethod.Get, Routes.AuditLatestCheckpoint, null, null, cancellationToken), Json.CheckpointView, cancellationToken);

    public async Task<ConsistencyProofView> ConsistencyProofAsync(long from, long to, CancellationToken cancellationToken) =>
        await ReadAsync(await SendAsync(HttpMethod.Get, Routes.AuditConsistencyProofOf(from, to), null, null, cancellationToken), Json.ConsistencyProofView, cancellationToken);

    public Task<InclusionProofView> InclusionProofAsync(long sequence, long treeSize, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Get, Routes.AuditInclusionProofOf(sequence, treeSize), null, Json.InclusionProofView, cancellationToken);

    public Task<DeviceView[]> DevicesAsync(CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Get, Routes.Devices, null, Json.DeviceViewArray, cancellationToken);

    public Task RevokeDeviceAsync(Guid deviceId, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Delete, Routes.DeviceOf(deviceId), null, cancellationToken);

    public Task<DeviceView> ApproveDeviceAsync(Guid deviceId, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.ApproveOf(deviceId), null, Json.DeviceView, cancellationToken);

    /// <summary>Changes the password; the answer is the caller's fresh session (every other one has ended).</summary>
    public Task<SessionResponse> ChangePasswordAsync(ChangePasswordRequest request, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Post, Routes.AccountPassword, Body(request, Json.ChangePasswordRequest), Json.SessionResponse, cancellationToken);

    public Task<AccountSettings> ChangeSettingsAsync(AccountSettings settings, CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Put, Routes.AccountSettings, Body(settings, Json.AccountSettings), Json.AccountSettings, cancellationToken);

    /// <summary>Ends every session of the account, on every device.</summary>
    public Task LogoutEverywhereAsync(CancellationToken cancellationToken) =>
        SessionAsync(HttpMethod.Delete, Routes.Sessions, null, cancellationToken);

    /// <summary>Whether this process sent a request with this server's session (which makes announcing new devices worth a request).</summary>
    public bool UsedSession { get; private set; }

    public void Dispose() => _http.Dispose();

    /// <summary>Absent when there is no request: the server's defaults (it draws the share) need no body.</summary>
    private static JsonContent? Body(ShareRequest? request) => request is null ? null : Body(request, Json.ShareRequest);

    private static JsonContent Body<T>(T request, JsonTypeInfo<T> type) => JsonContent.Create(request, type);

    private async Task<T> SessionAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken) =>
        await ReadAsync(await SendWithSessionAsync(method, path, body, cancellationToken), answer, cancellationToken);

    private async Task SessionAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken) =>
        (await SendWithSessionAsync(method, path, body, cancellationToken)).Dispose();

    /// <summary>Sends with the server's session (refreshing it first if needed) and records the use for the idle lock.</summary>
    private async Task<HttpResponseMessage> SendWithSessionAsync(
        HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken, Func<IReadOnlyList<Guid>, string>? describeUnits = null)
    {
        var session = await sessions.ActiveAsync(this, cancellationToken);
        var response = await SendAsync(method, path, body, session.AccessToken, cancellationToken, describeUnits);
        UsedSession = true;
        try
        {
            await sessions.TouchAsync(session, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A successful answer, or the typed exception for the failure.</summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, HttpContent? body, string? accessToken, CancellationToken cancellationToken, Func<IReadOnlyList<Guid>, string>? describeUnits = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(Headers.DpopScheme, accessToken);
        }

        request.Headers.Add(Headers.Dpop, DpopProof.Create(device, method.Method, new Uri(server, path.Split('?')[0]), accessToken, time.GetUtcNow()));

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

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await KeyServerProblems.ToExceptionAsync(response, cancellationToken, server, describeUnits);
        }
    }

    /// <summary>The answer as <typeparamref name="T"/>; one that does not fit it (a member missing, renamed or null) is the server's fault.</summary>
    private async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using (response)
        {
            try
            {
                return await response.Content.ReadFromJsonAsync(answer, cancellationToken) ?? throw new JsonException("null");
            }
            catch (JsonException exception)
            {
                throw new ProtocolException($"The key server at {server} sent a malformed answer.", exception);
            }
        }
    }
}
