using System.Security.Cryptography;
using System.Text.Json;
using CsCheck;

namespace Symbolon.Crypto.Tests;

public sealed class ShamirTests
{
    private static readonly JsonElement Vectors = TestData.Load("shamir.json");

    // --- Reconstruction -------------------------------------------------------------------------------------------

    [Fact]
    public void Every_subset_of_at_least_threshold_shares_reconstructs_the_secret_up_to_six_shares()
    {
        for (int shareCount = 2; shareCount <= 6; shareCount++)
        {
            for (int threshold = 2; threshold <= shareCount; threshold++)
            {
                byte[] expected = RandomNumberGenerator.GetBytes(Shamir.SecretSize);
                using var secret = ServerShare.Import(expected);
                ShamirShare[] shares = Shamir.Split(secret, threshold, shareCount);
                try
                {
                    for (int subset = 1; subset < 1 << shareCount; subset++)
                    {
                        int size = int.PopCount(subset);
                        if (size < threshold)
                        {
                            continue;
                        }

                        ShamirShare[] chosen = [.. shares.Where((_, position) => (subset & (1 << position)) != 0)];
                        Assert.Equal(expected, Reconstruct(chosen));

                        // Combine uses the first t in the order given, so a shuffled order picks another t-subset.
                        RandomNumberGenerator.Shuffle(chosen.AsSpan());
                        Assert.Equal(expected, Reconstruct(chosen));
                    }
                }
                finally
                {
                    DisposeAll(shares);
                }
            }
        }
    }

    [Fact]
    public void Any_threshold_shares_in_any_order_reconstruct_a_random_secret()
    {
        SplitScenario.Sample(scenario =>
        {
            using var secret = ServerShare.Import(scenario.Secret);
            ShamirShare[] shares = Shamir.Split(secret, scenario.Threshold, scenario.ShareCount);
            try
            {
                ShamirShare[] chosen = [.. scenario.Order.Take(scenario.Threshold).Select(index => shares[index - 1])];
                Assert.Equal(scenario.Secret, Reconstruct(chosen));
            }
            finally
            {
                DisposeAll(shares);
            }
        });
    }

