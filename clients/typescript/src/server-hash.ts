// The short name of a key server in document names (session-<hash>.json, receipts/<hash>-<sequence>.json), as the
// .NET client derives it: the first 8 bytes of SHA-256 over the server URL as written, in lower-case hex.
import { toHex, utf8 } from './crypto/bytes.js';

/** Each server's hash, computed once: a digest per document name would be one more hop to WebCrypto per request. */
const hashes = new Map<string, Promise<string>>();

export function serverHash(server: string): Promise<string> {
  let hash = hashes.get(server);
  if (hash === undefined) {
    hash = crypto.subtle.digest('SHA-256', utf8(server)).then((digest) => toHex(new Uint8Array(digest).subarray(0, 8)));
    hashes.set(server, hash);
  }
  return hash;
}
