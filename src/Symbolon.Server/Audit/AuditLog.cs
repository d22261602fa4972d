using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

/// <summary>
/// Appends to the hash chain inside the caller's transaction, so a change and its record commit together or not at
/// all. The head row is the lock point: appends from any number of nodes serialise on it.
/// </summary>
public sealed class AuditLog(TimeProvider time)
{
    public const int HeadId = 1;

    public async Task<AuditRecord> AppendAsync(
        SymbolonDbContext db,
        string auditEvent,
        Guid? userId = null,
        Guid? deviceId = null,
        Guid? unitId = null,
        int? unitVersion = null,
        string detail = "",
        CancellationToken cancellationToken = default)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit records are appended inside the transaction of the change they record.");
        }

        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({WriteTransactions.PostgresLockKey})", cancellationToken);
        }

        var head = await db.AuditHeads.SingleAsync(h => h.Id == HeadId, cancellationToken);
        var record = new AuditRecord
        {
            Sequence = head.Sequence + 1,
            Time = time.GetUtcNow(),
            Event = auditEvent,
            UserId = userId,
            DeviceId = deviceId,
            UnitId = unitId,
            UnitVersion = unitVersion,
            Detail = detail,
            PreviousHash = head.Hash,
        };
        record.Hash = AuditChain.ComputeHash(head.Hash, record);
        head.Sequence = record.Sequence;
        head.Hash = record.Hash;
        db.AuditRecords.Add(record);
        return record;
    }

    /// <summary>Appends <paramref name="draft"/> (its time, event, ids and detail) in a plain-SQL write set; returns the record.</summary>
    public static async Task<AuditRecord> AppendAsync(SqlSet set, AuditRecord draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(draft);
        if (set.Postgres)
        {
            await set.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", WriteTransactions.PostgresLockKey));
        }

        var command = set.Command("SELECT \"Sequence\", \"Hash\" FROM \"AuditHeads\" WHERE \"Id\" = 1");
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            draft.Sequence = reader.GetInt64(0) + 1;
            draft.PreviousHash = (byte[])reader.GetValue(1);
        }
        finally
        {
            set.Release(command);
        }

        draft.Hash = AuditChain.ComputeHash(draft.PreviousHash, draft);
        await set.ExecuteAsync(
            """
            INSERT INTO "AuditRecords" ("Sequence", "Time", "Event", "UserId", "DeviceId", "UnitId", "UnitVersion", "Detail", "PreviousHash", "Hash")
            VALUES (@sequence, @time, @event, @user, @device, @unit, @version, @detail, @previous, @hash)
            """,
            cancellationToken,
            ("sequence", draft.Sequence),
            ("time", SqlSet.Time(draft.Time)),
            ("event", draft.Event),
            ("user", set.Id(draft.UserId)),
            ("device", set.Id(draft.DeviceId)),
            ("unit", set.Id(draft.UnitId)),
            ("version", draft.UnitVersion),
            ("detail", draft.Detail),
            ("previous", draft.PreviousHash),
            ("hash", draft.Hash));
        await set.ExecuteAsync(
            "UPDATE \"AuditHeads\" SET \"Sequence\" = @sequence, \"Hash\" = @hash WHERE \"Id\" = 1",
            cancellationToken,
            ("sequence", draft.Sequence),
            ("hash", draft.Hash));
        return draft;
    }
}

/// <summary>The server's ECDSA P-256 audit key (audit-signing.key, PKCS#8, mode 0600), which signs release receipts and checkpoints.</summary>
public sealed class AuditSigner : IDisposable
{
    /// <summary>An ES256 signature in IEEE P1363 form (r ‖ s).</summary>
    public const int SignatureSize = 64;

    private readonly ECDsa _key;

    public AuditSigner(Hosting.DataDirectory dataDirectory)
    {
        var path = dataDirectory.File("audit-signing.key");
        _key = ECDsa.Create();
        if (!File.Exists(path))
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var pkcs8 = fresh.ExportPkcs8PrivateKey();
            Hosting.DataDirectory.WriteSecretFile(path, pkcs8);
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            _key.ImportPkcs8PrivateKey(bytes, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        var parameters = _key.ExportParameters(includePrivateParameters: false);
        PublicKeyX = parameters.Q.X!;
        PublicKeyY = parameters.Q.Y!;
    }

    public byte[] PublicKeyX { get; }

    public byte[] PublicKeyY { get; }

    public byte[] Sign(Crypto.ReleaseReceipt receipt) => receipt.Sign(_key);

    public byte[] Sign(Crypto.Transparency.AuditCheckpoint checkpoint) => checkpoint.Sign(_key);

    public bool Verify(Crypto.Transparency.AuditCheckpoint checkpoint, byte[] signature) => checkpoint.Verify(_key, signature);

    public void Dispose() => _key.Dispose();

    public override string ToString() => "AuditSigner(redacted)";
}
