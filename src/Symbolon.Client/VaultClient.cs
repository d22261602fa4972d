using System.Security.Cryptography;
using System.Text.Json;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Client;

/// <summary>
/// The client half of Symbolon: a local vault of sealed items (ciphertext only) that opens an item only with this
/// device's client share and a live, audited release of the server share. Nothing that would let an item open
/// offline is ever stored; the server share and the data key are wiped as soon as the item is opened.
/// </summary>
public sealed partial class VaultClient : IDisposable
{
    private readonly ClientHome _home;
    private readonly VaultClientOptions _options;
    private readonly ItemStore _items;
    private readonly DeviceKey _device;
    private readonly ClientRootKey _rootKey;
    private readonly Dictionary<Uri, SessionState?> _sessions = [];
    private readonly Dictionary<Uri, KeyServerClient> _servers = [];
    private readonly Lock _state = new();
    private VaultState _vault;

    private VaultClient(VaultClientOptions options)
    {
        _options = options;
        _home = new ClientHome(options.HomePath);
        _home.RemoveLeftovers();
        _items = new ItemStore(_home);
        _vault = StateFiles.ReadOrCreateVault(_home);
        _rootKey = DeviceSecrets.LoadOrCreateRootKey(_home, options.Passphrase);
        _device = DeviceSecrets.LoadOrCreateDeviceKey(_home);
        StateFiles.MigrateLegacySession(_home);
    }

    /// <summary>The client directory in use.</summary>
    public string HomePath => _home.Path;

    /// <summary>The default server: the last one logged in to, where split-mode items are added.</summary>
    public Uri? RememberedServer => _vault.Server;

    /// <summary>Opens (creating on first use) the vault in the configured directory.</summary>
    public static VaultClient Open(VaultClientOptions? options = null) => new(options ?? new VaultClientOptions());

    /// <summary>Creates an account on a key server.</summary>
    public async Task CreateAccountAsync(Uri server, string username, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        await Server(server).SendAsync(HttpMethod.Post, "/v1/accounts", new { username, password }, null, cancellationToken);
    }

    /// <summary>
    /// Logs in, enrolling this device's key on first use, and makes the server the default. Sessions on other servers
    /// (the members of a threshold set) are kept: each server has its own.
    /// </summary>
    public async Task LoginAsync(Uri server, string username, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var response = await Server(server).SendAsync(
            HttpMethod.Post, "/v1/sessions", new { username, password, deviceName = Environment.MachineName }, null, cancellationToken);
        SaveSession(server, FromResponse(server, username, response));
        UpdateVault(vault => vault with { Server = server });
    }

    /// <summary>Forgets the device key so the next login enrols a fresh one (after this device was revoked).</summary>
    public static void ResetDevice(VaultClientOptions? options = null) => DeviceSecrets.ResetDeviceKey(new ClientHome(options?.HomePath));

