using Symbolon.Client.Items;
using Symbolon.Client.Modes;
using Symbolon.Client.Modes.Blinded;
using Symbolon.Client.Modes.Threshold;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client;

/// <summary>
/// The client half of Symbolon: a local vault of sealed items (ciphertext only) that opens an item only with this
/// device's client share and a live, audited release of the server share. Nothing that would let an item open
/// offline is ever stored; the server share and the data key are wiped as soon as the item is opened.
/// </summary>
public sealed class VaultClient : IDisposable
{
    private readonly VaultContext _vault;

    private VaultClient(VaultClientOptions options, ItemModes modes) => _vault = new VaultContext(options, modes);

    /// <summary>The client directory in use.</summary>
    public string HomePath => _vault.Home.Path;

    /// <summary>The default server: the last one logged in to, where split-mode items are added.</summary>
    public Uri? RememberedServer => _vault.State.Server;

    /// <summary>Opens (creating on first use) the vault in the configured directory.</summary>
    public static VaultClient Open(VaultClientOptions? options = null) => new(options ?? new VaultClientOptions(), ItemModes.Default);

    /// <summary>As <see cref="Open(VaultClientOptions?)"/>, knowing the item modes of <paramref name="modes"/> (tests add their own).</summary>
    internal static VaultClient Open(VaultClientOptions options, ItemModes modes) => new(options, modes);

    /// <summary>Creates an account on a key server.</summary>
    public async Task CreateAccountAsync(Uri server, string username, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        await _vault.Server(server).CreateAccountAsync(new CreateAccountRequest(username, password), cancellationToken);
    }

    /// <summary>
    /// Logs in, enrolling this device's key on first use. The server becomes the default when there is none yet or
    /// <paramref name="makeDefault"/> is set; otherwise the default stays, and <see cref="VaultClientOptions.Warning"/>
    /// says so (a login never moves where new items go without being asked). Sessions on other servers (the members of a
    /// threshold set) are kept: each server has its own.
    /// </summary>
    public async Task LoginAsync(Uri server, string username, string password, bool makeDefault = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        await _vault.Sessions.LoginAsync(_vault.Server(server), username, password, cancellationToken);
        _vault.UpdateState(state => state.Server is null || makeDefault ? state with { Server = server } : state);
        if (_vault.State.Server != server)
        {
            _vault.Options.Warning?.Invoke(
                $"the default server stays {_vault.State.Server}: new items still go there. To make {server} the default, log in with --make-default.");
        }
    }

    /// <summary>
    /// True when the root key is wrapped under a passphrase, and with it device.key and the session tokens; false when
    /// anyone who can read this directory holds them.
    /// </summary>
    public bool SecretsProtected => _vault.Secrets.Protected;

    /// <summary>
    /// Protects this device's secrets with <paramref name="passphrase"/>, or replaces the passphrase that does: root.key
    /// is wrapped under it (Argon2id), and device.key and the session tokens are wrapped if they were not. Items still
    /// open (the root key is the same); from now on every command needs the passphrase.
    /// </summary>
    /// <exception cref="ArgumentException">The passphrase is empty.</exception>
    public Task SetPassphraseAsync(string passphrase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        return _vault.SetPassphraseAsync(passphrase, cancellationToken);
    }

    /// <summary>Forgets the device key so the next login enrols a fresh one (after this device was revoked).</summary>
    public static void ResetDevice(VaultClientOptions? options = null) => DeviceSecrets.ResetDeviceKey(new ClientHome(options?.HomePath));

    /// <summary>Ends every session of this device (best effort where a server is unreachable) and forgets them locally.</summary>
    public Task LogoutAsync(CancellationToken cancellationToken = default) => _vault.Sessions.LogoutAsync(cancellationToken);

    /// <summary>Who is logged in to the default server, and when the session locks itself if unused.</summary>
    public SessionStatus Status() => _vault.Sessions.Status();

