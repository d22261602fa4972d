// The "sync" an application runs with a vendor credential: log in to the vendor's portal on the user's behalf. This
// demo describes the request it would send, with the password masked; a real sync would write the password's bytes
// (credential.passwordUtf8) into the request body, never making a string of it, which could not be wiped. It runs
// inside vault.use(), so the opened credential never leaves the callback and its buffers are wiped when the callback
// returns.
import type { Credential } from '@symbolon/client';

/** What replaces a secret in the description. Fixed, so it does not reveal the password's length. */
export const Mask = '••••••••';

/** The portal used when the credential names none. */
export const ExamplePortal = 'https://portal.vendor.example/';

/** A request as the demo would send it, described for display. */
export interface SyncPreview {
  readonly method: string;
  readonly url: string;
  /** The request's text: request line, headers, blank line, body; secrets masked. */
  readonly text: string;
}

/** Describes the vendor login request for the opened credential, the password masked (it is never read as text). */
export function previewVendorLogin(credential: Credential): SyncPreview {
  const url = new URL('login', credential.url ?? ExamplePortal);
  const body = `username=${encodeURIComponent(credential.username)}&password=${Mask}`;
  const text = [
    `POST ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    'Content-Type: application/x-www-form-urlencoded',
    '',
    body,
  ].join('\n');
  return { method: 'POST', url: url.href, text };
}
