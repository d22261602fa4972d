namespace Symbolon.Crypto.Tests;

public sealed class KeyTests
{
    [Fact]
    public void Root_key_round_trips_only_through_the_unsafe_export()
    {
        using var rootKey = ClientRootKey.Generate();
        var exported = new byte[ClientRootKey.KeySize];
        rootKey.ExportUnsafe(exported);
        using var imported = ClientRootKey.Import(exported);
        var unitId = Guid.NewGuid();
        var vaultId = Guid.NewGuid();

        using var first = rootKey.DeriveClientShare(vaultId, unitId);
        using var second = imported.DeriveClientShare(vaultId, unitId);
        using var otherUnit = rootKey.DeriveClientShare(vaultId, Guid.NewGuid());

        Assert.Equal(first.Secret.Span.ToArray(), second.Secret.Span.ToArray());
        Assert.NotEqual(first.Secret.Span.ToArray(), otherUnit.Secret.Span.ToArray());
    }

    [Fact]
    public void Wrong_lengths_name_the_argument_and_the_size()
    {
        var rootKey = Assert.Throws<ArgumentException>(() => ClientRootKey.Import(new byte[31]));
        var share = Assert.Throws<ArgumentException>(() => ServerShare.Import(new byte[33]));

        Assert.StartsWith("`key.Length` must be 32.", rootKey.Message, StringComparison.Ordinal);
        Assert.StartsWith("`share.Length` must be 32.", share.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Context_rejects_empty_ids_version_zero_and_unknown_modes()
    {
        Assert.Throws<ArgumentException>(() => new ItemContext(Guid.Empty, Guid.NewGuid(), 1, ItemMode.Split));
        Assert.Throws<ArgumentException>(() => new ItemContext(Guid.NewGuid(), Guid.Empty, 1, ItemMode.Split));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ItemContext(Guid.NewGuid(), Guid.NewGuid(), 0, ItemMode.Split));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ItemContext(Guid.NewGuid(), Guid.NewGuid(), 1, (ItemMode)4));
    }

    [Fact]
    public void A_default_context_cannot_derive_a_key()
    {
        using var rootKey = ClientRootKey.Generate();
        using var clientShare = rootKey.DeriveClientShare(Guid.NewGuid(), Guid.NewGuid());
        using var serverShare = ServerShare.Generate();

        Assert.Throws<ArgumentException>(() => DataKey.Derive(clientShare, serverShare, default));
    }

    [Fact]
    public void Disposed_keys_are_zeroed_and_unusable()
    {
        var rootKey = ClientRootKey.Generate();
        var serverShare = ServerShare.Generate();

        rootKey.Dispose();
        serverShare.Dispose();

        Assert.Throws<ObjectDisposedException>(() => rootKey.DeriveClientShare(Guid.NewGuid(), Guid.NewGuid()));
        Assert.Throws<ObjectDisposedException>(() => serverShare.ExportUnsafe(new byte[32]));
    }

    [Fact]
    public void No_key_type_prints_its_bytes()
    {
        using var rootKey = ClientRootKey.Generate();
        using var serverShare = ServerShare.Generate();
        using var clientShare = rootKey.DeriveClientShare(Guid.NewGuid(), Guid.NewGuid());
        using var dataKey = DataKey.Derive(clientShare, serverShare, new ItemContext(Guid.NewGuid(), Guid.NewGuid(), 1, ItemMode.Split));
        var secrets = new[] { Hex(rootKey), Hex(serverShare), Convert.ToHexString(clientShare.Secret.Span), Convert.ToHexString(dataKey.Secret.Span) };

        foreach (var text in new[] { rootKey.ToString(), serverShare.ToString(), clientShare.ToString(), dataKey.ToString() })
        {
            Assert.Contains("redacted", text, StringComparison.Ordinal);
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase));
        }
    }

    private static string Hex(ClientRootKey key)
    {
        var bytes = new byte[ClientRootKey.KeySize];
        key.ExportUnsafe(bytes);
        return Convert.ToHexString(bytes);
    }

    private static string Hex(ServerShare share)
    {
        var bytes = new byte[ServerShare.ShareSize];
        share.ExportUnsafe(bytes);
        return Convert.ToHexString(bytes);
    }
}
