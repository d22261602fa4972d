using System.Security.Cryptography;
using Symbolon.Client.Items;
using Symbolon.Crypto;

namespace Symbolon.Client.Modes.Threshold;

/// <summary>
/// Opening a threshold item when the first t shares in hand do not: every t-subset of the shares released is tried, and
/// the members whose share disagrees with the subset that opens the item are named.
/// </summary>
internal static class SubsetSearch
{
    /// <summary>The item opened with this combined secret, bound to its set; null if it does not open.</summary>
    public static Credential? OpenOrNull(VaultContext vault, StoredItem item, ItemContext context, byte[] digest, ServerShare secret)
    {
        using var bound = ThresholdSet.Bind(secret, digest);
        return vault.OpenOrNull(item, bound, context);
    }

    /// <summary>The first t shares did not open the item: find a t-subset that does and warn about the members outside it that disagree.</summary>
    public static Credential Open(VaultContext vault, StoredItem item, ItemContext context, byte[] digest, List<(int Index, ShamirShare Share)> answers)
    {
        var threshold = item.Threshold!;
        foreach (var subset in Subsets(answers.Count, threshold.Threshold))
        {
            var chosen = subset.Select(i => answers[i]).ToList();
            using var secret = Shamir.Combine([.. chosen.Select(a => a.Share)]);
            if (OpenOrNull(vault, item, context, digest, secret) is not { } opened)
            {
                continue;
            }

            var bad = answers.Where(a => !chosen.Contains(a) && !Agrees(secret, [.. chosen.Skip(1).Select(c => c.Share), a.Share]))
                .Select(a => threshold.Members[a.Index].Server)
                .ToList();
            foreach (var server in bad)
            {
                vault.Options.Warning?.Invoke($"The key server at {server} returned a bad share for '{item.Name}'; it opened with the shares of the others. Tell that server's operator.");
            }

            return opened;
        }

        throw new ItemTamperedException(
            $"The item '{item.Name}' could not be opened with any {threshold.Threshold} of the {answers.Count} shares released: the item file is damaged or was altered, or too many servers returned bad shares.");
    }

    private static bool Agrees(ServerShare secret, ShamirShare[] shares)
    {
        using var other = Shamir.Combine(shares);
        Span<byte> a = stackalloc byte[ServerShare.ShareSize];
        Span<byte> b = stackalloc byte[ServerShare.ShareSize];
        try
        {
            secret.ExportUnsafe(a);
            other.ExportUnsafe(b);
            return CryptographicOperations.FixedTimeEquals(a, b);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(a);
            CryptographicOperations.ZeroMemory(b);
        }
    }

    /// <summary>Every k-element subset of 0..n−1, in lexicographic order.</summary>
    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        var chosen = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return [.. chosen];
            var i = k - 1;
            while (i >= 0 && chosen[i] == n - k + i)
            {
                i--;
            }

            if (i < 0)
            {
                yield break;
            }

            chosen[i]++;
            for (var j = i + 1; j < k; j++)
            {
                chosen[j] = chosen[j - 1] + 1;
            }
        }
    }
}
