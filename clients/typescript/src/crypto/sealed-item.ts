// Sealed item v1 (docs/spec.md §3):
//   header      = "SYMI" ‖ 0x01 ‖ mode ‖ uuid(vault) ‖ uuid(unit) ‖ u32be(key version) ‖ nonce     (54 bytes)
//   sealed_item = header ‖ AES-256-GCM(data key, nonce, padded payload, aad = header)               (ciphertext ‖ 16-byte tag)
// The padded payload (§4) is 256 to 65536 bytes, a power of two. Nonces (12 bytes) come from the CSPRNG inside;
// callers never supply one. Every failure to open is the one ItemOpenError.
import { type Bytes, bytesToUuid, concat, constantTimeEqual, utf8, wipe } from './bytes.js';
import { type ItemContext, encodeContext, isItemMode, validateContext } from './context.js';
import { Credential, MaxPaddedSize, MinPaddedSize, isPaddedSize } from './credential.js';
import { requireDataKey } from './data-key.js';
import { ArgumentError, ItemOpenError } from './errors.js';
import { Labels } from './labels.js';

/** The format version this code writes and the only one it reads. */
export const FormatVersion = 1;

/** Size of the header, which is also the AEAD's associated data. */
export const HeaderSize = 54;

/** Size of the AES-GCM nonce. */
export const NonceSize = 12;

/** Size of the AES-GCM tag. */
export const TagSize = 16;

/** Smallest sealed item: header, the smallest payload bucket, tag. */
export const MinSealedSize = HeaderSize + MinPaddedSize + TagSize;

/** Largest sealed item: header, the largest payload bucket, tag. */
export const MaxSealedSize = HeaderSize + MaxPaddedSize + TagSize;

const NonceOffset = HeaderSize - NonceSize;
const Magic = utf8(Labels.SealedItemMagic);

/**
 * Every check that can be made before decrypting: total length (54 + P + 16, P a bucket), magic, version, mode, ids
 * not nil, key version ≥ 1. Returns the context and its 37-byte encoding, or undefined.
 */
function parseHeader(sealed: Uint8Array): { context: ItemContext; encoded: Bytes } | undefined {
  if (!(sealed instanceof Uint8Array) || sealed.length < MinSealedSize || sealed.length > MaxSealedSize
    || !isPaddedSize(sealed.length - HeaderSize - TagSize)
    || !constantTimeEqual(sealed.subarray(0, 4), Magic)
    || sealed[4] !== FormatVersion) {
    return undefined;
  }

  const mode = sealed[5]!;
  const vault = sealed.subarray(6, 22);
  const unit = sealed.subarray(22, 38);
  const keyVersion = new DataView(sealed.buffer, sealed.byteOffset + 38, 4).getUint32(0, false);
  if (!isItemMode(mode) || vault.every((byte) => byte === 0) || unit.every((byte) => byte === 0) || keyVersion === 0) {
    return undefined;
  }

  // The context's encoding is the header's bytes 6..42 followed by the mode byte.
  const encoded = concat(sealed.subarray(6, 42), Uint8Array.of(mode));
  return { context: { vaultId: bytesToUuid(vault), unitId: bytesToUuid(unit), keyVersion, mode }, encoded };
}

function header(encodedContext: Uint8Array, nonce: Uint8Array): Bytes {
  return concat(Magic, Uint8Array.of(FormatVersion, encodedContext[36]!), encodedContext.subarray(0, 36), nonce);
}

/**
 * Reads which vault, unit, key version and mode an item belongs to, so the caller knows which server share to ask
 * for. Strict: only a well-formed v1 item passes. Nothing here is authenticated until {@link openItem} succeeds.
 * @throws {ItemOpenError} The bytes are not a well-formed v1 sealed item.
 */
export function readContext(sealed: Uint8Array): ItemContext {
  const parsed = parseHeader(sealed);
  if (parsed === undefined) {
    throw new ItemOpenError();
  }

  return parsed.context;
}

/** Seals with a given nonce. Internal: only the vectors fix the nonce; never exported from the package. */
export async function sealItemWithNonce(dataKey: CryptoKey, context: ItemContext, payload: Uint8Array, nonce: Uint8Array): Promise<Bytes> {
  const bound = requireDataKey(dataKey);
  validateContext(context);
  if (!constantTimeEqual(encodeContext(context), bound)) {
    throw new ArgumentError('context', '`context` must be the context the data key was derived for.');
  }

  if (!(payload instanceof Uint8Array) || !isPaddedSize(payload.length)) {
    throw new ArgumentError('payload', '`payload.length` must be a power of two from 256 to 65536 (a padded payload, Credential.encode).');
  }

  if (!(nonce instanceof Uint8Array) || nonce.length !== NonceSize) {
    throw new ArgumentError('nonce', '`nonce.length` must be 12.');
  }

  const associatedData = header(bound, nonce);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce as Bytes, additionalData: associatedData, tagLength: TagSize * 8 },
    dataKey,
    payload as Bytes,
  );
  return concat(associatedData, new Uint8Array(ciphertext));
}

/**
 * Encrypts a padded payload (from {@link Credential.encode}) for the unit the key was derived for, under a fresh
 * random nonce. The caller wipes `payload` afterwards.
 * @throws {ArgumentError} The key is not from deriveDataKey, `context` is not the one it was derived for, or the
 * payload is not a padded bucket.
 */
export async function sealItem(dataKey: CryptoKey, context: ItemContext, payload: Uint8Array): Promise<Bytes> {
  const nonce = crypto.getRandomValues(new Uint8Array(NonceSize));
  return sealItemWithNonce(dataKey, context, payload, nonce);
}

/**
 * Checks the header (structure, then that it names the context the key was derived for), then decrypts with the
 * header as associated data. Returns the padded payload; the caller decodes it ({@link Credential.decode}) and wipes
 * it. On failure nothing is returned.
 * @throws {ItemOpenError} The item is malformed, altered, or not sealed under this key — one error whatever failed.
 * @throws {ArgumentError} The key is not from deriveDataKey.
 */
export async function openItem(dataKey: CryptoKey, sealed: Uint8Array): Promise<Bytes> {
  const bound = requireDataKey(dataKey);
  const parsed = parseHeader(sealed);
  if (parsed === undefined || !constantTimeEqual(parsed.encoded, bound)) {
    throw new ItemOpenError();
  }

  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.slice(NonceOffset, HeaderSize), additionalData: sealed.slice(0, HeaderSize), tagLength: TagSize * 8 },
      dataKey,
      sealed.subarray(HeaderSize) as Bytes,
    );
    return new Uint8Array(plaintext);
  } catch {
    // No cause attached: which check failed is exactly what the one error must not tell.
    throw new ItemOpenError();
  }
}

/**
 * Encodes and seals a credential; the padded payload is wiped before this returns.
 * @throws {ArgumentError} As {@link sealItem}, or the credential is too large.
 */
export async function sealCredential(dataKey: CryptoKey, context: ItemContext, credential: Credential): Promise<Bytes> {
  const payload = credential.encode();
  try {
    return await sealItem(dataKey, context, payload);
  } finally {
    wipe(payload);
  }
}

/**
 * Opens an item and strictly decodes its credential; the padded payload is wiped before this returns. The caller
 * wipes the credential as soon as it is done with it.
 * @throws {ItemOpenError} The item is malformed, altered, not sealed under this key, or its payload is not canonical.
 */
export async function openCredential(dataKey: CryptoKey, sealed: Uint8Array): Promise<Credential> {
  const payload = await openItem(dataKey, sealed);
  try {
    return Credential.decode(payload);
  } finally {
    wipe(payload);
  }
}
