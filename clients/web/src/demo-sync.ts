// The "sync" an application runs with a vendor credential: log in to the vendor's portal on the user's behalf. This
// demo builds the request it would send, with the real password, and returns only a description of it in which the
// password is masked. It runs inside vault.use(), so the opened credential never leaves the callback and its
// buffers are wiped when the callback returns.
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

interface FormField {
  readonly name: string;
  readonly value: string;
  readonly secret: boolean;
}

/** Builds the vendor login request from the opened credential and describes it with every secret masked. */
export function previewVendorLogin(credential: Credential): SyncPreview {
  const url = new URL('login', credential.url ?? ExamplePortal);
  const fields: FormField[] = [
    { name: 'username', value: credential.username, secret: false },
    { name: 'password', value: credential.revealPassword(), secret: true },
  ];
  const body = fields.map((field) => `${field.name}=${field.secret ? Mask : encodeURIComponent(field.value)}`).join('&');
  const text = [
    `POST ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    'Content-Type: application/x-www-form-urlencoded',
    '',
    body,
  ].join('\n');
  return { method: 'POST', url: url.href, text };
}
