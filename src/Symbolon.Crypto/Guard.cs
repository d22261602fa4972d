namespace Symbolon.Crypto;

/// <summary>The one place argument errors are built, so every message reads the same way.</summary>
internal static class Guard
{
    public static void Length(ReadOnlySpan<byte> value, int expected, string name)
    {
        if (value.Length != expected)
        {
            throw new ArgumentException($"`{name}.Length` must be {expected}.", name);
        }
    }

    public static void NotEmpty(Guid value, string name)
    {
        if (value == Guid.Empty)
        {
            throw new ArgumentException($"`{name}` must not be the empty GUID.", name);
        }
    }

    public static void DefinedMode(ItemMode mode, string name)
    {
        if (mode is not (ItemMode.Split or ItemMode.Threshold or ItemMode.Blinded))
        {
            throw new ArgumentOutOfRangeException(name, "`mode` must be Split, Threshold or Blinded.");
        }
    }
}
