using System.Text.Json;

namespace Symbolon.Crypto.Tests;

public sealed class ThresholdSetTests
{
    private static readonly JsonElement Vectors = TestData.Load("threshold-set.json");

    public static TheoryData<string> VectorNames() => ["2-of-3", "3-of-3"];

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void The_digest_and_the_bound_secret_match_the_independent_generator(string name)
    {
        var vector = Vectors.GetProperty("vectors").EnumerateArray().Single(v => v.Text("name") == name);
        var members = vector.GetProperty("members").EnumerateArray()
            .Select(m => new ThresholdMember(new Uri(m.Text("server")), Guid.Parse(m.Text("unitId"))))
            .ToList();

        var digest = ThresholdSet.Digest(vector.GetProperty("threshold").GetInt32(), members);
        using var secret = ServerShare.Import(vector.Hex("secret"));
        using var bound = ThresholdSet.Bind(secret, digest);

        Assert.Equal(vector.Hex("digest"), digest);
        Assert.Equal(vector.Hex("bound"), Export(bound));
    }

    [Fact]
    public void Any_change_to_the_set_changes_the_digest()
    {
        ThresholdMember[] members =
        [
            new(new Uri("https://a.example/"), Guid.Parse("00000000-0000-0000-0000-000000000001")),
            new(new Uri("https://b.example/"), Guid.Parse("00000000-0000-0000-0000-000000000002")),
            new(new Uri("https://c.example/"), Guid.Parse("00000000-0000-0000-0000-000000000003")),
        ];
        var original = ThresholdSet.Digest(2, members);
        byte[][] changed =
        [
            ThresholdSet.Digest(3, members),
            ThresholdSet.Digest(2, [members[1], members[0], members[2]]),
            ThresholdSet.Digest(2, [members[0], members[1], members[2] with { Server = new Uri("https://d.example/") }]),
            ThresholdSet.Digest(2, [members[0], members[1], members[2] with { UnitId = Guid.NewGuid() }]),
            ThresholdSet.Digest(2, [members[0], members[1]]),
        ];

        Assert.All(changed, digest => Assert.NotEqual(original, digest));
    }

    [Fact]
    public void Invalid_sets_are_refused()
    {
        ThresholdMember[] two = [new(new Uri("https://a.example/"), Guid.NewGuid()), new(new Uri("https://b.example/"), Guid.NewGuid())];

        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSet.Digest(1, two));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSet.Digest(3, two));
        Assert.Throws<ArgumentException>(() => ThresholdSet.Digest(2, [two[0]]));
        using var secret = ServerShare.Generate();
        Assert.Throws<ArgumentException>(() => ThresholdSet.Bind(secret, new byte[31]));
    }

    private static byte[] Export(ServerShare share)
    {
        var bytes = new byte[ServerShare.ShareSize];
        share.ExportUnsafe(bytes);
        return bytes;
    }
}
