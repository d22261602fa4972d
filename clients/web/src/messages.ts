// What the app tells a person when something fails: one sentence saying what happened, and one saying what to do,
// chosen by the client's typed errors (never by matching message text).
import {
  AccessDeniedError, CryptoError, InvalidOperationError, ItemNotFoundError, ItemTamperedError, NotLoggedInError,
  ProtocolError, ServerUnreachableError, SymbolonError, describeDuration,
} from '@symbolon/client';

export type MessageKind = 'error' | 'warning' | 'info';

export interface Message {
  readonly kind: MessageKind;
  readonly title: string;
  readonly detail: string;
}

/** Problem types the key server answers with 429 and a Retry-After header. */
const throttled: Readonly<Record<string, string>> = {
  'rate-limited': 'Too many requests: the key server is rate-limiting this browser.',
  'quota-exceeded': 'Too many requests: this account reached its limit for now.',
  'login-throttled': 'Too many failed logins: the key server is making this account wait.',
  'signup-throttled': 'Too many new accounts from this address: the key server is making it wait.',
};

export function describeError(error: unknown, server: string | undefined): Message {
  const where = server === undefined ? 'The key server' : `The key server at ${server}`;
  if (error instanceof ServerUnreachableError) {
    return {
      kind: 'error',
      title: `${where} cannot be reached.`,
      detail: 'Nothing can be opened while it is down: this vault never opens a credential without the key server. '
        + 'Check that the server is running and that this page may reach it, then try again.',
    };
  }
  if (error instanceof AccessDeniedError) {
    const wait = error.retryAfter === undefined ? 'Try again later.' : `Try again in ${describeDuration(error.retryAfter)}.`;
    const title = throttled[error.reason];
    if (title !== undefined) {
      return { kind: 'warning', title, detail: wait };
    }
    if (error.reason === 'invalid-credentials') {
      return { kind: 'error', title: 'Wrong username or password.', detail: 'Check both and try again.' };
    }
    return { kind: 'error', title: `${where} refused: ${error.message}`, detail: error.hint ?? '' };
  }
  if (error instanceof NotLoggedInError) {
    return { kind: 'warning', title: 'You are not logged in.', detail: `${error.message} ${error.hint ?? ''}`.trim() };
  }
  if (error instanceof ItemNotFoundError) {
    return { kind: 'error', title: 'The key server does not know this credential.', detail: `${error.message} ${error.hint ?? ''}`.trim() };
  }
  if (error instanceof ItemTamperedError) {
    return { kind: 'error', title: 'This credential is damaged or was altered, so it was not opened.', detail: error.hint ?? '' };
  }
  if (error instanceof InvalidOperationError || error instanceof ProtocolError || error instanceof SymbolonError) {
    return { kind: 'error', title: error.message, detail: error.hint ?? '' };
  }
  if (error instanceof CryptoError) {
    return { kind: 'error', title: 'A credential could not be sealed or opened.', detail: error.message };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { kind: 'error', title: 'Something went wrong.', detail: text };
}
