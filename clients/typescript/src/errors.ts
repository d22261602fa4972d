// The SDK's errors: one class per category of the .NET client's exceptions (src/Symbolon.Client/Errors.cs), so an
// app can decide by `instanceof` and show `hint`. Messages never contain a secret: no password, token, share or key.

/** Base of every error the SDK reports. */
export abstract class SymbolonError extends Error {
  /** What the user can do next, if anything. */
  readonly hint: string | undefined;

  protected constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.hint = hint;
    // The subclass's own name, so logs and `String(error)` say which category it is.
    this.name = new.target.name;
  }
}

/** No live session: never logged in, logged out, expired, revoked, or locked after the idle timeout. */
export class NotLoggedInError extends SymbolonError {
  constructor(message: string, hint: string | undefined = 'Log in again.') {
    super(message, hint);
  }
}

/** The key server could not be reached. Nothing is cached that would let an item open offline. */
export class ServerUnreachableError extends SymbolonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'Check that the key server is running and reachable, then try again.', options);
  }
}

/** The key server refused: rate limit, locked or revoked device, throttled login, wrong credentials. */
export class AccessDeniedError extends SymbolonError {
  /**
   * The slug of the server's problem type, e.g. `rate-limited`, `device-locked`, `device-revoked`,
   * `invalid-credentials`.
   */
  readonly reason: string;

  /** When to try again, in seconds, if the server said (Retry-After). */
  readonly retryAfter: number | undefined;

  constructor(reason: string, message: string, hint?: string, retryAfter?: number) {
    super(message, hint);
    this.reason = reason;
    this.retryAfter = retryAfter;
  }
}

/** No item (or server unit) by that name or id. */
export class ItemNotFoundError extends SymbolonError {
  constructor(message: string, hint?: string) {
    super(message, hint);
  }
}

/** An item is damaged or was altered; it was not opened. */
export class ItemTamperedError extends SymbolonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'Restore the item from a backup, or remove it and add it again.', options);
  }
}

/** The request or local state is invalid (bad name, duplicate, damaged configuration). */
export class InvalidOperationError extends SymbolonError {
  constructor(message: string, hint?: string) {
    super(message, hint);
  }
}

/** The key server's answer does not fit the protocol (a malformed answer, a receipt or proof that does not verify). */
export class ProtocolError extends SymbolonError {
  constructor(message: string) {
    super(message, 'The key server may be misconfigured or compromised; tell its operator.');
  }
}

/**
 * The key server's audit log is not the one this device saw before (docs/spec.md §7.1): its audit key changed, a
 * checkpoint's signature fails, the log shrank, or it does not extend the checkpoint pinned here. The message names which.
 */
export class AuditLogError extends SymbolonError {
  constructor(message: string) {
    super(message, "The key server's operator (or whoever can write its database) rewrote or truncated its audit log: tell them.");
  }
}
