// The audit log's hash chains, docs/spec.md §7. One chain per account (chain id = user id) and the deployment chain
// (chain id = 16 zero bytes) for records without a user; hash_0 = 32 zero bytes in each.
//   v2: hash_n = SHA-256("symbolon.dev/v2/audit-chain" ‖ hash_(n-1) ‖ uuid(chain) ‖ u64be(n) ‖ fields)
//   v1: hash_n = SHA-256("symbolon.dev/v1/audit-chain" ‖ hash_(n-1) ‖ u64be(global sequence) ‖ fields), only the
//       records written before per-account chains; they open the deployment chain, with n = their global sequence.
//   fields = i64be(time ticks) ‖ str(event) ‖ id(user) ‖ id(device) ‖ id(unit) ‖ i32be(unit version or 0) ‖ str(detail)
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Symbolon.Crypto;
using Symbolon.Protocol;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Audit;

public static class AuditChain
{
    public const int HashSize = 32;

    /// <summary>The chain of records without a user (and of every record written before per-account chains).</summary>
    public static readonly Guid DeploymentChain = Guid.Empty;

    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.AuditChain);
    private static readonly byte[] GlobalChainLabel = Encoding.ASCII.GetBytes(Labels.AuditGlobalChain);

    public static byte[] Genesis => new byte[HashSize];

    /// <summary>The chain a record of <paramref name="userId"/> links into.</summary>
    public static Guid ChainOf(Guid? userId) => userId ?? DeploymentChain;

    /// <summary>The record's hash in its format, linked to <paramref name="previousHash"/>.</summary>
    public static byte[] ComputeHash(byte[] previousHash, AuditRecord record)
    {
        var v2 = record.Format switch
        {
            AuditRecordFormat.AccountChain => true,
            AuditRecordFormat.GlobalChain => false,
            _ => throw new ArgumentOutOfRangeException(nameof(record), $"Unknown audit record format {(int)record.Format}."),
        };
        var label = v2 ? Label : GlobalChainLabel;
        var position = v2 ? 16 + 8 : 8;
        var eventBytes = Encoding.UTF8.GetBytes(record.Event);
        var detailBytes = Encoding.UTF8.GetBytes(record.Detail);
        var buffer = new byte[label.Length + HashSize + position + 8 + 4 + eventBytes.Length + 48 + 4 + 4 + detailBytes.Length];
        var span = buffer.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        previousHash.CopyTo(span);
        span = span[HashSize..];
        if (v2)
        {
            WriteId(record.ChainId, span);
            BinaryPrimitives.WriteInt64BigEndian(span[16..], record.ChainSequence);
        }
        else
        {
            BinaryPrimitives.WriteInt64BigEndian(span, record.Sequence);
        }

        span = span[position..];
        BinaryPrimitives.WriteInt64BigEndian(span, record.Time.UtcTicks);
        span = span[8..];
        BinaryPrimitives.WriteInt32BigEndian(span, eventBytes.Length);
        eventBytes.CopyTo(span[4..]);
        span = span[(4 + eventBytes.Length)..];
        WriteId(record.UserId, span);
        WriteId(record.DeviceId, span[16..]);
        WriteId(record.UnitId, span[32..]);
        BinaryPrimitives.WriteInt32BigEndian(span[48..], record.UnitVersion ?? 0);
        BinaryPrimitives.WriteInt32BigEndian(span[52..], detailBytes.Length);
        detailBytes.CopyTo(span[56..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>
    /// Walks every chain from its genesis. Detects a modified record (its hash no longer matches), an inserted or deleted
    /// one (a gap or a broken link), reordering (broken links), a record moved to another chain, and a truncated tail (the
    /// chain's head row disagrees). <paramref name="recordsByChain"/> holds each chain's records consecutively, in chain
    /// sequence order. On success, HeadHash is the deployment chain's head.
    /// </summary>
    public static AuditVerification Verify(IEnumerable<AuditRecord> recordsByChain, IEnumerable<AuditHead> heads)
    {
        var headOf = heads.ToDictionary(head => head.ChainId);
        var walked = new HashSet<Guid>();
        var deploymentHead = Genesis;
        long count = 0;
        Guid? chain = null;
        var previous = Genesis;
        long expected = 1;
        var accountFormatSeen = false;
        foreach (var record in recordsByChain)
        {
            if (record.ChainId != chain)
            {
                if (chain is { } ended && CheckHead(ended, expected - 1, previous, headOf) is { } headProblem)
                {
                    return headProblem;
                }

                if (!walked.Add(record.ChainId))
                {
                    return Broken(record.Sequence, $"chain {record.ChainId} is not in order");
                }

                chain = record.ChainId;
                previous = Genesis;
                expected = 1;
                accountFormatSeen = false;
            }

            if (record.ChainSequence != expected)
            {
                return Broken(record.Sequence, $"chain {record.ChainId} expected its record {expected} but found {record.ChainSequence}");
            }

            // v1 records only open the deployment chain, numbered by their global sequence; v2 records sit in their user's chain.
            var placed = record.Format switch
            {
                AuditRecordFormat.GlobalChain => record.ChainId == DeploymentChain && !accountFormatSeen && record.ChainSequence == record.Sequence,
                AuditRecordFormat.AccountChain => record.ChainId == ChainOf(record.UserId),
                _ => false,
            };
            if (!placed)
            {
                return Broken(record.Sequence, $"the record does not belong at position {record.ChainSequence} of chain {record.ChainId}");
            }

            accountFormatSeen |= record.Format == AuditRecordFormat.AccountChain;
            if (!CryptographicOperations.FixedTimeEquals(record.PreviousHash, previous))
            {
                return Broken(record.Sequence, "the link to the previous record is broken");
            }

            var hash = ComputeHash(previous, record);
            if (!CryptographicOperations.FixedTimeEquals(record.Hash, hash))
            {
                return Broken(record.Sequence, "the record does not match its hash");
            }

            previous = hash;
            expected++;
            count++;
            if (record.ChainId == DeploymentChain)
            {
                deploymentHead = hash;
            }
        }

        if (chain is { } last && CheckHead(last, expected - 1, previous, headOf) is { } lastProblem)
        {
            return lastProblem;
        }

        if (headOf.Values.FirstOrDefault(head => !walked.Contains(head.ChainId)) is { } orphan)
        {
            return new AuditVerification(false, count, null, $"chain {orphan.ChainId} has no records but its head names record {orphan.ChainSequence}", null);
        }

        return new AuditVerification(true, count, null, null, Convert.ToHexStringLower(deploymentHead));
    }

    private static AuditVerification? CheckHead(Guid chain, long length, byte[] lastHash, Dictionary<Guid, AuditHead> headOf) =>
        headOf.TryGetValue(chain, out var head) && head.ChainSequence == length && CryptographicOperations.FixedTimeEquals(head.Hash, lastHash)
            ? null
            : new AuditVerification(false, 0, null, $"chain {chain} ends at its record {length} but its head names record {head?.ChainSequence ?? 0}", null);

    private static AuditVerification Broken(long sequence, string problem) => new(false, 0, sequence, problem, null);

    private static void WriteId(Guid? id, Span<byte> destination)
    {
        if (id is { } value)
        {
            value.TryWriteBytes(destination, bigEndian: true, out _);
        }
        else
        {
            destination[..16].Clear();
        }
    }
}
