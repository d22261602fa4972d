using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Accounts;

public static partial class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Routes.Accounts, CreateAsync).WithTags("Accounts").WithName("CreateAccount")
            .ProducesProblems(ProblemTypes.LocalAccountsDisabled, ProblemTypes.AccountExists, ProblemTypes.SignupThrottled);

        // What shuts a leaked password out (docs/threat-model.md, "Accounts and destructive requests"). A device awaiting
        // approval may do none of it: with only the password, it must not lock the owner's devices out.
        var account = routes.MapGroup("").WithTags("Accounts").RequireSession();
        account.MapPost(Routes.AccountPassword, ChangePasswordAsync).WithName("ChangePassword")
            .ProducesProblems(ProblemTypes.InvalidCredentials, ProblemTypes.LoginThrottled, ProblemTypes.DevicePendingApproval);
        account.MapGet(Routes.AccountSettings, SettingsAsync).ReadsOnly().OpenToPendingDevices().WithName("GetAccountSettings");
        account.MapPut(Routes.AccountSettings, ChangeSettingsAsync).WithName("ChangeAccountSettings")
            .ProducesProblems(ProblemTypes.DevicePendingApproval, ProblemTypes.ReauthenticationRequired, ProblemTypes.RateLimited);
        account.MapDelete(Routes.Sessions, LogoutEverywhereAsync).WithTags("Sessions").WithName("LogoutEverywhere")
            .ProducesProblems(ProblemTypes.DevicePendingApproval);
        return routes;
    }

    /// <summary>Lower-case letters, digits and . _ @ -, 3 to 64 characters.</summary>
    public static bool TryNormaliseUsername(string? username, out string normalised)
    {
        normalised = (username ?? "").Trim().ToLowerInvariant();
        return UsernamePattern().IsMatch(normalised);
    }

    private static async Task<Results<Created<CreateAccountResponse>, ProblemHttpResult>> CreateAsync(
        CreateAccountRequest request, [AsParameters] SignInContext context)
    {
        var (http, db, transactions, hasher, throttler, _, audit, options, time, cancellationToken) = context;
        if (options.Value.Oidc.DisableLocalAccounts)
        {
            return Problems.LocalAccountsDisabled();
        }

        if (!TryNormaliseUsername(request.Username, out var username))
        {
            return Problems.InvalidRequest($"{Problems.Member(nameof(CreateAccountRequest.Username))} must be 3-64 characters of a-z 0-9 . _ @ -.");
        }

        var passwords = options.Value.Passwords;
        if (!passwords.Accepts(request.Password))
        {
            return Problems.InvalidRequest($"{Problems.Member(nameof(CreateAccountRequest.Password))} must be {passwords.Rule}.");
        }

        if (throttler.TryCountSignUp(http) is { } retryAfter)
        {
            return Problems.SignupThrottled(http, retryAfter);
        }

        // Hash before taking the write lock: Argon2id is deliberately slow and must not hold up other writers.
        var (hash, salt, parameters) = await hasher.HashAsync(request.Password, cancellationToken);
        return await transactions.RunAsync<Results<Created<CreateAccountResponse>, ProblemHttpResult>>(async () =>
        {
            if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
            {
                return Problems.AccountExists();
            }

            var user = new User
            {
                Id = Guid.CreateVersion7(),
                Username = username,
                PasswordHash = hash,
                PasswordSalt = salt,
                PasswordParameters = parameters,
                CreatedAt = time.GetUtcNow(),
            };
            db.Users.Add(user);
            await audit.AppendAsync(db, AuditEvents.AccountCreated, user.Id, cancellationToken: cancellationToken);
            // No Location: an account has no route of its own to point at.
            return TypedResults.Created((string?)null, new CreateAccountResponse(user.Id, username));
        }, cancellationToken);
    }

    /// <summary>
    /// Changes the password after checking the current one (a wrong one counts against the account as a failed login
    /// would). Every session of the account ends, on every device, and so do (if asked) every other device; the caller
    /// gets a fresh session on its device. The Argon2id work runs inside the account's write transaction: password
    /// changes are rare, and the session filter has already taken it.
    /// </summary>
    private static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request,
        [AsParameters] SessionContext session,
        PasswordHasher hasher,
        LoginThrottler throttler,
        IOptions<ServerOptions> options)
    {
        var (http, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;

        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, cancellationToken);
        if (user.Username is null || user.PasswordHash is null)
        {
            return Problems.InvalidRequest("This account logs in through an identity provider: it has no password here.");
        }

        var passwords = options.Value.Passwords;
        if (string.IsNullOrEmpty(request.CurrentPassword) || !passwords.Accepts(request.NewPassword))
        {
            return Problems.InvalidRequest(
                $"{Problems.Member(nameof(ChangePasswordRequest.CurrentPassword))} is required and {Problems.Member(nameof(ChangePasswordRequest.NewPassword))} must be {passwords.Rule}.");
        }

        // Counted like a login: the attempt is a failure until the current password checks out.
        var accountKey = LoginThrottler.AccountKey(user.Username);
        if (throttler.BeginAttempt([accountKey], accountKey) is { } wait)
        {
            return Problems.LoginThrottled(http, wait);
        }

        if (!await hasher.VerifyAsync(request.CurrentPassword, user.PasswordHash, user.PasswordSalt, user.PasswordParameters, cancellationToken))
        {
            await audit.AppendAsync(db, AuditEvents.PasswordChangeFailed, user.Id, caller.Device.Id, cancellationToken: cancellationToken);
            return Problems.InvalidCredentials();
        }

        throttler.RecordSuccess(accountKey);
        (user.PasswordHash, user.PasswordSalt, user.PasswordParameters) = await hasher.HashAsync(request.NewPassword, cancellationToken);
        var now = time.GetUtcNow();
        await RevokeSessionsAsync(db, user.Id, now, "password changed", cancellationToken);
        if (request.RevokeOtherDevices)
        {
            foreach (var device in await db.Devices.Where(d => d.UserId == user.Id && d.Id != caller.Device.Id && d.RevokedAt == null).ToListAsync(cancellationToken))
            {
                device.RevokedAt = now;
                await audit.AppendAsync(db, AuditEvents.DeviceRevoked, user.Id, device.Id, detail: "password changed by device " + caller.Device.Id, cancellationToken: cancellationToken);
            }
        }

        await audit.AppendAsync(db, AuditEvents.PasswordChanged, user.Id, caller.Device.Id,
            detail: request.RevokeOtherDevices ? "other devices revoked" : "", cancellationToken: cancellationToken);
        return TypedResults.Ok(SessionEndpoints.IssueSession(db, user.Id, caller.Device.Id, now, options.Value.Sessions));
    }

    private static async Task<Ok<AccountSettings>> SettingsAsync([AsParameters] SessionContext session)
    {
        var userId = session.Caller.UserId;
        var user = await session.Db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, session.CancellationToken);
        return TypedResults.Ok(new AccountSettings(user.RequireDeviceApproval));
    }

    /// <summary>Changes the account's settings; turning device approval off weakens the account, so it passes <see cref="DestructiveRequests"/>.</summary>
    private static async Task<Results<Ok<AccountSettings>, ProblemHttpResult>> ChangeSettingsAsync(
        AccountSettings request, [AsParameters] SessionContext session, DestructiveRequests destructive)
    {
        var (_, db, audit, _, cancellationToken) = session;
        var caller = session.Caller;

        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, cancellationToken);
        if (user.RequireDeviceApproval && !request.RequireDeviceApproval && await destructive.RefuseAsync(session) is { } refused)
        {
            return refused;
        }

        if (user.RequireDeviceApproval != request.RequireDeviceApproval)
        {
            user.RequireDeviceApproval = request.RequireDeviceApproval;
            await audit.AppendAsync(db, AuditEvents.AccountSettingsChanged, user.Id, caller.Device.Id,
                detail: "requireDeviceApproval=" + (request.RequireDeviceApproval ? "true" : "false"), cancellationToken: cancellationToken);
        }

        return TypedResults.Ok(new AccountSettings(user.RequireDeviceApproval));
    }

    /// <summary>Ends every session of the account, on every device, the caller's included.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> LogoutEverywhereAsync([AsParameters] SessionContext session)
    {
        var (_, db, audit, time, cancellationToken) = session;
        var caller = session.Caller;

        var count = await RevokeSessionsAsync(db, caller.UserId, time.GetUtcNow(), "logout everywhere", cancellationToken);
        await audit.AppendAsync(db, AuditEvents.SessionsRevokedAll, caller.UserId, caller.Device.Id,
            detail: count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " sessions", cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<int> RevokeSessionsAsync(SymbolonDbContext db, Guid userId, DateTimeOffset now, string reason, CancellationToken cancellationToken)
    {
        var live = await db.Sessions.Where(s => s.UserId == userId && s.RevokedAt == null).ToListAsync(cancellationToken);
        foreach (var revoked in live)
        {
            revoked.RevokedAt = now;
            revoked.RevokedReason = reason;
        }

        return live.Count;
    }

    [GeneratedRegex("^[a-z0-9._@-]{3,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();
}
