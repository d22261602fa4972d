using System.Globalization;

namespace Symbolon.Server.Devices;

/// <summary>
/// The one rule for a device name the server stores and other devices later print: trimmed, "device" when empty, at most
/// <see cref="MaxLength"/> characters, and printable only — no control characters (ANSI escapes, new lines), no
/// formatting characters (bidirectional overrides that reorder what a terminal shows), no lone surrogates.
/// </summary>
public static class DeviceNames
{
    public const int MaxLength = 100;

    public const string Rule = "at most 100 printable characters (no control or formatting characters)";

    public static bool TryNormalise(string? name, out string normalised)
    {
        normalised = string.IsNullOrWhiteSpace(name) ? "device" : name.Trim();
        return normalised.Length <= MaxLength && IsPrintable(normalised);
    }

    private static bool IsPrintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogate(text[i]))
            {
                if (!char.IsSurrogatePair(text, i))
                {
                    return false;
                }

                i++;
                continue;
            }

            var category = char.GetUnicodeCategory(text[i]);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse)
            {
                return false;
            }
        }

        return true;
    }
}
