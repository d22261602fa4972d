using Symbolon.Client.Items;
using Symbolon.Client.KeyServer;
using Symbolon.Client.Modes;
using Symbolon.Client.Sessions;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;

namespace Symbolon.Client;

/// <summary>
/// What the vault's operations work with, and what each item mode is handed: this home's files, its sessions and key
/// servers, and the device keys. The root key is used here only, through the derivations below, so no mode holds it.
/// </summary>
internal sealed class VaultContext : IDisposable
{
    private readonly ClientRootKey _rootKey;
    private readonly DeviceKey _device;
    private readonly Dictionary<Uri, KeyServerApi> _servers = [];
    private readonly Lock _lock = new();

    public VaultContext(VaultClientOptions options, ItemModes modes)
    {
        Options = options;
        Modes = modes;
        Home = new ClientHome(options.HomePath);
        Home.RemoveLeftovers();
        State = StateFiles.ReadOrCreateVault(Home);
        _rootKey = DeviceSecrets.LoadOrCreateRootKey(Home, options.Passphrase, options.AskPassphrase, out var passphraseProtected);
        try
        {
            if (!passphraseProtected && !string.IsNullOrEmpty(options.Passphrase))
            {
                options.Warning?.Invoke("a passphrase was given, but this client directory's root key is not protected by one; the passphrase is ignored.");
            }

            Secrets = new LocalSecrets(_rootKey, passphraseProtected);
            Items = new ItemStore(Home, modes, Secrets);
            if (State.ItemMacTag is null || !Secrets.IsItemMacsTag(State.VaultId, State.ItemMacTag))
            {
                UpdateState(RecordItemMacs);
            }

            _device = DeviceSecrets.LoadOrCreateDeviceKey(Home, Secrets);
            StateFiles.MigrateLegacySession(Home, Secrets);
            Sessions = new SessionManager(Home, options, Secrets, () => State.Server, Server);
            Receipts = new ReceiptLog(Home);
        }
        catch
        {
            // No caller gets this object to dispose: the keys loaded so far are wiped here.
            _device?.Dispose();
            Secrets?.Dispose();
            _rootKey.Dispose();
            throw;
        }
    }

    public VaultClientOptions Options { get; }

    public ItemModes Modes { get; }

    public ClientHome Home { get; }

    public ItemStore Items { get; }

    public SessionManager Sessions { get; }

    public ReceiptLog Receipts { get; }

    /// <summary>The keys that wrap device.key and the session tokens (passphrase-protected homes) and authenticate item files.</summary>
    public LocalSecrets Secrets { get; }

    /// <summary>
    /// Puts the root key under <paramref name="passphrase"/> (a first one, or a new one). root.key is rewritten first,
    /// then device.key and every session's tokens are wrapped, each session under its lock so that a refresh by another
    /// process is neither lost nor undone. The wrapping pass runs every time, so running it again finishes one that a
    /// crash cut short. The items open as before: the root key itself is unchanged.
    /// </summary>
    public async Task SetPassphraseAsync(string passphrase, CancellationToken cancellationToken)
    {
        DeviceSecrets.ProtectRootKey(Home, _rootKey, passphrase);
        Secrets.Protect(_rootKey);
        DeviceSecrets.LoadOrCreateDeviceKey(Home, Secrets).Dispose();
        foreach (var server in StateFiles.AllSessions(Home, Secrets).Select(session => session.Server))
        {
            using var sessionLock = await SessionLock.AcquireAsync(Home, server, cancellationToken);
            if (StateFiles.ReadSession(Home, server, Secrets) is { } session)
            {
                StateFiles.WriteSession(Home, server, session, Secrets);
            }
        }
    }

    /// <summary>vault.json as this process last read or wrote it.</summary>
    public VaultState State { get; private set; }

    public Guid VaultId => State.VaultId;

    /// <summary>The last server logged in to, where items that name no server of their own go.</summary>
    public Uri DefaultServer() =>
        State.Server ?? throw new NotLoggedInException("Not logged in.", "Run `symbolon login --server URL`.");

    /// <summary>The server of an item on one server; items from before server sets were always on the default server.</summary>
    public Uri ServerOf(StoredItem item) => item.Server ?? DefaultServer();

    public KeyServerApi Server(Uri server)
    {
        lock (_lock)
        {
            if (!_servers.TryGetValue(server, out var api))
            {
                api = new KeyServerApi(server, _device, Options.Time, Sessions, Options.HttpHandler);
                _servers[server] = api;
            }

            return api;
        }
    }

    /// <summary>
    /// Makes vault.json's itemMacTag (docs/spec.md §3.1) true, under the vault lock. Item files are given their MAC as
    /// they stand only in a vault that shows no sign of a client with item MACs: no tag, no number 1 (the unreleased
    /// development form), and no item file whose MAC verifies. Anything else that lacks a valid tag was altered, and
    /// re-signing it would sign the alteration.
    /// </summary>
    private VaultState RecordItemMacs(VaultState state)
    {
        if (state.ItemMacTag is not null)
        {
            return Secrets.IsItemMacsTag(state.VaultId, state.ItemMacTag) ? state : throw VaultTampered();
        }

        if (state.ItemMacs != ItemStore.MacVersion)
        {
            if (Items.AnyWithMac())
            {
                throw VaultTampered();
            }

            Items.AddMissingMacs();
        }

        return state with { ItemMacs = null, ItemMacTag = Secrets.ItemMacsTag(state.VaultId) };
    }

