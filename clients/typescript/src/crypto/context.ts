// What a data key and a sealed item are bound to (docs/spec.md §2):
// context = uuid(vault id) ‖ uuid(unit id) ‖ u32be(key version) ‖ mode (37 bytes).
import { type Bytes, NilUuid, isUuid, uuidToBytes } from './bytes.js';
import { ArgumentError } from './errors.js';

/** Where a unit's server share comes from. The values are the sealed item's mode byte. */
export enum ItemMode {
  /** One random share per unit, released by a single key server. */
  Split = 1,
  /** The server secret is reconstructed from t-of-n Shamir shares held by independent key servers. */
  Threshold = 2,
  /** The server share is an oblivious PRF output (RFC 9497 POPRF) evaluated by the key server. */
  Blinded = 3,
}

/** The vault, unit, key version and mode an item belongs to. */
export interface ItemContext {
  /** The vault, a UUID (never the nil UUID). */
  vaultId: string;
  /** The unit (one credential), a UUID (never the nil UUID). */
  unitId: string;
  /** The server share's version (split, threshold) or key epoch (blinded), 1 to 2^32 − 1. */
  keyVersion: number;
  /** Where the server share comes from. */
  mode: ItemMode;
}

/** Size of the encoded context in bytes. */
export const EncodedContextSize = 37;

/** Largest key version: a u32 on the wire. */
export const MaxKeyVersion = 0xffffffff;

/** Whether the value is a defined {@link ItemMode}. */
export function isItemMode(value: number): value is ItemMode {
  return value === ItemMode.Split || value === ItemMode.Threshold || value === ItemMode.Blinded;
}

/**
 * Checks a UUID argument: the 8-4-4-4-12 form and not nil.
 * @throws {ArgumentError} It is not.
 */
export function requireId(id: string, name: string): void {
  if (typeof id !== 'string' || !isUuid(id) || id === NilUuid) {
    throw new ArgumentError(name, `\`${name}\` must be a UUID other than the nil UUID.`);
  }
}

/**
 * Checks every field of a context, as the C# ItemContext constructor does.
 * @throws {ArgumentError} A field is missing or out of range.
 */
export function validateContext(context: ItemContext, name = 'context'): void {
  if (typeof context !== 'object' || context === null) {
    throw new ArgumentError(name, `\`${name}\` must be an ItemContext.`);
  }

  requireId(context.vaultId, `${name}.vaultId`);
  requireId(context.unitId, `${name}.unitId`);
  if (!Number.isInteger(context.keyVersion) || context.keyVersion < 1 || context.keyVersion > MaxKeyVersion) {
    throw new ArgumentError(`${name}.keyVersion`, `\`${name}.keyVersion\` must be an integer from 1 to ${MaxKeyVersion}.`);
  }

  if (!isItemMode(context.mode)) {
    throw new ArgumentError(`${name}.mode`, `\`${name}.mode\` must be Split, Threshold or Blinded.`);
  }
}

/** vault id ‖ unit id ‖ key version (u32 big-endian) ‖ mode: the data key's binding. The context must be valid. */
export function encodeContext(context: ItemContext): Bytes {
  const encoded = new Uint8Array(EncodedContextSize);
  encoded.set(uuidToBytes(context.vaultId), 0);
  encoded.set(uuidToBytes(context.unitId), 16);
  new DataView(encoded.buffer).setUint32(32, context.keyVersion, false);
  encoded[36] = context.mode;
  return encoded;
}
