// The audit log's hash chain: hash_n = SHA-256("symbolon.dev/v1/audit-chain" ‖ hash_(n-1) ‖ record_n), hash_0 = 32
// zero bytes, record = u64be(seq) ‖ i64be(time ticks) ‖ str(event) ‖ id(user) ‖ id(device) ‖ id(unit) ‖
// i32be(unit version or 0) ‖ str(detail). docs/spec.md §7.
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
    private static readonly byte[] Label = Encoding.ASCII.GetBytes(Labels.AuditChain);

    public static byte[] Genesis => new byte[HashSize];

    public static byte[] ComputeHash(byte[] previousHash, AuditRecord record)
    {
        var eventBytes = Encoding.UTF8.GetBytes(record.Event);
        var detailBytes = Encoding.UTF8.GetBytes(record.Detail);
        var buffer = new byte[Label.Length + HashSize + 8 + 8 + 4 + eventBytes.Length + 48 + 4 + 4 + detailBytes.Length];
        var span = buffer.AsSpan();
        Label.CopyTo(span);
        span = span[Label.Length..];
        previousHash.CopyTo(span);
        span = span[HashSize..];
        BinaryPrimitives.WriteInt64BigEndian(span, record.Sequence);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], record.Time.UtcTicks);
        span = span[16..];
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
    /// Walks the whole chain in sequence order. Detects a modified record (its hash no longer matches), an inserted or
    /// deleted one (a gap or a broken link), reordering (broken links), and a truncated tail (the head row disagrees).
    /// </summary>
    public static AuditVerification Verify(IEnumerable<AuditRecord> recordsInSequenceOrder, AuditHead head)
    {
        var previous = Genesis;
        long expected = 1;
        foreach (var record in recordsInSequenceOrder)
        {
            if (record.Sequence != expected)
            {
                return Broken(expected, $"expected record {expected} but found {record.Sequence}");
            }

            if (!CryptographicOperations.FixedTimeEquals(record.PreviousHash, previous))
            {
                return Broken(expected, "the link to the previous record is broken");
            }

            var hash = ComputeHash(previous, record);
            if (!CryptographicOperations.FixedTimeEquals(record.Hash, hash))
            {
                return Broken(expected, "the record does not match its hash");
            }

            previous = hash;
            expected++;
        }

        var count = expected - 1;
        if (head.Sequence != count || !CryptographicOperations.FixedTimeEquals(head.Hash, previous))
        {
            return Broken(expected, $"the chain ends at record {count} but the head names record {head.Sequence}");
        }

        return new AuditVerification(true, count, null, null, Convert.ToHexStringLower(previous));
    }

    private static AuditVerification Broken(long sequence, string problem) => new(false, sequence - 1, sequence, problem, null);

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
