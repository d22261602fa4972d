// HKDF-SHA256 (RFC 5869, extract then expand) through WebCrypto, the one derivation every Symbolon key uses
// (docs/spec.md §2, §5, §10). Salt is always empty in Symbolon; the RFC vectors also exercise a non-empty one.
import type { Bytes } from './bytes.js';

const Empty = new Uint8Array(0);

/** Derives `length` bytes from a non-extractable HKDF key. */
export async function hkdfFromKey(key: CryptoKey, info: Uint8Array, length: number, salt: Uint8Array = Empty): Promise<Bytes> {
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: salt as Bytes, info: info as Bytes },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** Imports input keying material as a non-extractable HKDF key; the caller keeps (and wipes) its bytes. */
export function importHkdfKey(inputKeyMaterial: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', inputKeyMaterial as Bytes, 'HKDF', false, ['deriveBits', 'deriveKey']);
}

/** HKDF-SHA256(ikm, salt, info, L = length bytes). The caller keeps (and wipes) `inputKeyMaterial`. */
export async function hkdf(inputKeyMaterial: Uint8Array, info: Uint8Array, length: number, salt: Uint8Array = Empty): Promise<Bytes> {
  return hkdfFromKey(await importHkdfKey(inputKeyMaterial), info, length, salt);
}
