using System.Text.Json;
using Symbolon.Crypto;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests;

/// <summary>The record hashes of docs/spec.md §7 against testdata/vectors/audit-chain.json (an independent Node generator).</summary>
public sealed class AuditChainVectorTests
{
    private static readonly JsonElement Vectors = Load();

    public static TheoryData<int> Chains() => [.. Enumerable.Range(0, Vectors.GetProperty("chains").GetArrayLength())];

    [Fact]
    public void The_labels_are_the_specified_ones()
    {
        Assert.Equal(Labels.AuditChain, Vectors.GetProperty("labels").GetProperty("chain").GetString());
        Assert.Equal(Labels.AuditGlobalChain, Vectors.GetProperty("labels").GetProperty("globalChain").GetString());
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void Each_record_hashes_to_the_vector_and_links_to_the_previous(int chain)
    {
        foreach (var vector in Records(chain))
        {
            var record = Record(vector);
            Assert.Equal(Hex(vector, "hash"), AuditChain.ComputeHash(Hex(vector, "previousHash"), record));
        }
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void The_chain_verifies_against_its_head_and_fails_with_any_field_changed(int chain)
    {
        var records = Records(chain).Select(Record).ToList();
        var head = new AuditHead { ChainId = records[0].ChainId, ChainSequence = records.Count, Hash = records[^1].Hash };

        Assert.True(AuditChain.Verify(records, [head]).Valid);
        foreach (var change in new Action<AuditRecord>[]
        {
            r => r.Event += ".",
            r => r.Detail += " ",
            r => r.Time = r.Time.AddTicks(1),
            r => r.DeviceId = Guid.NewGuid(),
            r => r.UnitVersion = (r.UnitVersion ?? 0) + 1,
            r => r.UserId = r.UserId is null ? Guid.NewGuid() : null,
            r => r.Format = r.Format == AuditRecordFormat.GlobalChain ? AuditRecordFormat.AccountChain : AuditRecordFormat.GlobalChain,
        })
        {
            var tampered = Records(chain).Select(Record).ToList();
            change(tampered[0]);
            Assert.False(AuditChain.Verify(tampered, [head]).Valid);
        }
    }

    private static AuditRecord Record(JsonElement vector) => new()
    {
        Format = (AuditRecordFormat)vector.GetProperty("format").GetInt32(),
        Sequence = vector.GetProperty("sequence").GetInt64(),
        ChainId = vector.GetProperty("chainId").GetGuid(),
        ChainSequence = vector.GetProperty("chainSequence").GetInt64(),
        Time = new DateTimeOffset(long.Parse(vector.GetProperty("ticks").GetString()!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero),
        Event = vector.GetProperty("event").GetString()!,
        UserId = OptionalId(vector, "userId"),
        DeviceId = OptionalId(vector, "deviceId"),
        UnitId = OptionalId(vector, "unitId"),
        UnitVersion = vector.GetProperty("unitVersion").ValueKind == JsonValueKind.Null ? null : vector.GetProperty("unitVersion").GetInt32(),
        Detail = vector.GetProperty("detail").GetString()!,
        PreviousHash = Hex(vector, "previousHash"),
        Hash = Hex(vector, "hash"),
    };

    private static Guid? OptionalId(JsonElement vector, string property) =>
        vector.GetProperty(property).ValueKind == JsonValueKind.Null ? null : vector.GetProperty(property).GetGuid();

    private static byte[] Hex(JsonElement vector, string property) => Convert.FromHexString(vector.GetProperty(property).GetString()!);

    private static JsonElement.ArrayEnumerator Records(int chain) =>
        Vectors.GetProperty("chains")[chain].GetProperty("records").EnumerateArray();

    private static JsonElement Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", "audit-chain.json")));
        return document.RootElement.Clone();
    }
}
