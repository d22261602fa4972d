using System.Buffers.Binary;
using System.Security.Cryptography;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

/// <summary>
/// Appends to the record's chain (its user's, or the deployment chain) inside the caller's transaction, so a change and
/// its record commit together or not at all. The chain's head row is its lock point: appends to one chain serialise,
/// appends to different chains do not wait for each other. Raw commands on the caller's connection, not EF change
/// tracking: the record's global sequence is known as soon as this returns, and nothing is left for SaveChanges.
/// </summary>
public sealed class AuditLog(TimeProvider time)
{
    /// <summary>
    /// The high 32 bits of every chain's PostgreSQL advisory lock key ("symc"); the low 32 bits come from the chain id.
    /// Apart from the write lock (0x53594D42, high bits zero) and the checkpointer's ("symb…"). Two chains whose ids fold
    /// to the same low bits share a lock, which only serialises them.
    /// </summary>
    public const long ChainLockNamespace = 0x73796D63L << 32;

    private const string ReadHead = """SELECT "ChainSequence", "Hash" FROM "AuditHeads" WHERE "ChainId" = @chain""";

    private const string InsertRecord = """
        INSERT INTO "AuditRecords" ("ChainId", "ChainSequence", "Format", "Time", "Event", "UserId", "DeviceId", "UnitId", "UnitVersion", "Detail", "PreviousHash", "Hash")
        VALUES (@chain, @chainSequence, @format, @time, @event, @user, @device, @unit, @unitVersion, @detail, @previousHash, @hash)
        RETURNING "Sequence"
        """;

    private const string UpsertHead = """
        INSERT INTO "AuditHeads" ("ChainId", "ChainSequence", "Hash") VALUES (@chain, @chainSequence, @hash)
        ON CONFLICT ("ChainId") DO UPDATE SET "ChainSequence" = excluded."ChainSequence", "Hash" = excluded."Hash"
        """;

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
        var set = SqlSet.InTransaction(db);
        var draft = new AuditRecord
        {
            Time = time.GetUtcNow(),
            Event = auditEvent,
            UserId = userId,
            DeviceId = deviceId,
            UnitId = unitId,
            UnitVersion = unitVersion,
            Detail = detail,
        };
        return await AppendAsync(set, draft, cancellationToken);
    }

    /// <summary>
    /// Appends <paramref name="draft"/> (its time, event, ids, unit version and detail) to its chain in
    /// the write set's transaction, which on PostgreSQL must be READ COMMITTED (the head is read after the chain's lock
    /// is taken, and must see what the lock's previous holder committed). Fills in the chain, the positions and the
    /// hashes, marks the record pending for the checkpointer, and returns it.
    /// </summary>
    public static async Task<AuditRecord> AppendAsync(SqlSet set, AuditRecord draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(draft);
        var record = draft;
        record.Format = AuditRecordFormat.AccountChain;
        record.ChainId = AuditChain.ChainOf(record.UserId);
        var chain = set.Id(record.ChainId);
        var postgres = set.Postgres;

        var read = postgres
            ? set.Command($"SELECT pg_advisory_xact_lock(@lock); {ReadHead}", ("lock", LockKey(record.ChainId)), ("chain", chain))
            : set.Command(ReadHead, ("chain", chain));
        try
        {
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (postgres)
            {
                await reader.NextResultAsync(cancellationToken);
            }

            (record.ChainSequence, record.PreviousHash) = await reader.ReadAsync(cancellationToken)
                ? (reader.GetInt64(0) + 1, (byte[])reader.GetValue(1))
                : (1, AuditChain.Genesis);
        }
        finally
        {
            set.Release(read);
        }

        record.Hash = AuditChain.ComputeHash(record.PreviousHash, record);
        var write = set.Command(
            postgres
                ? $"""WITH inserted AS ({InsertRecord}), pending AS (INSERT INTO "AuditPending" ("Sequence") SELECT "Sequence" FROM inserted) SELECT "Sequence" FROM inserted; {UpsertHead}"""
                : $"""{InsertRecord}; INSERT INTO "AuditPending" ("Sequence") VALUES (last_insert_rowid()); {UpsertHead}""",
            ("chain", chain),
            ("chainSequence", record.ChainSequence),
            ("format", (int)record.Format),
            ("time", SqlValues.Time(record.Time)),
            ("event", record.Event),
            ("user", set.Id(record.UserId)),
            ("device", set.Id(record.DeviceId)),
            ("unit", set.Id(record.UnitId)),
            ("unitVersion", record.UnitVersion),
            ("detail", record.Detail),
            ("previousHash", record.PreviousHash),
            ("hash", record.Hash));
        try
        {
            await using var reader = await write.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException("The database assigned the audit record no sequence.");
            }

            record.Sequence = reader.GetInt64(0);

            // The pending mark and the head's update follow the insert in the same command.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }
        finally
        {
            set.Release(write);
        }

        return record;
    }

    /// <summary>The chain's advisory lock key: <see cref="ChainLockNamespace"/> and the chain id folded to 32 bits.</summary>
    public static long LockKey(Guid chainId)
    {
        Span<byte> bytes = stackalloc byte[16];
        chainId.TryWriteBytes(bytes, bigEndian: true, out _);
        var folded = BinaryPrimitives.ReadUInt32BigEndian(bytes) ^ BinaryPrimitives.ReadUInt32BigEndian(bytes[4..])
            ^ BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]) ^ BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]);
        return ChainLockNamespace | folded;
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
