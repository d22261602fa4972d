// Release receipts (docs/spec.md §7): the key server signs each release's audit record with its ECDSA P-256 audit
// key (SHA-256, IEEE P1363 r ‖ s, 64 bytes) over
//   signed = "symbolon.dev/v1/audit-receipt" ‖ u64be(sequence) ‖ chain hash (32) ‖ uuid(unit) ‖ uuid(device) ‖ i64be(time)
// with time in UTC ticks (100 ns since 0001-01-01T00:00:00Z), as src/Symbolon.Crypto/ReleaseReceipt.cs writes it.
// The wire carries the time as .NET writes a DateTimeOffset (up to 7 fractional digits and an offset), so the ticks
// are computed here with BigInt from the text, never through Date (milliseconds only).
import { type Bytes, concat, fromBase64, fromBase64Url, isUuid, utf8, uuidToBytes } from './bytes.js';
import { ArgumentError } from './errors.js';
import { Labels } from './labels.js';

/** The key server's public audit key as a JWK (GET /v1/audit/key). */
export interface AuditKey {
  kty: string;
  crv: string;
  x: string;
  y: string;
}

/** A release receipt as the key server sends it (byte fields as base64 text, or already decoded). */
export interface Receipt {
  /** The audit record's position in the chain, from 1. */
  sequence: number | bigint;
  /** The chain hash after that record (32 bytes). */
  chainHash: string | Uint8Array;
  /** The unit released. */
  unitId: string;
  /** The device it was released to. */
  deviceId: string;
  /** When, as .NET writes a DateTimeOffset: `2026-01-02T03:04:05.1234567+00:00`. */
  time: string;
  /** ECDSA P-256 / SHA-256, IEEE P1363 (64 bytes). */
  signature: string | Uint8Array;
}

/** Size of a chain hash in bytes. */
export const ChainHashSize = 32;

/** Size of an ECDSA P-256 signature in IEEE P1363 form (r ‖ s) in bytes. */
export const SignatureSize = 64;

const ReceiptLabel = utf8(Labels.AuditReceipt);
const TicksPerSecond = 10_000_000n;
const TicksPerDay = 86_400n * TicksPerSecond;
const MaxTicks = 3_155_378_975_999_999_999n; // DateTime.MaxValue.Ticks: 9999-12-31T23:59:59.9999999
const MaxInt64 = (1n << 63n) - 1n;
const DaysToMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const TimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})$/;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * A timestamp's UTC ticks (100 ns units since 0001-01-01T00:00:00Z), what .NET's `DateTimeOffset.UtcTicks` gives
 * for the same text. Accepts `yyyy-MM-ddTHH:mm:ss`, an optional fraction of 1 to 7 digits, and `Z` or `±HH:mm`.
 * @throws {ArgumentError} The text is not such a timestamp, or is out of .NET's range.
 */
