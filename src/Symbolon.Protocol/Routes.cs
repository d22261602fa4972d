using System.Globalization;

namespace Symbolon.Protocol;

/// <summary>
/// Every /v1 route: the templates the server maps (with ASP.NET route constraints) and the paths clients build from
/// them. Nothing else spells a route.
/// </summary>
public static class Routes
{
    /// <summary>The prefix every route below starts with: the v1 API, the part browsers may reach cross-origin.</summary>
    public const string ApiBase = "/v1";

    /// <summary>POST: <see cref="CreateAccountRequest"/> → 201 <see cref="CreateAccountResponse"/>.</summary>
    public const string Accounts = "/v1/accounts";

    /// <summary>
    /// POST: <see cref="LoginRequest"/> (or an identity provider's JWT) → <see cref="SessionResponse"/>. DELETE, session: log out
    /// everywhere, ending every session of the account on every device → 204.
    /// </summary>
    public const string Sessions = "/v1/sessions";

    /// <summary>POST: <see cref="RefreshRequest"/> → <see cref="SessionResponse"/>.</summary>
    public const string SessionRefresh = "/v1/sessions/refresh";

    /// <summary>POST: <see cref="ChangePasswordRequest"/> → <see cref="SessionResponse"/> (a fresh session; every other one ends).</summary>
    public const string AccountPassword = "/v1/account/password";

    /// <summary>GET: <see cref="AccountSettings"/>; PUT: <see cref="AccountSettings"/> → <see cref="AccountSettings"/>.</summary>
    public const string AccountSettings = "/v1/account/settings";

    /// <summary>DELETE: logout.</summary>
    public const string CurrentSession = "/v1/sessions/current";

    /// <summary>GET: <see cref="DeviceView"/>[]; POST: <see cref="EnrolDeviceRequest"/> → 201 <see cref="DeviceView"/>.</summary>
    public const string Devices = "/v1/devices";

    /// <summary>DELETE: revoke a device.</summary>
    public const string Device = Devices + "/{id:guid}";

    /// <summary>POST: approve a device awaiting approval → <see cref="DeviceView"/>.</summary>
    public const string DeviceApprove = Device + "/approve";

    /// <summary>GET: <see cref="UnitView"/>[]; POST: <see cref="ShareRequest"/> → 201 <see cref="ShareResponse"/>.</summary>
    public const string Units = "/v1/units";

    /// <summary>POST: <see cref="UseManyRequest"/> → <see cref="UseManyResponse"/>: many releases and evaluations in one request, all or none.</summary>
    public const string UnitUses = Units + "/uses";

    /// <summary>DELETE (query <see cref="NowParameter"/>, optional): shred a unit, restorable for the grace period unless now.</summary>
    public const string Unit = Units + "/{id:guid}";

    /// <summary>POST: <see cref="ReleaseRequest"/> → <see cref="ReleaseResponse"/>.</summary>
    public const string UnitRelease = Unit + "/release";

    /// <summary>POST: <see cref="ShareRequest"/> → <see cref="ShareResponse"/>.</summary>
    public const string UnitRotate = Unit + "/rotate";

    /// <summary>POST: <see cref="ConfirmRequest"/> → 204.</summary>
    public const string UnitConfirm = Unit + "/confirm";

    /// <summary>POST: restore a unit shredded within the grace period → 204.</summary>
    public const string UnitRestore = Unit + "/restore";

    /// <summary>POST: <see cref="EvaluateRequest"/> → <see cref="EvaluateResponse"/>.</summary>
    public const string UnitEvaluate = Unit + "/evaluate";

    /// <summary>GET (query <see cref="EpochParameter"/>, optional): <see cref="OprfKeyResponse"/>.</summary>
    public const string OprfKey = "/v1/oprf/key";

    /// <summary>POST: → <see cref="OprfKeyResponse"/> of the new (or in-progress) epoch.</summary>
    public const string OprfRotate = "/v1/oprf/rotate";

    /// <summary>POST: <see cref="EpochRequest"/> → <see cref="OprfConfirmResponse"/>.</summary>
    public const string OprfConfirm = "/v1/oprf/confirm";

    /// <summary>GET (query <see cref="AfterParameter"/>, <see cref="LimitParameter"/>): <see cref="AuditRecordView"/>[].</summary>
    public const string Audit = "/v1/audit";

    /// <summary>GET, operator token: <see cref="AuditVerification"/>.</summary>
    public const string AuditVerify = "/v1/audit/verify";

    /// <summary>GET, anonymous: <see cref="AuditKeyView"/>.</summary>
    public const string AuditKey = "/v1/audit/key";

    /// <summary>
    /// GET, anonymous (query <see cref="AfterParameter"/>, <see cref="LimitParameter"/>): <see cref="CheckpointView"/>[] of larger
    /// trees, oldest first. POST, operator token: append what is committed and sign a checkpoint now → the newest <see cref="CheckpointView"/>.
    /// </summary>
    public const string AuditCheckpoints = "/v1/audit/checkpoints";

