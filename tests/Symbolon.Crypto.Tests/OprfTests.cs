using System.Numerics;
using Symbolon.Crypto.Oprf;

namespace Symbolon.Crypto.Tests;

/// <summary>RFC 9497 beyond the vectors: strict deserialization, tampered proofs, wrong keys, POPRF info binding.</summary>
public sealed class OprfTests
{
    /// <summary>The group order ℓ, little-endian: the smallest non-canonical scalar.</summary>
    private static readonly byte[] Order = Convert.FromHexString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

    private static readonly byte[] Generator = Convert.FromHexString("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76");

    private static readonly byte[] Input = "correct horse battery staple"u8.ToArray();

    private static readonly byte[] Info = "symbolon unit 7, version 3"u8.ToArray();

    public static TheoryData<string> InvalidElements() =>
    [
        "0000000000000000000000000000000000000000000000000000000000000000", // the identity
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p: a non-canonical encoding of the identity
        "0100000000000000000000000000000000000000000000000000000000000000", // a negative field element
        "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2df6", // the generator with bit 255 set
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371", // RFC 9496 A.2: not on the curve
        "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d",   // 31 bytes
    ];

    [Theory]
    [MemberData(nameof(InvalidElements))]
    public void Invalid_elements_are_rejected_wherever_they_are_received(string hex)
    {
        var element = Convert.FromHexString(hex);
        using var key = OprfPrivateKey.Generate(OprfMode.Voprf);
        var client = new OprfClient(OprfMode.Voprf, key.PublicKey);
        using var blinded = client.Blind(Input);

        Assert.False(Ristretto255.IsValidElement(element));
        AssertError(OprfError.Deserialize, () => OprfServer.BlindEvaluate(key, element));
        AssertError(OprfError.Deserialize, () => FinalizeOne(client, blinded, new OprfEvaluation([element], new byte[64])));
        if (element.Length == OprfPrivateKey.PublicKeySize)
        {
            AssertError(OprfError.Deserialize, () => _ = new OprfClient(OprfMode.Voprf, element));
        }
    }