    /// <summary>Ends every session of this device (best effort where a server is unreachable) and forgets them locally.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        foreach (var session in StateFiles.AllSessions(_home))
        {
            if (session.AccessToken is not null)
            {
                try
                {
                    await Server(session.Server).SendAsync(HttpMethod.Delete, "/v1/sessions/current", null, session.AccessToken, cancellationToken);
                }
                catch (SymbolonException)
                {
                    // The local session is forgotten either way; the server's copy expires on its own.
                }
            }

            SaveSession(session.Server, null);
        }
    }

    /// <summary>Who is logged in to the default server, and when the session locks itself if unused.</summary>
    public SessionStatus Status()
    {
        var session = _vault.Server is null ? null : Session(_vault.Server);
        if (session is null || !session.HasTokens || IsIdle(session))
        {
            return new SessionStatus(false, _vault.Server, session?.Username, session?.DeviceId, null);
        }

        return new SessionStatus(true, session.Server, session.Username, session.DeviceId, session.LastActivity + _options.IdleTimeout);
    }

    /// <summary>
    /// Stores a new credential, sealed and saved durably. Split mode: the default server draws the unit's share.
    /// Threshold mode (<paramref name="set"/> given): the item's key is shared across the named server set. Blinded
    /// mode: the default server evaluates its POPRF key on a blinded input and never sees the share.
    /// </summary>
    public async Task<ItemInfo> AddAsync(
        string name, Credential credential, ItemMode mode = ItemMode.Split, string? set = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if ((mode == ItemMode.Threshold) != (set is not null) || !Enum.IsDefined(mode))
        {
            throw new InvalidOperationSymbolonException("Threshold mode needs a server set, and only threshold mode takes one.");
        }

        if (!ItemStore.IsValidName(name))
        {
            throw new InvalidOperationSymbolonException($"'{name}' is not a valid item name: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit.");
        }

        if (_items.Exists(name))
        {
            throw new InvalidOperationSymbolonException($"An item named '{name}' already exists.", "Choose another name, or remove the old item first.");
        }

        if (set is not null)
        {
            return await AddThresholdAsync(name, credential, FindSet(set), cancellationToken);
        }

        if (mode == ItemMode.Blinded)
        {
            return await AddBlindedAsync(name, credential, cancellationToken);
        }

        var server = DefaultServer();
        var response = await AuthorisedAsync(server, HttpMethod.Post, "/v1/units", null, cancellationToken);
        var unitId = response.GetProperty("unitId").GetGuid();
        var version = (uint)response.GetProperty("version").GetInt32();
        var sealedItem = Seal(response, new ItemContext(_vault.VaultId, unitId, version, ItemMode.Split), credential);
        var item = new StoredItem(StoredItem.SplitFormat, name, unitId, sealedItem, _options.Time.GetUtcNow(), server);
        try
        {
            _items.Save(item);
        }
        catch
        {
            await TryShredAsync(server, unitId, cancellationToken);
            throw;
        }

        return Info(item);
    }

    /// <summary>Stored items (metadata only; no server contact).</summary>
    public IReadOnlyList<ItemInfo> List() => [.. _items.All().Select(Info)];

    /// <summary>
    /// Opens an item for the duration of <paramref name="use"/>. The credential's buffers are wiped when it returns;
    /// do not keep references to its spans.
    /// </summary>
    public async Task<T> UseAsync<T>(string name, Func<Credential, T> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        var item = _items.Find(name);
        using var credential = await OpenAsync(item, item.Context(), cancellationToken);
        return use(credential);
    }

    /// <summary>Re-seals an item under a new server share and retires the old one.</summary>
    public async Task RotateAsync(string name, CancellationToken cancellationToken = default) =>
        await RotateAsync(_items.Find(name), cancellationToken);

    /// <summary>Rotates every item, reporting progress as (done, total).</summary>
    public async Task RotateAllAsync(IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var items = _items.All();
        for (var index = 0; index < items.Count; index++)
        {
            await RotateAsync(items[index], cancellationToken);
            progress?.Report((index + 1, items.Count));
        }
    }

    /// <summary>
    /// Crypto-shreds the item's unit on the server (threshold: on enough members that it can never open again), then
    /// deletes the local file.
    /// </summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        var item = _items.Find(name);
        if (item.Threshold is not null)
        {
            await RemoveThresholdAsync(item, cancellationToken);
            return;
        }

        try
        {
            await AuthorisedAsync(ItemServer(item), HttpMethod.Delete, $"/v1/units/{item.UnitId}", null, cancellationToken);
        }
        catch (ItemNotFoundException)
        {
            // Already gone on the server: removing the local copy finishes the job.
        }

        _items.Delete(item);
    }

    /// <summary>The account's audit records from the default key server, oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(CancellationToken cancellationToken = default)
    {
        var server = DefaultServer();
        var entries = new List<AuditEntry>();
        long after = 0;
        while (true)
        {
            var page = await AuthorisedAsync(server, HttpMethod.Get, $"/v1/audit?after={after}&limit=500", null, cancellationToken);
            foreach (var record in page.EnumerateArray())
            {
                entries.Add(new AuditEntry(
                    record.GetProperty("sequence").GetInt64(),
                    record.GetProperty("time").GetDateTimeOffset(),
                    record.GetProperty("event").GetString()!,
                    NullableGuid(record, "deviceId"),
                    NullableGuid(record, "unitId"),
                    record.GetProperty("unitVersion").ValueKind == JsonValueKind.Null ? null : record.GetProperty("unitVersion").GetInt32(),
                    record.GetProperty("detail").GetString() ?? "",
                    record.GetProperty("hash").GetBytesFromBase64()));
            }

            if (page.GetArrayLength() < 500)
            {
                return entries;
            }

            after = entries[^1].Sequence;
        }
    }

    /// <summary>
    /// Checks every kept receipt: its signature against the server's audit key, and that the server's log still holds
    /// a record with that sequence and chain hash. A server that dropped or rewrote a release record fails the check.
    /// </summary>
    public async Task<AuditCheckResult> CheckAuditAsync(CancellationToken cancellationToken = default)
    {
        var server = DefaultServer();
        RequireSession(server);
        var receipts = ReadReceipts().Where(r => r.Server == server).ToList();
        var key = await Server(server).GetAnonymousAsync("/v1/audit/key", cancellationToken);
        using var auditKey = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = System.Buffers.Text.Base64Url.DecodeFromChars(key.GetProperty("x").GetString()),
                Y = System.Buffers.Text.Base64Url.DecodeFromChars(key.GetProperty("y").GetString()),
            },
        });
        var records = (await AuditAsync(cancellationToken)).ToDictionary(entry => entry.Sequence, entry => entry.Hash);
        var missing = new List<long>();
        foreach (var receipt in receipts)
        {
            var signed = new ReleaseReceipt(receipt.Sequence, receipt.ChainHash, receipt.UnitId, receipt.DeviceId, receipt.Time);
            if (!signed.Verify(auditKey, receipt.Signature))
            {
                throw new ProtocolException($"The receipt for record {receipt.Sequence} does not verify against the server's audit key.");
            }

            if (!records.TryGetValue(receipt.Sequence, out var hash) || !CryptographicOperations.FixedTimeEquals(hash, receipt.ChainHash))
            {
                missing.Add(receipt.Sequence);
            }
        }

        return new AuditCheckResult(receipts.Count, missing);
    }

    /// <summary>The account's enrolled devices on <paramref name="server"/> (default: the default server).</summary>
    public async Task<IReadOnlyList<DeviceInfo>> DevicesAsync(Uri? server = null, CancellationToken cancellationToken = default)
    {
        var devices = await AuthorisedAsync(server ?? DefaultServer(), HttpMethod.Get, "/v1/devices", null, cancellationToken);
        return [.. devices.EnumerateArray().Select(d => new DeviceInfo(
            d.GetProperty("id").GetGuid(),
            d.GetProperty("name").GetString()!,
            d.GetProperty("thumbprint").GetString()!,
            d.GetProperty("createdAt").GetDateTimeOffset(),
            d.GetProperty("revokedAt").ValueKind == JsonValueKind.Null ? null : d.GetProperty("revokedAt").GetDateTimeOffset(),
            d.GetProperty("lockedAt").ValueKind == JsonValueKind.Null ? null : d.GetProperty("lockedAt").GetDateTimeOffset(),
            d.GetProperty("current").GetBoolean()))];
    }

    /// <summary>Revokes a device of the account on <paramref name="server"/> (default: the default server); its sessions end at once.</summary>
    public Task RevokeDeviceAsync(Guid deviceId, Uri? server = null, CancellationToken cancellationToken = default) =>
        AuthorisedAsync(server ?? DefaultServer(), HttpMethod.Delete, $"/v1/devices/{deviceId}", null, cancellationToken);

    /// <summary>Wipes the keys held in memory.</summary>
    public void Dispose()
    {
        foreach (var server in _servers.Values)
        {
            server.Dispose();
        }

        _device.Dispose();
        _rootKey.Dispose();
    }

    private async Task RotateAsync(StoredItem item, CancellationToken cancellationToken)
    {
        if (item.Threshold is not null)
        {
            await RotateThresholdAsync(item, cancellationToken);
            return;
        }

        if (item.Context().Mode == ItemMode.Blinded)
        {
            await RotateBlindedAsync(item, cancellationToken);
            return;
        }

        var server = ItemServer(item);
        var context = item.Context();
        using var credential = await OpenAsync(item, context, cancellationToken);
        var response = await AuthorisedAsync(server, HttpMethod.Post, $"/v1/units/{item.UnitId}/rotate", null, cancellationToken);
        var version = (uint)response.GetProperty("version").GetInt32();
        var resealed = item with
        {
            SealedItem = Seal(response, new ItemContext(context.VaultId, context.UnitId, version, context.Mode), credential),
            Server = server,
        };
        _items.Save(resealed);

        // Only now, with the new item durably saved, may the server destroy the old share.
        await AuthorisedAsync(server, HttpMethod.Post, $"/v1/units/{item.UnitId}/confirm", new { version = (int)version }, cancellationToken);
    }

    private async Task<Credential> OpenAsync(StoredItem item, ItemContext context, CancellationToken cancellationToken)
    {
        if (item.Threshold is not null)
        {
            return await OpenThresholdAsync(item, context, cancellationToken);
        }

        if (context.Mode == ItemMode.Blinded)
        {
            return OpenSealed(item, await EvaluateAsync(ItemServer(item), context, cancellationToken), context);
        }

        var server = ItemServer(item);
        var response = await AuthorisedAsync(server, HttpMethod.Post, $"/v1/units/{item.UnitId}/release", new { version = (int)context.KeyVersion }, cancellationToken);
        KeepReceipt(server, response.GetProperty("receipt"));
        using var share = ImportShare(response);
        return OpenSealed(item, share, context);
    }

    /// <summary>Opens the item with the server share (disposed here) and this device's client share.</summary>
    private Credential OpenSealed(StoredItem item, ServerShare serverShare, ItemContext context)
    {
        using (serverShare)
        using (var dataKey = DeriveDataKey(serverShare, context))
        {
            try
            {
                return SealedItem.Open(dataKey, item.SealedItem);
            }
            catch (ItemOpenException exception)
            {
                throw new ItemTamperedException($"The item '{item.Name}' could not be opened: it is damaged, was altered, or belongs to another vault.", exception);
            }
        }
    }

    private byte[] Seal(JsonElement shareResponse, ItemContext context, Credential credential)
    {
        using var share = ImportShare(shareResponse);
        return Seal(share, context, credential);
    }

    private byte[] Seal(ServerShare serverShare, ItemContext context, Credential credential)
    {
        using var dataKey = DeriveDataKey(serverShare, context);
        return SealedItem.Seal(dataKey, credential);
    }

    /// <summary>The server's share from its answer; the decoded bytes are wiped at once.</summary>
    private static ServerShare ImportShare(JsonElement shareResponse)
    {
        var shareBytes = shareResponse.GetProperty("share").GetBytesFromBase64();
        try
        {
            return ServerShare.Import(shareBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shareBytes);
        }
    }

    /// <summary>The data key from the server share and this device's client share.</summary>
    private DataKey DeriveDataKey(ServerShare serverShare, ItemContext context)
    {
        using var clientShare = _rootKey.DeriveClientShare(context.VaultId, context.UnitId);
        return DataKey.Derive(clientShare, serverShare, context);
    }

    /// <summary>Sends with the server's session, refreshing an expired access token once; enforces the idle lock.</summary>
    private async Task<JsonElement> AuthorisedAsync(Uri server, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var session = RequireSession(server);
        var now = _options.Time.GetUtcNow();
        if (session.AccessExpiresAt - now < TimeSpan.FromSeconds(30))
        {
            session = await RefreshAsync(session, cancellationToken);
        }

        var response = await Server(server).SendAsync(method, path, body, session.AccessToken, cancellationToken);
        await TouchSessionAsync(session, cancellationToken);
        return response;
    }

    /// <summary>
    /// Refreshes under the server's session lock. Several processes may share one home (parallel `symbolon exec` in sync
    /// jobs); refresh tokens are single-use, so two refreshing with the same token would look like theft and end the
    /// session. Under the lock, a process that finds the token already rotated by another simply uses the new one.
    /// </summary>
    private async Task<SessionState> RefreshAsync(SessionState session, CancellationToken cancellationToken)
    {
        var server = session.Server;
        using var sessionLock = await SessionLock.AcquireAsync(_home, server, cancellationToken);
        var latest = StateFiles.ReadSession(_home, server);
        if (latest is { HasTokens: true } && latest.RefreshToken != session.RefreshToken
            && latest.AccessExpiresAt - _options.Time.GetUtcNow() >= TimeSpan.FromSeconds(30))
        {
            Remember(server, latest);
            return latest;
        }

        try
        {
            var response = await Server(server).SendAsync(HttpMethod.Post, "/v1/sessions/refresh", new { refreshToken = session.RefreshToken }, null, cancellationToken);
            var refreshed = FromResponse(server, session.Username, response);
            SaveSession(server, refreshed);
            return refreshed;
        }
        catch (NotLoggedInException)
        {
            SaveSession(server, null);
            throw;
        }
    }

    /// <summary>
    /// Records use for the idle lock without overwriting tokens another process has rotated meanwhile. Use is
    /// recorded at most every tenth of the idle timeout: the lock may come that much early, but a burst of requests
    /// does not rewrite (and fsync) the session file each time.
    /// </summary>
    private async Task TouchSessionAsync(SessionState used, CancellationToken cancellationToken)
    {
        if (_options.Time.GetUtcNow() - used.LastActivity < _options.IdleTimeout / 10)
        {
            return;
        }

        using var sessionLock = await SessionLock.AcquireAsync(_home, used.Server, cancellationToken);
        var latest = StateFiles.ReadSession(_home, used.Server);
        if (latest is null || latest.UserId != used.UserId)
        {
            Remember(used.Server, latest);
            return;
        }

        SaveSession(used.Server, latest with { LastActivity = _options.Time.GetUtcNow() });
    }

    private SessionState RequireSession(Uri server)
    {
        var session = Session(server);
        var where = server == _vault.Server ? "" : $" to {server}";
        if (session is null || !session.HasTokens)
        {
            throw new NotLoggedInException($"Not logged in{where}.", $"Run `symbolon login --server {server}`.");
        }

        if (IsIdle(session))
        {
            SaveSession(server, null);
            throw new NotLoggedInException($"The session{where} locked itself after {Describe(_options.IdleTimeout)} without use.",
                $"Run `symbolon login --server {server}`.");
        }

        return session;
    }

    private SessionState? Session(Uri server)
    {
        lock (_state)
        {
            if (!_sessions.TryGetValue(server, out var session))
            {
                session = StateFiles.ReadSession(_home, server);
                _sessions[server] = session;
            }

            return session;
        }
    }

    private void Remember(Uri server, SessionState? session)
    {
        lock (_state)
        {
            _sessions[server] = session;
        }
    }

    private Uri DefaultServer() =>
        _vault.Server ?? throw new NotLoggedInException("Not logged in.", "Run `symbolon login --server URL`.");

    /// <summary>A split item's server; items from before server sets were always on the default server.</summary>
    private Uri ItemServer(StoredItem item) => item.Server ?? DefaultServer();

    /// <summary>"10 minutes", "90 seconds": whole units, so a short timeout does not read as "0 minutes".</summary>
    private static string Describe(TimeSpan timeout) =>
        timeout.TotalSeconds % 60 == 0
            ? $"{timeout.TotalMinutes:0} minute{(timeout.TotalMinutes == 1 ? "" : "s")}"
            : $"{timeout.TotalSeconds:0.#} second{(timeout.TotalSeconds == 1 ? "" : "s")}";

    private bool IsIdle(SessionState session) => _options.Time.GetUtcNow() - session.LastActivity >= _options.IdleTimeout;

    private SessionState FromResponse(Uri server, string username, JsonElement response)
    {
        var now = _options.Time.GetUtcNow();
        return new SessionState(
            server,
            username,
            response.GetProperty("userId").GetGuid(),
            response.GetProperty("deviceId").GetGuid(),
            response.GetProperty("accessToken").GetString(),
            response.GetProperty("refreshToken").GetString(),
            now + TimeSpan.FromSeconds(response.GetProperty("expiresIn").GetInt32()),
            now);
    }

    private void SaveSession(Uri server, SessionState? session)
    {
        StateFiles.WriteSession(_home, server, session);
        Remember(server, session);
    }

    /// <summary>
    /// Changes vault.json under its lock, applied to what is on disk now: another process (a long-running SDK host, a
    /// parallel CLI) may have pinned a key or defined a set since this one opened the vault.
    /// </summary>
    private void UpdateVault(Func<VaultState, VaultState> change)
    {
        using var vaultLock = SessionLock.AcquireVault(_home);
        var current = StateFiles.ReadOrCreateVault(_home);
        var changed = change(current);
        if (!ReferenceEquals(changed, current))
        {
            StateFiles.WriteVault(_home, changed);
        }

        _vault = changed;
    }

    private KeyServerClient Server(Uri server)
    {
        lock (_state)
        {
            if (!_servers.TryGetValue(server, out var client))
            {
                // A handler given for tests is shared by every server's client, so it must outlive them.
                client = new KeyServerClient(server, _device, _options.Time, _options.HttpHandler);
                _servers[server] = client;
            }

            return client;
        }
    }

    private async Task TryShredAsync(Uri server, Guid unitId, CancellationToken cancellationToken)
    {
        try
        {
            await AuthorisedAsync(server, HttpMethod.Delete, $"/v1/units/{unitId}", null, cancellationToken);
        }
        catch (SymbolonException)
        {
            // The unit stays on the server unused; its share alone opens nothing.
        }
    }

    private void KeepReceipt(Uri server, JsonElement receipt) => KeepReceipts([(server, receipt)]);

    /// <summary>Appends the receipts of one open to receipts.jsonl with one durable write.</summary>
    private void KeepReceipts(List<(Uri Server, JsonElement Receipt)> receipts)
    {
        if (receipts.Count == 0)
        {
            return;
        }

        var lines = receipts.Select(r => JsonSerializer.Serialize(new StoredReceipt(
            r.Receipt.GetProperty("sequence").GetInt64(),
            r.Receipt.GetProperty("chainHash").GetBytesFromBase64(),
            r.Receipt.GetProperty("unitId").GetGuid(),
            r.Receipt.GetProperty("deviceId").GetGuid(),
            r.Receipt.GetProperty("time").GetDateTimeOffset(),
            r.Receipt.GetProperty("signature").GetBytesFromBase64(),
            r.Server), ReceiptJson));
        lock (_state)
        {
            ClientHome.AppendLineDurably(_home.File("receipts.jsonl"), string.Join('\n', lines));
        }
    }

    private List<StoredReceipt> ReadReceipts()
    {
        var path = _home.File("receipts.jsonl");
        if (!File.Exists(path))
        {
            return [];
        }

        // A crash mid-append can leave a torn last line; that receipt was never complete, so it is skipped.
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        var receipts = new List<StoredReceipt>();
        for (var index = 0; index < lines.Count; index++)
        {
            try
            {
                receipts.Add(JsonSerializer.Deserialize<StoredReceipt>(lines[index], ReceiptJson)!);
            }
            catch (JsonException) when (index == lines.Count - 1)
            {
            }
        }

        return receipts;
    }

    private static readonly JsonSerializerOptions ReceiptJson = new(JsonSerializerDefaults.Web);

    private static ItemInfo Info(StoredItem item)
    {
        var context = item.Context();
        return new ItemInfo(item.Name, item.UnitId, context.KeyVersion, context.Mode, item.CreatedAt);
    }

    private static Guid? NullableGuid(JsonElement element, string property) =>
        element.GetProperty(property).ValueKind == JsonValueKind.Null ? null : element.GetProperty(property).GetGuid();
}
