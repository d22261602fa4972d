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

    /// <summary>A GUID read back from a column (uuid on PostgreSQL, text on SQLite).</summary>
    public static Guid ReadId(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetFieldType(ordinal) == typeof(Guid) ? reader.GetGuid(ordinal) : Guid.Parse(reader.GetString(ordinal));
    }

    /// <summary>A time stored as UTC ticks (null when the column is).</summary>
    public static DateTimeOffset? ReadTime(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : new DateTimeOffset(reader.GetInt64(ordinal), TimeSpan.Zero);
    }
}
