namespace Symbolon.Protocol;

/// <summary>Paging of <see cref="Routes.Audit"/>.</summary>
public static class AuditPage
{
    /// <summary>The default page size.</summary>
    public const int DefaultSize = 100;

    /// <summary>The largest page the server answers.</summary>
    public const int MaxSize = 500;
}

/// <summary>One audit record of the caller's account, with its chain hash.</summary>
/// <param name="Sequence">Its position in the log.</param>
/// <param name="Time">When it was written.</param>
/// <param name="Event">What happened, e.g. "unit.released" (docs/api.md lists the events).</param>
/// <param name="DeviceId">The device involved, if any.</param>
/// <param name="UnitId">The unit involved, if any.</param>
/// <param name="UnitVersion">The unit version (or key epoch) involved, if any.</param>
/// <param name="Detail">Free text (never a secret); empty when there is none.</param>
/// <param name="Hash">The record's chain hash (32 bytes).</param>
public sealed record AuditRecordView(
    long Sequence, DateTimeOffset Time, string Event, Guid? DeviceId, Guid? UnitId, int? UnitVersion, string Detail, byte[] Hash);

/// <summary>The server's public audit key (receipts are signed with it), as a JWK: kty EC, crv P-256, x, y base64url.</summary>
public sealed record AuditKeyView(string Kty, string Crv, string X, string Y);

/// <summary>The operator's walk of the whole audit chain and the audit log's tree and checkpoints.</summary>
/// <param name="Valid">True when every record links, the head matches, every leaf names its record and every checkpoint holds.</param>
/// <param name="Records">How many records verified.</param>
/// <param name="FirstBadSequence">The first record that does not, if any.</param>
/// <param name="Problem">What is wrong, if anything.</param>
/// <param name="HeadHash">The head's hash (hex) when valid.</param>
/// <param name="LogLeaves">How many leaves the audit log's tree holds (records the checkpointer has appended).</param>
/// <param name="Checkpoints">How many signed checkpoints verified.</param>
public sealed record AuditVerification(bool Valid, long Records, long? FirstBadSequence, string? Problem, string? HeadHash, long LogLeaves = 0, long Checkpoints = 0);

/// <summary>
/// A signed checkpoint of the audit log (docs/spec.md §7.1): the Merkle tree head of its first <paramref name="TreeSize"/>
/// leaves, signed with the audit key.
/// </summary>
/// <param name="TreeSize">How many leaves.</param>
/// <param name="RootHash">MTH of those leaves (32 bytes).</param>
/// <param name="Time">When the server signed it.</param>
/// <param name="Signature">ECDSA P-256 / SHA-256, IEEE P1363 (64 bytes).</param>
public sealed record CheckpointView(long TreeSize, byte[] RootHash, DateTimeOffset Time, byte[] Signature);

/// <summary>RFC 9162 §2.1.4 consistency proof from the tree of <paramref name="From"/> leaves to the tree of <paramref name="To"/>.</summary>
/// <param name="From">The older tree size.</param>
/// <param name="To">The newer tree size.</param>
/// <param name="Proof">The proof's hashes, in order (32 bytes each).</param>
public sealed record ConsistencyProofView(long From, long To, byte[][] Proof);

/// <summary>RFC 9162 §2.1.3 inclusion proof of the leaf that names record <paramref name="Sequence"/>.</summary>
/// <param name="Sequence">The audit record.</param>
/// <param name="LeafIndex">Its leaf's position in the log, from 0.</param>
/// <param name="TreeSize">The tree the proof is for.</param>
/// <param name="Path">The audit path, from the leaf up (32 bytes each).</param>
public sealed record InclusionProofView(long Sequence, long LeafIndex, long TreeSize, byte[][] Path);
