// One Shamir share of a 32-byte secret: threshold (2..255), index (1..255) and value (32 bytes). Callers move the
// value alone (FromValue, ExportValueUnsafe); the 34-byte encoding threshold (1) ‖ index (1) ‖ value (32) is
// internal. docs/spec.md, "Shamir secret sharing".

namespace Symbolon.Crypto;

/// <summary>
/// One share from <see cref="Shamir.Split"/>: the point (<see cref="Index"/>, value) on a random polynomial whose
/// constant term is the secret. It carries its <see cref="Threshold"/>, so <see cref="Shamir.Combine"/> knows how
/// many shares it needs. Fewer than that many shares reveal nothing about the secret. Zeroed on
/// <see cref="Dispose"/>.
/// </summary>
public sealed class ShamirShare : IDisposable
{
    /// <summary>Size of an encoded share in bytes: threshold (1) ‖ index (1) ‖ value (32).</summary>
    internal const int EncodedSize = 2 + ValueSize;

    /// <summary>Size of a share's value in bytes: one y-coordinate per secret byte.</summary>
    internal const int ValueSize = Shamir.SecretSize;

    internal ShamirShare(int threshold, byte index, SecretBuffer value)
    {
        Threshold = threshold;
        Index = index;
        Secret = value;
    }

    /// <summary>The share's x-coordinate, 1 to 255. Public: it says which share this is, nothing about the secret.</summary>
    public byte Index { get; }

    /// <summary>How many distinct shares of the same split <see cref="Shamir.Combine"/> needs, 2 to 255.</summary>
    public int Threshold { get; }

    /// <summary>The share's y-coordinates, one per secret byte.</summary>
    internal SecretBuffer Secret { get; }

    /// <summary>
    /// Wraps one share's value as received from the member that holds it, with the threshold and index the caller
    /// recorded when splitting. The caller should wipe its copy of <paramref name="value"/>.
    /// </summary>
    /// <param name="threshold">The split's threshold, from <see cref="Shamir.MinThreshold"/> to <see cref="Shamir.MaxShares"/>.</param>
    /// <param name="index">The share's x-coordinate, from 1 to <see cref="Shamir.MaxShares"/> (as <see cref="Index"/>).</param>
    /// <param name="value">Exactly <see cref="Shamir.SecretSize"/> bytes (as written by <see cref="ExportValueUnsafe"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The threshold or index is out of range.</exception>
    /// <exception cref="ArgumentException">The value's length is not <see cref="Shamir.SecretSize"/>.</exception>
    public static ShamirShare FromValue(int threshold, int index, ReadOnlySpan<byte> value)
    {
        if (threshold < Shamir.MinThreshold || threshold > Shamir.MaxShares)
        {
            throw new ArgumentOutOfRangeException(
                nameof(threshold), $"`{nameof(threshold)}` must be from {Shamir.MinThreshold} to {Shamir.MaxShares}.");
        }

        // Index 0 is the x-coordinate of the secret itself, which no share may have.
        if (index < 1 || index > Shamir.MaxShares)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"`{nameof(index)}` must be from 1 to {Shamir.MaxShares}.");
        }

        Guard.Length(value, ValueSize, nameof(value));
        return new ShamirShare(threshold, (byte)index, new SecretBuffer(value));
    }

    /// <summary>Reads an encoded share (as written by <see cref="ExportUnsafe"/>). The caller should wipe its copy.</summary>
    /// <param name="encoded">Exactly <see cref="EncodedSize"/> bytes: threshold ‖ index ‖ value.</param>
    /// <exception cref="ArgumentException">
    /// The length is not <see cref="EncodedSize"/>, the threshold is below <see cref="Shamir.MinThreshold"/>, or the
    /// index is 0 (the x-coordinate of the secret itself, which no share may have).
    /// </exception>
    internal static ShamirShare Import(ReadOnlySpan<byte> encoded)
    {
        Guard.Length(encoded, EncodedSize, nameof(encoded));
        int threshold = encoded[0];
        byte index = encoded[1];
        if (threshold < Shamir.MinThreshold)
        {
            throw new ArgumentException($"`{nameof(encoded)}` threshold must be at least {Shamir.MinThreshold}.", nameof(encoded));
        }

        if (index == 0)
        {
            throw new ArgumentException($"`{nameof(encoded)}` index must not be 0.", nameof(encoded));
        }

        return new ShamirShare(threshold, index, new SecretBuffer(encoded[2..]));
    }

    /// <summary>
    /// Copies the share's value out, to send it to the member that will hold it. Unsafe by name: the caller owns the
    /// copy and must wipe it. <see cref="Index"/> and <see cref="Threshold"/> are not included.
    /// </summary>
    /// <param name="destination">Exactly <see cref="Shamir.SecretSize"/> bytes.</param>
    public void ExportValueUnsafe(Span<byte> destination)
    {
        Guard.Length(destination, ValueSize, nameof(destination));
        Secret.Span.CopyTo(destination);
    }

    /// <summary>Writes the encoded share (threshold ‖ index ‖ value). The caller owns the copy and must wipe it.</summary>
    /// <param name="destination">Exactly <see cref="EncodedSize"/> bytes.</param>
    internal void ExportUnsafe(Span<byte> destination)
    {
        Guard.Length(destination, EncodedSize, nameof(destination));
        ReadOnlySpan<byte> value = Secret.Span;
        destination[0] = (byte)Threshold;
        destination[1] = Index;
        value.CopyTo(destination[2..]);
    }

    /// <summary>Zeroes the share's value. <see cref="Index"/> and <see cref="Threshold"/> stay readable.</summary>
    public void Dispose() => Secret.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"ShamirShare(index {Index}, threshold {Threshold}, value redacted)";
}