    /// <summary>GET, anonymous: the newest <see cref="CheckpointView"/> (404 before the first).</summary>
    public const string AuditLatestCheckpoint = "/v1/audit/checkpoints/latest";

    /// <summary>GET, anonymous (query <see cref="FromParameter"/>, <see cref="ToParameter"/>): <see cref="ConsistencyProofView"/>.</summary>
    public const string AuditConsistencyProof = "/v1/audit/proofs/consistency";

    /// <summary>GET, session (query <see cref="SequenceParameter"/>, <see cref="TreeSizeParameter"/>): <see cref="InclusionProofView"/> of one of the caller's records.</summary>
    public const string AuditInclusionProof = "/v1/audit/proofs/inclusion";

    /// <summary>GET: 204, nothing else; the load harness's baseline.</summary>
    public const string Noop = "/v1/noop";

    /// <summary>
    /// GET with a WebSocket upgrade: the use channel, which carries unit releases and evaluations (<see cref="UnitRelease"/>,
    /// <see cref="UnitEvaluate"/>) as messages, each with its own token and DPoP proof (docs/api.md, "The use channel").
    /// </summary>
    public const string Channel = "/v1/channel";

    /// <summary>Query parameter of <see cref="Unit"/>'s DELETE: "true" destroys the share at once, with no grace period.</summary>
    public const string NowParameter = "now";

    /// <summary>Query parameter of <see cref="OprfKey"/>: the epoch wanted (default: the newest).</summary>
    public const string EpochParameter = "epoch";

    /// <summary>Query parameter of <see cref="Audit"/>: records after this sequence number.</summary>
    public const string AfterParameter = "after";

    /// <summary>Query parameter of <see cref="Audit"/>: at most this many records (1 to <see cref="AuditPage.MaxSize"/>).</summary>
    public const string LimitParameter = "limit";

    /// <summary>Query parameter of <see cref="AuditConsistencyProof"/>: the older tree size.</summary>
    public const string FromParameter = "from";

    /// <summary>Query parameter of <see cref="AuditConsistencyProof"/>: the newer tree size.</summary>
    public const string ToParameter = "to";

    /// <summary>Query parameter of <see cref="AuditInclusionProof"/>: the record's sequence (as its receipt names it).</summary>
    public const string SequenceParameter = "sequence";

    /// <summary>Query parameter of <see cref="AuditInclusionProof"/>: the size of the tree the proof is for.</summary>
    public const string TreeSizeParameter = "treeSize";

    /// <summary>The path of one device.</summary>
    public static string DeviceOf(Guid id) => Fill(Device, id);

    /// <summary>The path of one unit.</summary>
    public static string UnitOf(Guid id) => Fill(Unit, id);

    /// <summary>The path that shreds one unit at once, with no grace period.</summary>
    public static string UnitNowOf(Guid id) => Fill(Unit, id) + "?" + NowParameter + "=true";

    /// <summary>The approve path of one device.</summary>
    public static string ApproveOf(Guid id) => Fill(DeviceApprove, id);

    /// <summary>The restore path of one unit.</summary>
    public static string RestoreOf(Guid id) => Fill(UnitRestore, id);

    /// <summary>The release path of one unit.</summary>
    public static string ReleaseOf(Guid id) => Fill(UnitRelease, id);

    /// <summary>The rotate path of one unit.</summary>
    public static string RotateOf(Guid id) => Fill(UnitRotate, id);

    /// <summary>The confirm path of one unit.</summary>
    public static string ConfirmOf(Guid id) => Fill(UnitConfirm, id);

    /// <summary>The evaluate path of one unit.</summary>
    public static string EvaluateOf(Guid id) => Fill(UnitEvaluate, id);

    /// <summary>The public key of one epoch.</summary>
    public static string OprfKeyOf(int epoch) => string.Create(CultureInfo.InvariantCulture, $"{OprfKey}?{EpochParameter}={epoch}");

    /// <summary>One page of the caller's audit records.</summary>
    public static string AuditPageOf(long after, int limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{Audit}?{AfterParameter}={after}&{LimitParameter}={limit}");

    /// <summary>Checkpoints of trees larger than <paramref name="after"/> leaves.</summary>
    public static string AuditCheckpointsOf(long after, int limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{AuditCheckpoints}?{AfterParameter}={after}&{LimitParameter}={limit}");

    /// <summary>The consistency proof between two tree sizes.</summary>
    public static string AuditConsistencyProofOf(long from, long to) =>
        string.Create(CultureInfo.InvariantCulture, $"{AuditConsistencyProof}?{FromParameter}={from}&{ToParameter}={to}");

    /// <summary>The inclusion proof of one record in the tree of <paramref name="treeSize"/> leaves.</summary>
    public static string AuditInclusionProofOf(long sequence, long treeSize) =>
        string.Create(CultureInfo.InvariantCulture, $"{AuditInclusionProof}?{SequenceParameter}={sequence}&{TreeSizeParameter}={treeSize}");

    private static string Fill(string template, Guid id) => template.Replace("{id:guid}", id.ToString("D"), StringComparison.Ordinal);
}
