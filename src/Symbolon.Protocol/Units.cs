using System.Text.Json.Serialization;

namespace Symbolon.Protocol;

/// <summary>
/// Create or rotate a unit. <c>share</c> is normally absent and the server draws the share; a threshold client
/// sends its own (one Shamir share of a secret it drew), which the server then treats exactly like one it drew.
/// <c>blinded</c> (create only) makes a blinded-mode unit: no share, evaluated with the user's POPRF key.
/// </summary>
/// <param name="Share">32 bytes, or absent.</param>
/// <param name="Blinded">Create a blinded-mode unit; not together with <c>share</c>.</param>
public sealed record ShareRequest(byte[]? Share = null, bool Blinded = false)
{
    /// <summary>Never shows the share.</summary>
    public override string ToString() => $"ShareRequest {{ Share = {(Share is null ? "none" : "(redacted)")}, Blinded = {Blinded} }}";
}

/// <summary>The unit and its new version's share, or no share when the client supplied it or the unit is blinded (version 0).</summary>
public sealed record ShareResponse(Guid UnitId, int Version, byte[]? Share)
{
    /// <summary>Never shows the share.</summary>
    public override string ToString() => $"ShareResponse {{ UnitId = {UnitId}, Version = {Version} }}";
}

/// <summary>Release one version's share (default: the current one).</summary>
public sealed record ReleaseRequest(int? Version = null);

/// <summary>A released share and the signed receipt of its audit record.</summary>
public sealed record ReleaseResponse(Guid UnitId, int Version, byte[] Share, ReceiptView Receipt)
{
    /// <summary>Never shows the share.</summary>
    public override string ToString() => $"ReleaseResponse {{ UnitId = {UnitId}, Version = {Version}, Receipt = {Receipt} }}";
}

/// <summary>
/// Several unit uses in one request (<see cref="Routes.UnitUses"/>): share releases and blinded evaluations, each unit at most
/// once, at most <see cref="MaxUnits"/> in all. All or nothing: every use is released with its own audit record and receipt,
/// or none is and the answer is a problem naming the refused units.
/// </summary>
/// <param name="Releases">Shares to release, as <see cref="Routes.UnitRelease"/> would one by one.</param>
/// <param name="Evaluations">Blinded evaluations, as <see cref="Routes.UnitEvaluate"/> would one by one.</param>
public sealed record UseManyRequest(IReadOnlyList<ReleaseItem>? Releases = null, IReadOnlyList<EvaluateItem>? Evaluations = null)
{
    /// <summary>The most units one request may use.</summary>
    public const int MaxUnits = 100;
}

/// <summary>One share to release in a <see cref="UseManyRequest"/>: the unit's version (default: the current one).</summary>
public sealed record ReleaseItem(Guid UnitId, int? Version = null);

/// <summary>One blinded evaluation in a <see cref="UseManyRequest"/>: as <see cref="EvaluateRequest"/>, for the unit named.</summary>
public sealed record EvaluateItem(Guid UnitId, byte[] BlindedElement, int Epoch);

/// <summary>Every use of a <see cref="UseManyRequest"/>, in the order asked, each with its own receipt.</summary>
public sealed record UseManyResponse(IReadOnlyList<ReleaseResponse> Releases, IReadOnlyList<EvaluateResponse> Evaluations)
{
    /// <summary>Never shows a share.</summary>
    public override string ToString() => $"UseManyResponse {{ Releases = {Releases.Count}, Evaluations = {Evaluations.Count} }}";
}

/// <summary>
/// The server's signature over one use's audit record (docs/spec.md, release receipts): clients keep it and later
/// check that the server's log still holds that record unchanged.
/// </summary>
/// <param name="Sequence">The record's position in the audit log.</param>
/// <param name="ChainHash">The record's chain hash (32 bytes).</param>
/// <param name="UnitId">The unit used.</param>
/// <param name="DeviceId">The device that used it.</param>
/// <param name="Time">When.</param>
/// <param name="Signature">ECDSA P-256 / SHA-256 over the receipt bytes, IEEE P1363 (64 bytes).</param>
public sealed record ReceiptView(long Sequence, byte[] ChainHash, Guid UnitId, Guid DeviceId, DateTimeOffset Time, byte[] Signature);

/// <summary>The client has re-sealed under <c>version</c>: it becomes current and older versions are retired.</summary>
public sealed record ConfirmRequest(int Version);

/// <summary>Whether a unit version's share can still be released.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VersionState>))]
public enum VersionState
{
    /// <summary>Releasable.</summary>
    [JsonStringEnumMemberName("active")]
    Active,

    /// <summary>Destroyed: confirmed away by a rotation, or shredded.</summary>
    [JsonStringEnumMemberName("retired")]
    Retired,
}

/// <summary>One version of a unit.</summary>
public sealed record VersionView(int Version, VersionState State, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

/// <summary>A live unit of the caller's account and its versions, oldest first.</summary>
public sealed record UnitView(Guid Id, int CurrentVersion, DateTimeOffset CreatedAt, IReadOnlyList<VersionView> Versions);