    /// <summary>
    /// Stores a new credential, sealed and saved durably. Split mode: the default server draws the unit's share.
    /// Threshold mode (<paramref name="set"/> given): the item's key is shared across the named server set. Blinded
    /// mode: the default server evaluates its POPRF key on a blinded input and never sees the share.
    /// </summary>
    public async Task<ItemInfo> AddAsync(
        string name, Credential credential, ItemMode mode = ItemMode.Split, string? set = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var itemMode = _vault.Modes.ForAdding(mode, set);
        if (!ItemStore.IsValidName(name))
        {
            throw new InvalidOperationSymbolonException($"'{name}' is not a valid item name: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit.");
        }

        if (_vault.Items.Exists(name))
        {
            throw new InvalidOperationSymbolonException($"An item named '{name}' already exists.", "Choose another name, or remove the old item first.");
        }

        return Info(await itemMode.AddAsync(_vault, name, credential, set, cancellationToken));
    }

    /// <summary>Stored items (metadata only; no server contact). A damaged or altered item file fails it: see <see cref="Inventory"/>.</summary>
    public IReadOnlyList<ItemInfo> List() => [.. _vault.Items.All().Select(Info)];

    /// <summary>
    /// The intact items, as <see cref="List"/> gives them, and the paths of the item files that are damaged or were
    /// altered, which are left out and never opened: one bad file does not hide the others.
    /// </summary>
    public (IReadOnlyList<ItemInfo> Items, IReadOnlyList<string> Damaged) Inventory()
    {
        var (items, damaged) = _vault.Items.Survey();
        return ([.. items.Select(Info)], damaged);
    }

    /// <summary>
    /// Opens an item for the duration of <paramref name="use"/>. The credential's buffers are wiped when it returns;
    /// do not keep references to its spans.
    /// </summary>
    public async Task<T> UseAsync<T>(string name, Func<Credential, T> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        var item = _vault.Items.Find(name);
        using var credential = await _vault.Modes.Of(item).OpenAsync(_vault, item, cancellationToken);
        return use(credential);
    }

    /// <summary>
    /// Opens every named item (distinct names) with one request per key server, calls use with the credentials by
    /// item name, then disposes them. All-or-nothing: if any item cannot be opened, it throws and use is not called.
    /// </summary>
    /// <remarks>
    /// Each server releases all of its units or none (docs/api.md, POST /v1/units/uses), and each use is audited and
    /// receipted as a single open's is; a threshold item opens when t of its members' servers answered. Servers are
    /// independent: when one refuses, the others' releases have happened (and are in their audit logs and the receipts),
    /// but nothing is opened. <see cref="UseAsync{T}"/> stays one request per unit (threshold: the first t members' answers).
    /// </remarks>
    public async Task<T> UseManyAsync<T>(IReadOnlyCollection<string> names, Func<IReadOnlyDictionary<string, Credential>, T> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(use);
        var items = names.Distinct(StringComparer.Ordinal).Select(name => (Name: name, Item: _vault.Items.Find(name))).ToList();
        using var batch = new UseBatch();
        var pending = new List<(string Name, PendingOpen Open)>(items.Count);
        var opened = new Dictionary<string, Credential>(items.Count, StringComparer.Ordinal);
        try
        {
            foreach (var (name, item) in items)
            {
                pending.Add((name, await _vault.Modes.Of(item).PrepareOpenAsync(_vault, item, batch, cancellationToken)));
            }

            await batch.SendAsync(_vault, cancellationToken);
            foreach (var (name, open) in pending)
            {
                opened.Add(name, open.Open());
            }

            return use(opened);
        }
        finally
        {
            foreach (var credential in opened.Values)
            {
                credential.Dispose();
            }

            foreach (var (_, open) in pending)
            {
                open.Dispose();
            }
        }
    }

    /// <summary>Re-seals an item under a new server share and retires the old one.</summary>
    public async Task RotateAsync(string name, CancellationToken cancellationToken = default) =>
        await RotateAsync(_vault.Items.Find(name), cancellationToken);

    /// <summary>Rotates every item, reporting progress as (done, total).</summary>
    public async Task RotateAllAsync(IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var items = _vault.Items.All();
        for (var index = 0; index < items.Count; index++)
        {
            await RotateAsync(items[index], cancellationToken);
            progress?.Report((index + 1, items.Count));
        }
    }

