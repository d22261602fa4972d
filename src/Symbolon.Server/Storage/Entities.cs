namespace Symbolon.Server.Storage;

/// <summary>An account. Either a local password account or one mapped from an OIDC issuer's <c>sub</c>.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    /// <summary>Lower-cased login name; null for OIDC-only accounts.</summary>
    public string? Username { get; set; }

    /// <summary>Argon2id output; null for OIDC-only accounts.</summary>
    public byte[]? PasswordHash { get; set; }

    public byte[]? PasswordSalt { get; set; }

    /// <summary>The Argon2id cost the hash was made with, as "m=…,t=…": old hashes stay verifiable after a change.</summary>
    public string? PasswordParameters { get; set; }

    /// <summary>"issuer|sub" for accounts from an external OIDC issuer.</summary>
    public string? ExternalSubject { get; set; }

    /// <summary>A device a login enrols must be approved by an existing device before it may release or evaluate.</summary>
    public bool RequireDeviceApproval { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An enrolled device: a P-256 public key that signs every DPoP proof.</summary>
public sealed class Device
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>RFC 7638 thumbprint of <see cref="PublicJwk"/>.</summary>
    public string Thumbprint { get; set; } = "";

    public string PublicJwk { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Set when the device broke the distinct-unit quota; cleared when its user logs in again.</summary>
    public DateTimeOffset? LockedAt { get; set; }

    /// <summary>Enrolled while its account required approval, and not approved yet: it may not release or evaluate.</summary>
    public bool PendingApproval { get; set; }
}

/// <summary>A login on one device. Token values are never stored, only their SHA-256.</summary>
public sealed class Session
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public Guid DeviceId { get; set; }

    public byte[] AccessTokenHash { get; set; } = [];

    public DateTimeOffset AccessExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }
}

/// <summary>One refresh token of a session. Each is single-use; presenting a used one revokes the session.</summary>
public sealed class RefreshToken
{
    public byte[] TokenHash { get; set; } = [];

    public Guid SessionId { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}

public enum UnitKind
{
    /// <summary>Split and threshold items: the unit holds a share (in <see cref="UnitVersion"/> rows) and releases it.</summary>
    Share = 0,

    /// <summary>Blinded items: no share is stored; the unit is the public input of the user's POPRF key.</summary>
    Blinded = 1,
}

/// <summary>A unit: one stored credential's server-side half. Rows are kept after shredding so ids answer 404 forever.</summary>
public sealed class Unit
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public UnitKind Kind { get; set; }

    public int CurrentVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ShreddedAt { get; set; }

    /// <summary>
    /// When the maintenance sweeper destroys the shredded unit's stored shares: until then its owner may restore it. Null
    /// for a live unit and once the shares are destroyed.
    /// </summary>
    public DateTimeOffset? DestroyAt { get; set; }
}

public enum UnitVersionState
{
    Active = 0,
    Retired = 1,
}

/// <summary>One version of a unit's server share, sealed under the key-encryption key.</summary>
public sealed class UnitVersion
{
    public Guid UnitId { get; set; }

    public int Version { get; set; }

    /// <summary>nonce ‖ ciphertext ‖ tag; see Keys/ShareProtector.</summary>
    public byte[] SealedShare { get; set; } = [];

    public string KekId { get; set; } = "";

    public UnitVersionState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
}

/// <summary>
/// One epoch of a user's POPRF key (blinded mode): a ristretto255 scalar sealed under the KEK. A rotation adds the next
/// epoch; once the client has re-derived its items, confirming it retires the older epochs and destroys their keys.
/// </summary>
public sealed class OprfKey
{
    public Guid UserId { get; set; }

    public int Epoch { get; set; }

    /// <summary>nonce ‖ ciphertext ‖ tag; see Keys/ShareProtector. Empty once retired.</summary>
    public byte[] SealedKey { get; set; } = [];

    public string KekId { get; set; } = "";

    public UnitVersionState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
}

/// <summary>
/// One record of the audit log: a link of one hash chain (Audit/AuditChain, docs/spec.md §7) and, once checkpointed, a
/// leaf of the Merkle tree. Append-only.
/// </summary>
public sealed class AuditRecord
{
    /// <summary>The record's position in the whole log, assigned by the database: unique and never reused, not gap-free.</summary>
    public long Sequence { get; set; }

