using System.Text.Json;
using Symbolon.Crypto.Oprf;

namespace Symbolon.Crypto.Tests;

/// <summary>
/// RFC 9497 Appendix A.1 (ristretto255-SHA512), every vector of the three modes, batched ones included: key
/// derivation, blinding, evaluation with the vector's proof randomness, proof bytes, finalization, and the client's
/// check of the vector's own proof.
/// </summary>
public sealed class Rfc9497Tests
{
    private const string FileName = "rfc9497-ristretto255-sha512.json";

    public static TheoryData<int, int> Vectors() =>
        [.. Suites().SelectMany((suite, s) => suite.GetProperty("vectors").EnumerateArray().Select((_, v) => (s, v)))];

    [Fact]
    public void The_file_holds_all_eight_vectors_of_the_three_modes()
    {
        var suites = Suites();
        var vectors = suites.SelectMany(suite => suite.GetProperty("vectors").EnumerateArray()).ToList();

        Assert.Equal([0, 1, 2], suites.Select(suite => suite.GetProperty("mode").GetInt32()));
        Assert.All(suites, suite => Assert.Equal("ristretto255-SHA512", suite.Text("identifier")));
        Assert.Equal(8, vectors.Count);
        Assert.Equal(2, vectors.Count(vector => vector.GetProperty("Batch").GetInt32() == 2));
        Assert.Equal(10, vectors.Sum(vector => List(vector, "Input").Count));
        Assert.Equal(8, Vectors().Count);
    }

    [Theory]
    [InlineData(OprfMode.Oprf)]
    [InlineData(OprfMode.Voprf)]
    [InlineData(OprfMode.Poprf)]
    public void Key_pair_and_group_dst_match(OprfMode mode)
    {
        var suite = Suites()[(int)mode];
        using var key = OprfPrivateKey.DeriveKeyPair(mode, suite.Hex("seed"), suite.Hex("keyInfo"));

        var privateKey = new byte[OprfPrivateKey.KeySize];
        key.ExportUnsafe(privateKey);
        Assert.Equal(suite.Hex("skSm"), privateKey);
        if (suite.TryGetProperty("pkSm", out _))
        {
            Assert.Equal(suite.Hex("pkSm"), key.PublicKey.ToArray());
        }

        Assert.Equal(suite.Hex("groupDST"), (byte[])[.. "HashToGroup-"u8, .. OprfCore.ContextString(mode)]);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Official_vector_matches(int suiteIndex, int vectorIndex)
    {
        var suite = Suites()[suiteIndex];
        var vector = suite.GetProperty("vectors")[vectorIndex];
        var mode = (OprfMode)suite.GetProperty("mode").GetInt32();
        var inputs = List(vector, "Input");
        var info = vector.TryGetProperty("Info", out _) ? vector.Hex("Info") : [];
        var proof = vector.TryGetProperty("Proof", out var p) ? p : (JsonElement?)null;
        using var key = OprfPrivateKey.DeriveKeyPair(mode, suite.Hex("seed"), suite.Hex("keyInfo"));
        var client = new OprfClient(mode, mode == OprfMode.Oprf ? [] : key.PublicKey);

        var blindedInputs = inputs.Select((input, i) => client.Blind(input, info, List(vector, "Blind")[i])).ToList();
        try
        {
            Assert.Equal(List(vector, "BlindedElement"), blindedInputs.Select(b => b.BlindedElement.ToArray()));

            var evaluation = OprfServer.BlindEvaluate(
                key, [.. blindedInputs.Select(b => b.BlindedElement.ToArray())], info, proof?.Hex("r") ?? []);
            Assert.Equal(List(vector, "EvaluationElement"), evaluation.EvaluatedElements);
            Assert.Equal(proof?.Hex("proof") ?? [], evaluation.Proof.ToArray());

            // The client checks the vector's own evaluation and proof, not only ours.
            var published = new OprfEvaluation(List(vector, "EvaluationElement"), proof?.Hex("proof") ?? []);
            var outputs = new byte[inputs.Count * OprfClient.OutputSize];
            client.Finalize(blindedInputs, published, outputs);
            Assert.Equal(List(vector, "Output"), outputs.Chunk(OprfClient.OutputSize));
        }
        finally
        {
            blindedInputs.ForEach(b => b.Dispose());
        }
    }

    private static List<JsonElement> Suites() => [.. TestData.Load(FileName).EnumerateArray()];

    /// <summary>Batched vectors list their values comma-separated.</summary>
    private static List<byte[]> List(JsonElement vector, string property) =>
        [.. vector.Text(property).Split(',').Select(Convert.FromHexString)];
}
