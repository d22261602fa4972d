using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Symbolon.Crypto;
using Symbolon.Server.Hosting;
using Symbolon.Server.Keys;
using Symbolon.Server.Storage;

namespace Symbolon.LoadTest;

/// <summary>
/// Writes units straight into a running deployment's database, for accounts created through the API (so their
/// devices and sessions are real): each unit with version 1 of a fresh random share, sealed under the data directory's
/// KEK by the server's own <see cref="ShareProtector"/>, in the rows and representations the server's own EF Core
/// model maps (table and column names, Guid, enum and tick conversions), so the server releases them like units it
/// created. No audit record is written for them (a unit made through the API has a unit.created record; nothing reads
/// it back). SQLite: prepared inserts in large transactions; PostgreSQL: binary COPY.
/// </summary>
internal sealed class UnitSeeder : IDisposable
{
    /// <summary>Rows per transaction (SQLite) or per COPY (PostgreSQL).</summary>
    private const int Batch = 50_000;

    private readonly FileKeyEncryptionKeyProvider _keys;
    private readonly ShareProtector _protector;
    private readonly SymbolonDbContext _db;
    private readonly bool _postgres;

    public UnitSeeder(string dataDirectory, string? postgresConnectionString)
    {
        // The KEK the server uses: kek.key in its data directory (the server created it at its first start).
        if (!File.Exists(Path.Combine(dataDirectory, "kek.key")))
        {
            throw new LoadTestException($"no kek.key in {dataDirectory}", "start the server on that data directory first: it creates its keys");
        }

        _keys = new FileKeyEncryptionKeyProvider(new DataDirectory(new ServerOptions { DataDirectory = dataDirectory }));
        _protector = new ShareProtector(_keys);
        _postgres = postgresConnectionString is not null;
        if (_postgres)
        {
            _db = new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(postgresConnectionString).Options);
        }
        else
        {
            var sqlite = $"Data Source={Path.Combine(dataDirectory, "symbolon.db")};Pooling=False;Default Timeout=60";
            _db = new SymbolonDbContext(new DbContextOptionsBuilder<SymbolonDbContext>().UseSqlite(sqlite).Options);
        }
    }

    /// <summary>The ids of the accounts named <paramref name="usernames"/>, in that order.</summary>
    public async Task<List<Guid>> UserIdsAsync(IReadOnlyList<string> usernames)
    {
        var lowered = usernames.Select(u => u.ToLowerInvariant()).ToList();
        var users = await _db.Users.AsNoTracking().Where(u => u.Username != null && lowered.Contains(u.Username)).ToDictionaryAsync(u => u.Username!, u => u.Id);
        return [.. lowered.Select(name => users.TryGetValue(name, out var id) ? id : throw new LoadTestException($"no account {name}", "create the accounts through the API first"))];
    }

    /// <summary>
    /// Adds <paramref name="count"/> units spread evenly over <paramref name="userIds"/> (unit i to user i mod n) and
    /// returns their ids per user. Ids are version-7 Guids, as the server makes them.
    /// </summary>
    public async Task<(List<Guid>[] UnitsByUser, TimeSpan Elapsed)> SeedAsync(IReadOnlyList<Guid> userIds, int count)
    {
        var started = Stopwatch.GetTimestamp();
        var byUser = userIds.Select(_ => new List<Guid>(count / userIds.Count + 1)).ToArray();
        var rows = new UnitRows(_db);
        var connection = _db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            for (var done = 0; done < count; done += Batch)
            {
                var batch = Math.Min(Batch, count - done);
                var units = new (Unit Unit, UnitVersion Version)[batch];
                for (var i = 0; i < batch; i++)
                {
                    var user = (done + i) % userIds.Count;
                    units[i] = NewUnit(userIds[user]);
                    byUser[user].Add(units[i].Unit.Id);
                }

                if (_postgres)
                {
                    await CopyAsync((NpgsqlConnection)connection, rows, units);
                }
                else
                {
                    await InsertAsync((SqliteConnection)connection, rows, units);
                }

                if ((done / Batch) % 4 == 3)
                {
                    Console.Error.WriteLine($"symbolon-load: seeded {done + batch:N0} of {count:N0} units …");
                }
            }

            if (!_postgres)
            {
                // Fold the seeded pages into the database file now, so the server's first commits do not pay for it.
                await using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                await checkpoint.ExecuteNonQueryAsync();
            }
            else
            {
                await using var analyze = connection.CreateCommand();
                analyze.CommandText = $"ANALYZE {rows.UnitTable}; ANALYZE {rows.VersionTable}";
                await analyze.ExecuteNonQueryAsync();
            }
        }
        finally
        {
            await connection.CloseAsync();
        }

        return (byUser, Stopwatch.GetElapsedTime(started));
    }

    public void Dispose()
    {
        _db.Dispose();
        _keys.Dispose();
    }

    private (Unit Unit, UnitVersion Version) NewUnit(Guid userId)
    {
        var now = DateTimeOffset.UtcNow;
        var unit = new Unit { Id = Guid.CreateVersion7(now), UserId = userId, Kind = UnitKind.Share, CurrentVersion = 1, CreatedAt = now };
        Span<byte> share = stackalloc byte[ServerShare.ShareSize];
        RandomNumberGenerator.Fill(share);
        var version = new UnitVersion
        {
            UnitId = unit.Id,
            Version = 1,
            SealedShare = _protector.Protect(share, userId, unit.Id, 1),
            KekId = _protector.CurrentKeyId,
            State = UnitVersionState.Active,
            CreatedAt = now,
        };
        CryptographicOperations.ZeroMemory(share);
        return (unit, version);
    }

    private static async Task InsertAsync(SqliteConnection connection, UnitRows rows, (Unit Unit, UnitVersion Version)[] units)
    {
        // BEGIN IMMEDIATE (the server's own write lock): the server waits for the batch like for any writer.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var unitInsert = rows.Units.Insert(connection, transaction);
        await using var versionInsert = rows.Versions.Insert(connection, transaction);
        foreach (var (unit, version) in units)
        {
            rows.Units.Bind(unitInsert, unit);
            await unitInsert.ExecuteNonQueryAsync();
            rows.Versions.Bind(versionInsert, version);
            await versionInsert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static async Task CopyAsync(NpgsqlConnection connection, UnitRows rows, (Unit Unit, UnitVersion Version)[] units)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await CopyTableAsync(connection, rows.Units, units.Select(u => (object)u.Unit));
        await CopyTableAsync(connection, rows.Versions, units.Select(u => (object)u.Version));
        await transaction.CommitAsync();
    }

    private static async Task CopyTableAsync(NpgsqlConnection connection, TableRows table, IEnumerable<object> entities)
    {
        await using var importer = await connection.BeginBinaryImportAsync(table.CopyCommand);
        foreach (var entity in entities)
        {
            await importer.StartRowAsync();
            foreach (var value in table.ProviderValues(entity))
            {
                if (value is null)
                {
                    await importer.WriteNullAsync();
                }
                else
                {
                    await importer.WriteAsync(value);
                }
            }
        }

        await importer.CompleteAsync();
    }

    /// <summary>The Units and UnitVersions tables as the server's model maps them.</summary>
    private sealed class UnitRows(SymbolonDbContext db)
    {
        public TableRows Units { get; } = new(db, typeof(Unit));

        public TableRows Versions { get; } = new(db, typeof(UnitVersion));

        public string UnitTable => Units.QuotedTable;

        public string VersionTable => Versions.QuotedTable;
    }

    /// <summary>
    /// One table: its columns from the model, and each property's value converted as the server's EF Core model
    /// converts it (DateTimeOffset to UTC ticks, enums to numbers), through the property's own type mapping.
    /// </summary>
    private sealed class TableRows
    {
        private readonly (IProperty Property, string Column, RelationalTypeMapping Mapping)[] _columns;

        public TableRows(SymbolonDbContext db, Type entity)
        {
            var type = db.Model.FindEntityType(entity) ?? throw new InvalidOperationException($"{entity.Name} is not in the model.");
            var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
            _columns = [.. type.GetProperties().Select(p => (p, p.GetColumnName(table)!, (RelationalTypeMapping)p.GetRelationalTypeMapping()))];
            var sql = db.GetService<ISqlGenerationHelper>();
            QuotedTable = sql.DelimitIdentifier(table.Name, table.Schema);
            var columns = string.Join(", ", _columns.Select(c => sql.DelimitIdentifier(c.Column)));
            InsertCommand = $"INSERT INTO {QuotedTable} ({columns}) VALUES ({string.Join(", ", _columns.Select((_, i) => "$p" + i))})";
            CopyCommand = $"COPY {QuotedTable} ({columns}) FROM STDIN (FORMAT BINARY)";
        }

        public string QuotedTable { get; }

        public string InsertCommand { get; }

        public string CopyCommand { get; }

        public SqliteCommand Insert(SqliteConnection connection, SqliteTransaction transaction)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = InsertCommand;
            for (var i = 0; i < _columns.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter("$p" + i, null));
            }

            command.Prepare();
            return command;
        }

        public void Bind(DbCommand command, object entity)
        {
            var values = ProviderValues(entity);
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
        }

        public object?[] ProviderValues(object entity)
        {
            var values = new object?[_columns.Length];
            for (var i = 0; i < _columns.Length; i++)
            {
                var (property, _, mapping) = _columns[i];
                var value = property.PropertyInfo!.GetValue(entity);
                var converter = property.GetValueConverter() ?? mapping.Converter;
                values[i] = value is null ? null : converter is null ? value : converter.ConvertToProvider(value);
                if (values[i] is Enum enumValue)
                {
                    values[i] = Convert.ChangeType(enumValue, Enum.GetUnderlyingType(enumValue.GetType()), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return values;
        }
    }
}
