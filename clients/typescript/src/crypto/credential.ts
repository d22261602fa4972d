// The v1 item payload (docs/spec.md §4): one vendor credential in a canonical binary encoding, padded to a
// power-of-two bucket so the ciphertext's length does not reveal the password's.
//   str(x)  = u32be(len(x)) ‖ x;   opt(x) = 0x00 | 0x01 ‖ str(x) (present means non-empty)
//   content = 0x01 ‖ str(username) ‖ str(password) ‖ opt(url) ‖ opt(notes) ‖ u16be(n) ‖ (str(name_i) ‖ str(value_i))…
//   payload = u32be(len(content)) ‖ content ‖ zeros up to P, P = smallest power of two ≥ max(256, 4 + len(content)) ≤ 65536
import { type Bytes, isUtf8, tryFromUtf8, utf8, wipe } from './bytes.js';
import { ArgumentError, ItemOpenError, WipedError } from './errors.js';

/** The payload format version, the first byte of the content. */
export const PayloadVersion = 1;

/** Smallest padded payload in bytes. */
export const MinPaddedSize = 256;

/** Largest padded payload in bytes. */
export const MaxPaddedSize = 65536;

/** Longest extra-field name, in characters. */
export const MaxFieldNameLength = 64;

/** Names that address the built-in parts and so cannot name an extra field (in any letter case). */
export const ReservedFieldNames: readonly string[] = Object.freeze(['username', 'password', 'url', 'notes']);

const LengthPrefixSize = 4;
const MaxFieldCount = 0xffff;

/** Text, or its UTF-8 bytes (copied; the caller wipes its own array). */
export type SecretText = string | Uint8Array;

/** What a {@link Credential} is made from. Empty `url` and `notes` mean absent. */
export interface CredentialInit {
  /** The account name at the vendor. */
  username: string;
  /** The secret. */
  password: SecretText;
  /** The vendor portal's address, if any. */
  url?: string | undefined;
  /** Free text, treated as secret. */
  notes?: SecretText | undefined;
  /** Extra named secrets (API keys, TOTP seeds…). Names: 1–64 of A–Z a–z 0–9 _ -, not a reserved name. */
  fields?: Readonly<Record<string, SecretText>> | ReadonlyMap<string, SecretText> | undefined;
}

/** The smallest power of two ≥ 256 that holds the length prefix and the content, or -1 when it would exceed 65536. */
export function paddedSizeFor(contentLength: number): number {
  const needed = Math.max(MinPaddedSize, contentLength + LengthPrefixSize);
  if (needed > MaxPaddedSize) {
    return -1;
  }

  let size = MinPaddedSize;
  while (size < needed) {
    size *= 2;
  }

  return size;
}

/** Whether a length is one of the padded payload sizes: a power of two from 256 to 65536. */
export function isPaddedSize(length: number): boolean {
  return Number.isInteger(length) && length >= MinPaddedSize && length <= MaxPaddedSize && (length & (length - 1)) === 0;
}

/** The rules for extra-field names, shared by the constructor and the decoder so both sides agree. */
export function isValidFieldName(name: string): boolean {
  if (name.length === 0 || name.length > MaxFieldNameLength || !/^[A-Za-z0-9_-]+$/.test(name)) {
    return false;
  }

  const lower = name.toLowerCase();
  return !ReservedFieldNames.includes(lower);
}

function toSecret(value: SecretText, name: string): Bytes {
  if (typeof value === 'string') {
    try {
      return utf8(value);
    } catch {
      throw new ArgumentError(name, `\`${name}\` is not valid Unicode text.`);
    }
  }

  if (!(value instanceof Uint8Array) || !isUtf8(value)) {
    throw new ArgumentError(name, `\`${name}\` must be a string or valid UTF-8 bytes.`);
  }

  return value.slice();
}

