using Symbolon.Client.KeyServer;
using Symbolon.Protocol;

namespace Symbolon.Client.Sessions;

/// <summary>
/// This home's sessions, one per key server: login and logout, the idle lock, and refresh of an access token about to
/// expire. Each server's session file is the truth; this class only caches what it last read or wrote.
/// </summary>
internal sealed class SessionManager(ClientHome home, VaultClientOptions options, LocalSecrets secrets, Func<Uri?> defaultServer, Func<Uri, KeyServerApi> servers)
{
    /// <summary>An access token this close to expiry is refreshed before use, so it cannot expire in flight.</summary>
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(30);

    private readonly Dictionary<Uri, SessionState?> _sessions = [];
    private readonly Lock _lock = new();

    /// <summary>Logs in (the server enrols this device's key on first use) and saves the session.</summary>
    public async Task LoginAsync(KeyServerApi server, string username, string password, CancellationToken cancellationToken)
    {
        var response = await server.LoginAsync(new LoginRequest(username, password, Environment.MachineName), cancellationToken);
        Save(server.Server, FromResponse(server.Server, username, response));
    }

    /// <summary>Saves the session a password change answered with, in place of the one that ended.</summary>
    public void Adopt(Uri server, SessionResponse response) =>
        Save(server, FromResponse(server, Session(server)?.Username ?? "", response));

    /// <summary>The account name last logged in with on <paramref name="server"/>, if any.</summary>
    public string? UsernameOn(Uri server) => Session(server)?.Username;

