using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Protocol;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;
using Symbolon.Server.Devices;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Sessions;

public static class SessionEndpoints
{
    public const string OidcScheme = "oidc";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("").WithTags("Sessions");
        sessions.MapPost(Routes.Sessions, LoginAsync).WithName("Login")
            .Authenticates(ApiAuthentication.DeviceProofOrIdentityToken)
            .ProducesProblems(ProblemTypes.InvalidCredentials, ProblemTypes.DeviceRevoked, ProblemTypes.LocalAccountsDisabled, ProblemTypes.LoginThrottled);
        sessions.MapPost(Routes.SessionRefresh, RefreshAsync).WithName("RefreshSession")
            .Authenticates(ApiAuthentication.DeviceProof)
            .ProducesProblems(ProblemTypes.InvalidRefreshToken, ProblemTypes.DeviceRevoked);
        sessions.MapDelete(Routes.CurrentSession, Logout).RequireSession().OpenToPendingDevices().WithName("Logout");
        return routes;
    }

    /// <summary>
    /// Cheapest check first: the request's shape, then the DPoP proof (a signature check, no database), then the throttle
    /// (memory), and only then the identity token or the password's Argon2id. No refusal before the final transaction
    /// writes anything: failures and throttled attempts are counted in memory and audited per window by
    /// <see cref="LoginFailureDigest"/>.
    /// </summary>
    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, [AsParameters] SignInContext context, LoginFailureDigest failures)
    {
        var (http, db, transactions, hasher, throttler, dpop, audit, options, time, cancellationToken) = context;
        if (!DeviceNames.TryNormalise(request.DeviceName, out var deviceName))
        {
            return Problems.InvalidRequest($"{Problems.Member(nameof(LoginRequest.DeviceName))} must be {DeviceNames.Rule}.");
        }

        var isExternal = http.Request.Headers.Authorization.ToString().StartsWith(Headers.BearerScheme + " ", StringComparison.Ordinal);
        if (isExternal && options.Value.Oidc.Authority is null)
        {
            return Problems.InvalidRequest("This server does not accept external identity tokens.");
        }

        if (!isExternal && options.Value.Oidc.DisableLocalAccounts)
        {
            return Problems.LocalAccountsDisabled();
        }

        var address = ClientAddress.Bucket(http);
        if (dpop.Validate(http, accessToken: null) is not { } proofResult)
        {
            failures.Count(AuditEvents.LoginFailed, null, "no valid DPoP proof", address);
            return MissingProof();
        }

        User? user;
        string throttleKey;
        IdentityToken? identityToken = null;
        if (isExternal)
        {
            var outcome = await http.AuthenticateAsync(OidcScheme);
            var subject = outcome.Principal?.FindFirst("sub")?.Value;
            var issuer = outcome.Principal?.FindFirst("iss")?.Value;
            identityToken = IdentityToken.From(outcome);
            if (!outcome.Succeeded || string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(issuer) || identityToken is null)
            {
                failures.Count(AuditEvents.LoginFailed, null, "invalid identity token", address);
                return Problems.InvalidCredentials();
            }

            var externalSubject = issuer + "|" + subject;
            throttleKey = LoginThrottler.AccountKey(externalSubject);
            user = await db.Users.SingleOrDefaultAsync(u => u.ExternalSubject == externalSubject, cancellationToken)
                ?? new User { Id = Guid.CreateVersion7(), ExternalSubject = externalSubject, CreatedAt = time.GetUtcNow() };
        }
        else
        {
            if (!AccountEndpoints.TryNormaliseUsername(request.Username, out var username) || string.IsNullOrEmpty(request.Password))
            {
                failures.Count(AuditEvents.LoginFailed, null, "malformed", address);
                return Problems.InvalidCredentials();
            }

            throttleKey = LoginThrottler.AccountKey(username);
            var addressKey = LoginThrottler.AddressKey(http);
            user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Username == username, cancellationToken);
            if (throttler.BeginAttempt([throttleKey, addressKey], throttleKey) is { } retryAfter)
            {
                failures.Count(AuditEvents.LoginThrottled, user?.Id, "throttled", address);
                return Problems.LoginThrottled(http, retryAfter);
            }

            // The attempt already counts against the account until it succeeds; an unknown account costs the same as a
            // wrong password.
            if (!await hasher.VerifyAsync(request.Password, user?.PasswordHash, user?.PasswordSalt, user?.PasswordParameters, cancellationToken))
            {
                throttler.RecordFailure([addressKey]);
                failures.Count(AuditEvents.LoginFailed, user?.Id, user is null ? "unknown account" : "wrong password", address);
                return Problems.InvalidCredentials();
            }
        }

        var loggedIn = user!;
        // Under the account's lock, so a password change or approval setting committed meanwhile is seen (below); a
        // first identity-provider login creates the account, so it keeps the deployment-wide lock that orders sign-ups.
        var creatingAccount = isExternal && db.Entry(loggedIn).State == EntityState.Detached;
        return await transactions.RunAsync<Results<Ok<SessionResponse>, ProblemHttpResult>>(async () =>
        {
            var proof = await dpop.RecordAsync(db, proofResult, cancellationToken);
            if (proof is null)
            {
                db.ChangeTracker.Clear();
                return MissingProof();
            }

            if (identityToken is not null && !await identityToken.RememberAsync(db, cancellationToken))
            {
                db.ChangeTracker.Clear();
                failures.Count(AuditEvents.LoginFailed, null, "identity token replayed", address);
                return Problems.InvalidCredentials();
            }

            var now = time.GetUtcNow();
            // The password was checked against a row read before the slow hash, outside the account's lock: a password
            // change (or device approval turned on) committed since must win over this login.
            var current = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == loggedIn.Id, cancellationToken);
            if (current is null && db.Entry(loggedIn).State == EntityState.Detached)
            {
                db.Users.Add(loggedIn);
                await audit.AppendAsync(db, AuditEvents.AccountCreated, loggedIn.Id, detail: "external", cancellationToken: cancellationToken);
            }
            else if (loggedIn.PasswordHash is not null
                && !(current?.PasswordHash is { } hash && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(hash, loggedIn.PasswordHash)))
            {
                db.ChangeTracker.Clear();
                failures.Count(AuditEvents.LoginFailed, loggedIn.Id, "password changed during the login", address);
                return Problems.InvalidCredentials();
            }

            var device = await db.Devices.SingleOrDefaultAsync(d => d.UserId == loggedIn.Id && d.Thumbprint == proof.Thumbprint, cancellationToken);
            if (device is null)
            {
                device = new Device
                {
                    Id = Guid.CreateVersion7(),
                    UserId = loggedIn.Id,
                    Name = deviceName,
                    Thumbprint = proof.Thumbprint,
                    PublicJwk = proof.PublicKey.ToJwkJson(),
                    CreatedAt = now,
                    PendingApproval = (current ?? loggedIn).RequireDeviceApproval,
                };
                db.Devices.Add(device);
                await audit.AppendAsync(db, AuditEvents.DeviceEnrolled, loggedIn.Id, device.Id, cancellationToken: cancellationToken);
            }
            else if (device.RevokedAt is not null)
            {
                await audit.AppendAsync(db, AuditEvents.LoginFailed, loggedIn.Id, device.Id, detail: "device revoked", cancellationToken: cancellationToken);
                return Problems.DeviceRevoked();
            }

            // Logging in again is what unlocks a device that broke the distinct-unit quota.
            device.LockedAt = null;
            throttler.RecordSuccess(throttleKey);
            var response = IssueSession(db, loggedIn.Id, device.Id, now, options.Value.Sessions);
            await audit.AppendAsync(db, AuditEvents.LoginSucceeded, loggedIn.Id, device.Id, cancellationToken: cancellationToken);
            return TypedResults.Ok(response);
        }, creatingAccount ? null : loggedIn.Id, cancellationToken);
    }

    private static ProblemHttpResult MissingProof() =>
        Problems.InvalidRequest("A valid DPoP proof signed by the device key being enrolled is required.");

    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> RefreshAsync(RefreshRequest request, [AsParameters] SignInContext context)
    {
        var (http, db, transactions, _, _, dpop, audit, options, time, cancellationToken) = context;
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return Problems.InvalidRefreshToken();
        }

        // A proof that does not verify, or a token that was never issued, is refused before the write transaction: an
        // unauthenticated caller must not cost a durable write.
        var hash = Tokens.Hash(request.RefreshToken);
        if (dpop.Validate(http, accessToken: null) is not { } proofResult
            || !await db.RefreshTokens.AsNoTracking().AnyAsync(t => t.TokenHash == hash, cancellationToken))
        {
            return Problems.InvalidRefreshToken();
        }

        return await transactions.RunAsync<Results<Ok<SessionResponse>, ProblemHttpResult>>(async () =>
        {
            var now = time.GetUtcNow();
            var lifetimes = options.Value.Sessions;
            var token = await db.RefreshTokens.FindAsync([hash], cancellationToken);
            var session = token is null ? null : await db.Sessions.FindAsync([token.SessionId], cancellationToken);
            if (token is null || session is null)
            {
                return Problems.InvalidRefreshToken();
            }

            var device = await db.Devices.SingleAsync(d => d.Id == session.DeviceId, cancellationToken);
            var proof = await dpop.RecordAsync(db, proofResult, cancellationToken);
            if (proof is null || proof.Thumbprint != device.Thumbprint)
            {
                db.ChangeTracker.Clear();
                return Problems.InvalidRefreshToken();
            }

            if (device.RevokedAt is not null)
            {
                return Problems.DeviceRevoked();
            }

            if (token.UsedAt is not null)
            {
                // A refresh token is single-use: seeing one twice means it was copied. End the whole session.
                if (session.RevokedAt is null)
                {
                    session.RevokedAt = now;
                    session.RevokedReason = "refresh token reused";
                }

                await audit.AppendAsync(db, AuditEvents.RefreshTokenReused, session.UserId, session.DeviceId, cancellationToken: cancellationToken);
                return Problems.InvalidRefreshToken();
            }

            if (session.RevokedAt is not null
                || session.LastUsedAt + lifetimes.IdleTimeout <= now
                || session.CreatedAt + lifetimes.AbsoluteLifetime <= now)
            {
                return Problems.InvalidRefreshToken();
            }

            token.UsedAt = now;
            var access = Tokens.NewAccessToken();
            var refresh = Tokens.NewRefreshToken();
            session.AccessTokenHash = Tokens.Hash(access);
            session.AccessExpiresAt = Earliest(now + lifetimes.AccessTokenLifetime, session.CreatedAt + lifetimes.AbsoluteLifetime);
            session.LastUsedAt = now;
            db.RefreshTokens.Add(new RefreshToken { TokenHash = Tokens.Hash(refresh), SessionId = session.Id, IssuedAt = now });
            await audit.AppendAsync(db, AuditEvents.SessionRefreshed, session.UserId, session.DeviceId, cancellationToken: cancellationToken);
            return TypedResults.Ok(new SessionResponse(
                access, Headers.DpopScheme, (int)(session.AccessExpiresAt - now).TotalSeconds, refresh, session.Id, session.UserId, session.DeviceId,
                (int)lifetimes.IdleTimeout.TotalSeconds));
        }, cancellationToken);
    }

    private static async Task<NoContent> Logout([AsParameters] SessionContext session)
    {
        var caller = session.Caller;
        caller.Session.RevokedAt = session.Time.GetUtcNow();
        caller.Session.RevokedReason = "logout";
        await session.Audit.AppendAsync(session.Db, AuditEvents.SessionRevoked, caller.UserId, caller.Device.Id, detail: "logout", cancellationToken: session.CancellationToken);
        return TypedResults.NoContent();
    }

    internal static SessionResponse IssueSession(SymbolonDbContext db, Guid userId, Guid deviceId, DateTimeOffset now, SessionLifetimeOptions lifetimes)
    {
        var access = Tokens.NewAccessToken();
        var refresh = Tokens.NewRefreshToken();
        var session = new Session
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            DeviceId = deviceId,
            AccessTokenHash = Tokens.Hash(access),
            AccessExpiresAt = Earliest(now + lifetimes.AccessTokenLifetime, now + lifetimes.AbsoluteLifetime),
            CreatedAt = now,
            LastUsedAt = now,
        };
        db.Sessions.Add(session);
        db.RefreshTokens.Add(new RefreshToken { TokenHash = Tokens.Hash(refresh), SessionId = session.Id, IssuedAt = now });
        return new SessionResponse(
            access, Headers.DpopScheme, (int)(session.AccessExpiresAt - now).TotalSeconds, refresh, session.Id, userId, deviceId, (int)lifetimes.IdleTimeout.TotalSeconds);
    }

    private static DateTimeOffset Earliest(DateTimeOffset first, DateTimeOffset second) => first < second ? first : second;
}
