namespace Symbolon.Crypto.Tests;

/// <summary>Every single-bit change, and every change of binding, must fail the same way and leak nothing.</summary>
public sealed class TamperTests
{
    private static readonly Guid VaultId = Guid.Parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0");
    private static readonly Guid UnitId = Guid.Parse("6a7b8c9d-0e1f-4a2b-9c3d-4e5f60718293");

    [Theory]
    [InlineData(ItemMode.Split)]
    [InlineData(ItemMode.Threshold)]
    [InlineData(ItemMode.Blinded)]
    public void Every_single_bit_flip_fails_with_the_same_error_and_a_zeroed_output(ItemMode mode)
    {
        using var rootKey = ClientRootKey.Generate();
        using var serverShare = ServerShare.Generate();
        var context = new ItemContext(VaultId, UnitId, 3, mode);
        using var dataKey = Derive(rootKey, serverShare, context);
        using var credential = new Credential("alice", "hunter2", "https://vendor.example", "note");
        var sealedItem = SealedItem.Seal(dataKey, credential);
        var output = new byte[sealedItem.Length - SealedItem.HeaderSize - SealedItem.TagSize];

        var failures = 0;
        for (var bit = 0; bit < sealedItem.Length * 8; bit++)
        {
            var tampered = (byte[])sealedItem.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            output.AsSpan().Fill(0xA5);

            var exception = Assert.Throws<ItemOpenException>(() => SealedItem.OpenCore(dataKey, tampered, output));

            Assert.Equal(ItemOpenException.FixedMessage, exception.Message);
            Assert.True(output.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"output not zeroed after flipping bit {bit}");
            Assert.Throws<ItemOpenException>(() => SealedItem.Open(dataKey, tampered).Dispose());
            failures++;
        }

        Assert.Equal(sealedItem.Length * 8, failures);
        SealedItem.OpenCore(dataKey, sealedItem, output);
        Assert.True(output.AsSpan().IndexOfAnyExcept((byte)0) >= 0);
    }

    public static TheoryData<string> Bindings() => ["vault", "unit", "keyVersion", "mode"];

    [Theory]
    [MemberData(nameof(Bindings))]
    public void A_key_for_another_binding_does_not_open_the_item(string binding)
    {
        using var rootKey = ClientRootKey.Generate();
        using var serverShare = ServerShare.Generate();
        var context = new ItemContext(VaultId, UnitId, 5, ItemMode.Split);
        using var dataKey = Derive(rootKey, serverShare, context);
        using var credential = new Credential("alice", "hunter2");
        var sealedItem = SealedItem.Seal(dataKey, credential);
        var other = Change(context, binding);

        // Both ways an attacker could try: a key derived for the other binding, and the header rewritten to match it.
        using var otherKey = Derive(rootKey, serverShare, other);
        var rewritten = Rewrite(sealedItem, other);

        Assert.Throws<ItemOpenException>(() => SealedItem.Open(otherKey, sealedItem).Dispose());
        Assert.Throws<ItemOpenException>(() => SealedItem.Open(otherKey, rewritten).Dispose());
        Assert.Throws<ItemOpenException>(() => SealedItem.Open(dataKey, rewritten).Dispose());
        using var opened = SealedItem.Open(dataKey, sealedItem);
        Assert.Equal("hunter2", opened.RevealPassword());
    }

    [Fact]
    public void Either_share_alone_or_another_device_gives_a_key_that_does_not_open()
    {
        using var rootKey = ClientRootKey.Generate();
        using var otherDevice = ClientRootKey.Generate();
        using var serverShare = ServerShare.Generate();
        using var otherServerShare = ServerShare.Generate();
        var context = new ItemContext(VaultId, UnitId, 1, ItemMode.Split);
        using var dataKey = Derive(rootKey, serverShare, context);
        using var credential = new Credential("alice", "hunter2");
        var sealedItem = SealedItem.Seal(dataKey, credential);

        using var wrongDevice = Derive(otherDevice, serverShare, context);
        using var wrongServer = Derive(rootKey, otherServerShare, context);

        Assert.Throws<ItemOpenException>(() => SealedItem.Open(wrongDevice, sealedItem).Dispose());
        Assert.Throws<ItemOpenException>(() => SealedItem.Open(wrongServer, sealedItem).Dispose());
    }

    [Fact]
    public void Sealing_twice_uses_fresh_nonces()
    {
        using var rootKey = ClientRootKey.Generate();
        using var serverShare = ServerShare.Generate();
        using var dataKey = Derive(rootKey, serverShare, new ItemContext(VaultId, UnitId, 1, ItemMode.Split));
        using var credential = new Credential("alice", "hunter2");

        var first = SealedItem.Seal(dataKey, credential);
        var second = SealedItem.Seal(dataKey, credential);

        Assert.NotEqual(first.AsSpan(SealedItem.HeaderSize - SealedItem.NonceSize, SealedItem.NonceSize).ToArray(),
            second.AsSpan(SealedItem.HeaderSize - SealedItem.NonceSize, SealedItem.NonceSize).ToArray());
    }

    private static DataKey Derive(ClientRootKey rootKey, ServerShare serverShare, ItemContext context)
    {
        using var clientShare = rootKey.DeriveClientShare(context.VaultId, context.UnitId);
        return DataKey.Derive(clientShare, serverShare, context);
    }

    private static ItemContext Change(ItemContext context, string binding) => binding switch
    {
        "vault" => new ItemContext(Guid.NewGuid(), context.UnitId, context.KeyVersion, context.Mode),
        "unit" => new ItemContext(context.VaultId, Guid.NewGuid(), context.KeyVersion, context.Mode),
        "keyVersion" => new ItemContext(context.VaultId, context.UnitId, context.KeyVersion + 1, context.Mode),
        "mode" => new ItemContext(context.VaultId, context.UnitId, context.KeyVersion, ItemMode.Blinded),
        _ => throw new ArgumentOutOfRangeException(nameof(binding)),
    };

    /// <summary>Writes another context into the header bytes (layout from docs/spec.md §3), keeping everything else.</summary>
    private static byte[] Rewrite(byte[] sealedItem, ItemContext context)
    {
        var copy = (byte[])sealedItem.Clone();
        copy[5] = (byte)context.Mode;
        context.VaultId.TryWriteBytes(copy.AsSpan(6), bigEndian: true, out _);
        context.UnitId.TryWriteBytes(copy.AsSpan(22), bigEndian: true, out _);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(38), context.KeyVersion);
        return copy;
    }
}