    /// <summary>Ends every session on its server (best effort where a server is unreachable) and forgets them locally.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        foreach (var session in StateFiles.AllSessions(home, secrets))
        {
            await EndAsync(session, cancellationToken);
        }
    }

    /// <summary>
    /// Ends the session on its server, then forgets it here whatever the server said. An access token about to expire is
    /// refreshed first (the logout route needs a live one). An unreachable server is a warning: its session ends by
    /// itself after its idle timeout, and the tokens are deleted here either way.
    /// </summary>
    private async Task EndAsync(SessionState session, CancellationToken cancellationToken)
    {
        try
        {
            if (session.HasTokens)
            {
                var server = servers(session.Server);
                var accessToken = session.AccessToken;
                if (session.AccessExpiresAt - options.Time.GetUtcNow() < RefreshMargin)
                {
                    accessToken = (await server.RefreshAsync(new RefreshRequest(session.RefreshToken), cancellationToken)).AccessToken;
                }

                await server.LogoutAsync(accessToken, cancellationToken);
            }
        }
        catch (ServerUnreachableException)
        {
            options.Warning?.Invoke(
                $"the key server at {session.Server} is unreachable: its session ends by itself after {Describe(session.IdleTimeout)} without use; the tokens here are deleted.");
        }
        catch (SymbolonException)
        {
            // The server ended the session already (idle, revoked, refresh token used): nothing is left to end.
        }
        finally
        {
            Save(session.Server, null);
        }
    }

    /// <summary>Who is logged in to the default server, and when the session locks itself if unused.</summary>
    public SessionStatus Status()
    {
        var server = defaultServer();
        var session = server is null ? null : Session(server);
        if (session is null || !session.HasTokens || IsIdle(session))
        {
            return new SessionStatus(false, server, session?.Username, session?.DeviceId, null);
        }

        return new SessionStatus(true, session.Server, session.Username, session.DeviceId, session.LastActivity + IdleTimeout(session));
    }

    /// <summary>The live session on <paramref name="server"/>; none, or one idle too long (which locks it now), is an error.</summary>
    public SessionState Require(Uri server)
    {
        var session = Session(server);
        var where = server == defaultServer() ? "" : $" to {server}";
        if (session is null || !session.HasTokens)
        {
            throw new NotLoggedInException($"Not logged in{where}.", $"Run `symbolon login --server {server}`.");
        }

        if (IsIdle(session))
        {
            // Callers are synchronous and a lock is rare: ending the session on the server waits here, on the pool.
            Task.Run(() => EndAsync(session, CancellationToken.None)).GetAwaiter().GetResult();
            throw new NotLoggedInException($"The session{where} locked itself after {Describe(IdleTimeout(session))} without use.",
                $"Run `symbolon login --server {server}`.");
        }

        return session;
    }

    /// <summary>The session to send a request to <paramref name="server"/> with, its access token refreshed first if about to expire.</summary>
    public async Task<SessionState> ActiveAsync(KeyServerApi server, CancellationToken cancellationToken)
    {
        var session = Require(server.Server);
        return session.AccessExpiresAt - options.Time.GetUtcNow() < RefreshMargin
            ? await RefreshAsync(server, session, cancellationToken)
            : session;
    }

    /// <summary>
    /// Records use for the idle lock without overwriting tokens another process has rotated meanwhile. Use is
    /// recorded at most every tenth of the idle timeout: the lock may come that much early, but a burst of requests
    /// does not rewrite (and fsync) the session file each time.
    /// </summary>
    public async Task TouchAsync(SessionState used, CancellationToken cancellationToken)
    {
        if (options.Time.GetUtcNow() - used.LastActivity < IdleTimeout(used) / 10)
        {
            return;
        }

        using var sessionLock = await SessionLock.AcquireAsync(home, used.Server, cancellationToken);
        var latest = StateFiles.ReadSession(home, used.Server, secrets);
        if (latest is null || latest.UserId != used.UserId)
        {
            Remember(used.Server, latest);
            return;
        }

        Save(used.Server, latest with { LastActivity = options.Time.GetUtcNow() });
    }

    /// <summary>
    /// Refreshes under the server's session lock. Several processes may share one home (parallel `symbolon exec` in sync
    /// jobs); refresh tokens are single-use, so two refreshing with the same token would look like theft and end the
    /// session. Under the lock, a process that finds the token already rotated by another simply uses the new one.
    /// </summary>
    private async Task<SessionState> RefreshAsync(KeyServerApi server, SessionState session, CancellationToken cancellationToken)
    {
        using var sessionLock = await SessionLock.AcquireAsync(home, server.Server, cancellationToken);
        var latest = StateFiles.ReadSession(home, server.Server, secrets);
        if (latest is { HasTokens: true } && latest.RefreshToken != session.RefreshToken
            && latest.AccessExpiresAt - options.Time.GetUtcNow() >= RefreshMargin)
        {
            Remember(server.Server, latest);
            return latest;
        }

        // The stored session is the newest: when another process rotated the tokens but its access token is about to
        // expire too, the refresh token to present is theirs; ours is spent, and presenting it again would look like
        // theft and end the session for everyone.
        var current = latest is { HasTokens: true } ? latest : session;
        try
        {
            var response = await server.RefreshAsync(new RefreshRequest(current.RefreshToken!), cancellationToken);
            var refreshed = FromResponse(server.Server, current.Username, response);
            Save(server.Server, refreshed);
            return refreshed;
        }
        catch (NotLoggedInException)
        {
            Save(server.Server, null);
            throw;
        }
    }

    private SessionState? Session(Uri server)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(server, out var session))
            {
                session = StateFiles.ReadSession(home, server, secrets);
                _sessions[server] = session;
            }

            return session;
        }
    }

    private void Remember(Uri server, SessionState? session)
    {
        lock (_lock)
        {
            _sessions[server] = session;
        }
    }

    private void Save(Uri server, SessionState? session)
    {
        StateFiles.WriteSession(home, server, session, secrets);
        Remember(server, session);
    }

    private SessionState FromResponse(Uri server, string username, SessionResponse response)
    {
        var now = options.Time.GetUtcNow();
        return new SessionState(
            server, username, response.UserId, response.DeviceId, response.AccessToken, response.RefreshToken, now + TimeSpan.FromSeconds(response.ExpiresIn), now,
            response.IdleTimeoutSeconds);
    }

    /// <summary>The server's idle timeout, or <see cref="VaultClientOptions.IdleTimeout"/> when that is shorter (never longer).</summary>
    private TimeSpan IdleTimeout(SessionState session) =>
        options.IdleTimeout is { } local && local < session.IdleTimeout ? local : session.IdleTimeout;

    private bool IsIdle(SessionState session) => options.Time.GetUtcNow() - session.LastActivity >= IdleTimeout(session);

    /// <summary>"10 minutes", "90 seconds": whole units, so a short timeout does not read as "0 minutes".</summary>
    private static string Describe(TimeSpan timeout) =>
        timeout.TotalSeconds % 60 == 0
            ? $"{timeout.TotalMinutes:0} minute{(timeout.TotalMinutes == 1 ? "" : "s")}"
            : $"{timeout.TotalSeconds:0.#} second{(timeout.TotalSeconds == 1 ? "" : "s")}";
}
