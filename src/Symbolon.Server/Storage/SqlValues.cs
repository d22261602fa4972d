using System.Data.Common;

namespace Symbolon.Server.Storage;

/// <summary>
/// Parameter values for raw ADO.NET commands, in the form EF Core stores them, so that raw writes and EF reads agree:
/// a Guid is a uuid on PostgreSQL and EF's TEXT form on SQLite (upper case, "D" format); a DateTimeOffset is its UTC
/// ticks on both (<see cref="DateTimeOffsetToTicksConverter"/>); null is <see cref="DBNull"/>.
/// </summary>
public static class SqlValues
{
    public static object Id(Guid value, bool postgres) => postgres ? value : value.ToString("D").ToUpperInvariant();

    public static object Id(Guid? value, bool postgres) => value is { } id ? Id(id, postgres) : DBNull.Value;

    public static long Time(DateTimeOffset value) => value.UtcTicks;

    public static object OrNull<T>(T? value)
        where T : struct => value is { } present ? present : DBNull.Value;

    /// <summary>Adds the parameter <paramref name="name"/> (written "@name" in the command text) to <paramref name="command"/>.</summary>
    public static void Add(DbCommand command, string name, object value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
