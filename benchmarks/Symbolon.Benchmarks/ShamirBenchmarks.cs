using BenchmarkDotNet.Attributes;
using Symbolon.Crypto;

namespace Symbolon.Benchmarks;

/// <summary>Splitting a unit's server secret across key servers and reconstructing it (threshold mode).</summary>
[MemoryDiagnoser]
public class ShamirBenchmarks
{
    private ServerShare _secret = null!;
    private ShamirShare[] _twoOfThree = [];
    private ShamirShare[] _threeOfFive = [];

    [GlobalSetup]
    public void Setup()
    {
        _secret = ServerShare.Generate();
        _twoOfThree = Shamir.Split(_secret, 2, 3);
        _threeOfFive = Shamir.Split(_secret, 3, 5);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var share in _twoOfThree.Concat(_threeOfFive))
        {
            share.Dispose();
        }

        _secret.Dispose();
    }

    [Benchmark]
    public int Split2Of3() => Dispose(Shamir.Split(_secret, 2, 3));

    [Benchmark]
    public int Combine2Of3()
    {
        using var secret = Shamir.Combine(_twoOfThree);
        return secret.GetHashCode();
    }

    [Benchmark]
    public int Split3Of5() => Dispose(Shamir.Split(_secret, 3, 5));

    [Benchmark]
    public int Combine3Of5()
    {
        using var secret = Shamir.Combine(_threeOfFive);
        return secret.GetHashCode();
    }

    private static int Dispose(ShamirShare[] shares)
    {
        foreach (var share in shares)
        {
            share.Dispose();
        }

        return shares.Length;
    }
}
