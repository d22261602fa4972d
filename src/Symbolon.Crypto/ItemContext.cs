using System.Buffers.Binary;

namespace Symbolon.Crypto;

/// <summary>
/// What a data key and a sealed item are bound to: the vault and unit they belong to, the server share's key
/// version and the mode. Changing any one of them yields a different key and a header that no longer matches.
/// </summary>
public readonly record struct ItemContext
{
    /// <summary>Size of the encoded context: vault id (16) ‖ unit id (16) ‖ key version (4) ‖ mode (1).</summary>
    internal const int EncodedSize = 37;

    /// <summary>Creates a validated context.</summary>
    /// <param name="vaultId">The vault, never <see cref="Guid.Empty"/>.</param>
    /// <param name="unitId">The unit (one credential), never <see cref="Guid.Empty"/>.</param>
    /// <param name="keyVersion">The server share's version, starting at 1.</param>
    /// <param name="mode">Where the server share comes from.</param>
    public ItemContext(Guid vaultId, Guid unitId, uint keyVersion, ItemMode mode)
    {
        Guard.NotEmpty(vaultId, nameof(vaultId));
        Guard.NotEmpty(unitId, nameof(unitId));
        if (keyVersion == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(keyVersion), "`keyVersion` must be at least 1.");
        }

        Guard.DefinedMode(mode, nameof(mode));
        VaultId = vaultId;
        UnitId = unitId;
        KeyVersion = keyVersion;
        Mode = mode;
    }

    /// <summary>The vault the item belongs to.</summary>
    public Guid VaultId { get; }

    /// <summary>The unit (one stored credential).</summary>
    public Guid UnitId { get; }

    /// <summary>The version of the server share, incremented by each rotation.</summary>
    public uint KeyVersion { get; }

    /// <summary>Where the server share comes from.</summary>
    public ItemMode Mode { get; }

    /// <summary>Writes a GUID in RFC 9562 (big-endian) byte order, the order every other language uses.</summary>
    internal static void WriteId(Guid id, Span<byte> destination)
    {
        if (!id.TryWriteBytes(destination, bigEndian: true, out var written) || written != 16)
        {
            throw new ArgumentException("`destination.Length` must be at least 16.", nameof(destination));
        }
    }

    internal static Guid ReadId(ReadOnlySpan<byte> source) => new(source[..16], bigEndian: true);

    /// <summary>vault id ‖ unit id ‖ key version (big-endian u32) ‖ mode: the DEK's binding, spec §2.</summary>
    internal void Encode(Span<byte> destination)
    {
        WriteId(VaultId, destination);
        WriteId(UnitId, destination[16..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[32..], KeyVersion);
        destination[36] = (byte)Mode;
    }
}