    [Fact]
    public void Scalars_must_be_below_the_group_order()
    {
        var largest = (byte[])Order.Clone();
        largest[0]--;

        Assert.True(Ristretto255.IsCanonicalScalar(largest));
        Assert.True(Ristretto255.IsCanonicalScalar(new byte[32]));
        Assert.False(Ristretto255.IsCanonicalScalar(Order));
        Assert.False(Ristretto255.IsCanonicalScalar(Enumerable.Repeat((byte)0xff, 32).ToArray()));
        Assert.Throws<ArgumentException>(() => OprfPrivateKey.Import(OprfMode.Oprf, Order));
        Assert.Throws<ArgumentException>(() => OprfPrivateKey.Import(OprfMode.Oprf, new byte[32]));
        using var key = OprfPrivateKey.Import(OprfMode.Oprf, largest);
        Assert.True(Ristretto255.IsValidElement(key.PublicKey));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    public void A_proof_scalar_plus_the_order_is_rejected_before_verification(int offset)
    {
        using var key = OprfPrivateKey.Generate(OprfMode.Poprf);
        var client = new OprfClient(OprfMode.Poprf, key.PublicKey);
        using var blinded = client.Blind(Input, Info);
        var evaluation = OprfServer.BlindEvaluate(key, blinded.BlindedElement, Info);

        // c + ℓ and s + ℓ reduce to the same proof, so only the canonicity check can refuse them.
        var proof = evaluation.Proof.ToArray();
        var scalar = new BigInteger(proof.AsSpan(offset, 32), isUnsigned: true) + new BigInteger(Order, isUnsigned: true);
        Assert.True(scalar.TryWriteBytes(proof.AsSpan(offset, 32), out _, isUnsigned: true));

        AssertError(OprfError.Deserialize, () => FinalizeOne(client, blinded, new OprfEvaluation(evaluation.EvaluatedElements, proof)));
    }

    [Theory]
    [InlineData(OprfMode.Voprf, 0)]
    [InlineData(OprfMode.Voprf, 33)]
    [InlineData(OprfMode.Poprf, 1)]
    [InlineData(OprfMode.Poprf, 40)]
    public void A_flipped_proof_byte_fails_verification_and_writes_nothing(OprfMode mode, int index)
    {
        using var key = OprfPrivateKey.Generate(mode);
        var client = new OprfClient(mode, key.PublicKey);
        var info = mode == OprfMode.Poprf ? Info : [];
        using var blinded = client.Blind(Input, info);
        var evaluation = OprfServer.BlindEvaluate(key, blinded.BlindedElement, info);
        var proof = evaluation.Proof.ToArray();

        // A low bit keeps the scalar canonical, so the proof check itself has to catch it.
        proof[index] ^= 0x01;
        var output = new byte[OprfClient.OutputSize];
        AssertError(OprfError.Verify, () => client.Finalize(blinded, new OprfEvaluation(evaluation.EvaluatedElements, proof), output));
        Assert.All(output, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(OprfMode.Voprf)]
    [InlineData(OprfMode.Poprf)]
    public void A_proof_against_another_public_key_fails_verification(OprfMode mode)
    {
        using var key = OprfPrivateKey.Generate(mode);
        using var otherKey = OprfPrivateKey.Generate(mode);
        var client = new OprfClient(mode, otherKey.PublicKey);
        var info = mode == OprfMode.Poprf ? Info : [];
        using var blinded = client.Blind(Input, info);

        var evaluation = OprfServer.BlindEvaluate(key, blinded.BlindedElement, info);

        AssertError(OprfError.Verify, () => FinalizeOne(client, blinded, evaluation));
    }

    [Fact]
    public void Poprf_output_depends_on_the_info_and_a_server_using_other_info_fails_verification()
    {
        using var key = OprfPrivateKey.Generate(OprfMode.Poprf);
        var client = new OprfClient(OprfMode.Poprf, key.PublicKey);
        using var first = client.Blind(Input, Info);
        using var second = client.Blind(Input, "symbolon unit 7, version 4"u8);

        var firstOutput = FinalizeOne(client, first, OprfServer.BlindEvaluate(key, first.BlindedElement, Info));
        var secondOutput = FinalizeOne(client, second, OprfServer.BlindEvaluate(key, second.BlindedElement, "symbolon unit 7, version 4"u8));
        using var again = client.Blind(Input, Info);
        var againOutput = FinalizeOne(client, again, OprfServer.BlindEvaluate(key, again.BlindedElement, Info));

        Assert.NotEqual(firstOutput, secondOutput);
        Assert.Equal(firstOutput, againOutput);
        AssertError(OprfError.Verify, () => FinalizeOne(client, first, OprfServer.BlindEvaluate(key, first.BlindedElement, "other"u8)));
    }

    [Theory]
    [InlineData(OprfMode.Oprf)]
    [InlineData(OprfMode.Voprf)]
    [InlineData(OprfMode.Poprf)]
    public void A_batch_gives_the_outputs_of_single_evaluations_with_one_proof(OprfMode mode)
    {
        using var key = OprfPrivateKey.Generate(mode);
        var client = new OprfClient(mode, mode == OprfMode.Oprf ? [] : key.PublicKey);
        var info = mode == OprfMode.Poprf ? Info : [];
        byte[][] inputs = [[], Input, new byte[OprfClient.MaxInputLength]];
        var batch = inputs.Select(input => client.Blind(input, info)).ToList();

        var evaluation = OprfServer.BlindEvaluate(key, [.. batch.Select(b => b.BlindedElement.ToArray())], info);
        var outputs = new byte[inputs.Length * OprfClient.OutputSize];
        client.Finalize(batch, evaluation, outputs);

        Assert.Equal(mode == OprfMode.Oprf ? 0 : OprfEvaluation.ProofSize, evaluation.Proof.Length);
        for (int i = 0; i < inputs.Length; i++)
        {
            using var single = client.Blind(inputs[i], info);
            var output = FinalizeOne(client, single, OprfServer.BlindEvaluate(key, single.BlindedElement, info));
            Assert.Equal(output, outputs.AsSpan(i * OprfClient.OutputSize, OprfClient.OutputSize).ToArray());
        }

        // Reordering the evaluated elements breaks the one proof (the composite weights depend on the order).
        if (mode != OprfMode.Oprf)
        {
            var swapped = new OprfEvaluation([evaluation.EvaluatedElements[1], evaluation.EvaluatedElements[0], evaluation.EvaluatedElements[2]], evaluation.Proof);
            AssertError(OprfError.Verify, () => client.Finalize(batch, swapped, outputs));
        }

        batch.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Keys_round_trip_only_through_export_unsafe_and_never_print_their_bytes()
    {
        using var key = OprfPrivateKey.Generate(OprfMode.Voprf);
        var raw = new byte[OprfPrivateKey.KeySize];
        key.ExportUnsafe(raw);
        using var imported = OprfPrivateKey.Import(OprfMode.Voprf, raw);
        using var blinded = new OprfClient(OprfMode.Voprf, key.PublicKey).Blind(Input);

        Assert.Equal(key.PublicKey.ToArray(), imported.PublicKey.ToArray());
        Assert.Equal("OprfPrivateKey(Voprf, redacted)", key.ToString());
        Assert.Equal("OprfBlindedInput(Voprf, redacted)", blinded.ToString());
        Assert.DoesNotContain(Convert.ToHexString(raw), key.ToString(), StringComparison.OrdinalIgnoreCase);

        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.ExportUnsafe(raw));
        Assert.Throws<ObjectDisposedException>(() => OprfServer.BlindEvaluate(key, blinded.BlindedElement));
    }

    [Fact]
    public void Arguments_that_do_not_fit_the_mode_are_refused()
    {
        using var key = OprfPrivateKey.Generate(OprfMode.Voprf);

        Assert.Throws<ArgumentException>(() => _ = new OprfClient(OprfMode.Oprf, key.PublicKey));
        Assert.Throws<ArgumentException>(() => _ = new OprfClient(OprfMode.Voprf, []));
        Assert.Throws<ArgumentException>(() => new OprfClient(OprfMode.Voprf, key.PublicKey).Blind(Input, Info));
        Assert.Throws<ArgumentException>(() => OprfServer.BlindEvaluate(key, Generator, Info));
        Assert.Throws<ArgumentException>(() => OprfServer.BlindEvaluate(key, Array.Empty<byte[]>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => OprfPrivateKey.Generate((OprfMode)3));
        Assert.Throws<ArgumentException>(() => OprfPrivateKey.DeriveKeyPair(OprfMode.Voprf, new byte[31], []));
        Assert.Throws<ArgumentException>(() => new OprfClient(OprfMode.Oprf).Blind(new byte[OprfClient.MaxInputLength + 1]));

        // A blinded input is finalized only by the client that made it, and only once alive.
        var client = new OprfClient(OprfMode.Voprf, key.PublicKey);
        var blinded = client.Blind(Input);
        var evaluation = OprfServer.BlindEvaluate(key, blinded.BlindedElement);
        var output = new byte[OprfClient.OutputSize];
        Assert.Throws<ArgumentException>(() => new OprfClient(OprfMode.Voprf, key.PublicKey).Finalize(blinded, evaluation, output));
        blinded.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Finalize(blinded, evaluation, output));
        Assert.All(output, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Blinded_inputs_with_different_info_cannot_share_a_proof()
    {
        using var key = OprfPrivateKey.Generate(OprfMode.Poprf);
        var client = new OprfClient(OprfMode.Poprf, key.PublicKey);
        using var first = client.Blind(Input, Info);
        using var second = client.Blind(Input, "other"u8);
        var evaluation = OprfServer.BlindEvaluate(key, [first.BlindedElement.ToArray(), second.BlindedElement.ToArray()], Info);

        Assert.Throws<ArgumentException>(() => client.Finalize([first, second], evaluation, new byte[2 * OprfClient.OutputSize]));
    }

    private static byte[] FinalizeOne(OprfClient client, OprfBlindedInput blinded, OprfEvaluation evaluation)
    {
        var output = new byte[OprfClient.OutputSize];
        client.Finalize(blinded, evaluation, output);
        return output;
    }

    private static void AssertError(OprfError expected, Action action) =>
        Assert.Equal(expected, Assert.Throws<OprfException>(action).Error);
}
