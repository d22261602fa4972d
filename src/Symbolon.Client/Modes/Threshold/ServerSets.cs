using System.Text.RegularExpressions;
using Symbolon.Crypto;

namespace Symbolon.Client.Modes.Threshold;

/// <summary>The threshold server sets defined in vault.json.</summary>
internal static partial class ServerSets
{
    /// <summary>Defines (or redefines) a set after checking it could hold a t-of-n split at all.</summary>
    public static void Define(VaultContext vault, string name, int threshold, IReadOnlyList<Uri> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (!SetName().IsMatch(name))
        {
            throw new InvalidOperationSymbolonException($"'{name}' is not a valid set name: use 1-32 of a-z 0-9 . _ -, starting with a letter or digit.");
        }

        if (servers.Count < Shamir.MinThreshold || servers.Count > Shamir.MaxShares)
        {
            throw new InvalidOperationSymbolonException($"A server set needs {Shamir.MinThreshold} to {Shamir.MaxShares} servers; {servers.Count} given.");
        }

        if (threshold < Shamir.MinThreshold || threshold > servers.Count)
        {
            throw new InvalidOperationSymbolonException($"The threshold must be between {Shamir.MinThreshold} and the number of servers ({servers.Count}); {threshold} given.");
        }

        if (servers.Distinct().Count() != servers.Count)
        {
            throw new InvalidOperationSymbolonException("A server appears twice in the set: each share must be on a different server.");
        }

        var set = new ServerSet(name, threshold, [.. servers]);
        vault.UpdateState(state => state with { Sets = [.. (state.Sets ?? []).Where(s => s.Name != name), set] });
    }

    public static IReadOnlyList<ServerSet> All(VaultContext vault) => vault.State.Sets ?? [];

    public static ServerSet Find(VaultContext vault, string name) =>
        All(vault).SingleOrDefault(s => s.Name == name)
        ?? throw new InvalidOperationSymbolonException($"No server set named '{name}'.", "Define it with `symbolon set create NAME --threshold T --server URL …`.");

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex SetName();
}
