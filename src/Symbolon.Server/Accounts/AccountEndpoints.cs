using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
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

        var minimum = options.Value.Passwords.MinimumLength;
        if (request.Password.Length < minimum || request.Password.Length > 1024)
        {
            return Problems.InvalidRequest($"{Problems.Member(nameof(CreateAccountRequest.Password))} must be {minimum} to 1024 characters.");
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

    [GeneratedRegex("^[a-z0-9._@-]{3,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();
}
