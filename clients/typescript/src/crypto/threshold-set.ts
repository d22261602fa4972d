// Threshold items bind the reconstructed secret to the server set that holds its shares (docs/spec.md §5):
//   digest = SHA-256(u8(t) ‖ u8(n) ‖ for i = 1..n: u8(i) ‖ uuid(unit_i) ‖ u16be(len(url_i)) ‖ utf8(url_i))
//   bound  = HKDF-SHA256(ikm = secret, salt = "", info = "symbolon.dev/v1/threshold-set" ‖ digest, L = 32)
import { type Bytes, concat, requireLength, utf8, uuidToBytes } from './bytes.js';
import { ArgumentError } from './errors.js';
import { hkdf } from './hkdf.js';
import { Labels } from './labels.js';
import { MaxShares, MinThreshold, SecretSize } from './shamir.js';

/** Size of the set digest in bytes. */
export const ThresholdDigestSize = 32;

/** One member of a threshold item's server set: where share i lives and under which unit id. */
export interface ThresholdMember {
  /** The key server's base URL. */
  server: string;
  /** The unit that server assigned to its share, a UUID. */
  unitId: string;
}

const BindLabel = utf8(Labels.ThresholdSet);

/**
 * A server URL as .NET's `Uri.AbsoluteUri` writes it (scheme and host lower-cased, default port dropped, a `/` path
 * when empty), which the C# digest hashes. The WHATWG URL parser gives the same text for http(s) URLs with ASCII
 * hosts, which is what key server addresses are.
 * @throws {ArgumentError} The text is not an absolute URL.
 */
export function normalizeServerUrl(server: string): string {
  try {
    return new URL(server).href;
  } catch {
    throw new ArgumentError('server', `\`server\` must be an absolute URL; got '${server}'.`);
  }
}

/**
 * The set digest: the threshold, the members' order, URLs and unit ids. An item file edited to point at other
 * servers or units, or to another threshold, then derives another key and does not open.
 * @throws {ArgumentError} Fewer than 2 or more than 255 members, a threshold outside 2..n, a URL that is not
 * absolute or longer than 65535 bytes, or a unit id that is not a UUID.
 */
export async function thresholdDigest(threshold: number, members: readonly ThresholdMember[]): Promise<Bytes> {
  if (!Array.isArray(members) || members.length < MinThreshold || members.length > MaxShares) {
    throw new ArgumentError('members', `\`members.length\` must be ${MinThreshold}..${MaxShares}.`);
  }

  if (!Number.isInteger(threshold) || threshold < MinThreshold || threshold > members.length) {
    throw new ArgumentError('threshold', `\`threshold\` must be ${MinThreshold}..${members.length}.`);
  }

  const parts: Uint8Array[] = [Uint8Array.of(threshold, members.length)];
  members.forEach((member, position) => {
    const url = utf8(normalizeServerUrl(member.server));
    if (url.length > 0xffff) {
      throw new ArgumentError('members', 'A member URL is too long.');
    }

    parts.push(Uint8Array.of(position + 1), uuidToBytes(member.unitId), Uint8Array.of(url.length >> 8, url.length & 0xff), url);
  });
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

/**
 * The server share a threshold item's data key is derived from: the reconstructed secret bound to the set digest.
 * The caller wipes both the secret and the result after use.
 * @throws {ArgumentError} The secret is not 32 bytes or the digest is not 32 bytes.
 */
export async function bindThresholdSecret(secret: Uint8Array, digest: Uint8Array): Promise<Bytes> {
  requireLength(secret, SecretSize, 'secret');
  requireLength(digest, ThresholdDigestSize, 'digest');
  return hkdf(secret, concat(BindLabel, digest), 32);
}
