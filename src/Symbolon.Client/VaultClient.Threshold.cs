using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Symbolon.Crypto;

namespace Symbolon.Client;

/// <summary>
/// Threshold mode (docs/spec.md §5): the item's server secret is split with Shamir across a set of n independent key
/// servers, share i stored on server i as an ordinary unit share; any t of them must release their shares.
/// </summary>
public sealed partial class VaultClient
{
    /// <summary>Defines (or redefines) a server set. Log in to each member with <see cref="LoginAsync"/> before adding items.</summary>
    public void DefineSet(string name, int threshold, IReadOnlyList<Uri> servers)
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
        UpdateVault(vault => vault with { Sets = [.. (vault.Sets ?? []).Where(s => s.Name != name), set] });
    }

    /// <summary>The defined server sets.</summary>
    public IReadOnlyList<ServerSet> Sets() => _vault.Sets ?? [];

    private ServerSet FindSet(string name) =>
        Sets().SingleOrDefault(s => s.Name == name)
        ?? throw new InvalidOperationSymbolonException($"No server set named '{name}'.", "Define it with `symbolon set create NAME --threshold T --server URL …`.");

    private async Task<ItemInfo> AddThresholdAsync(string name, Credential credential, ServerSet set, CancellationToken cancellationToken)
    {
        foreach (var server in set.Servers)
        {
            RequireSession(server);
        }

        var itemId = Guid.NewGuid();
        using var secret = ServerShare.Generate();
        var created = await SendSharesAsync(set.Servers, secret, set.Threshold, _ => "/v1/units", cancellationToken);

        var failed = created.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            await ShredCreatedAsync(created, cancellationToken);
            throw Failure($"'{name}' was not added: every server of the set must store its share, and {failed.Count} of {set.Servers.Count} did not", failed);
        }

        var threshold = new ThresholdItem(set.Threshold,
            [.. created.Select(r => new ThresholdShareRef(r.Server, r.Value.GetProperty("unitId").GetGuid(), r.Value.GetProperty("version").GetInt32()))]);
        var context = new ItemContext(_vault.VaultId, itemId, 1, ItemMode.Threshold);
        var item = new StoredItem(StoredItem.ThresholdFormat, name, itemId, SealThreshold(secret, threshold, context, credential), _options.Time.GetUtcNow(), null, threshold);
        try
        {
            _items.Save(item);
        }
        catch
        {
            await ShredCreatedAsync(created, cancellationToken);
            throw;
        }

        return Info(item);
    }

    /// <summary>
    /// Asks every member at once and opens with the first t shares. If those do not open the item and more shares
    /// arrive before the timeout, every t-subset is tried; members whose share disagrees with the subset that opens
    /// it are reported. Fewer than t answers: an error naming the members that failed, and why.
    /// </summary>
    private async Task<Credential> OpenThresholdAsync(StoredItem item, ItemContext context, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var digest = ThresholdSet.Digest(threshold.Threshold, threshold.Binding);
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ThresholdTimeout);
        var pending = threshold.Members.Select((member, index) => ReleaseShareAsync(member, index, threshold.Threshold, timeout.Token, cancellationToken)).ToList();
        var answers = new List<(int Index, ShamirShare Share)>();
        var failures = new List<MemberResult<JsonElement>>();
        var receipts = new List<(Uri Server, JsonElement Receipt)>();
        try
        {
            Credential? opened = null;
            while (pending.Count > 0 && opened is null)
            {
                var done = await Task.WhenAny(pending);
                pending.Remove(done);
                var (index, share, receipt, error) = await done;
                if (share is null)
                {
                    failures.Add(new MemberResult<JsonElement>(threshold.Members[index].Server, default, error));
                    continue;
                }

                answers.Add((index, share));
                receipts.Add((threshold.Members[index].Server, receipt));
                if (answers.Count == threshold.Threshold)
                {
                    using var secret = Shamir.Combine([.. answers.Select(a => a.Share)]);
                    opened = TryOpen(item, context, digest, secret);
                }
            }

            if (opened is not null)
            {
                return opened;
            }

            if (answers.Count < threshold.Threshold)
            {
                throw Failure($"'{item.Name}' cannot be opened: {answers.Count} of {threshold.Members.Count} key servers released a share and {threshold.Threshold} are needed", failures);
            }

            return OpenFromSubsets(item, context, digest, answers);
        }
        finally
        {
            foreach (var (_, share) in answers)
            {
                share.Dispose();
            }

            // One durable append for the releases used. Requests still running are left to finish (and their
            // receipts kept) in the background: cancelling them would only make those servers do more work.
            KeepReceipts(receipts);
            _ = FinishLateAnswersAsync(pending, threshold, timeout);
        }
    }

    private async Task FinishLateAnswersAsync(
        List<Task<(int Index, ShamirShare? Share, JsonElement Receipt, SymbolonException? Error)>> pending, ThresholdItem threshold, CancellationTokenSource timeout)
    {
        using (timeout)
        {
            try
            {
                var late = new List<(Uri Server, JsonElement Receipt)>();
                foreach (var (index, share, receipt, _) in await Task.WhenAll(pending))
                {
                    if (share is not null)
                    {
                        late.Add((threshold.Members[index].Server, receipt));
                        share.Dispose();
                    }
                }

                KeepReceipts(late);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // The client was disposed or the disk refused: a late receipt is lost; the server's audit log has the release.
            }
        }
    }

    /// <summary>The first t shares did not open the item: find a t-subset that does and name the members outside it that disagree.</summary>
    private Credential OpenFromSubsets(StoredItem item, ItemContext context, byte[] digest, List<(int Index, ShamirShare Share)> answers)
    {
        var members = item.Threshold!.Members;
        foreach (var subset in Subsets(answers.Count, item.Threshold.Threshold))
        {
            var chosen = subset.Select(i => answers[i]).ToList();
            using var secret = Shamir.Combine([.. chosen.Select(a => a.Share)]);
            if (TryOpen(item, context, digest, secret) is not { } opened)
            {
                continue;
            }

            var bad = answers.Where(a => !chosen.Contains(a) && !Agrees(secret, [.. chosen.Skip(1).Select(c => c.Share), a.Share]))
                .Select(a => members[a.Index].Server)
                .ToList();
            foreach (var server in bad)
            {
                _options.Warning?.Invoke($"The key server at {server} returned a bad share for '{item.Name}'; it opened with the shares of the others. Tell that server's operator.");
            }

            return opened;
        }

        throw new ItemTamperedException(
            $"The item '{item.Name}' could not be opened with any {item.Threshold.Threshold} of the {answers.Count} shares released: the item file is damaged or was altered, or too many servers returned bad shares.");
    }

    private async Task RotateThresholdAsync(StoredItem item, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var context = item.Context();
        using var credential = await OpenThresholdAsync(item, context, cancellationToken);
        using var secret = ServerShare.Generate();
        var servers = threshold.Members.Select(m => m.Server).ToList();
        var rotated = await SendSharesAsync(servers, secret, threshold.Threshold, server => $"/v1/units/{UnitOf(item, server)}/rotate", cancellationToken);

        var failed = rotated.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            // The members that did rotate hold an unconfirmed version; the item stays under the old one, which they keep.
            throw Failure($"'{item.Name}' was not rotated: every server of the set must take its new share, and {failed.Count} of {servers.Count} did not", failed);
        }

        var next = threshold with
        {
            Members = [.. threshold.Members.Select((m, i) => m with { Version = rotated[i].Value.GetProperty("version").GetInt32() })],
        };
        var nextContext = new ItemContext(context.VaultId, context.UnitId, context.KeyVersion + 1, ItemMode.Threshold);
        _items.Save(item with { SealedItem = SealThreshold(secret, next, nextContext, credential), Threshold = next });

        // Only now, with the new item durably saved, may the servers destroy the old shares.
        var confirmed = await OnEveryMemberAsync(servers, next.Members.Select(m => m.Version).ToList(),
            (server, version, token) => AuthorisedAsync(server, HttpMethod.Post, $"/v1/units/{UnitOf(item, server)}/confirm", new { version }, token), cancellationToken);
        foreach (var miss in confirmed.Where(r => r.Error is not null))
        {
            _options.Warning?.Invoke($"The key server at {miss.Server} did not confirm the rotation of '{item.Name}' ({miss.Error!.Message}); it keeps the old share until the next rotation.");
        }
    }

    /// <summary>Succeeds once n − t + 1 members destroyed their shares: the t needed can then never be gathered again.</summary>
    private async Task RemoveThresholdAsync(StoredItem item, CancellationToken cancellationToken)
    {
        var threshold = item.Threshold!;
        var servers = threshold.Members.Select(m => m.Server).ToList();
        var removed = await OnEveryMemberAsync(servers, threshold.Members.Select(m => m.UnitId).ToList(),
            (server, unitId, token) => AuthorisedAsync(server, HttpMethod.Delete, $"/v1/units/{unitId}", null, token), cancellationToken);
        var missed = removed.Where(r => r.Error is not null and not ItemNotFoundException).ToList();
        var needed = servers.Count - threshold.Threshold + 1;
        if (servers.Count - missed.Count < needed)
        {
            throw Failure($"'{item.Name}' was kept: {servers.Count - missed.Count} of {servers.Count} key servers destroyed their shares and {needed} must, so that it can never open again", missed);
        }

        _items.Delete(item);
        if (missed.Count > 0)
        {
            _options.Warning?.Invoke(
                $"'{item.Name}' can never open again ({servers.Count - missed.Count} of {servers.Count} shares destroyed), but these servers still hold theirs: " +
                string.Join("; ", missed.Select(m => $"{m.Server} ({m.Error!.Message})")));
        }
    }

    private async Task<(int Index, ShamirShare? Share, JsonElement Receipt, SymbolonException? Error)> ReleaseShareAsync(
        ThresholdShareRef member, int index, int threshold, CancellationToken cancellationToken, CancellationToken callerCancellation)
    {
        try
        {
            var response = await AuthorisedAsync(member.Server, HttpMethod.Post, $"/v1/units/{member.UnitId}/release", new { version = member.Version }, cancellationToken);
            var value = response.GetProperty("share").GetBytesFromBase64();
            try
            {
                if (value.Length != Shamir.SecretSize)
                {
                    throw new ProtocolException($"The key server at {member.Server} returned a share of {value.Length} bytes.");
                }

                return (index, ShamirShare.FromValue(threshold, index + 1, value), response.GetProperty("receipt"), null);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(value);
            }
        }
        catch (SymbolonException exception)
        {
            return (index, null, default, exception);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or FormatException or InvalidOperationException or JsonException)
        {
            // A member's garbled answer is that member's failure, like a bad share: the others may still open the item.
            return (index, null, default, new ProtocolException($"The key server at {member.Server} sent a malformed answer."));
        }
        catch (OperationCanceledException) when (!callerCancellation.IsCancellationRequested)
        {
            return (index, null, default, NoAnswer(member.Server));
        }
    }

    private Credential? TryOpen(StoredItem item, ItemContext context, byte[] digest, ServerShare secret)
    {
        using var bound = ThresholdSet.Bind(secret, digest);
        using var dataKey = DeriveDataKey(bound, context);
        try
        {
            return SealedItem.Open(dataKey, item.SealedItem);
        }
        catch (ItemOpenException)
        {
            return null;
        }
    }

    private byte[] SealThreshold(ServerShare secret, ThresholdItem threshold, ItemContext context, Credential credential)
    {
        using var bound = ThresholdSet.Bind(secret, ThresholdSet.Digest(threshold.Threshold, threshold.Binding));
        return Seal(bound, context, credential);
    }

    /// <summary>
    /// Splits the secret and POSTs share i's value to member i at <paramref name="path"/> (create or rotate), wiping the
    /// values once sent; each answer must carry the unit id and version the item will record.
    /// </summary>
    private async Task<List<MemberResult<JsonElement>>> SendSharesAsync(
        IReadOnlyList<Uri> servers, ServerShare secret, int threshold, Func<Uri, string> path, CancellationToken cancellationToken)
    {
        var values = Split(secret, threshold, servers.Count);
        try
        {
            return await OnEveryMemberAsync(servers, values,
                async (server, share, token) => WellFormed(server, await AuthorisedAsync(server, HttpMethod.Post, path(server), new { share }, token)), cancellationToken);
        }
        finally
        {
            values.ForEach(value => CryptographicOperations.ZeroMemory(value));
        }
    }

    /// <summary>Runs one request per member in parallel, bounded by the threshold timeout, collecting each result or error.</summary>
    private async Task<List<MemberResult<JsonElement>>> OnEveryMemberAsync<TInput>(
        IReadOnlyList<Uri> servers, IReadOnlyList<TInput> inputs, Func<Uri, TInput, CancellationToken, Task<JsonElement>> request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ThresholdTimeout);
        var results = await Task.WhenAll(servers.Select(async (server, index) =>
        {
            try
            {
                return new MemberResult<JsonElement>(server, await request(server, inputs[index], timeout.Token), null);
            }
            catch (SymbolonException exception)
            {
                return new MemberResult<JsonElement>(server, default, exception);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new MemberResult<JsonElement>(server, default, NoAnswer(server));
            }
        }));
        return [.. results];
    }

    private async Task ShredCreatedAsync(List<MemberResult<JsonElement>> created, CancellationToken cancellationToken)
    {
        foreach (var result in created.Where(r => r.Error is null))
        {
            await TryShredAsync(result.Server, result.Value.GetProperty("unitId").GetGuid(), cancellationToken);
        }
    }

    /// <summary>Share i's 32-byte value for each member, as sent in JSON (base64); <see cref="SendSharesAsync"/> wipes them.</summary>
    private static List<byte[]> Split(ServerShare secret, int threshold, int count)
    {
        var shares = Shamir.Split(secret, threshold, count);
        try
        {
            return [.. shares.Select(share =>
            {
                var value = new byte[Shamir.SecretSize];
                share.ExportValueUnsafe(value);
                return value;
            })];
        }
        finally
        {
            foreach (var share in shares)
            {
                share.Dispose();
            }
        }
    }

    /// <summary>A create or rotate answer with the unit id and version the item will record, or that member's failure.</summary>
    private static JsonElement WellFormed(Uri server, JsonElement answer)
    {
        try
        {
            _ = answer.GetProperty("unitId").GetGuid();
            _ = answer.GetProperty("version").GetInt32();
            return answer;
        }
        catch (Exception exception) when (exception is KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new ProtocolException($"The key server at {server} sent a malformed answer.");
        }
    }

    private ServerUnreachableException NoAnswer(Uri server) =>
        new($"The key server at {server} did not answer within {_options.ThresholdTimeout.TotalSeconds:0.#} s.");

    private static Guid UnitOf(StoredItem item, Uri server) => item.Threshold!.Members.Single(m => m.Server == server).UnitId;

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

    /// <summary>
    /// One error for several members' failures, naming each. Its kind follows the most telling failure: a refusal
    /// (revoked, locked, rate-limited) over a removed unit over a missing session over an unreachable server.
    /// </summary>
    private static SymbolonException Failure<T>(string summary, IReadOnlyList<MemberResult<T>> failures)
    {
        var message = $"{summary}: " + string.Join("; ", failures.Select(f => $"{f.Server}: {f.Error!.Message}")) + ".";
        var errors = failures.Select(f => f.Error!).ToList();
        return errors.OfType<AccessDeniedException>().FirstOrDefault() is { } denied
            ? new AccessDeniedException(denied.Reason, message, denied.Hint, denied.RetryAfter)
            : errors.OfType<ItemNotFoundException>().Any()
                ? new ItemNotFoundException(message, "An item whose shares were destroyed on enough servers can never open again.")
                : errors.OfType<NotLoggedInException>().FirstOrDefault() is { } notLoggedIn
                    ? new NotLoggedInException(message, notLoggedIn.Hint)
                    : errors.OfType<ServerUnreachableException>().Count() == errors.Count
                        ? new ServerUnreachableException(message)
                        : new InvalidOperationSymbolonException(message);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex SetName();

    private sealed record MemberResult<T>(Uri Server, T Value, SymbolonException? Error);
}