    /// <summary>
    /// Rotates the default server's blinded-mode key and returns how many items were re-sealed. If this home's items
    /// are all under the newest epoch, the server starts a new one; otherwise (another device started a rotation, or
    /// one was interrupted) the items move to the newest. Each is opened under its epoch and re-sealed under the new one
    /// (progress as (done, total)), items added meanwhile too; then the rotation is confirmed. The server destroys the
    /// old keys only once every blinded item of the account, on every device, has moved: until then a warning says how
    /// many are pending (run the same command on those devices). Interrupted, it can simply be run again.
    /// </summary>
    public Task<int> RotateBlindedKeyAsync(IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default) =>
        BlindedKeyRotation.RunAsync(_vault, progress, cancellationToken);

    /// <summary>
    /// Shreds the item's unit on the server (threshold: on enough members that it can never open again) and moves the
    /// local file aside. Both stay restorable (<see cref="RestoreAsync"/>) for the server's grace period, after which the
    /// server destroys the share; with <paramref name="now"/> the share is destroyed at once and the file deleted (also
    /// for an item removed earlier and not restored). The server wants a recent login for either
    /// (<see cref="ReauthenticationRequiredException"/>).
    /// </summary>
    public async Task RemoveAsync(string name, bool now = false, CancellationToken cancellationToken = default)
    {
        StoredItem item;
        try
        {
            item = _vault.Items.Find(name);
        }
        catch (SymbolonException exception) when (exception is ItemNotFoundException or ItemTamperedException && now && _vault.Items.FindRemoved(name) is { } removed)
        {
            item = removed;
        }

        await _vault.Modes.Of(item).RemoveAsync(_vault, item, now, cancellationToken);
    }

    /// <summary>
    /// Brings back an item removed within the server's grace period: its units on the server, then its file. A threshold
    /// item comes back when at least t members restore theirs; the others are named in a warning.
    /// </summary>
    public async Task RestoreAsync(string name, CancellationToken cancellationToken = default)
    {
        var item = _vault.Items.FindRemoved(name)
            ?? throw new ItemNotFoundException($"No removed item named '{name}'.", "Only an item removed without --now, within the server's grace period, can be restored.");
        if (_vault.Items.Exists(name))
        {
            throw new InvalidOperationSymbolonException($"An item named '{name}' already exists.", "Remove or rename it first.");
        }

        await _vault.Modes.Of(item).RestoreAsync(_vault, item, cancellationToken);
    }

    /// <summary>
    /// Logs in again on <paramref name="server"/> with this device and the account last used there: what a
    /// <see cref="ReauthenticationRequiredException"/> asks for before a destructive request is retried.
    /// </summary>
    public async Task ReauthenticateAsync(Uri server, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var username = _vault.Sessions.UsernameOn(server)
            ?? throw new NotLoggedInException($"Not logged in to {server}.", $"Run `symbolon login --server {server}`.");
        await _vault.Sessions.LoginAsync(_vault.Server(server), username, password, cancellationToken);
    }

    /// <summary>The account name last logged in with on <paramref name="server"/>, if any.</summary>
    public string? UsernameOn(Uri server) => _vault.Sessions.UsernameOn(server);

    /// <summary>
    /// Changes the account's password on <paramref name="server"/> (default: the default server). Every session of the
    /// account ends on every device; this device continues with the fresh session the server answers with. With
    /// <paramref name="revokeOtherDevices"/> every other device of the account is revoked too.
    /// </summary>
    public async Task ChangePasswordAsync(
        string currentPassword, string newPassword, bool revokeOtherDevices = false, Uri? server = null, CancellationToken cancellationToken = default)
    {
        var url = server ?? _vault.DefaultServer();
        var response = await _vault.Server(url).ChangePasswordAsync(new ChangePasswordRequest(currentPassword, newPassword, revokeOtherDevices), cancellationToken);
        _vault.Sessions.Adopt(url, response);
    }

    /// <summary>Ends every session of the account on the default server, on every device, then forgets this home's sessions.</summary>
    public async Task LogoutEverywhereAsync(CancellationToken cancellationToken = default)
    {
        await _vault.Server(_vault.DefaultServer()).LogoutEverywhereAsync(cancellationToken);
        await LogoutAsync(cancellationToken);
    }

    /// <summary>Turns on or off the account option that new devices need approval from an existing one.</summary>
    public async Task<bool> SetDeviceApprovalAsync(bool required, Uri? server = null, CancellationToken cancellationToken = default) =>
        (await _vault.Server(server ?? _vault.DefaultServer()).ChangeSettingsAsync(new AccountSettings(required), cancellationToken)).RequireDeviceApproval;

