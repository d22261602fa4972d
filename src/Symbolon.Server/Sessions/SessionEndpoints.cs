using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Symbolon.Protocol;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;
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
        sessions.MapDelete(Routes.CurrentSession, Logout).RequireSession().WithName("Logout");
        return routes;
    }

    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> LoginAsync(LoginRequest request, [AsParameters] SignInContext context)
    {
        var (http, db, transactions, hasher, throttler, dpop, audit, options, time, cancellationToken) = context;
        var deviceName = string.IsNullOrWhiteSpace(request.DeviceName) ? "device" : request.DeviceName.Trim();
        if (deviceName.Length > 100)
        {
            return Problems.InvalidRequest($"{Problems.Member(nameof(LoginRequest.DeviceName))} must be at most 100 characters.");
        }

        var isExternal = http.Request.Headers.Authorization.ToString().StartsWith(Headers.BearerScheme + " ", StringComparison.Ordinal);
        User? user;
        string throttleKey;
        string? addressKey = null;
        if (isExternal)
        {
            if (options.Value.Oidc.Authority is null)
            {
                return Problems.InvalidRequest("This server does not accept external identity tokens.");
            }

            var outcome = await http.AuthenticateAsync(OidcScheme);
            var subject = outcome.Principal?.FindFirst("sub")?.Value ?? outcome.Principal?.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
            var issuer = outcome.Principal?.FindFirst("iss")?.Value ?? outcome.Principal?.Claims.FirstOrDefault()?.Issuer;
            if (!outcome.Succeeded || string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(issuer))
            {
                return Problems.InvalidCredentials();
            }

            var externalSubject = issuer + "|" + subject;
            throttleKey = LoginThrottler.AccountKey(externalSubject);
            user = await db.Users.SingleOrDefaultAsync(u => u.ExternalSubject == externalSubject, cancellationToken)
                ?? new User { Id = Guid.CreateVersion7(), ExternalSubject = externalSubject, CreatedAt = time.GetUtcNow() };
        }
        else
        {
            if (options.Value.Oidc.DisableLocalAccounts)
            {
                return Problems.LocalAccountsDisabled();
            }

            if (!AccountEndpoints.TryNormaliseUsername(request.Username, out var username) || string.IsNullOrEmpty(request.Password))
            {
                return Problems.InvalidCredentials();
            }

            throttleKey = LoginThrottler.AccountKey(username);
            addressKey = LoginThrottler.AddressKey(http);
            var keys = new[] { throttleKey, addressKey };
            var wait = await transactions.RunAsync(async () =>
            {
                var blocked = await throttler.BeginAttemptAsync(db, keys, throttleKey, cancellationToken);
                if (blocked is not null)
                {
                    await audit.AppendAsync(db, AuditEvents.LoginThrottled, detail: "address " + http.Connection.RemoteIpAddress, cancellationToken: cancellationToken);
                }

                return blocked;
            }, cancellationToken);
            if (wait is { } retryAfter)
            {
                return Problems.LoginThrottled(http, retryAfter);
            }

            // Argon2id runs outside the write lock (the attempt already counts against the account until it succeeds);
            // an unknown account costs the same as a wrong password.
            user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Username == username, cancellationToken);
            if (!await hasher.VerifyAsync(request.Password, user?.PasswordHash, user?.PasswordSalt, user?.PasswordParameters, cancellationToken))
            {
                await transactions.RunAsync(async () =>
                {
                    await throttler.RecordFailureAsync(db, [addressKey], cancellationToken);
                    await audit.AppendAsync(db, AuditEvents.LoginFailed, user?.Id, detail: "address " + http.Connection.RemoteIpAddress, cancellationToken: cancellationToken);
                    return true;
                }, cancellationToken);
                return Problems.InvalidCredentials();
            }
        }

        var loggedIn = user!;
        return await transactions.RunAsync<Results<Ok<SessionResponse>, ProblemHttpResult>>(async () =>
        {
            var proof = await dpop.VerifyAsync(http, db, accessToken: null, cancellationToken);
            if (proof is null)
            {
                db.ChangeTracker.Clear();
                return Problems.InvalidRequest("A valid DPoP proof signed by the device key being enrolled is required.");
            }

            var now = time.GetUtcNow();
            if (db.Entry(loggedIn).State == EntityState.Detached && !await db.Users.AnyAsync(u => u.Id == loggedIn.Id, cancellationToken))
            {
                db.Users.Add(loggedIn);
                await audit.AppendAsync(db, AuditEvents.AccountCreated, loggedIn.Id, detail: "external", cancellationToken: cancellationToken);
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
            await throttler.RecordSuccessAsync(db, throttleKey, cancellationToken);
            var response = IssueSession(db, loggedIn.Id, device.Id, now, options.Value.Sessions);
            await audit.AppendAsync(db, AuditEvents.LoginSucceeded, loggedIn.Id, device.Id, cancellationToken: cancellationToken);
            return TypedResults.Ok(response);
        }, cancellationToken);
    }

    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> RefreshAsync(RefreshRequest request, [AsParameters] SignInContext context)
    {
        var (http, db, transactions, _, _, dpop, audit, options, time, cancellationToken) = context;
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return Problems.InvalidRefreshToken();
        }

        var hash = Tokens.Hash(request.RefreshToken);
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
            var proof = await dpop.VerifyAsync(http, db, accessToken: null, cancellationToken);
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

    private static SessionResponse IssueSession(SymbolonDbContext db, Guid userId, Guid deviceId, DateTimeOffset now, SessionLifetimeOptions lifetimes)
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
