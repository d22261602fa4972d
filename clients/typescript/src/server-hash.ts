// The short name of a key server in document names (session-<hash>.json, receipts/<hash>-<sequence>.json), as the
// .NET client derives it: the first 8 bytes of SHA-256 over the server URL as written, in lower-case hex.
import { toHex, utf8 } from './crypto/bytes.js';

export async function serverHash(server: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(server)));
  return toHex(hash.subarray(0, 8));
}
