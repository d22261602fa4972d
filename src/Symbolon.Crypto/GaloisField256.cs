// GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11B), the field Shamir's scheme works in.
// Constant-time: no lookup tables and no branches on operand values. docs/spec.md, "Shamir secret sharing".

namespace Symbolon.Crypto;

/// <summary>Arithmetic on single bytes as elements of GF(2^8). Addition is XOR, so only the rest lives here.</summary>
internal static class GaloisField256
{
    /// <summary>The low byte of the AES polynomial 0x11B; the x^8 term is what falls off the top of the byte.</summary>
    private const int ReductionPolynomial = 0x1B;

    /// <summary>
    /// Shift-and-add multiplication. Table-based multiplication would be faster, but its memory access pattern
    /// depends on the operands, and share values and coefficients are secret; masks keep every step the same.
    /// </summary>
    public static byte Multiply(byte left, byte right)
    {
        int product = 0;
        int multiplicand = left;
        int multiplier = right;
        for (int bit = 0; bit < 8; bit++)
        {
            // All ones when the multiplier's low bit is set, all zeros otherwise: the add happens without a branch.
            product ^= multiplicand & -(multiplier & 1);
            multiplier >>= 1;

            // Doubling carries out of the byte exactly when the top bit is set; reduce by the mask, not by an if.
            int carry = -((multiplicand >> 7) & 1);
            multiplicand = ((multiplicand << 1) ^ (ReductionPolynomial & carry)) & 0xFF;
        }

        return (byte)product;
    }

    /// <summary>
    /// The multiplicative inverse as a^254 (since a^255 = 1 for every a ≠ 0), which maps 0 to 0. The exponent is
    /// fixed, so square-and-multiply always runs the same seven squarings and seven multiplications.
    /// </summary>
    public static byte Inverse(byte value)
    {
        // 254 = 2 + 4 + ... + 128: multiply together the seven successive squares of the value.
        byte power = value;
        byte result = 1;
        for (int square = 0; square < 7; square++)
        {
            power = Multiply(power, power);
            result = Multiply(result, power);
        }

        return result;
    }
}
