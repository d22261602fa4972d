using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Symbolon.Server.Storage;

/// <summary>
/// Per-connection SQLite settings. synchronous=FULL makes every commit durable in WAL mode before it returns, which
/// "a share is released only after its audit record is durably committed" requires. secure_delete=ON makes SQLite
/// overwrite with zeros whatever a DELETE or an UPDATE frees (a shredded or retired share's sealed bytes), in the page
/// and on the free list, instead of leaving it readable in the file until the space is reused.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA secure_delete=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
