using Symbolon.Crypto.Oprf;

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

    public static void MaxLength(ReadOnlySpan<byte> value, int max, string name)
    {
        if (value.Length > max)
        {
            throw new ArgumentException($"`{name}.Length` must be at most {max}.", name);
        }
    }

    public static void Count(int count, int max, string name)
    {
        if (count < 1 || count > max)
        {
            throw new ArgumentException($"`{name}.Count` must be from 1 to {max}.", name);
        }
    }

    public static void DefinedMode(OprfMode mode, string name)
    {
        if (mode is not (OprfMode.Oprf or OprfMode.Voprf or OprfMode.Poprf))
        {
            throw new ArgumentOutOfRangeException(name, "`mode` must be Oprf, Voprf or Poprf.");
        }
    }

    /// <summary>Info only exists in POPRF; accepting it elsewhere would let a caller believe it was bound.</summary>
    public static void InfoOnlyInPoprf(OprfMode mode, ReadOnlySpan<byte> info, string name)
    {
        if (mode != OprfMode.Poprf && !info.IsEmpty)
        {
            throw new ArgumentException($"`{name}` must be empty unless the mode is Poprf.", name);
        }
    }
}
