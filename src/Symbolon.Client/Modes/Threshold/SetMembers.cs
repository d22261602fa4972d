using System.Security.Cryptography;
using Symbolon.Crypto;
using Symbolon.Protocol;

namespace Symbolon.Client.Modes.Threshold;

/// <summary>
/// Fan-out to the members of a server set: one request per member, all at once, bounded by the threshold timeout; each
/// member's result or failure is kept apart, so one slow, down or misbehaving server fails alone.
/// </summary>
internal static class SetMembers
{
    /// <summary>
    /// Splits the secret and sends share i's value to member i with <paramref name="send"/> (create or rotate), wiping
    /// the values once sent; each answer carries the unit id and version the item will record.
    /// </summary>
    public static async Task<List<MemberResult<ShareResponse>>> SendSharesAsync(
        VaultContext vault, IReadOnlyList<Uri> servers, ServerShare secret, int threshold,
        Func<Uri, ShareRequest, CancellationToken, Task<ShareResponse>> send, CancellationToken cancellationToken)
    {
        var values = Split(secret, threshold, servers.Count);
        try
        {
            return await OnEveryMemberAsync(vault, servers, values, (server, share, token) => send(server, new ShareRequest(share), token), cancellationToken);
        }
        finally
        {
            values.ForEach(value => CryptographicOperations.ZeroMemory(value));
        }
    }

    /// <summary>Runs one request per member in parallel, bounded by the threshold timeout, collecting each result or error.</summary>
    public static async Task<List<MemberResult<TResult>>> OnEveryMemberAsync<TInput, TResult>(
        VaultContext vault, IReadOnlyList<Uri> servers, IReadOnlyList<TInput> inputs, Func<Uri, TInput, CancellationToken, Task<TResult>> request,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(vault.Options.ThresholdTimeout);
        var results = await Task.WhenAll(servers.Select(async (server, index) =>
        {
            try
            {
                return new MemberResult<TResult>(server, await request(server, inputs[index], timeout.Token), null);
            }
            catch (SymbolonException exception)
            {
                return new MemberResult<TResult>(server, default, exception);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new MemberResult<TResult>(server, default, NoAnswer(vault, server));
            }
        }));
        return [.. results];
    }

    /// <summary>Shreds the units the members that answered created (an add that cannot complete).</summary>
    public static async Task ShredCreatedAsync(VaultContext vault, List<MemberResult<ShareResponse>> created, CancellationToken cancellationToken)
    {
        foreach (var result in created.Where(r => r.Error is null))
        {
            await vault.ShredIfReachableAsync(result.Server, result.Value!.UnitId, cancellationToken);
        }
    }

    public static ServerUnreachableException NoAnswer(VaultContext vault, Uri server) =>
        new($"The key server at {server} did not answer within {vault.Options.ThresholdTimeout.TotalSeconds:0.#} s.");

    /// <summary>The members that failed, each with why, as the warnings of a removal or restore that went ahead without them name them.</summary>
    public static string Named<T>(IReadOnlyList<MemberResult<T>> failures) =>
        string.Join("; ", failures.Select(f => $"{f.Server} ({f.Error!.Message})"));

    /// <summary>
    /// One error for several members' failures, naming each. Its kind follows the most telling failure: a refusal
    /// (revoked, locked, rate-limited) over a removed unit over a missing session over an unreachable server.
    /// </summary>
    public static SymbolonException Failure<T>(string summary, IReadOnlyList<MemberResult<T>> failures)
    {
        var message = $"{summary}: " + string.Join("; ", failures.Select(f => $"{f.Server}: {f.Error!.Message.TrimEnd('.')}")) + ".";
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

    /// <summary>Share i's 32-byte value for each member, as sent in JSON (base64); <see cref="SendSharesAsync"/> wipes them.</summary>
    private static List<byte[]> Split(ServerShare secret, int threshold, int count)
    {
        var shares = Shamir.Split(secret, threshold, count);
        var values = new List<byte[]>(shares.Length);
        try
        {
            foreach (var share in shares)
            {
                var value = new byte[Shamir.SecretSize];
                values.Add(value);
                share.ExportValueUnsafe(value);
            }

            return values;
        }
        catch
        {
            values.ForEach(value => CryptographicOperations.ZeroMemory(value));
            throw;
        }
        finally
        {
            foreach (var share in shares)
            {
                share.Dispose();
            }
        }
    }
}

/// <summary>One member's answer, or why it has none.</summary>
internal sealed record MemberResult<T>(Uri Server, T? Value, SymbolonException? Error);