export function utcTicks(time: string): bigint {
  const match = typeof time === 'string' ? TimePattern.exec(time) : null;
  const invalid = () => new ArgumentError('time', `\`time\` must be an ISO 8601 timestamp with an offset; got '${String(time)}'.`);
  if (match === null) {
    throw invalid();
  }

  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = BigInt((match[7] ?? '').padEnd(7, '0'));
  const offsetText = match[8]!;
  const daysInMonth = month >= 1 && month <= 12 ? DaysToMonth[month]! - DaysToMonth[month - 1]! + (month === 2 && isLeapYear(year) ? 1 : 0) : 0;
  if (year < 1 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw invalid();
  }

  let offsetMinutes = 0;
  if (offsetText !== 'Z') {
    const offsetHours = Number(offsetText.slice(1, 3));
    const offsetRest = Number(offsetText.slice(4, 6));
    if (offsetRest > 59 || offsetHours * 60 + offsetRest > 14 * 60) {
      throw invalid();
    }

    offsetMinutes = (offsetText[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }

  // .NET's DateToTicks: days before this year (proleptic Gregorian), before this month, and before this day.
  const previousYear = year - 1;
  const days = previousYear * 365 + Math.floor(previousYear / 4) - Math.floor(previousYear / 100) + Math.floor(previousYear / 400)
    + DaysToMonth[month - 1]! + (month > 2 && isLeapYear(year) ? 1 : 0) + day - 1;
  const localTicks = BigInt(days) * TicksPerDay + BigInt(hour * 3600 + minute * 60 + second) * TicksPerSecond + fraction;
  const ticks = localTicks - BigInt(offsetMinutes) * 60n * TicksPerSecond;
  if (ticks < 0n || ticks > MaxTicks || localTicks > MaxTicks) {
    throw invalid();
  }

  return ticks;
}

function bytesOf(value: string | Uint8Array, name: string): Uint8Array {
  if (value instanceof Uint8Array) {
    return value;
  }

  if (typeof value !== 'string') {
    throw new ArgumentError(name, `\`${name}\` must be base64 text or bytes.`);
  }

  return fromBase64(value);
}

/**
 * The exact bytes the key server signs for a receipt.
 * @throws {ArgumentError} A field is malformed: sequence outside 1..2^63 − 1, chain hash not 32 bytes, an id that is
 * not a UUID, a time that is not a timestamp with an offset.
 */
export function receiptSignedBytes(receipt: Omit<Receipt, 'signature'>): Bytes {
  const sequence = typeof receipt.sequence === 'bigint'
    ? receipt.sequence
    : Number.isSafeInteger(receipt.sequence) ? BigInt(receipt.sequence) : -1n;
  if (sequence < 1n || sequence > MaxInt64) {
    throw new ArgumentError('sequence', '`sequence` must be an integer from 1 to 2^63 - 1.');
  }

  const chainHash = bytesOf(receipt.chainHash, 'chainHash');
  if (chainHash.length !== ChainHashSize) {
    throw new ArgumentError('chainHash', '`chainHash.length` must be 32.');
  }

  if (!isUuid(receipt.unitId) || !isUuid(receipt.deviceId)) {
    throw new ArgumentError('unitId', '`unitId` and `deviceId` must be UUIDs.');
  }

  const numbers = new Uint8Array(16);
  const view = new DataView(numbers.buffer);
  view.setBigInt64(0, sequence, false);
  view.setBigInt64(8, utcTicks(receipt.time), false);
  return concat(ReceiptLabel, numbers.subarray(0, 8), chainHash, uuidToBytes(receipt.unitId), uuidToBytes(receipt.deviceId), numbers.subarray(8));
}

/**
 * Imports the server's public audit key (a P-256 public JWK) for verifying receipts.
 * @throws {ArgumentError} It is not a P-256 public key (wrong kty or crv, x or y not 32 bytes of base64url, a private
 * part present, or not a point on the curve).
 */
export async function importAuditKey(auditKey: AuditKey): Promise<CryptoKey> {
  const invalid = () => new ArgumentError('auditKey', '`auditKey` must be a P-256 public JWK: kty EC, crv P-256, x and y of 32 bytes, no d.');
  if (typeof auditKey !== 'object' || auditKey === null || auditKey.kty !== 'EC' || auditKey.crv !== 'P-256' || 'd' in auditKey) {
    throw invalid();
  }

  try {
    if (fromBase64Url(auditKey.x).length !== 32 || fromBase64Url(auditKey.y).length !== 32) {
      throw invalid();
    }

    return await crypto.subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: auditKey.x, y: auditKey.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
  } catch {
    throw invalid();
  }
}

/**
 * Checks a release receipt's signature against the key server's audit key.
 * @param auditKey The server's public audit key (as a JWK, or from {@link importAuditKey}).
 * @returns true when the signature holds over exactly these fields; false for a wrong signature or a malformed
 * receipt (a receipt that cannot be parsed is not a valid receipt).
 * @throws {ArgumentError} The audit key is not a P-256 public key.
 */
export async function verifyReceipt(auditKey: AuditKey | CryptoKey, receipt: Receipt): Promise<boolean> {
  const key = auditKey instanceof CryptoKey ? auditKey : await importAuditKey(auditKey);
  let signed: Bytes;
  let signature: Uint8Array;
  try {
    signed = receiptSignedBytes(receipt);
    signature = bytesOf(receipt.signature, 'signature');
  } catch (error) {
    if (error instanceof ArgumentError) {
      return false;
    }

    throw error;
  }

  if (signature.length !== SignatureSize) {
    return false;
  }

  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature as Bytes, signed);
}