function compareAscii(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * One vendor credential: a username, a password, and optionally a URL, notes and named extra fields. The password,
 * notes and field values are held as UTF-8 bytes and zeroed by {@link wipe}; reading them as a string needs a
 * `reveal…` call, which is easy to find in review. The username, URL and field names are metadata.
 */
export class Credential {
  /** The account name at the vendor. */
  readonly username: string;

  /** The vendor portal's address, or undefined. */
  readonly url: string | undefined;

  #password: Bytes;
  #notes: Bytes | undefined;
  #fields: Map<string, Bytes>;
  #wiped = false;

  /**
   * Creates a credential.
   * @throws {ArgumentError} A part is not valid Unicode text, or a field name is invalid or repeated.
   */
  constructor(init: CredentialInit) {
    if (typeof init !== 'object' || init === null || typeof init.username !== 'string') {
      throw new ArgumentError('username', '`username` must be a string.');
    }

    toSecret(init.username, 'username');
    if (init.url !== undefined && typeof init.url !== 'string') {
      throw new ArgumentError('url', '`url` must be a string.');
    }

    const url = init.url === undefined || init.url === '' ? undefined : init.url;
    if (url !== undefined) {
      toSecret(url, 'url');
    }

    const secrets: Bytes[] = [];
    try {
      const password = toSecret(init.password, 'password');
      secrets.push(password);
      const notes = init.notes === undefined || init.notes.length === 0 ? undefined : toSecret(init.notes, 'notes');
      if (notes !== undefined) {
        secrets.push(notes);
      }

      const entries = init.fields instanceof Map ? [...init.fields.entries()] : Object.entries(init.fields ?? {});
      for (const [name] of entries) {
        if (typeof name !== 'string' || !isValidFieldName(name)) {
          throw new ArgumentError(
            'fields',
            `Field name '${String(name)}' is invalid: use 1-${MaxFieldNameLength} of A-Z a-z 0-9 _ - and none of username, password, url, notes.`,
          );
        }
      }

      // Ascending byte order, the encoding's order (names are ASCII, so UTF-16 order is byte order).
      const fields = new Map<string, Bytes>();
      for (const [name, value] of entries.sort(([left], [right]) => compareAscii(left, right))) {
        const secret = toSecret(value, 'fields');
        secrets.push(secret);
        fields.set(name, secret);
      }

      this.username = init.username;
      this.url = url;
      this.#password = password;
      this.#notes = notes;
      this.#fields = fields;
    } catch (error) {
      wipe(...secrets);
      throw error;
    }
  }

  /** The password as UTF-8, the credential's own array (not a copy). Valid until {@link wipe}. */
  get passwordUtf8(): Bytes {
    this.#check();
    return this.#password;
  }

  /** Whether notes are present. */
  get hasNotes(): boolean {
    return this.#notes !== undefined;
  }

  /** The notes as UTF-8 (empty when absent), the credential's own array. Valid until {@link wipe}. */
  get notesUtf8(): Bytes {
    this.#check();
    return this.#notes ?? new Uint8Array(0);
  }

  /** Names of the extra fields, in ascending byte order. */
  get fieldNames(): string[] {
    return [...this.#fields.keys()];
  }

  /** Whether {@link wipe} was called. */
  get wiped(): boolean {
    return this.#wiped;
  }

  /**
   * An extra field's value as UTF-8, the credential's own array. Valid until {@link wipe}.
   * @throws {ArgumentError} No field has that name.
   */
  fieldUtf8(name: string): Bytes {
    this.#check();
    const value = this.#fields.get(name);
    if (value === undefined) {
      throw new ArgumentError('name', `The credential has no field named '${name}'.`);
    }

    return value;
  }

  /** Copies the password into a new string, which cannot be wiped. Prefer {@link passwordUtf8}. */
  revealPassword(): string {
    return decodeText(this.passwordUtf8);
  }

  /** Copies the notes into a new string, or undefined when absent. */
  revealNotes(): string | undefined {
    return this.#notes === undefined ? undefined : decodeText(this.notesUtf8);
  }

  /** Copies an extra field's value into a new string. */
  revealField(name: string): string {
    return decodeText(this.fieldUtf8(name));
  }

  /**
   * The padded payload (§4): 256 to 65536 bytes. The caller owns the array and must wipe it after sealing.
   * @throws {ArgumentError} The credential's encoding does not fit in 65532 bytes.
   */
  encode(): Bytes {
    this.#check();
    const username = utf8(this.username);
    const url = this.url === undefined ? undefined : utf8(this.url);
    const fields = [...this.#fields.entries()].map(([name, value]) => [utf8(name), value] as const);
    let contentLength = 1 + 4 + username.length + 4 + this.#password.length + optionalSize(url) + optionalSize(this.#notes) + 2;
    for (const [name, value] of fields) {
      contentLength += 4 + name.length + 4 + value.length;
    }

    const size = paddedSizeFor(contentLength);
    if (fields.length > MaxFieldCount || size < 0) {
      throw new ArgumentError(
        'credential',
        `The credential is too large: its encoding must fit in ${MaxPaddedSize - LengthPrefixSize} bytes.`,
      );
    }

    const writer = new Writer(new Uint8Array(size));
    writer.uint32(contentLength);
    writer.byte(PayloadVersion);
    writer.string(username);
    writer.string(this.#password);
    writer.optional(url);
    writer.optional(this.#notes);
    writer.uint16(fields.length);
    for (const [name, value] of fields) {
      writer.string(name);
      writer.string(value);
    }

    return writer.bytes;
  }

  /**
   * Decodes a padded payload, accepting only the one canonical encoding (§4). The caller wipes `padded` afterwards.
   * @throws {ItemOpenError} It is not the canonical encoding of a credential (the error of a damaged item).
   */
  static decode(padded: Uint8Array): Credential {
    const credential = Credential.tryDecode(padded);
    if (credential === undefined) {
      throw new ItemOpenError();
    }

    return credential;
  }

  /** Decodes a padded payload, or returns undefined if it is not the canonical encoding of a credential. */
  static tryDecode(padded: Uint8Array): Credential | undefined {
    if (!(padded instanceof Uint8Array) || !isPaddedSize(padded.length)) {
      return undefined;
    }

    const view = new DataView(padded.buffer, padded.byteOffset, padded.byteLength);
    const contentLength = view.getUint32(0, false);
    if (contentLength > padded.length - LengthPrefixSize || paddedSizeFor(contentLength) !== padded.length) {
      return undefined;
    }

    for (let index = LengthPrefixSize + contentLength; index < padded.length; index++) {
      if (padded[index] !== 0) {
        return undefined;
      }
    }

    const reader = new Reader(padded.subarray(LengthPrefixSize, LengthPrefixSize + contentLength));
    const version = reader.byte();
    const username = reader.string();
    const password = reader.string();
    const url = reader.optional();
    const notes = reader.optional();
    const fieldCount = reader.uint16();
    if (version !== PayloadVersion || username === undefined || password === undefined || url === undefined
      || notes === undefined || fieldCount === undefined) {
      return undefined;
    }

    // The username and URL are metadata, kept as strings; the secrets are only checked, never made into strings.
    const usernameText = tryFromUtf8(username);
    const urlText = url === null ? null : tryFromUtf8(url);
    if (usernameText === undefined || urlText === undefined || !isUtf8(password) || (notes !== null && !isUtf8(notes))) {
      return undefined;
    }

    const fields = new Map<string, Uint8Array>();
    let previousName: Uint8Array | undefined;
    for (let index = 0; index < fieldCount; index++) {
      const name = reader.string();
      const value = reader.string();
      if (name === undefined || value === undefined || !isUtf8(value)
        || (previousName !== undefined && compareBytes(name, previousName) <= 0)) {
        return undefined;
      }

      const nameText = asciiText(name);
      if (nameText === undefined || !isValidFieldName(nameText)) {
        return undefined;
      }

      fields.set(nameText, value);
      previousName = name;
    }

    if (!reader.atEnd) {
      return undefined;
    }

    // The constructor copies every secret out of `padded`, so the caller can wipe the payload straight after.
    return new Credential({
      username: usernameText,
      password,
      url: urlText ?? undefined,
      notes: notes ?? undefined,
      fields,
    });
  }

  /** Zeroes the password, notes and field values; afterwards reading them throws {@link WipedError}. */
  wipe(): void {
    if (!this.#wiped) {
      this.#wiped = true;
      wipe(this.#password, this.#notes, ...this.#fields.values());
    }
  }

  /** Never shows a secret. */
  toString(): string {
    return 'Credential(redacted)';
  }

  /** Never serialises a secret. */
  toJSON(): string {
    return 'Credential(redacted)';
  }

  #check(): void {
    if (this.#wiped) {
      throw new WipedError('credential');
    }
  }
}

function decodeText(bytes: Uint8Array): string {
  return tryFromUtf8(bytes) ?? '';
}

function optionalSize(value: Uint8Array | undefined): number {
  return value === undefined ? 1 : 1 + 4 + value.length;
}

function compareBytes(left: Uint8Array, right: Uint8Array): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    if (left[index] !== right[index]) {
      return left[index]! - right[index]!;
    }
  }

  return left.length - right.length;
}

function asciiText(bytes: Uint8Array): string | undefined {
  let text = '';
  for (const byte of bytes) {
    if (byte > 0x7f) {
      return undefined;
    }

    text += String.fromCharCode(byte);
  }

  return text;
}

class Writer {
  readonly bytes: Bytes;
  readonly #view: DataView;
  #position = 0;

  constructor(bytes: Bytes) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }

  byte(value: number): void {
    this.bytes[this.#position++] = value;
  }

  uint16(value: number): void {
    this.#view.setUint16(this.#position, value, false);
    this.#position += 2;
  }

  uint32(value: number): void {
    this.#view.setUint32(this.#position, value, false);
    this.#position += 4;
  }

  string(value: Uint8Array): void {
    this.uint32(value.length);
    this.bytes.set(value, this.#position);
    this.#position += value.length;
  }

  optional(value: Uint8Array | undefined): void {
    this.byte(value === undefined ? 0 : 1);
    if (value !== undefined) {
      this.string(value);
    }
  }
}

/** Reads the content; each method returns undefined when the content ends too early or is malformed. */
class Reader {
  readonly #source: Uint8Array;
  readonly #view: DataView;
  #position = 0;

  constructor(source: Uint8Array) {
    this.#source = source;
    this.#view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  }

  get atEnd(): boolean {
    return this.#position === this.#source.length;
  }

  byte(): number | undefined {
    return this.#position < this.#source.length ? this.#source[this.#position++] : undefined;
  }

  uint16(): number | undefined {
    if (this.#source.length - this.#position < 2) {
      return undefined;
    }

    const value = this.#view.getUint16(this.#position, false);
    this.#position += 2;
    return value;
  }

  string(): Uint8Array | undefined {
    if (this.#source.length - this.#position < 4) {
      return undefined;
    }

    const length = this.#view.getUint32(this.#position, false);
    this.#position += 4;
    if (length > this.#source.length - this.#position) {
      return undefined;
    }

    const value = this.#source.subarray(this.#position, this.#position + length);
    this.#position += length;
    return value;
  }

  /** null when absent; present-but-empty is refused: an empty optional is encoded as absent, and only that way. */
  optional(): Uint8Array | null | undefined {
    const flag = this.byte();
    if (flag === undefined || flag > 1) {
      return undefined;
    }

    if (flag === 0) {
      return null;
    }

    const value = this.string();
    return value === undefined || value.length === 0 ? undefined : value;
  }
}
