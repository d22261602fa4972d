// One Shamir share of a 32-byte secret, encoded in 34 bytes: threshold (1) ‖ index (1) ‖ value (32).
// docs/spec.md, "Shamir secret sharing".

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
    public const int EncodedSize = 2 + ValueSize;

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

    /// <summary>Reads an encoded share (as written by <see cref="ExportUnsafe"/>). The caller should wipe its copy.</summary>
    /// <param name="encoded">Exactly <see cref="EncodedSize"/> bytes: threshold ‖ index ‖ value.</param>
    /// <exception cref="ArgumentException">
    /// The length is not <see cref="EncodedSize"/>, the threshold is below <see cref="Shamir.MinThreshold"/>, or the
    /// index is 0 (the x-coordinate of the secret itself, which no share may have).
    /// </exception>
    public static ShamirShare Import(ReadOnlySpan<byte> encoded)
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

    /// <summary>Writes the encoded share (to store or send it). The caller owns the copy and must wipe it.</summary>
    /// <param name="destination">Exactly <see cref="EncodedSize"/> bytes.</param>
    public void ExportUnsafe(Span<byte> destination)
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