    private static ItemTamperedException VaultTampered() => new("The vault file 'vault.json' is damaged or was altered.");

    /// <summary>
    /// Changes vault.json under its lock, applied to what is on disk now: another process (a long-running SDK host, a
    /// parallel CLI) may have pinned a key or defined a set since this one opened the vault.
    /// </summary>
    public void UpdateState(Func<VaultState, VaultState> change)
    {
        using var vaultLock = SessionLock.AcquireVault(Home);
        var current = StateFiles.ReadOrCreateVault(Home);
        var changed = change(current);
        if (!ReferenceEquals(changed, current))
        {
            StateFiles.WriteVault(Home, changed);
        }

        State = changed;
    }

    /// <summary>Seals <paramref name="credential"/> under the data key from this server share and this device's client share.</summary>
    public byte[] Seal(ServerShare serverShare, ItemContext context, Credential credential)
    {
        using var dataKey = DeriveDataKey(serverShare, context);
        return SealedItem.Seal(dataKey, credential);
    }

    /// <summary>Opens the item with this server share; a failure is the one <see cref="ItemTamperedException"/>.</summary>
    public Credential Open(StoredItem item, ServerShare serverShare, ItemContext context) =>
        OpenOrNull(item, serverShare, context, out var failure)
        ?? throw new ItemTamperedException($"The item '{item.Name}' could not be opened: it is damaged, was altered, or belongs to another vault.", failure);

    /// <summary>The item opened with this server share, or null if it does not open (a caller trying several shares).</summary>
    public Credential? OpenOrNull(StoredItem item, ServerShare serverShare, ItemContext context) =>
        OpenOrNull(item, serverShare, context, out _);

    /// <summary>Blinded mode's private POPRF input for the unit in <paramref name="context"/> (docs/spec.md §10).</summary>
    public void DeriveBlindedInput(ItemContext context, Span<byte> destination) =>
        _rootKey.DeriveBlindedInput(context.VaultId, context.UnitId, destination);

    /// <summary>
    /// Shreds the unit on the item's server (already gone counts as done), then moves the item's file aside
    /// (restorable for the server's grace period), or deletes it when <paramref name="now"/>.
    /// </summary>
    public async Task ShredAndDeleteAsync(StoredItem item, bool now, CancellationToken cancellationToken)
    {
        try
        {
            await Server(ServerOf(item)).ShredUnitAsync(item.UnitId, now, cancellationToken);
        }
        catch (ItemNotFoundException)
        {
            // Already gone on the server: removing the local copy finishes the job.
        }

        RemoveFile(item, now);
    }

    /// <summary>Restores the unit on the item's server (a live one answers as restored), then brings the item's file back.</summary>
    public async Task RestoreAsync(StoredItem item, CancellationToken cancellationToken)
    {
        await Server(ServerOf(item)).RestoreUnitAsync(item.UnitId, cancellationToken);
        Items.Restore(item);
    }

    /// <summary>After its shares were shredded: the item's file moves aside, or (<paramref name="now"/>) is deleted with any removed copy.</summary>
    public void RemoveFile(StoredItem item, bool now)
    {
        if (!now)
        {
            Items.MoveAside(item);
            return;
        }

        Items.Delete(item);
        Items.DeleteRemoved(item);
    }

    /// <summary>
    /// Shreds a unit that no saved item uses (an add that failed, a rotation's old unit), if the server can be reached.
    /// A refusal (e.g. the server wants a recent login) is a warning naming the unit: its share alone opens nothing,
    /// but a copy of the old item with it would still open until it is shredded.
    /// </summary>
    public async Task ShredIfReachableAsync(Uri server, Guid unitId, CancellationToken cancellationToken)
    {
        try
        {
            await Server(server).ShredUnitAsync(unitId, now: false, cancellationToken);
        }
        catch (ServerUnreachableException)
        {
            // The unit stays on the server unused; its share alone opens nothing.
        }
        catch (SymbolonException exception)
        {
            Options.Warning?.Invoke($"the unit {unitId} that no item uses any more was not shredded on {server}: {exception.Message}");
        }
    }

    /// <summary>Wipes the keys held in memory.</summary>
    public void Dispose()
    {
        foreach (var server in _servers.Values)
        {
            server.Dispose();
        }

        _device.Dispose();
        Secrets.Dispose();
        _rootKey.Dispose();
    }

    private Credential? OpenOrNull(StoredItem item, ServerShare serverShare, ItemContext context, out ItemOpenException? failure)
    {
        using var dataKey = DeriveDataKey(serverShare, context);
        try
        {
            failure = null;
            return SealedItem.Open(dataKey, item.SealedItem);
        }
        catch (ItemOpenException exception)
        {
            failure = exception;
            return null;
        }
    }

    private DataKey DeriveDataKey(ServerShare serverShare, ItemContext context)
    {
        using var clientShare = _rootKey.DeriveClientShare(context.VaultId, context.UnitId);
        return DataKey.Derive(clientShare, serverShare, context);
    }
}
