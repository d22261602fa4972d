// Shamir secret sharing (Shamir 1979) of a 32-byte secret over GF(2^8) (polynomial 0x11B), t-of-n with
// 2 <= t <= n <= 255: one random polynomial of degree t - 1 per secret byte, share i = (i, f(i)), combined by
// Lagrange interpolation at x = 0. Shares are 34 bytes (see ShamirShare). docs/spec.md, "Shamir secret sharing".
using System.Diagnostics;
using System.Security.Cryptography;

namespace Symbolon.Crypto;

/// <summary>
/// Splits a <see cref="ServerShare"/> into shares of which any <c>threshold</c> rebuild it and fewer reveal nothing
/// (threshold mode: the share is spread across key servers so that no single one holds it).
/// </summary>
public static class Shamir
{
    /// <summary>Size of the secret being shared, in bytes (a <see cref="ServerShare"/>).</summary>
    public const int SecretSize = ServerShare.ShareSize;

    /// <summary>The smallest threshold: with 1, every share would be the secret itself.</summary>
    public const int MinThreshold = 2;

    /// <summary>The most shares one split can have: indices are the non-zero elements of GF(2^8).</summary>
    public const int MaxShares = 255;

    /// <summary>
    /// Splits the secret into <paramref name="shareCount"/> shares with indices 1 to <paramref name="shareCount"/>,
    /// any <paramref name="threshold"/> of which rebuild it. The polynomial coefficients come from the operating
    /// system's CSPRNG and are wiped before returning. The caller owns (and must dispose) every share.
    /// </summary>
    /// <param name="secret">The secret to split; it is not consumed.</param>
    /// <param name="threshold">How many shares rebuild the secret, from <see cref="MinThreshold"/> to <paramref name="shareCount"/>.</param>
    /// <param name="shareCount">How many shares to make, from <paramref name="threshold"/> to <see cref="MaxShares"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The threshold or share count is out of range.</exception>
    public static ShamirShare[] Split(ServerShare secret, int threshold, int shareCount)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (threshold < MinThreshold)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), $"`{nameof(threshold)}` must be at least {MinThreshold}.");
        }

        if (shareCount > MaxShares)
        {
            throw new ArgumentOutOfRangeException(nameof(shareCount), $"`{nameof(shareCount)}` must be at most {MaxShares}.");
        }

        if (threshold > shareCount)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), $"`{nameof(threshold)}` must not exceed `{nameof(shareCount)}`.");
        }

        ReadOnlySpan<byte> secretBytes = secret.Secret.Span;
        using var coefficients = new SecretBuffer((threshold - 1) * SecretSize);

        // Every byte value is allowed, zero included: a uniform polynomial is what makes t - 1 shares reveal nothing.
        RandomNumberGenerator.Fill(coefficients.Span);
        return SplitCore(secretBytes, threshold, shareCount, coefficients.Span);
    }

    /// <summary>
    /// Rebuilds the secret from the first <see cref="ShamirShare.Threshold"/> shares, in the order given. Every share
    /// given must come from the same split: the same threshold and distinct indices.
    /// </summary>
    /// <param name="shares">At least <see cref="ShamirShare.Threshold"/> shares of one split; they are not consumed.</param>
    /// <exception cref="ArgumentException">
    /// The list is empty, holds null, mixes thresholds, repeats an index, or has fewer shares than the threshold.
    /// </exception>
    /// <remarks>
    /// Shares of different splits with the same threshold cannot be told apart and yield a wrong secret; the data
    /// key derived from it then fails to open the item.
    /// </remarks>
    public static ServerShare Combine(IReadOnlyList<ShamirShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0)
        {
            throw new ArgumentException($"`{nameof(shares)}` must not be empty.", nameof(shares));
        }

        int threshold = shares[0]?.Threshold ?? 0;
        Span<bool> seenIndices = stackalloc bool[MaxShares + 1];
        foreach (var share in shares)
        {
            if (share is null)
            {
                throw new ArgumentException($"`{nameof(shares)}` must not contain null.", nameof(shares));
            }

            if (share.Threshold != threshold)
            {
                throw new ArgumentException(
                    $"`{nameof(shares)}` must all have the same threshold; found {threshold} and {share.Threshold}.",
                    nameof(shares));
            }

            if (seenIndices[share.Index])
            {
                throw new ArgumentException(
                    $"`{nameof(shares)}` must have distinct indices; index {share.Index} appears more than once.",
                    nameof(shares));
            }

            seenIndices[share.Index] = true;

            // A disposed share fails here rather than halfway through the interpolation.
            _ = share.Secret.Span;
        }

        if (shares.Count < threshold)
        {
            throw new ArgumentException(
                $"`{nameof(shares)}` must contain at least {threshold} shares (the threshold); got {shares.Count}.",
                nameof(shares));
        }

        Span<byte> secret = stackalloc byte[SecretSize];
        try
        {
            CombineCore(shares, threshold, secret);
            return ServerShare.Import(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// The deterministic half of <see cref="Split"/>, given the coefficients: byte <c>j</c> of the coefficient of
    /// x^k (k = 1 … t - 1) is <c>coefficients[(k - 1) * 32 + j]</c>. Share i (i = 1 … n) has value
    /// <c>value[j] = f_j(i)</c> where <c>f_j(x) = secret[j] ⊕ c[1][j]·x ⊕ … ⊕ c[t-1][j]·x^(t-1)</c>.
    /// </summary>
    internal static ShamirShare[] SplitCore(ReadOnlySpan<byte> secret, int threshold, int shareCount, ReadOnlySpan<byte> coefficients)
    {
        Debug.Assert(secret.Length == SecretSize, "The secret is 32 bytes.");
        Debug.Assert(threshold >= MinThreshold && threshold <= shareCount && shareCount <= MaxShares, "2 <= t <= n <= 255.");
        Debug.Assert(coefficients.Length == (threshold - 1) * SecretSize, "There are t - 1 coefficients per secret byte.");

        var shares = new ShamirShare[shareCount];
        try
        {
            for (int index = 1; index <= shareCount; index++)
            {
                var value = new SecretBuffer(SecretSize);
                shares[index - 1] = new ShamirShare(threshold, (byte)index, value);
                Evaluate(secret, threshold, coefficients, (byte)index, value.Span);
            }

            return shares;
        }
        catch
        {
            foreach (var share in shares)
            {
                share?.Dispose();
            }

            throw;
        }
    }

    /// <summary>Writes f_j(x) for every byte j, by Horner's rule from the highest coefficient down.</summary>
    private static void Evaluate(ReadOnlySpan<byte> secret, int threshold, ReadOnlySpan<byte> coefficients, byte x, Span<byte> value)
    {
        for (int j = 0; j < SecretSize; j++)
        {
            byte result = 0;
            for (int k = threshold - 1; k >= 1; k--)
            {
                result = (byte)(GaloisField256.Multiply(result, x) ^ coefficients[((k - 1) * SecretSize) + j]);
            }

            value[j] = (byte)(GaloisField256.Multiply(result, x) ^ secret[j]);
        }
    }

    /// <summary>
    /// Lagrange interpolation at x = 0 over the first <paramref name="threshold"/> shares:
    /// <c>secret = ⊕_i value_i · Π_{m≠i} x_m / (x_m ⊕ x_i)</c> (subtraction is XOR in GF(2^8)).
    /// </summary>
    private static void CombineCore(IReadOnlyList<ShamirShare> shares, int threshold, Span<byte> secret)
    {
        Debug.Assert(threshold >= MinThreshold && shares.Count >= threshold, "Enough shares were checked for.");
        Debug.Assert(secret.Length == SecretSize, "The secret is 32 bytes.");

        secret.Clear();
        for (int i = 0; i < threshold; i++)
        {
            byte x = shares[i].Index;
            Debug.Assert(x != 0, "Import and Split never make index 0.");

            // The basis polynomial's value at 0. Indices are public, but the same constant-time field code serves.
            byte numerator = 1;
            byte denominator = 1;
            for (int m = 0; m < threshold; m++)
            {
                if (m != i)
                {
                    byte otherX = shares[m].Index;
                    numerator = GaloisField256.Multiply(numerator, otherX);
                    denominator = GaloisField256.Multiply(denominator, (byte)(otherX ^ x));
                }
            }

            byte basis = GaloisField256.Multiply(numerator, GaloisField256.Inverse(denominator));
            ReadOnlySpan<byte> value = shares[i].Secret.Span;
            for (int j = 0; j < SecretSize; j++)
            {
                secret[j] ^= GaloisField256.Multiply(basis, value[j]);
            }
        }
    }
}
