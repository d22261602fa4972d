namespace Symbolon.Crypto.Tests;

public sealed class BlindedShareTests
{
    [Fact]
    public void The_private_input_info_and_server_share_match_the_independent_generator()
    {
        var vector = TestData.Load("blinded-share.json");
        using var rootKey = ClientRootKey.Import(vector.Hex("rootKey"));
        var unitId = Guid.Parse(vector.Text("unitId"));
        var input = new byte[BlindedShare.InputSize];

        rootKey.DeriveBlindedInput(Guid.Parse(vector.Text("vaultId")), unitId, input);
        using var share = BlindedShare.FromOutput(vector.Hex("output"));
        var shareBytes = new byte[ServerShare.ShareSize];
        share.ExportUnsafe(shareBytes);

        Assert.Equal(vector.Hex("input"), input);
        Assert.Equal(vector.Hex("info"), BlindedShare.Info(unitId));
        Assert.Equal(vector.Hex("serverShare"), shareBytes);
    }

    [Fact]
    public void The_input_differs_per_vault_and_unit_and_an_output_of_the_wrong_size_is_refused()
    {
        using var rootKey = ClientRootKey.Generate();
        var (vault, unit) = (Guid.NewGuid(), Guid.NewGuid());
        byte[] Input(Guid v, Guid u)
        {
            var bytes = new byte[BlindedShare.InputSize];
            rootKey.DeriveBlindedInput(v, u, bytes);
            return bytes;
        }

        Assert.NotEqual(Input(vault, unit), Input(Guid.NewGuid(), unit));
        Assert.NotEqual(Input(vault, unit), Input(vault, Guid.NewGuid()));
        Assert.Equal(Input(vault, unit), Input(vault, unit));
        Assert.Throws<ArgumentException>(() => BlindedShare.FromOutput(new byte[32]));
    }
}
