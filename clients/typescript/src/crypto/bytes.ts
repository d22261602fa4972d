// Byte helpers shared by the crypto core: concatenation, wiping, constant-time comparison, strict base64 and
// base64url (RFC 4648 §4 and §5, canonical encodings only), UUIDs in RFC 9562 byte order (docs/spec.md: uuid(x) is
// the 16 bytes in the order of the hex digits as written, what .NET's Guid.TryWriteBytes(bigEndian: true) gives —
// not Guid.ToByteArray's mixed-endian order), and strict UTF-8.
import { ArgumentError } from './errors.js';

/** Bytes backed by an ordinary ArrayBuffer: what WebCrypto accepts and what this module returns. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Size of a UUID in bytes. */
export const UuidSize = 16;

/** The nil UUID, which no vault or unit may have. */
export const NilUuid = '00000000-0000-0000-0000-000000000000';

/** Concatenates byte arrays into a new one. */
export function concat(...parts: readonly Uint8Array[]): Bytes {
  let length = 0;
  for (const part of parts) {
    length += part.length;
  }

  const result = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }

  return result;
}

/** Zeroes every array given (undefined entries are skipped, so `finally` blocks need no checks). */
export function wipe(...arrays: readonly (Uint8Array | undefined)[]): void {
  for (const array of arrays) {
    array?.fill(0);
  }
}

/**
 * Compares two byte arrays in time that depends only on their lengths (which are public), not on where they differ.
 */
export function constantTimeEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) {
    return false;
  }

  let difference = 0;
  for (let index = 0; index < left.length; index++) {
    difference |= left[index]! ^ right[index]!;
  }

  return difference === 0;
}

const StandardAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const UrlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let index = 0; index < alphabet.length; index++) {
    table[alphabet.charCodeAt(index)] = index;
  }

  return table;
}

const StandardTable = decodeTable(StandardAlphabet);
const UrlTable = decodeTable(UrlAlphabet);

function encodeBase64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let text = '';
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const group = (bytes[index]! << 16) | (bytes[index + 1]! << 8) | bytes[index + 2]!;
    text += alphabet[group >> 18]! + alphabet[(group >> 12) & 63]! + alphabet[(group >> 6) & 63]! + alphabet[group & 63]!;
  }

  const remaining = bytes.length - index;
  if (remaining === 1) {
    const group = bytes[index]! << 16;
    text += alphabet[group >> 18]! + alphabet[(group >> 12) & 63]! + (pad ? '==' : '');
  } else if (remaining === 2) {
    const group = (bytes[index]! << 16) | (bytes[index + 1]! << 8);
    text += alphabet[group >> 18]! + alphabet[(group >> 12) & 63]! + alphabet[(group >> 6) & 63]! + (pad ? '=' : '');
  }

  return text;
}

/** Decodes unpadded base64 digits; returns undefined for any character outside the alphabet or non-zero spare bits. */
function decodeDigits(text: string, table: Int16Array): Bytes | undefined {
  if (text.length % 4 === 1) {
    return undefined;
  }

  const output = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let position = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const value = code < 128 ? table[code]! : -1;
    if (value < 0) {
      return undefined;
    }

    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      output[position++] = (buffer >> bits) & 0xff;
    }
  }

  // Canonical only: the bits left over after the last whole byte must be zero ("QQ==" is "A", "QR==" is refused).
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    return undefined;
  }

  return output;
}

/** Standard base64 with padding (RFC 4648 §4), as .NET writes byte arrays in JSON. */
export function toBase64(bytes: Uint8Array): string {
  return encodeBase64(bytes, StandardAlphabet, true);
}

/**
 * Decodes standard, padded base64. Strict: no whitespace, padding exactly as the encoder writes it, spare bits zero.
 * @throws {ArgumentError} The text is not the canonical base64 encoding of any bytes.
 */
export function fromBase64(text: string): Bytes {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const digits = text.slice(0, text.length - padding);
  const bytes = text.length % 4 === 0 ? decodeDigits(digits, StandardTable) : undefined;
  if (bytes === undefined || (padding > 0 && digits.length % 4 !== 4 - padding)) {
    throw new ArgumentError('text', '`text` must be canonical padded base64.');
  }

  return bytes;
}

/** base64url without padding (RFC 4648 §5), as JOSE writes it. */
export function toBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes, UrlAlphabet, false);
}

/**
 * Decodes base64url without padding. Strict: no padding, no whitespace, spare bits zero.
 * @throws {ArgumentError} The text is not the canonical unpadded base64url encoding of any bytes.
 */
