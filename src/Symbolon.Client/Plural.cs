namespace Symbolon.Client;

/// <summary>Counts in messages, as a person reads them.</summary>
internal static class Plural
{
    /// <summary>"1 item", "2 items", "0 items".</summary>
    public static string Count(long count, string noun) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
