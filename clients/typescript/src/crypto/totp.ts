// TOTP, RFC 6238 §4 over HOTP, RFC 4226 §5.3 (dynamic truncation), with HMAC-SHA-1/256/512 from WebCrypto. The
// secret travels as an otpauth://totp URI; its canonical form and the accepted inputs are in docs/spec.md §4.1, the
// shared cases in testdata/vectors/rfc6238-totp.json (the .NET client reads them too). Sizes: secret 10–128 bytes
// (at least 80 bits), 6–8 digits, period ≥ 1 s.
import { type Bytes, wipe } from './bytes.js';
import { ArgumentError, WipedError } from './errors.js';

/** The HMAC a TOTP secret is used with. */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** The well-known extra-field name that holds an item's TOTP secret (as its canonical URI). */
export const TotpFieldName = 'totp';

/** Shortest accepted secret, in bytes (80 bits). */
export const MinTotpSecretSize = 10;

/** Longest accepted secret, in bytes. */
export const MaxTotpSecretSize = 128;

const Scheme = 'otpauth://';
const DefaultLabel = 'symbolon';
const Base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HashNames: Record<TotpAlgorithm, string> = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' };

/** Parameters of a TOTP secret besides its key. */
export interface TotpOptions {
  algorithm?: TotpAlgorithm;
  digits?: number;
  period?: number;
  label?: string;
}

/**
 * A TOTP secret with its parameters. The key bytes are wiped by {@link wipe}; {@link revealUri} is the one way to read
 * them back (to store them).
 */
export class TotpSecret {
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  readonly period: number;
  readonly label: string;
  #key: Bytes;
  #wiped = false;

  private constructor(key: Bytes, algorithm: TotpAlgorithm, digits: number, period: number, label: string) {
    this.#key = key;
    this.algorithm = algorithm;
    this.digits = digits;
    this.period = period;
    this.label = label;
  }

  /**
   * A secret from raw key bytes (copied; the caller wipes its own).
   * @throws {ArgumentError} A parameter is outside the ranges above.
   */
  static create(key: Uint8Array, options: TotpOptions = {}): TotpSecret {
    const { algorithm = 'SHA1', digits = 6, period = 30, label = DefaultLabel } = options;
    if (key.length < MinTotpSecretSize || key.length > MaxTotpSecretSize) {
      throw new ArgumentError('key', `A TOTP secret must be ${MinTotpSecretSize}-${MaxTotpSecretSize} bytes (at least 80 bits).`);
    }

    if (!(algorithm in HashNames) || !Number.isInteger(digits) || digits < 6 || digits > 8 || !Number.isInteger(period) || period < 1) {
      throw new ArgumentError('options', 'A TOTP secret needs SHA1, SHA256 or SHA512, 6-8 digits and a period of at least 1 second.');
    }

    return new TotpSecret(new Uint8Array(key), algorithm, digits, period, label);
  }

  /**
   * Parses an otpauth://totp URI or a bare base32 secret (spaces and '-' between groups allowed, padding optional).
   * @throws {ArgumentError} Not a TOTP secret; the message says why and never contains the secret.
   */
  static parse(input: string): TotpSecret {
    const text = input.trim();
    if (text.slice(0, Scheme.length).toLowerCase() !== Scheme) {
      return TotpSecret.fromBase32(text.replace(/[ -]/g, ''), 'SHA1', 6, 30, DefaultLabel);
    }

    const rest = text.slice(Scheme.length);
    const slash = rest.indexOf('/');
    const type = slash < 0 ? rest : rest.slice(0, slash);
    if (type.toLowerCase() !== 'totp') {
      throw invalid(`only otpauth://totp/ URIs are supported, not otpauth://${limit(type)}/ (counter-based HOTP is not).`);
    }

    const pathAndQuery = slash < 0 ? '' : rest.slice(slash + 1);
    const question = pathAndQuery.indexOf('?');
    const label = unescape(question < 0 ? pathAndQuery : pathAndQuery.slice(0, question));
    const parameters = new Map<string, string>();
    for (const pair of (question < 0 ? '' : pathAndQuery.slice(question + 1)).split('&').filter((p) => p.length > 0)) {
      const equals = pair.indexOf('=');
      const name = unescape(equals < 0 ? pair : pair.slice(0, equals)).toLowerCase();
      if (parameters.has(name)) {
        throw invalid(`the otpauth URI names '${limit(name)}' twice.`);
      }

      parameters.set(name, unescape(equals < 0 ? '' : pair.slice(equals + 1)));
    }

    const algorithmName = parameters.get('algorithm');
    const algorithm = algorithmName === undefined ? 'SHA1' : algorithmName.toUpperCase();
    if (!(algorithm in HashNames)) {
      throw invalid(`algorithm '${limit(algorithmName ?? '')}' is not SHA1, SHA256 or SHA512.`);
    }

    const digits = number(parameters, 'digits', 6);
    if (digits < 6 || digits > 8) {
      throw invalid('digits must be 6, 7 or 8.');
    }

    const period = number(parameters, 'period', 30);
    if (period < 1) {
      throw invalid('period must be at least 1 second.');
    }

    const secret = parameters.get('secret');
    if (secret === undefined) {
      throw invalid('the otpauth URI has no secret parameter.');
    }

    return TotpSecret.fromBase32(secret, algorithm as TotpAlgorithm, digits, period, label.length === 0 ? DefaultLabel : label);
  }

