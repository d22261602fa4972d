using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Symbolon.Server.Storage;

/// <summary>
/// A write set in plain SQL on a connection and transaction it does not own: the hot paths (a release's write set, a
/// read's proof record) skip EF Core's change tracking, which costs more than the statements themselves. Values are
/// bound in the form EF Core stores them, so both see the same rows: UTC ticks for times, and on SQLite EF Core's
/// upper-case text for GUIDs. The SQL must be valid on SQLite and PostgreSQL alike (quoted identifiers, ON CONFLICT,
/// RETURNING).
/// </summary>
public sealed class SqlSet(DbConnection connection, DbTransaction? transaction, bool postgres, Dictionary<string, DbCommand>? prepared = null)
{
    /// <summary>Reads in plain SQL on the request's own open connection, outside any transaction.</summary>
    public static SqlSet Reads(SymbolonDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return new SqlSet(db.Database.GetDbConnection(), null, db.Database.IsNpgsql());
    }

    /// <summary>Plain SQL inside the context's current transaction, beside its EF Core work (an audit append, a proof id).</summary>
    public static SqlSet InTransaction(SymbolonDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("This write belongs inside the transaction of the change it goes with.");
        return new SqlSet(db.Database.GetDbConnection(), transaction, db.Database.IsNpgsql());
    }

    /// <summary>Whether the SQL runs on PostgreSQL (else SQLite).</summary>
    public bool Postgres => postgres;

    /// <summary>A command for <paramref name="sql"/> with these parameters; on the SQLite writer's connection, prepared once and reused.</summary>
    public DbCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        DbCommand? command = null;
        if (prepared is not null && prepared.TryGetValue(sql, out command))
        {
            command.Parameters.Clear();
        }
        else
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            prepared?.Add(sql, command);
        }

        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Executes <paramref name="sql"/> with these parameters; returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql, parameters);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            Release(command);
        }
    }

    /// <summary>Disposes a command this set does not keep prepared.</summary>
    public void Release(DbCommand command)
    {
        if (prepared is null)
        {
            command.Dispose();
        }
    }

    /// <summary>A GUID as its column holds it.</summary>
    public object Id(Guid value) => SqlValues.Id(value, postgres);

    /// <summary>A nullable GUID as its column holds it.</summary>
    public object Id(Guid? value) => SqlValues.Id(value, postgres);
}
