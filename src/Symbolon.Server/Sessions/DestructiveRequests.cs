using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;
using Symbolon.Server.Hosting;
using Symbolon.Server.Limits;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Sessions;

/// <summary>
/// The gate of every request that destroys something (shredding a unit, confirming a rotation that retires shares,
/// retiring blinded-mode keys, revoking a device): a stolen or left-open session alone must not be enough. The session
/// must come from a password (or identity-provider) login within <see cref="SessionLifetimeOptions.RecentLoginWindow"/>
/// (a refresh keeps the login's time), and the account's destructive-request bucket must have a token. Checked before
/// the handler changes anything, inside the session's write transaction.
/// </summary>
public sealed class DestructiveRequests(IOptions<ServerOptions> options, TimeProvider time)
{
    /// <summary>Why the caller may not destroy now (<see cref="ProblemTypes.ReauthenticationRequired"/> or a rate limit), or null with a token taken.</summary>
    public async Task<ProblemHttpResult?> RefuseAsync(SessionContext session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var caller = session.Caller;
        var now = time.GetUtcNow();
        if (caller.Session.CreatedAt + options.Value.Sessions.RecentLoginWindow <= now)
        {
            return Problems.ReauthenticationRequired();
        }

        var limits = options.Value.Limits;
        var key = "destructive:" + caller.UserId;
        var bucket = await session.Db.RateBuckets.FindAsync([key], session.CancellationToken);
        var tokens = ReleaseLimiter.Refill(bucket is null ? default : (bucket.Tokens, bucket.UpdatedAt), limits.DestructiveBurst, limits.DestructiveRefillPerMinute, now);
        if (ReleaseLimiter.Empty(tokens, limits.DestructiveRefillPerMinute, "The destructive-request rate limit was reached.") is { } denial)
        {
            return Problems.ReleaseDenied(session.Http, denial);
        }

        if (bucket is null)
        {
            bucket = new RateBucket { Key = key };
            session.Db.RateBuckets.Add(bucket);
        }

        bucket.Tokens = tokens - 1;
        bucket.UpdatedAt = now;
        return null;
    }
}