  /**
   * The canonical URI: `otpauth://totp/LABEL?secret=BASE32&algorithm=SHA1&digits=6&period=30`, base32 upper case
   * without padding, every parameter present, the label percent-encoded (all but A-Z a-z 0-9 - . _ ~). It contains the
   * secret.
   */
  revealUri(): string {
    this.#check();
    const label = encodeURIComponent(this.label).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return `otpauth://totp/${label}?secret=${base32(this.#key)}&algorithm=${this.algorithm}&digits=${this.digits}&period=${this.period}`;
  }

  /** The code for the time step that holds `time` (RFC 6238 §4.2, T0 = 0): a Date, or seconds since the Unix epoch. */
  async code(time: Date | number = new Date()): Promise<string> {
    this.#check();
    return hotp(this.#key, this.algorithm, this.digits, this.step(time));
  }

  /** Seconds until the code for `time` stops being current (1..period). */
  secondsLeft(time: Date | number = new Date()): number {
    return this.period - (unixSeconds(time) % this.period);
  }

  /** The time step counter T = floor(unix time / period). */
  step(time: Date | number = new Date()): number {
    return Math.floor(unixSeconds(time) / this.period);
  }

  /** Zeroes the key. */
  wipe(): void {
    if (!this.#wiped) {
      this.#wiped = true;
      wipe(this.#key);
    }
  }

  toString(): string {
    return `TotpSecret(${this.algorithm}, ${this.digits} digits, ${this.period} s, redacted)`;
  }

  private static fromBase32(text: string, algorithm: TotpAlgorithm, digits: number, period: number, label: string): TotpSecret {
    // RFC 4648 §6, case-insensitive, '=' padding optional; the bits left over after the last whole byte are dropped.
    const trimmed = text.replace(/=+$/, '');
    const key = new Uint8Array(Math.floor((trimmed.length * 5) / 8));
    let buffer = 0;
    let bits = 0;
    let written = 0;
    for (const character of trimmed) {
      const value = Base32Alphabet.indexOf(character.toUpperCase());
      if (value < 0 || character.length !== 1) {
        wipe(key);
        throw invalid('the secret is not base32 (A-Z and 2-7).');
      }

      buffer = ((buffer << 5) | value) & 0xfff;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        key[written++] = (buffer >> bits) & 0xff;
      }
    }

    if (key.length < MinTotpSecretSize || key.length > MaxTotpSecretSize) {
      wipe(key);
      throw invalid(`the secret must be ${MinTotpSecretSize}-${MaxTotpSecretSize} bytes (16 or more base32 characters: at least 80 bits).`);
    }

    return new TotpSecret(key, algorithm, digits, period, label);
  }

  #check(): void {
    if (this.#wiped) {
      throw new WipedError('TOTP secret');
    }
  }
}

/** HOTP (RFC 4226 §5.3): HMAC over the big-endian counter, dynamic truncation, the low digits in decimal. */
export async function hotp(key: Uint8Array, algorithm: TotpAlgorithm, digits: number, counter: number): Promise<string> {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new ArgumentError('digits', '`digits` must be 6-8.');
  }

  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const hmacKey = await crypto.subtle.importKey('raw', key as Bytes, { name: 'HMAC', hash: HashNames[algorithm] }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, message));
  try {
    const offset = mac[mac.length - 1]! & 0x0f;
    const binary = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
    return String(binary % 10 ** digits).padStart(digits, '0');
  } finally {
    wipe(mac);
  }
}

function base32(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const value of bytes) {
    buffer = ((buffer << 8) | value) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += Base32Alphabet[(buffer >> bits) & 31];
    }
  }

  if (bits > 0) {
    text += Base32Alphabet[(buffer << (5 - bits)) & 31];
  }

  return text;
}

function number(parameters: Map<string, string>, name: string, fallback: number): number {
  const text = parameters.get(name);
  if (text === undefined) {
    return fallback;
  }

  if (!/^[0-9]{1,9}$/.test(text)) {
    throw invalid(`${name} '${limit(text)}' is not a whole number.`);
  }

  return Number(text);
}

/** Percent-decoding as the Key URI format uses it ('+' is a space); an invalid escape stays as written. */
function unescape(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function unixSeconds(time: Date | number): number {
  return typeof time === 'number' ? Math.floor(time) : Math.floor(time.getTime() / 1000);
}

function limit(text: string): string {
  return text.length <= 16 ? text : `${text.slice(0, 16)}…`;
}

function invalid(message: string): ArgumentError {
  return new ArgumentError('totp', message);
}
