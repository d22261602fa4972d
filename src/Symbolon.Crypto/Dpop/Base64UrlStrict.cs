// base64url without padding (RFC 7515 §2, RFC 4648 §5), decoded strictly: only the 64 URL-safe characters, no
// '=', no whitespace, and unused trailing bits must be zero, so every byte string has exactly one accepted text.
using System.Buffers;
using System.Buffers.Text;

namespace Symbolon.Crypto.Dpop;

internal static class Base64UrlStrict
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>Decodes only the canonical unpadded encoding; anything else returns false.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsAlphabet(c))
            {
                return false;
            }
        }

        // The OperationStatus overload reports bad input instead of throwing (TryDecodeFromChars throws on it).
        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        var status = Base64Url.DecodeFromChars(text, buffer, out var consumed, out var written);
        if (status != OperationStatus.Done || consumed != text.Length)
        {
            return false;
        }

        // Re-encoding catches non-zero unused bits in the last character ("AB" and "AC" both decode to 0x00).
        var decoded = buffer.AsSpan(0, written);
        if (!Base64Url.EncodeToString(decoded).AsSpan().SequenceEqual(text))
        {
            return false;
        }

        bytes = decoded.ToArray();
        return true;
    }

    private static bool IsAlphabet(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';
}
