using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Crypto.Transparency;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;
using Symbolon.Testing;

namespace Symbolon.Server.Tests;

/// <summary>The audit log's Merkle tree and signed checkpoints (docs/spec.md §7.1): what the server publishes verifies.</summary>
public sealed class AuditLogTests
{
    [Fact]
    public async Task Checkpoints_advance_verify_and_stay_consistent()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        await client.ReleaseAsync(unit.Id);

        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync(Routes.AuditLatestCheckpoint)).StatusCode);
        var firstSize = await CheckpointAsync(app);
        var first = await LatestAsync(client);
        for (var i = 0; i < 5; i++)
        {
            await client.ReleaseAsync(unit.Id);
        }

        var secondSize = await CheckpointAsync(app);
        var second = await LatestAsync(client);
        var consistency = await GetAsync(client, Routes.AuditConsistencyProofOf(first.TreeSize, second.TreeSize), ProtocolJsonContext.Default.ConsistencyProofView);
        var listed = await GetAsync(client, Routes.AuditCheckpointsOf(0, 10), ProtocolJsonContext.Default.CheckpointViewArray);
        using var key = await AuditKeyAsync(client);

        Assert.Equal(app.WithDatabase(db => db.AuditRecords.LongCount()), secondSize);
        Assert.True(secondSize > firstSize);
        Assert.Equal(firstSize, first.TreeSize);
        Assert.Equal(secondSize, second.TreeSize);
        Assert.True(Checkpoint(first).Verify(key, first.Signature));
        Assert.True(Checkpoint(second).Verify(key, second.Signature));
        Assert.True(MerkleTree.VerifyConsistency(first.TreeSize, second.TreeSize, first.RootHash, second.RootHash, consistency.Proof));
        Assert.Equal([first.TreeSize, second.TreeSize], listed.Select(c => c.TreeSize));

        // The tree the server stores is the tree of the records' leaves.
        var leaves = app.WithDatabase(db => db.AuditRecords.OrderBy(r => r.Sequence).Select(r => new { r.Sequence, r.Hash }).ToList())
            .Select(r => AuditLogLeaf.Hash(r.Sequence, r.Hash)).ToList();
        Assert.Equal(MerkleTree.Root(leaves), second.RootHash);

        var verification = await VerifyAsync(app, client);
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal(secondSize, verification.LogLeaves);
        Assert.Equal(2, verification.Checkpoints);
    }

    [Fact]
    public async Task An_inclusion_proof_is_given_for_the_callers_own_records_only()
    {
        using var app = new SymbolonApp();
        using var alice = await app.NewClient().SignUpAsync();
        using var bob = await app.NewClient().SignUpAsync();
        var unit = await alice.CreateUnitAsync();
        var receipt = (await (await alice.ReleaseAsync(unit.Id)).Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ReleaseResponse))!.Receipt;
        await bob.CreateUnitAsync();
        await CheckpointAsync(app);
        var checkpoint = await LatestAsync(alice);

        var proof = await GetAsync(alice, Routes.AuditInclusionProofOf(receipt.Sequence, checkpoint.TreeSize), ProtocolJsonContext.Default.InclusionProofView);
        var asBob = await bob.SendAsync(HttpMethod.Get, Routes.AuditInclusionProofOf(receipt.Sequence, checkpoint.TreeSize));
        var anonymous = await alice.Http.GetAsync(Routes.AuditInclusionProofOf(receipt.Sequence, checkpoint.TreeSize));
        var tooLarge = await alice.SendAsync(HttpMethod.Get, Routes.AuditInclusionProofOf(receipt.Sequence, checkpoint.TreeSize + 1));

        Assert.True(MerkleTree.VerifyInclusion(proof.LeafIndex, proof.TreeSize, AuditLogLeaf.Hash(receipt.Sequence, receipt.ChainHash), proof.Path, checkpoint.RootHash));
        Assert.Equal(HttpStatusCode.NotFound, asBob.StatusCode);
        Assert.Contains(ProblemTypes.NotFound, await asBob.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);

        // A record released after the checkpoint is in no tree yet: not found in the checkpoint's tree.
        var later = (await (await alice.ReleaseAsync(unit.Id)).Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ReleaseResponse))!.Receipt;
        await CheckpointAsync(app);
        var notInOld = await alice.SendAsync(HttpMethod.Get, Routes.AuditInclusionProofOf(later.Sequence, checkpoint.TreeSize));
        Assert.Equal(HttpStatusCode.NotFound, notInOld.StatusCode);
    }

    [Fact]
    public async Task Consistency_proofs_are_refused_outside_the_log()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var size = await CheckpointAsync(app);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.Http.GetAsync(Routes.AuditConsistencyProofOf(0, size))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.Http.GetAsync(Routes.AuditConsistencyProofOf(size, size + 1))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.Http.GetAsync(Routes.AuditConsistencyProofOf(size, size - 1))).StatusCode);
        Assert.Empty((await GetAsync(client, Routes.AuditConsistencyProofOf(size, size), ProtocolJsonContext.Default.ConsistencyProofView)).Proof);
    }

    public static TheoryData<string> Tamperings() => ["leaf", "node", "checkpoint-root", "checkpoint-signature", "leaf-deleted", "checkpoint-beyond"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Verification_detects_a_tampered_log(string tampering)
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var unit = await client.CreateUnitAsync();
        await client.ReleaseAsync(unit.Id);
        await CheckpointAsync(app);
        await client.ReleaseAsync(unit.Id);
        await CheckpointAsync(app);
        Assert.True((await VerifyAsync(app, client)).Valid);

        app.WithDatabase(db => tampering switch
        {
            "leaf" => db.Database.ExecuteSql($"UPDATE \"AuditLeaves\" SET \"Hash\" = {new byte[32]} WHERE \"LeafIndex\" = 1"),
            "node" => db.Database.ExecuteSql($"UPDATE \"AuditNodes\" SET \"Hash\" = {new byte[32]} WHERE \"FlatIndex\" = 1"),
            "checkpoint-root" => db.Database.ExecuteSql($"UPDATE \"AuditCheckpoints\" SET \"RootHash\" = {new byte[32]} WHERE \"TreeSize\" = (SELECT MIN(\"TreeSize\") FROM \"AuditCheckpoints\")"),
            "checkpoint-signature" => db.Database.ExecuteSql($"UPDATE \"AuditCheckpoints\" SET \"Time\" = \"Time\" + 1"),
            "leaf-deleted" => db.Database.ExecuteSql($"DELETE FROM \"AuditLeaves\" WHERE \"LeafIndex\" = 2"),
            "checkpoint-beyond" => db.Database.ExecuteSql($"DELETE FROM \"AuditLeaves\" WHERE \"LeafIndex\" = (SELECT MAX(\"LeafIndex\") FROM \"AuditLeaves\")"),
            _ => throw new ArgumentOutOfRangeException(nameof(tampering)),
        });
        var result = await VerifyAsync(app, client);

        Assert.False(result.Valid);
        Assert.NotNull(result.Problem);
        Assert.Equal(1, await AuditTests.RunCommandAsync(app, "verify-audit"));
    }

    [Fact]
    public async Task The_log_is_built_in_batches_and_answers_proofs_from_stored_subtrees()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();

        // Records written straight into the chain (as a long history would be), more than one batch of them.
        app.WithDatabase(db =>
        {
            var log = new AuditLog(TimeProvider.System);
            using var transaction = db.Database.BeginTransaction();
            for (var i = 0; i < AuditCheckpointer.BatchSize + 37; i++)
            {
                log.AppendAsync(db, AuditEvents.UnitDenied, detail: "filler").GetAwaiter().GetResult();
                if (i % 500 == 0)
                {
                    db.SaveChanges();
                }
            }

            db.SaveChanges();
            transaction.Commit();
            return 0;
        });

        var size = await CheckpointAsync(app);
        var checkpoint = await LatestAsync(client);
        var records = app.WithDatabase(db => db.AuditRecords.OrderBy(r => r.Sequence).Select(r => new { r.Sequence, r.Hash }).ToList());
        var leaves = records.Select(r => AuditLogLeaf.Hash(r.Sequence, r.Hash)).ToList();
        var middle = await GetAsync(client, Routes.AuditConsistencyProofOf(AuditCheckpointer.BatchSize, size), ProtocolJsonContext.Default.ConsistencyProofView);

        Assert.Equal(records.Count, size);
        Assert.Equal(2, app.WithDatabase(db => db.AuditCheckpoints.Count()));
        Assert.Equal(MerkleTree.Root(leaves), checkpoint.RootHash);
        Assert.True(MerkleTree.VerifyConsistency(AuditCheckpointer.BatchSize, size, MerkleTree.Root(leaves[..AuditCheckpointer.BatchSize]), checkpoint.RootHash, middle.Proof));
        Assert.True((await VerifyAsync(app, client)).Valid);
    }

    internal static async Task<long> CheckpointAsync(SymbolonApp app) =>
        await app.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync(CancellationToken.None);

    private static Task<CheckpointView> LatestAsync(TestClient client) =>
        GetAsync(client, Routes.AuditLatestCheckpoint, ProtocolJsonContext.Default.CheckpointView);

    private static AuditCheckpoint Checkpoint(CheckpointView view) => new(view.TreeSize, view.RootHash, view.Time);

    private static async Task<T> GetAsync<T>(TestClient client, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var response = path.StartsWith(Routes.AuditInclusionProof, StringComparison.Ordinal)
            ? await client.SendAsync(HttpMethod.Get, path)
            : await client.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(type))!;
    }

    private static async Task<ECDsa> AuditKeyAsync(TestClient client)
    {
        var key = await GetAsync(client, Routes.AuditKey, ProtocolJsonContext.Default.AuditKeyView);
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = System.Buffers.Text.Base64Url.DecodeFromChars(key.X), Y = System.Buffers.Text.Base64Url.DecodeFromChars(key.Y) },
        });
    }

    private static async Task<AuditVerification> VerifyAsync(SymbolonApp app, TestClient client)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Routes.AuditVerify);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(app.DataDirectory, "operator.token")).Trim());
        var response = await client.Http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.AuditVerification))!;
    }
}
