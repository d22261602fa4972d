namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>A unit version as the server stored it: <see cref="SealedShareLength"/> 0 means the share was destroyed.</summary>
internal sealed record StoredVersion(int Version, int State, long SealedShareLength, bool Retired)
{
    public const int Active = 0;
    public const int RetiredState = 1;
}

/// <summary>Reads what the key server stored, straight from its SQLite file (read-only; the server keeps running).</summary>
internal static class ServerDatabase
{
    /// <summary>Units."ShreddedAt" for the unit: non-null once it was crypto-shredded.</summary>
    public static long? ShreddedAt(this KeyServer server, Guid unitId)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "ShreddedAt" FROM "Units" WHERE upper("Id") = upper($id)""";
        command.Parameters.AddWithValue("$id", unitId.ToString("D"));
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"the server has no unit {unitId}");
        return reader.IsDBNull(0) ? null : reader.GetInt64(0);
    }

    /// <summary>How many units the account has created on the server (shredded or not).</summary>
    public static long UnitCount(this KeyServer server, string username)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FROM "Units" JOIN "Users" ON "Users"."Id" = "Units"."UserId" WHERE "Users"."Username" = lower($username)
            """;
        command.Parameters.AddWithValue("$username", username);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The ids of every unit the account created on the server.</summary>
    public static List<Guid> UnitIds(this KeyServer server, string username)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT "Units"."Id" FROM "Units" JOIN "Users" ON "Users"."Id" = "Units"."UserId" WHERE "Users"."Username" = lower($username)
            """;
        command.Parameters.AddWithValue("$username", username);
        using var reader = command.ExecuteReader();
        var ids = new List<Guid>();
        while (reader.Read())
        {
            ids.Add(Guid.Parse(reader.GetString(0)));
        }

        return ids;
    }

    public static int CurrentVersion(this KeyServer server, Guid unitId)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "CurrentVersion" FROM "Units" WHERE upper("Id") = upper($id)""";
        command.Parameters.AddWithValue("$id", unitId.ToString("D"));
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static List<StoredVersion> Versions(this KeyServer server, Guid unitId)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT "Version", "State", length("SealedShare"), "RetiredAt" IS NOT NULL
            FROM "UnitVersions" WHERE upper("UnitId") = upper($id) ORDER BY "Version"
            """;
        command.Parameters.AddWithValue("$id", unitId.ToString("D"));
        using var reader = command.ExecuteReader();
        var versions = new List<StoredVersion>();
        while (reader.Read())
        {
            versions.Add(new StoredVersion(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetBoolean(3)));
        }

        return versions;
    }

    /// <summary>Makes every session of the account look as if its login were <paramref name="age"/> old (refreshes keep a login's time).</summary>
    public static int AgeLogins(this KeyServer server, string username, TimeSpan age)
    {
        using var connection = server.OpenDatabase(readOnly: false);
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE "Sessions" SET "CreatedAt" = "CreatedAt" - $ticks
            WHERE "UserId" = (SELECT "Id" FROM "Users" WHERE "Username" = $username)
            """;
        command.Parameters.AddWithValue("$ticks", age.Ticks);
        command.Parameters.AddWithValue("$username", username);
        return command.ExecuteNonQuery();
    }

    /// <summary>Removes one audit record behind the server's back, as a server that drops records would.</summary>
    public static int DeleteAuditRecord(this KeyServer server, long sequence)
    {
        using var connection = server.OpenDatabase(readOnly: false);
        using var command = connection.CreateCommand();
        command.CommandText = """DELETE FROM "AuditRecords" WHERE "Sequence" = $sequence""";
        command.Parameters.AddWithValue("$sequence", sequence);
        return command.ExecuteNonQuery();
    }

    public static bool HasAuditRecord(this KeyServer server, long sequence)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT count(*) FROM "AuditRecords" WHERE "Sequence" = $sequence""";
        command.Parameters.AddWithValue("$sequence", sequence);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}

/// <summary>What a database writer can do to the audit log behind the server's back (the server keeps running).</summary>
internal static class AuditLogTampering
{
    /// <summary>
    /// Truncates the log to its first <paramref name="keep"/> records and rewinds everything that names the rest, as a
    /// careful writer would: records, the chain's head, the Merkle tree's leaves and subtrees, and the checkpoints.
    /// </summary>
    public static long AuditRecordCount(this KeyServer server)
    {
        using var connection = server.OpenDatabase();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT count(*) FROM "AuditRecords" """;
        return (long)command.ExecuteScalar()!;
    }

    public static void RewindAuditLog(this KeyServer server, long keep)
    {
        using var connection = server.OpenDatabase(readOnly: false);
        using var transaction = connection.BeginTransaction();
        void Run(string sql)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Parameters.AddWithValue("$keep", keep);
            command.ExecuteNonQuery();
        }

        Run("""DELETE FROM "AuditRecords" WHERE "Sequence" > $keep""");
        Run("""DELETE FROM "AuditPending" WHERE "Sequence" > $keep""");

        // Every chain's head back to its last remaining record.
        Run("""DELETE FROM "AuditHeads" """);
        Run("""
            INSERT INTO "AuditHeads" ("ChainId", "ChainSequence", "Hash")
            SELECT r."ChainId", r."ChainSequence", r."Hash" FROM "AuditRecords" r
            WHERE r."ChainSequence" = (SELECT MAX(o."ChainSequence") FROM "AuditRecords" o WHERE o."ChainId" = r."ChainId" AND $keep = $keep)
            """);
        Run("""DELETE FROM "AuditLeaves" WHERE "Sequence" > $keep""");
        Run("""DELETE FROM "AuditCheckpoints" WHERE "TreeSize" > (SELECT count(*) FROM "AuditLeaves")""");

        // A subtree at flat index f covers leaves up to ((f + 1) >> level) · 2^level, level = trailing zeros of f + 1.
        var leaves = 0L;
        using (var count = connection.CreateCommand())
        {
            count.Transaction = transaction;
            count.CommandText = """SELECT count(*) FROM "AuditLeaves" """;
            leaves = (long)count.ExecuteScalar()!;
        }

        var beyond = new List<long>();
        using (var nodes = connection.CreateCommand())
        {
            nodes.Transaction = transaction;
            nodes.CommandText = """SELECT "FlatIndex" FROM "AuditNodes" """;
            using var reader = nodes.ExecuteReader();
            while (reader.Read())
            {
                var flat = reader.GetInt64(0);
                var level = System.Numerics.BitOperations.TrailingZeroCount(flat + 1);
                var index = ((flat + 1) >> level) / 2;
                if ((index + 1) << level > leaves)
                {
                    beyond.Add(flat);
                }
            }
        }

        foreach (var flat in beyond)
        {
            Run($"""DELETE FROM "AuditNodes" WHERE "FlatIndex" = {flat}""");
        }

        transaction.Commit();
    }
}