    [Fact]
    public void One_share_fewer_than_the_threshold_is_rejected()
    {
        SplitScenario.Sample(scenario =>
        {
            using var secret = ServerShare.Import(scenario.Secret);
            ShamirShare[] shares = Shamir.Split(secret, scenario.Threshold, scenario.ShareCount);
            try
            {
                ShamirShare[] chosen = [.. scenario.Order.Take(scenario.Threshold - 1).Select(index => shares[index - 1])];
                var exception = Assert.Throws<ArgumentException>(() => Shamir.Combine(chosen));
                Assert.Contains($"at least {scenario.Threshold} shares", exception.Message, StringComparison.Ordinal);
            }
            finally
            {
                DisposeAll(shares);
            }
        });
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(255, 255)]
    [InlineData(2, 255)]
    public void Split_and_combine_work_at_the_limits(int threshold, int shareCount)
    {
        byte[] expected = RandomNumberGenerator.GetBytes(Shamir.SecretSize);
        using var secret = ServerShare.Import(expected);
        ShamirShare[] shares = Shamir.Split(secret, threshold, shareCount);
        try
        {
            Assert.Equal(expected, Reconstruct([.. shares.Reverse().Take(threshold)]));
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Fact]
    public void Split_numbers_shares_from_one_and_stamps_the_threshold()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 3, 5);
        try
        {
            Assert.Equal([1, 2, 3, 4, 5], shares.Select(share => (int)share.Index));
            Assert.All(shares, share => Assert.Equal(3, share.Threshold));
            Assert.All(shares, share => Assert.Equal([3, share.Index], Encode(share)[..2]));
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Fact]
    public void Split_draws_fresh_coefficients_each_time()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] first = Shamir.Split(secret, 2, 2);
        ShamirShare[] second = Shamir.Split(secret, 2, 2);
        try
        {
            Assert.NotEqual(Encode(first[0]), Encode(second[0]));
        }
        finally
        {
            DisposeAll(first);
            DisposeAll(second);
        }
    }

    // --- GF(2^8) --------------------------------------------------------------------------------------------------

    [Fact]
    public void Multiply_matches_a_branching_reference_for_every_pair()
    {
        for (int left = 0; left < 256; left++)
        {
            for (int right = 0; right < 256; right++)
            {
                Assert.Equal(ReferenceMultiply(left, right), GaloisField256.Multiply((byte)left, (byte)right));
            }
        }
    }

    [Theory]
    [InlineData(0x57, 0x83, 0xC1)]
    [InlineData(0x57, 0x13, 0xFE)]
    [InlineData(0x57, 0x02, 0xAE)]
    [InlineData(0x80, 0x02, 0x1B)]
    public void Multiply_gives_the_products_in_fips_197(int left, int right, int product)
    {
        Assert.Equal(product, GaloisField256.Multiply((byte)left, (byte)right));
        Assert.Equal(product, GaloisField256.Multiply((byte)right, (byte)left));
    }

    [Fact]
    public void Inverse_times_value_is_one_for_every_nonzero_value()
    {
        for (int value = 1; value < 256; value++)
        {
            Assert.Equal(1, GaloisField256.Multiply((byte)value, GaloisField256.Inverse((byte)value)));
        }

        Assert.Equal(0, GaloisField256.Inverse(0));
    }

    // --- Rejections -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(33)]
    [InlineData(35)]
    [InlineData(0)]
    public void Import_rejects_a_wrong_length(int length)
    {
        byte[] encoded = new byte[length];
        if (length >= 2)
        {
            encoded[0] = 2;
            encoded[1] = 1;
        }

        var exception = Assert.Throws<ArgumentException>(() => ShamirShare.Import(encoded));
        Assert.StartsWith("`encoded.Length` must be 34.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_rejects_index_zero()
    {
        byte[] encoded = new byte[ShamirShare.EncodedSize];
        encoded[0] = 2;

        var exception = Assert.Throws<ArgumentException>(() => ShamirShare.Import(encoded));
        Assert.StartsWith("`encoded` index must not be 0.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Import_rejects_a_threshold_below_two(byte threshold)
    {
        byte[] encoded = new byte[ShamirShare.EncodedSize];
        encoded[0] = threshold;
        encoded[1] = 1;

        var exception = Assert.Throws<ArgumentException>(() => ShamirShare.Import(encoded));
        Assert.StartsWith("`encoded` threshold must be at least 2.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_rejects_duplicate_indices()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 2, 3);
        using var copy = ShamirShare.Import(Encode(shares[1]));
        try
        {
            var exception = Assert.Throws<ArgumentException>(() => Shamir.Combine([shares[1], copy]));
            Assert.StartsWith("`shares` must have distinct indices; index 2 appears more than once.", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Fact]
    public void Combine_rejects_mixed_thresholds()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] twoOfThree = Shamir.Split(secret, 2, 3);
        ShamirShare[] threeOfFive = Shamir.Split(secret, 3, 5);
        try
        {
            var exception = Assert.Throws<ArgumentException>(() => Shamir.Combine([twoOfThree[0], threeOfFive[1], threeOfFive[2]]));
            Assert.StartsWith("`shares` must all have the same threshold; found 2 and 3.", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            DisposeAll(twoOfThree);
            DisposeAll(threeOfFive);
        }
    }

    [Fact]
    public void Combine_rejects_fewer_shares_than_the_threshold()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 3, 5);
        try
        {
            var exception = Assert.Throws<ArgumentException>(() => Shamir.Combine([shares[4], shares[0]]));
            Assert.StartsWith("`shares` must contain at least 3 shares (the threshold); got 2.", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Fact]
    public void Combine_rejects_an_empty_list_and_null()
    {
        var empty = Assert.Throws<ArgumentException>(() => Shamir.Combine([]));
        Assert.StartsWith("`shares` must not be empty.", empty.Message, StringComparison.Ordinal);

        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 2, 2);
        try
        {
            var withNull = Assert.Throws<ArgumentException>(() => Shamir.Combine([shares[0], null!]));
            Assert.StartsWith("`shares` must not contain null.", withNull.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentNullException>(() => Shamir.Combine(null!));
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Fact]
    public void Combine_rejects_a_disposed_share()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 2, 2);
        shares[1].Dispose();
        try
        {
            Assert.Throws<ObjectDisposedException>(() => Shamir.Combine(shares));
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(0, 3)]
    [InlineData(-1, 3)]
    public void Split_rejects_a_threshold_below_two(int threshold, int shareCount)
    {
        using var secret = ServerShare.Generate();
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Shamir.Split(secret, threshold, shareCount));
        Assert.Equal("threshold", exception.ParamName);
        Assert.StartsWith("`threshold` must be at least 2.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(255, 254)]
    public void Split_rejects_a_threshold_above_the_share_count(int threshold, int shareCount)
    {
        using var secret = ServerShare.Generate();
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Shamir.Split(secret, threshold, shareCount));
        Assert.Equal("threshold", exception.ParamName);
        Assert.StartsWith("`threshold` must not exceed `shareCount`.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 256)]
    [InlineData(256, 256)]
    public void Split_rejects_more_than_255_shares(int threshold, int shareCount)
    {
        using var secret = ServerShare.Generate();
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Shamir.Split(secret, threshold, shareCount));
        Assert.Equal("shareCount", exception.ParamName);
        Assert.StartsWith("`shareCount` must be at most 255.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_rejects_a_null_or_disposed_secret()
    {
        Assert.Throws<ArgumentNullException>(() => Shamir.Split(null!, 2, 3));

        var secret = ServerShare.Generate();
        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Shamir.Split(secret, 2, 3));
    }

    // --- Cross-language vectors: testdata/vectors/shamir.json comes from testdata/generators/shamir.mjs, written from
    // the spec alone, so these hold the C# code to an independent implementation byte for byte.

    public static TheoryData<string> VectorCaseNames() =>
        [.. Vectors.GetProperty("cases").EnumerateArray().Select(vector => vector.Text("name"))];

    [Theory]
    [MemberData(nameof(VectorCaseNames))]
    public void Vectors_from_the_independent_generator_match(string name)
    {
        var vector = Vectors.GetProperty("cases").EnumerateArray().Single(item => item.Text("name") == name);
        int threshold = vector.GetProperty("threshold").GetInt32();
        int shareCount = vector.GetProperty("shareCount").GetInt32();
        byte[][] expectedShares = [.. vector.GetProperty("shares").EnumerateArray().Select(share => Convert.FromHexString(share.GetString()!))];

        ShamirShare[] shares = Shamir.SplitCore(vector.Hex("secret"), threshold, shareCount, vector.Hex("coefficients"));
        try
        {
            Assert.Equal(expectedShares, shares.Select(Encode));
        }
        finally
        {
            DisposeAll(shares);
        }

        foreach (JsonElement combination in vector.GetProperty("combinations").EnumerateArray())
        {
            ShamirShare[] chosen = [.. combination.GetProperty("indices").EnumerateArray()
                .Select(index => ShamirShare.Import(expectedShares[index.GetInt32() - 1]))];
            try
            {
                Assert.Equal(combination.Hex("secret"), Reconstruct(chosen));
            }
            finally
            {
                DisposeAll(chosen);
            }
        }
    }

    // --- Handling of the share object -----------------------------------------------------------------------------

    [Fact]
    public void ToString_shows_index_and_threshold_but_no_share_bytes()
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 2, 3);
        try
        {
            foreach (var share in shares)
            {
                string text = share.ToString();
                string valueHex = Convert.ToHexString(Encode(share)[2..]);
                Assert.DoesNotContain(valueHex, text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(valueHex[..8], text, StringComparison.OrdinalIgnoreCase);
                Assert.Contains($"index {share.Index}", text, StringComparison.Ordinal);
                Assert.Contains("threshold 2", text, StringComparison.Ordinal);
            }
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    [Fact]
    public void Export_then_import_round_trips_and_dispose_wipes()
    {
        byte[] encoded = new byte[ShamirShare.EncodedSize];
        RandomNumberGenerator.Fill(encoded);
        encoded[0] = 7;
        encoded[1] = 200;

        var share = ShamirShare.Import(encoded);
        Assert.Equal(200, share.Index);
        Assert.Equal(7, share.Threshold);
        Assert.Equal(encoded, Encode(share));

        share.Dispose();
        byte[] destination = new byte[ShamirShare.EncodedSize];
        Assert.Throws<ObjectDisposedException>(() => share.ExportUnsafe(destination));
        Assert.All(destination, value => Assert.Equal(0, value));
    }

    [Theory]
    [InlineData(33)]
    [InlineData(35)]
    public void Export_rejects_a_wrong_destination_length(int length)
    {
        using var secret = ServerShare.Generate();
        ShamirShare[] shares = Shamir.Split(secret, 2, 2);
        try
        {
            var exception = Assert.Throws<ArgumentException>(() => shares[0].ExportUnsafe(new byte[length]));
            Assert.StartsWith("`destination.Length` must be 34.", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            DisposeAll(shares);
        }
    }

    // --- Moving a share's value (what the client sends to and receives from each member) ----------------------

    [Fact]
    public void Values_exported_then_rebuilt_with_FromValue_combine_to_the_secret()
    {
        SplitScenario.Sample(scenario =>
        {
            using var secret = ServerShare.Import(scenario.Secret);
            ShamirShare[] shares = Shamir.Split(secret, scenario.Threshold, scenario.ShareCount);
            var rebuilt = new List<ShamirShare>();
            byte[] value = new byte[Shamir.SecretSize];
            try
            {
                foreach (int index in scenario.Order.Take(scenario.Threshold))
                {
                    shares[index - 1].ExportValueUnsafe(value);
                    Assert.Equal(Encode(shares[index - 1])[2..], value);
                    rebuilt.Add(ShamirShare.FromValue(scenario.Threshold, index, value));
                }

                Assert.All(rebuilt, share => Assert.Equal(scenario.Threshold, share.Threshold));
                Assert.Equal(scenario.Order.Take(scenario.Threshold), rebuilt.Select(share => (int)share.Index));
                Assert.Equal(scenario.Secret, Reconstruct(rebuilt));
            }
            finally
            {
                DisposeAll(shares);
                DisposeAll(rebuilt);
            }
        });
    }

    [Fact]
    public void FromValue_copies_the_value_and_dispose_wipes_it()
    {
        byte[] value = RandomNumberGenerator.GetBytes(Shamir.SecretSize);
        byte[] expected = [.. value];
        var share = ShamirShare.FromValue(Shamir.MaxShares, Shamir.MaxShares, value);
        Array.Clear(value);

        byte[] exported = new byte[Shamir.SecretSize];
        share.ExportValueUnsafe(exported);
        Assert.Equal(expected, exported);
        Assert.Equal([Shamir.MaxShares, Shamir.MaxShares], Encode(share)[..2]);

        share.Dispose();
        byte[] destination = new byte[Shamir.SecretSize];
        Assert.Throws<ObjectDisposedException>(() => share.ExportValueUnsafe(destination));
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(256)]
    public void FromValue_rejects_a_threshold_out_of_range(int threshold)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => ShamirShare.FromValue(threshold, 1, new byte[Shamir.SecretSize]));
        Assert.Equal("threshold", exception.ParamName);
        Assert.StartsWith("`threshold` must be from 2 to 255.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(256)]
    public void FromValue_rejects_an_index_out_of_range(int index)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => ShamirShare.FromValue(2, index, new byte[Shamir.SecretSize]));
        Assert.Equal("index", exception.ParamName);
        Assert.StartsWith("`index` must be from 1 to 255.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(34)]
    public void FromValue_rejects_a_wrong_value_length(int length)
    {
        var exception = Assert.Throws<ArgumentException>(() => ShamirShare.FromValue(2, 1, new byte[length]));
        Assert.Equal("value", exception.ParamName);
        Assert.StartsWith("`value.Length` must be 32.", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(34)]
    public void ExportValueUnsafe_rejects_a_wrong_destination_length(int length)
    {
        using var share = ShamirShare.FromValue(2, 1, RandomNumberGenerator.GetBytes(Shamir.SecretSize));
        byte[] destination = new byte[length];

        var exception = Assert.Throws<ArgumentException>(() => share.ExportValueUnsafe(destination));
        Assert.StartsWith("`destination.Length` must be 32.", exception.Message, StringComparison.Ordinal);
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    // --- Helpers --------------------------------------------------------------------------------------------------

    /// <summary>A random secret, a random 2 ≤ t ≤ n ≤ 255, and the indices 1 … n in a random order.</summary>
    private sealed record SplitScenario(byte[] Secret, int Threshold, int ShareCount, int[] Order)
    {
        private static readonly Gen<SplitScenario> Generator =
            from secret in Gen.Byte.Array[Shamir.SecretSize]
            from shareCount in Gen.Int[Shamir.MinThreshold, Shamir.MaxShares]
            from threshold in Gen.Int[Shamir.MinThreshold, shareCount]
            from order in Gen.Shuffle(Enumerable.Range(1, shareCount).ToArray())
            select new SplitScenario(secret, threshold, shareCount, order);

        public static void Sample(Action<SplitScenario> assert) =>
            Generator.Sample(assert, iter: 200, print: scenario => $"{scenario.Threshold}-of-{scenario.ShareCount}");
    }

    private static byte[] Reconstruct(IReadOnlyList<ShamirShare> shares)
    {
        using var secret = Shamir.Combine(shares);
        byte[] bytes = new byte[Shamir.SecretSize];
        secret.ExportUnsafe(bytes);
        return bytes;
    }

    private static byte[] Encode(ShamirShare share)
    {
        byte[] encoded = new byte[ShamirShare.EncodedSize];
        share.ExportUnsafe(encoded);
        return encoded;
    }

    private static void DisposeAll(IEnumerable<ShamirShare> shares)
    {
        foreach (var share in shares)
        {
            share.Dispose();
        }
    }

    /// <summary>Textbook multiplication with the whole modulus 0x11B written out, branches and all.</summary>
    private static int ReferenceMultiply(int left, int right)
    {
        int product = 0;
        while (right != 0)
        {
            if ((right & 1) != 0)
            {
                product ^= left;
            }

            left <<= 1;
            if ((left & 0x100) != 0)
            {
                left ^= 0x11B;
            }

            right >>= 1;
        }

        return product;
    }
}
