// A unit's data-encryption key (docs/spec.md §2), AES-256-GCM, non-extractable:
//   data_key = HKDF(ikm = client_share ‖ server_share, salt = "", info = "symbolon.dev/v1/data-key" ‖ context, L = 32)
// WebCrypto derives the AES key straight from the HKDF key, so its bytes never exist in script memory.
import { type Bytes, concat, requireLength, utf8, wipe } from './bytes.js';
import { type ItemContext, encodeContext, validateContext } from './context.js';
import { ArgumentError } from './errors.js';
import { hkdfFromKey, importHkdfKey } from './hkdf.js';
import { Labels } from './labels.js';

/** Size of a server share in bytes. */
export const ServerShareSize = 32;

/** Size of the AES-256-GCM data key in bytes. */
export const DataKeySize = 32;

const DataKeyLabel = utf8(Labels.DataKey);

/** The encoded context each data key was derived for, so sealing and opening can check it (as C#'s DataKey.Context). */
const boundContexts = new WeakMap<CryptoKey, Bytes>();

/** The encoded context a data key was derived for, or undefined for any other key. */
export function boundContext(dataKey: CryptoKey): Bytes | undefined {
  return boundContexts.get(dataKey);
}

function derivation(clientShare: Uint8Array, serverShare: Uint8Array, context: ItemContext): { ikm: Bytes; info: Bytes; encoded: Bytes } {
  requireLength(clientShare, 32, 'clientShare');
  requireLength(serverShare, ServerShareSize, 'serverShare');
  validateContext(context);
  const encoded = encodeContext(context);
  return { ikm: concat(clientShare, serverShare), info: concat(DataKeyLabel, encoded), encoded };
}

/**
 * Combines both shares into the unit's data key: a non-extractable AES-256-GCM CryptoKey (usages encrypt, decrypt)
 * bound to `context`. Either share alone reveals nothing about it. The caller wipes both shares afterwards; the
 * concatenated key material made here is wiped before this returns.
 * @throws {ArgumentError} A share is not 32 bytes, or the context is invalid.
 */
export async function deriveDataKey(clientShare: Uint8Array, serverShare: Uint8Array, context: ItemContext): Promise<CryptoKey> {
  const { ikm, info, encoded } = derivation(clientShare, serverShare, context);
  try {
    const keyMaterial = await importHkdfKey(ikm);
    const dataKey = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info },
      keyMaterial,
      { name: 'AES-GCM', length: DataKeySize * 8 },
      false,
      ['encrypt', 'decrypt'],
    );
    boundContexts.set(dataKey, encoded);
    return dataKey;
  } finally {
    wipe(ikm);
  }
}

/** The data key's raw bytes, for the test vectors only (never exported from the package). */
export async function deriveDataKeyBytesForTests(clientShare: Uint8Array, serverShare: Uint8Array, context: ItemContext): Promise<Bytes> {
  const { ikm, info } = derivation(clientShare, serverShare, context);
  try {
    return await hkdfFromKey(await importHkdfKey(ikm), info, DataKeySize);
  } finally {
    wipe(ikm);
  }
}

/**
 * Checks that a key is a data key from {@link deriveDataKey} and returns its bound context.
 * @throws {ArgumentError} It is not.
 */
export function requireDataKey(dataKey: CryptoKey): Bytes {
  const encoded = dataKey instanceof CryptoKey ? boundContexts.get(dataKey) : undefined;
  if (encoded === undefined) {
    throw new ArgumentError('dataKey', '`dataKey` must come from deriveDataKey.');
  }

  return encoded;
}
