// The device's client root key (docs/spec.md §1, 32 bytes) as a non-extractable WebCrypto HKDF key, and the two
// derivations made from it (§2, §10):
//   client_share = HKDF(ikm = root_key, salt = "", info = "symbolon.dev/v1/client-share" ‖ uuid(vault) ‖ uuid(unit), L = 32)
//   input        = HKDF(ikm = root_key, salt = "", info = "symbolon.dev/v1/blinded-input" ‖ uuid(vault) ‖ uuid(unit), L = 32)
import { type Bytes, concat, requireLength, utf8, uuidToBytes, wipe } from './bytes.js';
import { requireId } from './context.js';
import { ArgumentError } from './errors.js';
import { hkdfFromKey, importHkdfKey } from './hkdf.js';
import { Labels } from './labels.js';

/** Size of the root key in bytes. */
export const RootKeySize = 32;

/** Size of a client share in bytes. */
export const ClientShareSize = 32;

/** Size of a blinded item's private POPRF input in bytes. */
export const BlindedInputSize = 32;

const ClientShareLabel = utf8(Labels.ClientShare);
const BlindedInputLabel = utf8(Labels.BlindedInput);

/**
 * Draws a new root key from the platform's CSPRNG and returns it as a non-extractable HKDF key: scripts can derive
 * with it but never read it. The raw bytes are wiped before this returns. In a browser, store the CryptoKey itself
 * (IndexedDB keeps it non-extractable).
 */
export async function generateRootKey(): Promise<CryptoKey> {
  const bytes = crypto.getRandomValues(new Uint8Array(RootKeySize));
  try {
    return await importHkdfKey(bytes);
  } finally {
    wipe(bytes);
  }
}

/**
 * Imports raw root key bytes as a non-extractable HKDF key, for a store that keeps raw bytes (a Node file store) and
 * for tests. The caller should wipe its copy afterwards.
 * @throws {ArgumentError} `bytes` is not 32 bytes.
 */
export async function importRootKey(bytes: Uint8Array): Promise<CryptoKey> {
  requireLength(bytes, RootKeySize, 'bytes');
  return importHkdfKey(bytes);
}

/**
 * Checks that a root key is what generateRootKey and importRootKey make: a non-extractable HKDF key that derives
 * bits. An extractable one is refused: its bytes could be read out, or it was planted by someone who knows them (a
 * conforming WebCrypto never makes an extractable HKDF key, so one can only come from elsewhere).
 * @throws {ArgumentError} It is not such a key.
 */
export function requireRootKey(rootKey: CryptoKey): void {
  if (!(rootKey instanceof CryptoKey) || rootKey.algorithm.name !== 'HKDF' || !rootKey.usages.includes('deriveBits')
    || rootKey.extractable) {
    throw new ArgumentError('rootKey', '`rootKey` must be a non-extractable HKDF CryptoKey from generateRootKey or importRootKey.');
  }
}

async function deriveForUnit(rootKey: CryptoKey, label: Bytes, vaultId: string, unitId: string): Promise<Bytes> {
  requireRootKey(rootKey);
  requireId(vaultId, 'vaultId');
  requireId(unitId, 'unitId');
  return hkdfFromKey(rootKey, concat(label, uuidToBytes(vaultId), uuidToBytes(unitId)), 32);
}

/**
 * Derives one unit's client share (32 bytes). Alone it reveals nothing about the unit's data key. The caller passes
 * it to {@link deriveDataKey} and then wipes it.
 * @throws {ArgumentError} An id is not a UUID, or is nil.
 */
export function deriveClientShare(rootKey: CryptoKey, vaultId: string, unitId: string): Promise<Bytes> {
  return deriveForUnit(rootKey, ClientShareLabel, vaultId, unitId);
}

/**
 * Derives a blinded item's private POPRF input (32 bytes, docs/spec.md §10), known only to this device. The caller
 * blinds it and then wipes it.
 * @throws {ArgumentError} An id is not a UUID, or is nil.
 */
export function deriveBlindedInput(rootKey: CryptoKey, vaultId: string, unitId: string): Promise<Bytes> {
  return deriveForUnit(rootKey, BlindedInputLabel, vaultId, unitId);
}
