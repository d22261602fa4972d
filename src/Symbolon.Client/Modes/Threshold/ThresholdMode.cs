using Symbolon.Client.Items;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes.Threshold;

/// <summary>
/// Threshold mode (docs/spec.md §5): the item's server secret is split with Shamir across a set of n independent key
/// servers, share i stored on server i as an ordinary unit share; any t of them must release their shares. The item's
/// <see cref="StoredItem.UnitId"/> is its own id; its members' units are in <see cref="StoredItem.Threshold"/>.
/// </summary>
internal sealed class ThresholdMode : IItemMode
{
    public ItemMode Mode => ItemMode.Threshold;

    /// <summary>Format 2, so that clients from before threshold mode refuse these items.</summary>
    public int Format => 2;

    public bool TakesSet => true;

    /// <summary>
    /// A set that a split could have made: 2 ≤ t ≤ n ≤ <see cref="Shamir.MaxShares"/>, each member on a server of its own
    /// (named by an absolute URL). Anything else was altered, and would otherwise fail deep inside the set digest.
    /// </summary>
    public bool Fits(StoredItem item) =>
        item.Threshold is { Members: { } members } threshold
        && Shamir.MinThreshold <= threshold.Threshold && threshold.Threshold <= members.Count && members.Count <= Shamir.MaxShares
        && members.All(m => m is { Server.IsAbsoluteUri: true })
        && members.DistinctBy(m => m.Server).Count() == members.Count;

    public async Task<StoredItem> AddAsync(VaultContext vault, string name, Credential credential, string? set, CancellationToken cancellationToken)
    {
        var serverSet = ServerSets.Find(vault, set!);
        foreach (var server in serverSet.Servers)
        {
            vault.Sessions.Require(server);
        }

        var itemId = Guid.NewGuid();
        using var secret = ServerShare.Generate();
        var created = await SetMembers.SendSharesAsync(vault, serverSet.Servers, secret, serverSet.Threshold,
            (server, share, token) => vault.Server(server).CreateUnitAsync(share, token), cancellationToken);

        var failed = created.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            await SetMembers.ShredCreatedAsync(vault, created, cancellationToken);
            throw SetMembers.Failure($"'{name}' was not added: every server of the set must store its share, and {failed.Count} of {serverSet.Servers.Count} did not", failed);
        }

        var threshold = new ThresholdItem(serverSet.Threshold, [.. created.Select(r => new ThresholdShareRef(r.Server, r.Value!.UnitId, r.Value.Version))]);
        var context = new ItemContext(vault.VaultId, itemId, 1, Mode);
        var item = new StoredItem(Format, name, itemId, Seal(vault, secret, threshold, context, credential), vault.Options.Time.GetUtcNow(), null, threshold);
        try
        {
            vault.Items.Save(item);
        }
        catch
        {
            await SetMembers.ShredCreatedAsync(vault, created, cancellationToken);
            throw;
        }

