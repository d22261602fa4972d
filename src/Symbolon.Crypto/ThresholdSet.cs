// Threshold mode: the server secret, reconstructed from Shamir shares, bound to the server set that holds them.
// docs/spec.md §5. digest = SHA-256 over the set; bound secret = HKDF-SHA256(secret, info = label ‖ digest).
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>One member of a threshold item's server set: where share <c>index</c> lives and under which unit id.</summary>
/// <param name="Server">The key server's base URL.</param>
/// <param name="UnitId">The unit that server assigned to its share.</param>
public readonly record struct ThresholdMember(Uri Server, Guid UnitId);

/// <summary>
/// Binds a threshold item's key to its server set: the secret the client reconstructs passes through HKDF with a
/// digest of the threshold, the members' order, URLs and unit ids, so an item file edited to point at other servers
/// or units (or another threshold) no longer opens.
/// </summary>
public static class ThresholdSet
{
    /// <summary>Size of the set digest in bytes.</summary>
    public const int DigestSize = 32;

    private static readonly byte[] BindLabel = Encoding.ASCII.GetBytes(Labels.ThresholdSet);

    /// <summary>
    /// <c>SHA-256(t ‖ n ‖ for each member i = 1..n: i ‖ unit id ‖ len(url) as 2 bytes big-endian ‖ url as UTF-8)</c>,
    /// every count one byte, unit ids in the big-endian form of docs/spec.md §1.
    /// </summary>
    public static byte[] Digest(int threshold, IReadOnlyList<ThresholdMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < Shamir.MinThreshold || members.Count > Shamir.MaxShares)
        {
            throw new ArgumentException($"`members.Count` must be {Shamir.MinThreshold}..{Shamir.MaxShares}.", nameof(members));
        }

        if (threshold < Shamir.MinThreshold || threshold > members.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), $"`threshold` must be {Shamir.MinThreshold}..{members.Count}.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([(byte)threshold, (byte)members.Count]);
        Span<byte> fixedPart = stackalloc byte[1 + 16 + 2];
        for (var index = 0; index < members.Count; index++)
        {
            var url = Encoding.UTF8.GetBytes(members[index].Server.AbsoluteUri);
            if (url.Length > ushort.MaxValue)
            {
                throw new ArgumentException("A member URL is too long.", nameof(members));
            }

            fixedPart[0] = (byte)(index + 1);
            ItemContext.WriteId(members[index].UnitId, fixedPart[1..]);
            BinaryPrimitives.WriteUInt16BigEndian(fixedPart[17..], (ushort)url.Length);
            hash.AppendData(fixedPart);
            hash.AppendData(url);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>
    /// The server share a threshold item's data key is derived from:
    /// <c>HKDF-SHA256(ikm = reconstructed secret, salt = "", info = "symbolon.dev/v1/threshold-set" ‖ digest, L = 32)</c>.
    /// </summary>
    public static ServerShare Bind(ServerShare secret, ReadOnlySpan<byte> setDigest)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Guard.Length(setDigest, DigestSize, nameof(setDigest));
        Span<byte> info = stackalloc byte[BindLabel.Length + DigestSize];
        Span<byte> bound = stackalloc byte[ServerShare.ShareSize];
        try
        {
            BindLabel.CopyTo(info);
            setDigest.CopyTo(info[BindLabel.Length..]);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, secret.Secret.Span, bound, salt: [], info);
            return ServerShare.Import(bound);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bound);
        }
    }
}
