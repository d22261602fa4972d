using System.Security.Cryptography;
using Symbolon.Crypto;

namespace Symbolon.Client.Modes;

/// <summary>
/// The one way a share a key server sent (released, or drawn on create or rotate) becomes a key object: its length is
/// checked before anything else (a wrong one is the server's fault, a <see cref="ProtocolException"/>), and the decoded
/// bytes from the answer are wiped on every path.
/// </summary>
internal static class ServerShares
{
    /// <summary>A split-mode server share.</summary>
    public static ServerShare Import(Uri server, byte[]? share) =>
        Take(server, share, bytes => ServerShare.Import(bytes));

    /// <summary>Member <paramref name="index"/>'s value as share index + 1 of a t-of-n split (threshold mode).</summary>
    public static ShamirShare ImportShamir(Uri server, byte[]? value, int threshold, int index) =>
        Take(server, value, bytes => ShamirShare.FromValue(threshold, index + 1, bytes));

    private static T Take<T>(Uri server, byte[]? share, Func<byte[], T> import)
    {
        try
        {
            return share is { Length: ServerShare.ShareSize }
                ? import(share)
                : throw new ProtocolException(share is null
                    ? $"The key server at {server} sent no share."
                    : $"The key server at {server} sent a share of {share.Length} bytes; a share is {ServerShare.ShareSize}.");
        }
        finally
        {
            if (share is not null)
            {
                CryptographicOperations.ZeroMemory(share);
            }
        }
    }
}
