using Symbolon.Client.Items;
using Symbolon.Client.Modes;
using Symbolon.Client.Modes.Split;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Tests.Modes;

/// <summary>A share a key server sends is length-checked into a key object, and the answer's bytes are wiped on every path.</summary>
public sealed class ServerSharesTests : IDisposable
{
    private static readonly Uri Server = new("http://key1.test/");
    private readonly string _home = Path.Combine(Path.GetTempPath(), "symbolon-shares-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void A_share_of_the_wrong_length_is_a_protocol_error_and_is_wiped(int length)
    {
        var share = Filled(length);
        var value = Filled(length);

        var split = Assert.Throws<ProtocolException>(() => ServerShares.Import(Server, share).Dispose());
        var threshold = Assert.Throws<ProtocolException>(() => ServerShares.ImportShamir(Server, value, threshold: 2, index: 0).Dispose());

        Assert.Contains(Server.ToString(), split.Message, StringComparison.Ordinal);
        Assert.Contains($"{length} bytes", threshold.Message, StringComparison.Ordinal);
        Assert.All(share, b => Assert.Equal(0, b));
        Assert.All(value, b => Assert.Equal(0, b));
    }

    [Fact]
    public void No_share_is_a_protocol_error()
    {
        Assert.Throws<ProtocolException>(() => ServerShares.Import(Server, null).Dispose());
        Assert.Throws<ProtocolException>(() => ServerShares.ImportShamir(Server, null, threshold: 2, index: 0).Dispose());
    }

    [Fact]
    public void A_share_of_the_right_length_is_imported_and_the_answer_bytes_are_wiped()
    {
        var share = Filled(ServerShare.ShareSize);
        var value = Filled(Shamir.SecretSize);

        using var imported = ServerShares.Import(Server, share);
        using var shamir = ServerShares.ImportShamir(Server, value, threshold: 2, index: 1);
        var exported = new byte[ServerShare.ShareSize];
        imported.ExportUnsafe(exported);

        Assert.Equal(Filled(ServerShare.ShareSize), exported);
        Assert.Equal(2, shamir.Index);
        Assert.All(share, b => Assert.Equal(0, b));
        Assert.All(value, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task A_split_release_with_a_share_of_the_wrong_length_is_a_protocol_error()
    {
        using var deployment = await ModeDeployment.StartAsync(new SplitMode(), ItemModes.Default);
        await deployment.AddAsync("acme");

        deployment.AlterAnswer = (path, answer) =>
        {
            if (path.EndsWith("/release", StringComparison.Ordinal))
            {
                answer["share"] = Convert.ToBase64String(new byte[ServerShare.ShareSize - 1]);
            }
        };
        var garbled = await Assert.ThrowsAsync<ProtocolException>(() => deployment.RevealAsync("acme"));
        deployment.AlterAnswer = null;

        Assert.Contains("31 bytes", garbled.Message, StringComparison.Ordinal);
        Assert.Equal(ModeDeployment.VendorPassword, await deployment.RevealAsync("acme"));
    }

    [Fact]
    public void A_released_share_is_wiped_even_when_its_receipt_cannot_be_kept()
    {
        using var vault = new VaultContext(new VaultClientOptions { HomePath = _home }, ItemModes.Default);
        Directory.CreateDirectory(Path.Combine(_home, "receipts.jsonl"));
        var unitId = Guid.NewGuid();
        var share = Filled(ServerShare.ShareSize);
        var receipt = new ReceiptView(1, new byte[32], unitId, Guid.NewGuid(), DateTimeOffset.UnixEpoch, new byte[64]);
        var item = new StoredItem(1, "acme", unitId, [], DateTimeOffset.UnixEpoch, Server);

        var failure = Record.Exception(() => SplitMode.Open(vault, Server, item, new ItemContext(vault.VaultId, unitId, 1, ItemMode.Split), new ReleaseResponse(unitId, 1, share, receipt)));

        Assert.NotNull(failure);
        Assert.All(share, b => Assert.Equal(0, b));
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    private static byte[] Filled(int length) => Enumerable.Repeat((byte)0x5A, length).ToArray();
}
