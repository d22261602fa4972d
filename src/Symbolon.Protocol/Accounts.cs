namespace Symbolon.Protocol;

/// <summary>A new local account.</summary>
/// <param name="Username">3-64 characters of a-z 0-9 . _ @ - (upper case is folded).</param>
/// <param name="Password">At least the server's minimum length (default 12), at most 1,024 characters.</param>
public sealed record CreateAccountRequest(string Username, string Password)
{
    /// <summary>Never shows the password.</summary>
    public override string ToString() => $"CreateAccountRequest {{ Username = {Username} }}";
}

/// <summary>The account created.</summary>
public sealed record CreateAccountResponse(Guid UserId, string Username);
