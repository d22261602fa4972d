using System.Security.Cryptography;
using Symbolon.Client.Modes.Threshold;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes;

/// <summary>
/// The unit uses that open several items, gathered from their modes (<see cref="IItemMode.PrepareOpenAsync"/>) and sent as
/// one request per key server (<see cref="Routes.UnitUses"/>), all at once. Each server answers all of its uses or none;
/// the receipts of every server that answered are kept in one append before any item opens; every share answered is
/// wiped when the batch is disposed, whichever way the open ends.
/// </summary>
internal sealed class UseBatch : IDisposable
{
    private readonly Dictionary<Uri, ServerUses> _servers = [];

    /// <summary>
    /// Asks <paramref name="server"/> for the share of a unit's version, for the item named <paramref name="itemName"/>;
    /// when <paramref name="bounded"/> (a threshold member's share), the server's request is bounded by the threshold timeout.
    /// </summary>
    public void Release(Uri server, Guid unitId, int version, string itemName, bool bounded = false)
    {
        var uses = On(server);
        uses.Releases.Add(new ReleaseItem(unitId, version));
        uses.Names[unitId] = itemName;
        uses.Bounded |= bounded;
    }

    /// <summary>Asks <paramref name="server"/> for a blinded evaluation for the item named <paramref name="itemName"/>.</summary>
    public void Evaluate(Uri server, EvaluateItem evaluation, string itemName)
    {
        var uses = On(server);
        uses.Evaluations.Add(evaluation);
        uses.Names[evaluation.UnitId] = itemName;
    }

    /// <summary>Sends each server its request, all at once; a server's refusal or silence is kept as its answer's failure.</summary>
    public async Task SendAsync(VaultContext vault, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_servers.Select(pair => SendAsync(vault, pair.Key, pair.Value, cancellationToken)));
        }
        finally
        {
            // Also when the caller cancels: the servers that answered have audited their releases, and their receipts
            // are what `audit --check` holds them to.
            vault.Receipts.Keep([
                .. _servers.Where(pair => pair.Value.Answer is not null)
                    .SelectMany(pair => pair.Value.Answer!.Releases.Select(r => r.Receipt).Concat(pair.Value.Answer.Evaluations.Select(e => e.Receipt))
                        .Select(receipt => (pair.Key, receipt))),
            ]);
        }
    }

    /// <summary>The server's release for the unit; the server's failure, as its exception, when it refused or did not answer.</summary>
    public ReleaseResponse Released(Uri server, Guid unitId) =>
        Answer(server).Releases.FirstOrDefault(r => r.UnitId == unitId)
            ?? throw new ProtocolException($"The key server at {server} did not answer for unit {unitId} in its batch answer.");

    /// <summary>The server's evaluation for the unit; the server's failure, as its exception, when it refused or did not answer.</summary>
    public EvaluateResponse Evaluated(Uri server, Guid unitId) =>
        Answer(server).Evaluations.FirstOrDefault(e => e.UnitId == unitId)
            ?? throw new ProtocolException($"The key server at {server} did not answer for unit {unitId} in its batch answer.");

    /// <summary>Wipes every share answered.</summary>
    public void Dispose()
    {
        foreach (var release in _servers.Values.SelectMany(uses => uses.Answer?.Releases ?? []))
        {
            if (release.Share is { } share)
            {
                CryptographicOperations.ZeroMemory(share);
            }
        }
    }

    private UseManyResponse Answer(Uri server)
    {
        var uses = _servers[server];
        return uses.Answer ?? throw uses.Error!;
    }

    private ServerUses On(Uri server)
    {
        if (!_servers.TryGetValue(server, out var uses))
        {
            _servers[server] = uses = new ServerUses();
        }

        return uses;
    }

    private static async Task SendAsync(VaultContext vault, Uri server, ServerUses uses, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (uses.Bounded)
        {
            timeout.CancelAfter(vault.Options.ThresholdTimeout);
        }

        try
        {
            uses.Answer = await vault.Server(server).UseManyAsync(
                new UseManyRequest(uses.Releases, uses.Evaluations),
                units => string.Join(", ", units.Select(unit => uses.Names.TryGetValue(unit, out var name) ? $"'{name}'" : unit.ToString())),
                timeout.Token);
        }
        catch (SymbolonException exception)
        {
            uses.Error = exception;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            uses.Error = SetMembers.NoAnswer(vault, server);
        }
    }

    /// <summary>One server's request, and its answer or failure.</summary>
    private sealed class ServerUses
    {
        public List<ReleaseItem> Releases { get; } = [];

        public List<EvaluateItem> Evaluations { get; } = [];

        public Dictionary<Guid, string> Names { get; } = [];

        public bool Bounded { get; set; }

        public UseManyResponse? Answer { get; set; }

        public SymbolonException? Error { get; set; }
    }
}

/// <summary>An item prepared for opening by a <see cref="UseBatch"/>: how it opens once the batch is answered, and what to dispose either way.</summary>
internal sealed class PendingOpen(Func<Credential> open, IDisposable? state = null) : IDisposable
{
    /// <summary>Opens the item with the batch's answers; throws the failure that keeps it closed.</summary>
    public Credential Open() => open();

    public void Dispose() => state?.Dispose();
}
