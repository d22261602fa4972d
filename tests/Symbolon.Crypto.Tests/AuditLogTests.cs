using System.Security.Cryptography;
using System.Text.Json;
using Symbolon.Crypto.Transparency;

namespace Symbolon.Crypto.Tests;

/// <summary>The audit log's Merkle tree and checkpoints against testdata/vectors/audit-log.json (an independent generator).</summary>
public sealed class AuditLogTests
{
    private static readonly JsonElement Vectors = TestData.Load("audit-log.json");

    private static byte[][] LeafHashes => [.. Vectors.GetProperty("leaves").EnumerateArray().Select(l => l.Hex("leafHash"))];

    private static byte[] RootOf(long size) => Vectors.GetProperty("roots")[(int)size].Hex("root");

    private static byte[][] Hashes(JsonElement element, string property) =>
        [.. element.GetProperty(property).EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))];

    [Fact]
    public void Leaves_and_roots_of_every_size_match()
    {
        Assert.Equal(Labels.AuditLogLeaf, Vectors.GetProperty("labels").Text("leaf"));
        Assert.Equal(Labels.AuditCheckpoint, Vectors.GetProperty("labels").Text("checkpoint"));
        foreach (var leaf in Vectors.GetProperty("leaves").EnumerateArray())
        {
            var sequence = leaf.GetProperty("sequence").GetInt64();
            Assert.Equal(leaf.Hex("leafInput"), AuditLogLeaf.Input(sequence, leaf.Hex("chainHash")));
            Assert.Equal(leaf.Hex("leafHash"), AuditLogLeaf.Hash(sequence, leaf.Hex("chainHash")));
        }

        foreach (var root in Vectors.GetProperty("roots").EnumerateArray())
        {
            var size = root.GetProperty("treeSize").GetInt32();
            Assert.Equal(root.Hex("root"), MerkleTree.Root(LeafHashes[..size]));
        }
    }

    [Fact]
    public void Every_inclusion_proof_is_generated_and_verifies()
    {
        var leaves = LeafHashes;
        foreach (var proof in Vectors.GetProperty("inclusion").EnumerateArray())
        {
            var index = proof.GetProperty("index").GetInt64();
            var size = proof.GetProperty("treeSize").GetInt64();
            var path = Hashes(proof, "path");
            Assert.Equal(path, MerkleTree.InclusionProof(leaves[..(int)size], index));
            Assert.True(MerkleTree.VerifyInclusion(index, size, leaves[index], path, RootOf(size)), $"{index} in {size}");
        }
    }

    [Fact]
    public void Every_consistency_proof_is_generated_and_verifies()
    {
        var leaves = LeafHashes;
        foreach (var proof in Vectors.GetProperty("consistency").EnumerateArray())
        {
            var oldSize = proof.GetProperty("oldSize").GetInt64();
            var newSize = proof.GetProperty("newSize").GetInt64();
            var path = Hashes(proof, "proof");
            Assert.Equal(path, MerkleTree.ConsistencyProof(leaves[..(int)newSize], oldSize));
            Assert.True(MerkleTree.VerifyConsistency(oldSize, newSize, RootOf(oldSize), RootOf(newSize), path), $"{oldSize} to {newSize}");
        }
    }

    [Fact]
    public void Tampered_proofs_do_not_verify()
    {
        foreach (var proof in Vectors.GetProperty("invalidInclusion").EnumerateArray())
        {
            Assert.False(
                MerkleTree.VerifyInclusion(proof.GetProperty("index").GetInt64(), proof.GetProperty("treeSize").GetInt64(), proof.Hex("leafHash"), Hashes(proof, "path"), proof.Hex("root")),
                proof.Text("why"));
        }

        foreach (var proof in Vectors.GetProperty("invalidConsistency").EnumerateArray())
        {
            Assert.False(
                MerkleTree.VerifyConsistency(proof.GetProperty("oldSize").GetInt64(), proof.GetProperty("newSize").GetInt64(), proof.Hex("oldRoot"), proof.Hex("newRoot"), Hashes(proof, "proof")),
                proof.Text("why"));
        }
    }

    [Fact]
    public void Proofs_from_stored_subtrees_match_proofs_from_leaves()
    {
        // The server answers proofs from the hashes of complete subtrees; a larger tree than the vectors' exercises it.
        var leaves = Enumerable.Range(1, 300).Select(i => AuditLogLeaf.Hash(i, SHA256.HashData(BitConverter.GetBytes(i)))).ToArray();
        var subtrees = new Dictionary<long, byte[]>();
        byte[] Subtree(PerfectSubtree s) => s.Level == 0 ? leaves[s.Index] : subtrees.TryGetValue(s.FlatIndex, out var h) ? h
            : subtrees[s.FlatIndex] = MerkleTree.NodeHash(Subtree(new(s.Level - 1, 2 * s.Index)), Subtree(new(s.Level - 1, (2 * s.Index) + 1)));

        foreach (var (size, index) in new (int, int)[] { (300, 0), (300, 299), (257, 256), (256, 100), (129, 64) })
        {
            var root = MerkleTree.RangeRoot(new MerkleRange(0, size), Subtree);
            Assert.Equal(MerkleTree.Root(leaves[..size]), root);
            var path = MerkleTree.InclusionRanges(index, size).Select(r => MerkleTree.RangeRoot(r, Subtree)).ToList();
            Assert.True(MerkleTree.VerifyInclusion(index, size, leaves[index], path, root));
            var consistency = MerkleTree.ConsistencyRanges(index + 1, size).Select(r => MerkleTree.RangeRoot(r, Subtree)).ToList();
            Assert.True(MerkleTree.VerifyConsistency(index + 1, size, MerkleTree.Root(leaves[..(index + 1)]), root, consistency));
        }
    }

    [Fact]
    public void The_checkpoint_signed_by_the_generator_verifies_and_any_change_breaks_it()
    {
        var vector = Vectors.GetProperty("checkpoint");
        var key = vector.GetProperty("key");
        using var publicKey = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Convert.FromBase64String(Pad(key.Text("x"))), Y = Convert.FromBase64String(Pad(key.Text("y"))) },
        });
        var time = DateTimeOffset.Parse(vector.Text("time"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(long.Parse(vector.Text("ticks"), System.Globalization.CultureInfo.InvariantCulture), time.UtcTicks);
        var checkpoint = new AuditCheckpoint(vector.GetProperty("treeSize").GetInt64(), vector.Hex("root"), time);
        var signature = vector.Hex("signature");

        Assert.Equal(vector.Hex("signedBytes"), checkpoint.SignedBytes());
        Assert.True(checkpoint.Verify(publicKey, signature));
        Assert.False((checkpoint with { TreeSize = 9 }).Verify(publicKey, signature));
        Assert.False((checkpoint with { Time = time.AddTicks(1) }).Verify(publicKey, signature));
        var root = vector.Hex("root");
        root[31] ^= 1;
        Assert.False((checkpoint with { RootHash = root }).Verify(publicKey, signature));

        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.True(checkpoint.Verify(signer, checkpoint.Sign(signer)));
    }

    private static string Pad(string base64Url) =>
        base64Url.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (base64Url.Length % 4)) % 4);
}