    /// <summary>The chain the record links into: its user's id, or <see cref="Guid.Empty"/> (the deployment chain).</summary>
    public Guid ChainId { get; set; }

    /// <summary>The record's position in its chain, from 1, gap-free.</summary>
    public long ChainSequence { get; set; }

    public AuditRecordFormat Format { get; set; }

    public DateTimeOffset Time { get; set; }

    public string Event { get; set; } = "";

    public Guid? UserId { get; set; }

    public Guid? DeviceId { get; set; }

    public Guid? UnitId { get; set; }

    public int? UnitVersion { get; set; }

    /// <summary>Short machine-readable detail (a denial reason, a client address). Never a secret.</summary>
    public string Detail { get; set; } = "";

    public byte[] PreviousHash { get; set; } = [];

    public byte[] Hash { get; set; } = [];
}

/// <summary>Which record hash a record was written with (docs/spec.md §7).</summary>
public enum AuditRecordFormat
{
    /// <summary>v1: one chain for the whole deployment, hashed over the global sequence. Only records written before the
    /// upgrade to per-account chains; they form the start of the deployment chain.</summary>
    GlobalChain = 1,

    /// <summary>v2: one chain per account, hashed over the chain id and the position in the chain.</summary>
    AccountChain = 2,
}

/// <summary>The last record of one chain: the chain's lock point. No row means no record yet (the genesis).</summary>
public sealed class AuditHead
{
    public Guid ChainId { get; set; }

    public long ChainSequence { get; set; }

    public byte[] Hash { get; set; } = [];
}

/// <summary>
/// A committed record not yet in the Merkle tree. Inserted by each append in its own transaction and deleted by the
/// checkpointer in the transaction that appends the record's leaf, so a record that commits late is logged later.
/// </summary>
public sealed class AuditPending
{
    public long Sequence { get; set; }
}

/// <summary>
/// One leaf of the audit log's Merkle tree (docs/spec.md §7.1): the record it names, at the position the checkpointer
/// appended it. Leaves are only ever appended, in one short transaction with the subtrees they complete.
/// </summary>
public sealed class AuditLeaf
{
    /// <summary>The leaf's position in the tree, from 0.</summary>
    public long LeafIndex { get; set; }

    /// <summary>The audit record it names.</summary>
    public long Sequence { get; set; }

    /// <summary>SHA-256(0x00 ‖ leaf input).</summary>
    public byte[] Hash { get; set; } = [];
}

/// <summary>
/// The hash of one complete subtree of two or more leaves, by its flat (in-order) index, stored when its last leaf is
/// appended: any root or proof then needs O(log n) rows, never a pass over the leaves.
/// </summary>
public sealed class AuditNode
{
    /// <summary>2^(level+1)·index + 2^level − 1 for the subtree of 2^level leaves at position index of its level.</summary>
    public long FlatIndex { get; set; }

    public byte[] Hash { get; set; } = [];
}

/// <summary>A signed checkpoint: the audit key's statement of the tree's head at one size.</summary>
public sealed class AuditCheckpointRow
{
    public long TreeSize { get; set; }

    public byte[] RootHash { get; set; } = [];

    public DateTimeOffset Time { get; set; }

    /// <summary>ECDSA P-256 / SHA-256, IEEE P1363.</summary>
    public byte[] Signature { get; set; } = [];
}

/// <summary>A token bucket shared by every node: key "device:{id}" or "user:{id}".</summary>
public sealed class RateBucket
{
    public string Key { get; set; } = "";

    public double Tokens { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A DPoP proof id already seen, kept until the proof would be stale anyway.</summary>
public sealed class SeenProof
{
    public string Key { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>When a user last used a unit: the rows the distinct-unit quota counts.</summary>
public sealed class RecentUnitUse
{
    public Guid UserId { get; set; }

    public Guid UnitId { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }
}

/// <summary>
/// How many of a user's units had their last use in one minute (UTC ticks ÷ ticks per minute): the distinct-unit quota
/// sums the user's last 61 minutes instead of counting <see cref="RecentUnitUse"/> rows, so its cost does not grow with
/// the number of units in the window.
/// </summary>
public sealed class UnitUseMinute
{
    public Guid UserId { get; set; }

    public long Minute { get; set; }

    public int Units { get; set; }
}
