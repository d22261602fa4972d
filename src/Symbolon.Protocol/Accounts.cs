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

/// <summary>
/// Changes the account's password. Every session of the account ends (on every device); the caller gets a fresh one.
/// </summary>
/// <param name="CurrentPassword">The password now; a wrong one counts as a failed login.</param>
/// <param name="NewPassword">At least the server's minimum length (default 12), at most 1,024 characters.</param>
/// <param name="RevokeOtherDevices">Also revoke every device of the account but the caller's.</param>
public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword, bool RevokeOtherDevices = false)
{
    /// <summary>Never shows the passwords.</summary>
    public override string ToString() => $"ChangePasswordRequest {{ RevokeOtherDevices = {RevokeOtherDevices} }}";
}

/// <summary>The account's settings.</summary>
/// <param name="RequireDeviceApproval">
/// A device enrolled by a login may release or evaluate only once an existing device approved it.
/// </param>
public sealed record AccountSettings(bool RequireDeviceApproval);
