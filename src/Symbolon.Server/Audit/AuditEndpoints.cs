using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Symbolon.Protocol;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        var audit = routes.MapGroup("").WithTags("Audit");
        audit.MapGet(Routes.Audit, ListOwnAsync).RequireSession().ReadsOnly().WithName("ListAudit").ProducesProblems(ProblemTypes.InvalidRequest);
        audit.MapGet(Routes.AuditVerify, VerifyAsync).WithName("VerifyAudit").Authenticates(ApiAuthentication.Operator);
        audit.MapGet(Routes.AuditKey, PublicKey).WithName("AuditKey");
        return routes;
    }

    /// <summary>The caller's own records, oldest first, after sequence <paramref name="after"/>.</summary>
    private static async Task<Results<Ok<AuditRecordView[]>, ProblemHttpResult>> ListOwnAsync(
        [FromQuery(Name = Routes.AfterParameter)] long? after, [FromQuery(Name = Routes.LimitParameter)] int? limit, [AsParameters] SessionContext session)
    {
        var take = limit ?? AuditPage.DefaultSize;
        if (take is < 1 or > AuditPage.MaxSize || after < 0)
        {
            return Problems.InvalidRequest($"`{Routes.LimitParameter}` must be 1-{AuditPage.MaxSize} and `{Routes.AfterParameter}` not negative.");
        }

        var userId = session.Caller.UserId;
        var from = after ?? 0;
        var records = await session.Db.AuditRecords.AsNoTracking()
            .Where(r => r.UserId == userId && r.Sequence > from)
            .OrderBy(r => r.Sequence)
            .Take(take)
            .ToListAsync(session.CancellationToken);
        return TypedResults.Ok(records
            .Select(r => new AuditRecordView(r.Sequence, r.Time, r.Event, r.DeviceId, r.UnitId, r.UnitVersion, r.Detail, r.Hash))
            .ToArray());
    }

    /// <summary>Operator only: walks the whole chain. Authorised by the operator token in the data directory.</summary>
    private static async Task<Results<Ok<AuditVerification>, ProblemHttpResult>> VerifyAsync(
        HttpContext http, SymbolonDbContext db, OperatorToken operatorToken, CancellationToken cancellationToken)
    {
        if (!operatorToken.IsPresentedBy(http))
        {
            return Problems.OperatorRequired(http);
        }

        return TypedResults.Ok(await VerifyChainAsync(db, cancellationToken));
    }

    public static async Task<AuditVerification> VerifyChainAsync(SymbolonDbContext db, CancellationToken cancellationToken)
    {
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == AuditLog.HeadId, cancellationToken);
        var records = await db.AuditRecords.AsNoTracking().OrderBy(r => r.Sequence).ToListAsync(cancellationToken);
        return AuditChain.Verify(records, head);
    }

    private static Ok<AuditKeyView> PublicKey(AuditSigner signer) => TypedResults.Ok(new AuditKeyView(
        "EC", "P-256", System.Buffers.Text.Base64Url.EncodeToString(signer.PublicKeyX),
        System.Buffers.Text.Base64Url.EncodeToString(signer.PublicKeyY)));
}

/// <summary>
/// The operator's bearer token for operator endpoints: random, in operator.token (mode 0600) in the data directory,
/// created on first run. Compared in constant time via its SHA-256.
/// </summary>
public sealed class OperatorToken
{
    private readonly byte[] _hash;

    public OperatorToken(DataDirectory dataDirectory)
    {
        Path = dataDirectory.File("operator.token");
        if (!File.Exists(Path))
        {
            DataDirectory.WriteSecretFile(Path, Encoding.ASCII.GetBytes("syo_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))));
        }

        _hash = SHA256.HashData(Encoding.ASCII.GetBytes(File.ReadAllText(Path).Trim()));
    }

    public string Path { get; }

    public bool IsPresentedBy(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var prefix = Headers.BearerScheme + " ";
        return header.StartsWith(prefix, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.ASCII.GetBytes(header[prefix.Length..].Trim())), _hash);
    }

    public override string ToString() => "OperatorToken(redacted)";
}
