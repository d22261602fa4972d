using System.Data.Common;

namespace Symbolon.Server.Storage;

/// <summary>
/// Values for SQL written by hand, in the form EF Core stores them, so that plain-SQL writes and EF reads agree: a Guid
/// is a uuid on PostgreSQL and EF's TEXT form on SQLite (upper case, "D" format); a DateTimeOffset is its UTC ticks on
/// both (<see cref="DateTimeOffsetToTicksConverter"/>); null is <see cref="DBNull"/>.
/// </summary>
public static class SqlValues
{
    /// <summary>A GUID as its column holds it.</summary>
    public static object Id(Guid value, bool postgres) => postgres ? value : value.ToString("D").ToUpperInvariant();

    /// <summary>A nullable GUID as its column holds it.</summary>
    public static object Id(Guid? value, bool postgres) => value is { } id ? Id(id, postgres) : DBNull.Value;

    /// <summary>A time as its column holds it: UTC ticks.</summary>
    public static long Time(DateTimeOffset value) => value.UtcTicks;

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
