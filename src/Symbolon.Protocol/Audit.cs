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

/// <summary>The operator's walk of the whole audit chain.</summary>
/// <param name="Valid">True when every record links and the head matches.</param>
/// <param name="Records">How many records verified.</param>
/// <param name="FirstBadSequence">The first record that does not, if any.</param>
/// <param name="Problem">What is wrong, if anything.</param>
/// <param name="HeadHash">The head's hash (hex) when valid.</param>
public sealed record AuditVerification(bool Valid, long Records, long? FirstBadSequence, string? Problem, string? HeadHash);
