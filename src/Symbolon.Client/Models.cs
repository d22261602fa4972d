using Symbolon.Crypto;

namespace Symbolon.Client;

/// <summary>A stored item's metadata (never its secrets).</summary>
/// <param name="Name">The item's local name, e.g. "acme".</param>
/// <param name="UnitId">The key server's unit.</param>
/// <param name="KeyVersion">The server share's version the item is sealed under.</param>
/// <param name="Mode">Where the server share comes from.</param>
/// <param name="CreatedAt">When it was added.</param>
public sealed record ItemInfo(string Name, Guid UnitId, uint KeyVersion, ItemMode Mode, DateTimeOffset CreatedAt);

/// <summary>
/// A threshold server set: any <paramref name="Threshold"/> of <paramref name="Servers"/> (independent key servers, each
/// with its own account and session on this device) together release an item's key; fewer learn nothing.
/// </summary>
/// <param name="Name">The set's local name, e.g. "trio".</param>
/// <param name="Threshold">t: how many servers must answer (2..n).</param>
/// <param name="Servers">The n members, in share-index order.</param>
public sealed record ServerSet(string Name, int Threshold, IReadOnlyList<Uri> Servers);

/// <summary>Who is logged in where, and until when the session stays unlocked without use.</summary>
public sealed record SessionStatus(bool LoggedIn, Uri? Server, string? Username, Guid? DeviceId, DateTimeOffset? LocksAt);

/// <summary>One audit record of the caller's account, as the server reports it, with its chain hash.</summary>
public sealed record AuditEntry(long Sequence, DateTimeOffset Time, string Event, Guid? DeviceId, Guid? UnitId, int? UnitVersion, string Detail, byte[] Hash);

/// <summary>The result of checking kept receipts against the server's log.</summary>
/// <param name="Checked">Receipts checked.</param>
/// <param name="Missing">Receipts whose record the server no longer holds (or holds changed), or that no checkpoint includes after the grace period.</param>
/// <param name="Included">Receipts whose record an inclusion proof shows in the verified checkpoint.</param>
/// <param name="Pending">Receipts younger than the grace period whose record no checkpoint includes yet.</param>
/// <param name="TreeSize">The size of the checkpoint verified (signature, and consistency with the one pinned before); null when the server has none yet.</param>
public sealed record AuditCheckResult(int Checked, IReadOnlyList<long> Missing, int Included = 0, IReadOnlyList<long>? Pending = null, long? TreeSize = null)
{
    /// <summary>True when every receipt's record is still in the server's log, unchanged.</summary>
    public bool Passed => Missing.Count == 0;
}

/// <summary>An enrolled device of the account.</summary>
public sealed record DeviceInfo(
    Guid Id, string Name, string Thumbprint, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LockedAt, bool Current, bool PendingApproval = false);

/// <summary>Settings for <see cref="VaultClient"/>.</summary>
public sealed class VaultClientOptions
{
    /// <summary>The client directory; default $SYMBOLON_HOME or the per-user data folder.</summary>
    public string? HomePath { get; set; }

    /// <summary>Unlocks a passphrase-protected root key; also protects a new one.</summary>
    public string? Passphrase { get; set; }

    /// <summary>
    /// Locks the session after this long without use when that is shorter than the key server's idle timeout (learned at
    /// login; the server ends the session after it too). Null, the default: the server's.
    /// </summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Asked for the passphrase when the root key is protected and <see cref="Passphrase"/> is not set (the CLI's prompt).</summary>
    public Func<string?>? AskPassphrase { get; set; }

    /// <summary>The clock (tests move it).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>For tests: the HTTP handler to use.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// How long a receipt's record may stay out of the key server's checkpoints (reported as pending) before the audit
    /// check counts it as missing.
    /// </summary>
    public TimeSpan AuditGracePeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Threshold items: how long to wait for the servers that have not answered yet.</summary>
    public TimeSpan ThresholdTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Told about problems that did not stop the operation: a key server in a threshold set that returned a bad share,
    /// or did not answer a removal. The CLI prints these as "symbolon: warning:".
    /// </summary>
    public Action<string>? Warning { get; set; }
}