        return item;
    }

    /// <summary>
    /// Asks every member at once and opens with the first t shares. If those do not open the item and more shares
    /// arrive before the timeout, every t-subset is tried (<see cref="SubsetSearch"/>). Fewer than t answers: an error
    /// naming the members that failed, and why.
    /// </summary>
    public async Task<Credential> OpenAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var context = item.Context();
        var digest = ThresholdSet.Digest(threshold.Threshold, threshold.Binding);
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(vault.Options.ThresholdTimeout);
        var pending = threshold.Members.Select((member, index) => ReleaseShareAsync(vault, member, index, threshold.Threshold, timeout.Token, cancellationToken)).ToList();
        var answers = new List<(int Index, ShamirShare Share)>();
        var failures = new List<MemberResult<ShamirShare>>();
        var receipts = new List<(Uri Server, ReceiptView Receipt)>();
        Credential? opened = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? keepFailure;
        try
        {
            while (pending.Count > 0 && opened is null)
            {
                var done = await Task.WhenAny(pending);
                pending.Remove(done);
                var (index, share, receipt, error) = await done;
                if (share is null)
                {
                    failures.Add(new MemberResult<ShamirShare>(threshold.Members[index].Server, null, error));
                    continue;
                }

                answers.Add((index, share));
                receipts.Add((threshold.Members[index].Server, receipt!));
                if (answers.Count == threshold.Threshold)
                {
                    using var secret = Shamir.Combine([.. answers.Select(a => a.Share)]);
                    opened = SubsetSearch.OpenOrNull(vault, item, context, digest, secret);
                }
            }

            if (opened is null && answers.Count < threshold.Threshold)
            {
                throw SetMembers.Failure($"'{item.Name}' cannot be opened: {answers.Count} of {threshold.Members.Count} key servers released a share and {threshold.Threshold} are needed", failures);
            }

            opened ??= SubsetSearch.Open(vault, item, context, digest, answers);
        }
        finally
        {
            foreach (var (_, share) in answers)
            {
                share.Dispose();
            }

            // One durable append for the releases used. Requests still running are left to finish (and their
            // receipts kept) in the background: cancelling them would only make those servers do more work.
            _ = FinishLateAnswersAsync(vault, pending, threshold, timeout);
            keepFailure = KeepReceipts(vault, receipts);
        }

        // An open whose receipts cannot be kept fails, and the credential it opened is wiped rather than lost undisposed.
        if (keepFailure is not null)
        {
            opened.Dispose();
            keepFailure.Throw();
        }

        return opened;
    }

    /// <summary>Keeps the receipts of one open; a disk that refuses is reported to the caller, who wipes what it opened.</summary>
    private static System.Runtime.ExceptionServices.ExceptionDispatchInfo? KeepReceipts(VaultContext vault, List<(Uri Server, ReceiptView Receipt)> receipts)
    {
        try
        {
            vault.Receipts.Keep(receipts);
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
        }
    }

    /// <summary>
    /// Asks every member in the batch (each member's request bounded by the threshold timeout) and opens with the first t
    /// shares, or every t-subset if those do not open the item (<see cref="SubsetSearch"/>). Fewer than t shares: an error
    /// naming the members that failed, and why.
    /// </summary>
    public Task<PendingOpen> PrepareOpenAsync(VaultContext vault, StoredItem item, UseBatch batch, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        foreach (var member in threshold.Members)
        {
            batch.Release(member.Server, member.UnitId, member.Version, item.Name, bounded: true);
        }

        return Task.FromResult(new PendingOpen(() =>
        {
            var answers = new List<(int Index, ShamirShare Share)>();
            var failures = new List<MemberResult<ShamirShare>>();
            try
            {
                foreach (var (member, index) in threshold.Members.Select((member, index) => (member, index)))
                {
                    try
                    {
                        answers.Add((index, ServerShares.ImportShamir(member.Server, batch.Released(member.Server, member.UnitId).Share, threshold.Threshold, index)));
                    }
                    catch (SymbolonException exception)
                    {
                        failures.Add(new MemberResult<ShamirShare>(member.Server, null, exception));
                    }
                }

                if (answers.Count < threshold.Threshold)
                {
                    throw SetMembers.Failure($"'{item.Name}' cannot be opened: {answers.Count} of {threshold.Members.Count} key servers released a share and {threshold.Threshold} are needed", failures);
                }

                var context = item.Context();
                var digest = ThresholdSet.Digest(threshold.Threshold, threshold.Binding);
                using (var secret = Shamir.Combine([.. answers.Take(threshold.Threshold).Select(a => a.Share)]))
                {
                    if (SubsetSearch.OpenOrNull(vault, item, context, digest, secret) is { } opened)
                    {
                        return opened;
                    }
                }

                return SubsetSearch.Open(vault, item, context, digest, answers);
            }
            finally
            {
                answers.ForEach(answer => answer.Share.Dispose());
            }
        }));
    }

    public async Task RotateAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var context = item.Context();
        using var credential = await OpenAsync(vault, item, cancellationToken);
        using var secret = ServerShare.Generate();
        var servers = threshold.Members.Select(m => m.Server).ToList();
        var rotated = await SetMembers.SendSharesAsync(vault, servers, secret, threshold.Threshold,
            (server, share, token) => vault.Server(server).RotateUnitAsync(UnitOf(item, server), share, token), cancellationToken);

        var failed = rotated.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            // The members that did rotate hold an unconfirmed version; the item stays under the old one, which they keep.
            throw SetMembers.Failure($"'{item.Name}' was not rotated: every server of the set must take its new share, and {failed.Count} of {servers.Count} did not", failed);
        }

        var next = threshold with { Members = [.. threshold.Members.Select((m, i) => m with { Version = rotated[i].Value!.Version })] };
        var nextContext = new ItemContext(context.VaultId, context.UnitId, context.KeyVersion + 1, Mode);
        vault.Items.Save(item with { SealedItem = Seal(vault, secret, next, nextContext, credential), Threshold = next });

        // Only now, with the new item durably saved, may the servers destroy the old shares.
        var confirmed = await SetMembers.OnEveryMemberAsync(vault, servers, next.Members.Select(m => m.Version).ToList(),
            async (server, version, token) =>
            {
                await vault.Server(server).ConfirmUnitAsync(UnitOf(item, server), new ConfirmRequest(version), token);
                return version;
            },
            cancellationToken);
        foreach (var miss in confirmed.Where(r => r.Error is not null))
        {
            vault.Options.Warning?.Invoke($"The key server at {miss.Server} did not confirm the rotation of '{item.Name}' ({miss.Error!.Message}); it keeps the old share until the next rotation.");
        }
    }

    /// <summary>Succeeds once n − t + 1 members destroyed their shares: the t needed can then never be gathered again.</summary>
    public async Task RemoveAsync(VaultContext vault, StoredItem item, bool now, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var servers = threshold.Members.Select(m => m.Server).ToList();
        var removed = await SetMembers.OnEveryMemberAsync(vault, servers, threshold.Members.Select(m => m.UnitId).ToList(),
            async (server, unitId, token) =>
            {
                await vault.Server(server).ShredUnitAsync(unitId, now, token);
                return unitId;
            },
            cancellationToken);
        // A member that wants a recent login is not left holding its share: the caller logs in there again and repeats
        // the removal, which the members that already destroyed theirs answer with not-found, counted as done below.
        if (removed.Select(r => r.Error).OfType<ReauthenticationRequiredException>().FirstOrDefault() is { } reauthenticate)
        {
            throw reauthenticate;
        }

        var missed = removed.Where(r => r.Error is not null and not ItemNotFoundException).ToList();
        var needed = servers.Count - threshold.Threshold + 1;
        if (servers.Count - missed.Count < needed)
        {
            throw SetMembers.Failure($"'{item.Name}' was kept: {servers.Count - missed.Count} of {servers.Count} key servers destroyed their shares and {needed} must, so that it can never open again", missed);
        }

        vault.RemoveFile(item, now);
        if (missed.Count > 0)
        {
            var outcome = now
                ? $"can never open again ({servers.Count - missed.Count} of {servers.Count} shares destroyed)"
                : $"is removed ({servers.Count - missed.Count} of {servers.Count} shares shredded, destroyed when the grace period ends)";
            vault.Options.Warning?.Invoke(
                $"'{item.Name}' {outcome}, but these servers still hold theirs: " +
                SetMembers.Named(missed));
        }
    }

    /// <summary>
    /// Restores the unit on every member at once; the item comes back when at least t hold theirs again (a member whose
    /// unit was never shredded, because it was down at the removal, answers as restored). A member that could not is
    /// named in a warning. With fewer than t, the units that came back are shredded again, so that no live shares are
    /// left behind a failed restore, and it can be run again.
    /// </summary>
    public async Task RestoreAsync(VaultContext vault, StoredItem item, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var results = await SetMembers.OnEveryMemberAsync(vault, [.. threshold.Members.Select(m => m.Server)], [.. threshold.Members.Select(m => m.UnitId)],
            async (server, unitId, token) =>
            {
                await vault.Server(server).RestoreUnitAsync(unitId, token);
                return unitId;
            },
            cancellationToken);
        var missed = results.Where(r => r.Error is not null).ToList();
        var restored = results.Count - missed.Count;
        if (restored < threshold.Threshold)
        {
            foreach (var done in results.Where(r => r.Error is null))
            {
                await vault.ShredIfReachableAsync(done.Server, done.Value, cancellationToken);
            }

            throw SetMembers.Failure(
                $"'{item.Name}' was not restored: {restored} of {results.Count} key servers restored their shares (shredded again) and {threshold.Threshold} are needed", missed);
        }

        vault.Items.Restore(item);
        if (missed.Count > 0)
        {
            vault.Options.Warning?.Invoke(
                $"'{item.Name}' is restored with {restored} of {results.Count} shares; these servers did not restore theirs: " +
                SetMembers.Named(missed));
        }
    }

    private static async Task<(int Index, ShamirShare? Share, ReceiptView? Receipt, SymbolonException? Error)> ReleaseShareAsync(
        VaultContext vault, ThresholdShareRef member, int index, int threshold, CancellationToken cancellationToken, CancellationToken callerCancellation)
    {
        try
        {
            var released = await vault.Server(member.Server).ReleaseAsync(member.UnitId, new ReleaseRequest(member.Version), cancellationToken);
            return (index, ServerShares.ImportShamir(member.Server, released.Share, threshold, index), released.Receipt, null);
        }
        catch (SymbolonException exception)
        {
            // A member's refusal, absence or garbled answer is that member's failure: the others may still open the item.
            return (index, null, null, exception);
        }
        catch (OperationCanceledException) when (!callerCancellation.IsCancellationRequested)
        {
            return (index, null, null, SetMembers.NoAnswer(vault, member.Server));
        }
    }

    private static async Task FinishLateAnswersAsync(
        VaultContext vault, List<Task<(int Index, ShamirShare? Share, ReceiptView? Receipt, SymbolonException? Error)>> pending, ThresholdItem threshold,
        CancellationTokenSource timeout)
    {
        using (timeout)
        {
            try
            {
                var late = new List<(Uri Server, ReceiptView Receipt)>();
                foreach (var (index, share, receipt, _) in await Task.WhenAll(pending))
                {
                    if (share is not null)
                    {
                        late.Add((threshold.Members[index].Server, receipt!));
                        share.Dispose();
                    }
                }

                vault.Receipts.Keep(late);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // The client was disposed or the disk refused: a late receipt is lost; the server's audit log has the release.
            }
        }
    }

    private static byte[] Seal(VaultContext vault, ServerShare secret, ThresholdItem threshold, ItemContext context, Credential credential)
    {
        using var bound = ThresholdSet.Bind(secret, ThresholdSet.Digest(threshold.Threshold, threshold.Binding));
        return vault.Seal(bound, context, credential);
    }

    private static Guid UnitOf(StoredItem item, Uri server) => item.Threshold!.Members.Single(m => m.Server == server).UnitId;
}