    /// <summary>Approves a device of the account that awaits approval.</summary>
    public async Task ApproveDeviceAsync(Guid deviceId, Uri? server = null, CancellationToken cancellationToken = default) =>
        await _vault.Server(server ?? _vault.DefaultServer()).ApproveDeviceAsync(deviceId, cancellationToken);

    /// <summary>
    /// The account's devices on the default server enrolled after this one that this home has not announced yet, now
    /// marked announced (in a file per server). Asks the server only when this process already used its session, so
    /// commands that work offline stay offline.
    /// </summary>
    public Task<IReadOnlyList<DeviceInfo>> NewDevicesAsync(CancellationToken cancellationToken = default) =>
        DeviceAnnouncements.TakeNewAsync(_vault, cancellationToken);

    /// <summary>Defines (or redefines) a server set. Log in to each member with <see cref="LoginAsync"/> before adding items.</summary>
    public void DefineSet(string name, int threshold, IReadOnlyList<Uri> servers) => ServerSets.Define(_vault, name, threshold, servers);

    /// <summary>The defined server sets.</summary>
    public IReadOnlyList<ServerSet> Sets() => ServerSets.All(_vault);

    /// <summary>The account's audit records from the default key server, oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(CancellationToken cancellationToken = default)
    {
        var server = _vault.Server(_vault.DefaultServer());
        var entries = new List<AuditEntry>();
        long after = 0;
        while (true)
        {
            var page = await server.AuditPageAsync(after, AuditPage.MaxSize, cancellationToken);
            entries.AddRange(page.Select(r => new AuditEntry(r.Sequence, r.Time, r.Event, r.DeviceId, r.UnitId, r.UnitVersion, r.Detail, r.Hash)));
            if (page.Length < AuditPage.MaxSize)
            {
                return entries;
            }

            after = entries[^1].Sequence;
        }
    }

    /// <summary>
    /// Checks the default server's audit log against what this device holds (docs/spec.md §7.1): the audit key pinned on
    /// first use, the newest checkpoint's signature, its consistency with the checkpoint verified last time (then
    /// pinned in its place), and for every kept receipt its signature, that the server still lists its record, and an
    /// inclusion proof in the checkpoint (pending while younger than <see cref="VaultClientOptions.AuditGracePeriod"/>).
    /// </summary>
    /// <exception cref="AuditLogException">The key changed, a checkpoint is not signed, or the log shrank or was rewritten.</exception>
    public async Task<AuditCheckResult> CheckAuditAsync(CancellationToken cancellationToken = default)
    {
        var server = _vault.DefaultServer();
        _vault.Sessions.Require(server);
        var receipts = _vault.Receipts.Read(server);
        var log = (await AuditAsync(cancellationToken)).ToDictionary(entry => entry.Sequence, entry => entry.Hash);
        return await AuditLogCheck.RunAsync(_vault, server, receipts, log, cancellationToken);
    }

    /// <summary>The account's enrolled devices on <paramref name="server"/> (default: the default server).</summary>
    public async Task<IReadOnlyList<DeviceInfo>> DevicesAsync(Uri? server = null, CancellationToken cancellationToken = default)
    {
        var devices = await _vault.Server(server ?? _vault.DefaultServer()).DevicesAsync(cancellationToken);
        return [.. devices.Select(DeviceAnnouncements.Info)];
    }

    /// <summary>Revokes a device of the account on <paramref name="server"/> (default: the default server); its sessions end at once.</summary>
    public Task RevokeDeviceAsync(Guid deviceId, Uri? server = null, CancellationToken cancellationToken = default) =>
        _vault.Server(server ?? _vault.DefaultServer()).RevokeDeviceAsync(deviceId, cancellationToken);

    /// <summary>Wipes the keys held in memory.</summary>
    public void Dispose() => _vault.Dispose();

    private Task RotateAsync(StoredItem item, CancellationToken cancellationToken) => _vault.Modes.Of(item).RotateAsync(_vault, item, cancellationToken);

    private ItemInfo Info(StoredItem item) => new(item.Name, item.UnitId, item.Context().KeyVersion, _vault.Modes.Of(item).Mode, item.CreatedAt);
}
