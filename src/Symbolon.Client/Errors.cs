namespace Symbolon.Client;

/// <summary>Base of every error the SDK reports. Messages never contain a secret.</summary>
public abstract class SymbolonException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected SymbolonException(string message, string? hint = null, Exception? innerException = null)
        : base(message, innerException) => Hint = hint;

    /// <summary>What the user can do next, if anything.</summary>
    public string? Hint { get; }
}

/// <summary>No live session: never logged in, logged out, expired, or locked after the idle timeout.</summary>
public sealed class NotLoggedInException(string message, string? hint = "Run `symbolon login`.") : SymbolonException(message, hint);

/// <summary>The key server could not be reached. Nothing is cached that would let an item open offline.</summary>
public sealed class ServerUnreachableException(string message, Exception? innerException = null)
    : SymbolonException(message, "Check that the key server is running and reachable, then try again.", innerException);

/// <summary>The key server refused: rate limit, locked or revoked device, throttled login, wrong credentials.</summary>
public sealed class AccessDeniedException(string reason, string message, string? hint = null, TimeSpan? retryAfter = null)
    : SymbolonException(message, hint)
{
    /// <summary>
    /// The slug of the server's problem type, e.g. <see cref="Protocol.ProblemTypes.RateLimited"/>,
    /// <see cref="Protocol.ProblemTypes.DeviceLocked"/> or <see cref="Protocol.ProblemTypes.DeviceRevoked"/>.
    /// </summary>
    public string Reason { get; } = reason;

    /// <summary>When to try again, if the server said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The key server wants a recent login before it destroys anything (a shred, a rotation's confirmation, revoking a
/// device): log in again on this device (<see cref="VaultClient.ReauthenticateAsync"/>) and retry.
/// </summary>
public sealed class ReauthenticationRequiredException(Uri server)
    : SymbolonException($"The key server at {server} destroys data only after a recent login.", $"Run `symbolon login --server {server}`, then retry within a few minutes.")
{
    /// <summary>The server that asked.</summary>
    public Uri Server { get; } = server;
}

/// <summary>No item (or server unit) by that name or id.</summary>
public sealed class ItemNotFoundException(string message, string? hint = null) : SymbolonException(message, hint);

/// <summary>An item file is damaged or was altered; it was not opened.</summary>
public sealed class ItemTamperedException(string message, Exception? innerException = null)
    : SymbolonException(message, "Restore the item from a backup, or remove it and add it again.", innerException);

/// <summary>The request or local state is invalid (bad name, duplicate, corrupt configuration).</summary>
public sealed class InvalidOperationSymbolonException(string message, string? hint = null, Exception? innerException = null)
    : SymbolonException(message, hint, innerException);

/// <summary>The key server's answer does not fit the protocol (e.g. a receipt that does not verify).</summary>
public sealed class ProtocolException(string message, Exception? innerException = null)
    : SymbolonException(message, "The key server may be misconfigured or compromised; tell its operator.", innerException);

/// <summary>
/// The key server's audit log is not the one this device saw before: its audit key changed, a checkpoint's signature
/// fails, the log shrank, or it is not an extension of the checkpoint pinned here. The message names which.
/// </summary>
public sealed class AuditLogException(string message)
    : SymbolonException(message, "The key server's operator (or whoever can write its database) rewrote or truncated its audit log: tell them; `verify-audit` on the server checks the chain.");