export function fromBase64Url(text: string): Bytes {
  const bytes = decodeDigits(text, UrlTable);
  if (bytes === undefined) {
    throw new ArgumentError('text', '`text` must be canonical unpadded base64url.');
  }

  return bytes;
}

/** Lower-case hex, for identifiers and tests. */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text += byte.toString(16).padStart(2, '0');
  }

  return text;
}

/**
 * Decodes hex (either case, an even number of digits, nothing else).
 * @throws {ArgumentError} The text is not hex.
 */
export function fromHex(text: string): Bytes {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new ArgumentError('text', '`text` must be an even number of hex digits.');
  }

  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = parseInt(text.slice(2 * index, 2 * index + 2), 16);
  }

  return bytes;
}

const UuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Whether the text is a UUID in the 8-4-4-4-12 hex form (either case). */
export function isUuid(text: string): boolean {
  return UuidPattern.test(text);
}

/**
 * The 16 bytes of a UUID in RFC 9562 order: the order of its hex digits as written (docs/spec.md, `uuid(x)`).
 * Accepts only the 8-4-4-4-12 form, in either case.
 * @throws {ArgumentError} The text is not a UUID in that form.
 */
export function uuidToBytes(uuid: string): Bytes {
  if (!UuidPattern.test(uuid)) {
    throw new ArgumentError('uuid', '`uuid` must be a UUID in the 8-4-4-4-12 hex form.');
  }

  return fromHex(uuid.replaceAll('-', ''));
}

/**
 * The UUID whose RFC 9562 bytes these are, lower-case 8-4-4-4-12 (as .NET writes a Guid).
 * @throws {ArgumentError} The array is not 16 bytes.
 */
export function bytesToUuid(bytes: Uint8Array): string {
  if (bytes.length !== UuidSize) {
    throw new ArgumentError('bytes', '`bytes.length` must be 16.');
  }

  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A well-formed string: no lone UTF-16 surrogate, which UTF-8 cannot encode (TextEncoder would silently write U+FFFD). */
export function isWellFormed(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) {
        return false;
      }

      index++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return false;
    }
  }

  return true;
}

const Encoder = new TextEncoder();

// fatal: invalid UTF-8 throws instead of becoming U+FFFD; ignoreBOM: a leading U+FEFF is text, kept as .NET keeps it.
const StrictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Encodes text as UTF-8.
 * @throws {ArgumentError} The text holds a lone surrogate (it is not valid Unicode).
 */
export function utf8(text: string): Bytes {
  if (!isWellFormed(text)) {
    throw new ArgumentError('text', '`text` is not valid Unicode text.');
  }

  return Encoder.encode(text) as Bytes;
}

/**
 * Whether the bytes are valid UTF-8 (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF, no truncated
 * sequence), the bytes {@link tryFromUtf8} accepts. It makes no string, so a secret checked with it leaves no copy
 * that cannot be wiped.
 */
export function isUtf8(bytes: Uint8Array): boolean {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }

    // The continuation bytes a lead byte needs, and the range of its first one (narrower after E0, ED, F0 and F4).
    let needed: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      needed = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      needed = 2;
      if (lead === 0xe0) {
        low = 0xa0;
      } else if (lead === 0xed) {
        high = 0x9f;
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      needed = 3;
      if (lead === 0xf0) {
        low = 0x90;
      } else if (lead === 0xf4) {
        high = 0x8f;
      }
    } else {
      return false;
    }

    if (index + needed >= bytes.length) {
      return false;
    }

    for (let offset = 1; offset <= needed; offset++) {
      const next = bytes[index + offset]!;
      if (next < (offset === 1 ? low : 0x80) || next > (offset === 1 ? high : 0xbf)) {
        return false;
      }
    }

    index += needed + 1;
  }

  return true;
}

/** Decodes strict UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function tryFromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return StrictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes strict UTF-8 (overlong forms, surrogates and truncated sequences are refused; a BOM is kept as text).
 * @throws {ArgumentError} The bytes are not valid UTF-8.
 */
export function fromUtf8(bytes: Uint8Array): string {
  const text = tryFromUtf8(bytes);
  if (text === undefined) {
    throw new ArgumentError('bytes', '`bytes` is not valid UTF-8.');
  }

  return text;
}

/** Big-endian unsigned 32-bit integer as four bytes. */
export function u32be(value: number): Bytes {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, false);
  return bytes;
}

/** Checks a byte argument's exact length (the one validation helper: "`name.length` must be N"). */
export function requireLength(value: Uint8Array, expected: number, name: string): void {
  if (!(value instanceof Uint8Array) || value.length !== expected) {
    throw new ArgumentError(name, `\`${name}.length\` must be ${expected}.`);
  }
}
