using System.Text.Json;

namespace Symbolon.Crypto.Dpop;

/// <summary>Reading untrusted JSON without exceptions escaping.</summary>
internal static class JsonText
{
    /// <summary>
    /// Whether every member name and string value has a UTF-16 form. An escaped lone surrogate (<c>"\uD800"</c>) is
    /// valid JSON, yet <see cref="JsonElement.GetString"/>, <see cref="JsonProperty.Name"/> and even
    /// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> throw on it. Checked once, up front, so that
    /// later reads cannot throw.
    /// </summary>
    public static bool IsValidUtf16(JsonElement element)
    {
        try
        {
            ReadAllText(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The named member's string value, or null if it is absent or not a string.</summary>
    public static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void ReadAllText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    _ = member.Name;
                    ReadAllText(member.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadAllText(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            default:
                break;
        }
    }
}
