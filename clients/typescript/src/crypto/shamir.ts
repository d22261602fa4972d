// Shamir secret sharing (Shamir 1979) of a 32-byte secret over GF(2^8) with the AES polynomial
// x^8 + x^4 + x^3 + x + 1 (0x11B), t-of-n with 2 ≤ t ≤ n ≤ 255 (docs/spec.md §5). One random polynomial of degree
// t − 1 per secret byte; share i = (i, f(i)); combined by Lagrange interpolation at x = 0 over the first t shares.
// Encoded share (34 bytes): u8(t) ‖ u8(i) ‖ value (32). Field arithmetic is constant-time: no tables, no branches
// on secret values — as src/Symbolon.Crypto/GaloisField256.cs.
import { type Bytes, requireLength, wipe } from './bytes.js';
import { ArgumentError } from './errors.js';

/** Size of the secret being shared (a server share), in bytes. */
export const SecretSize = 32;

/** The smallest threshold: with 1, every share would be the secret itself. */
export const MinThreshold = 2;

/** The most shares one split can have: indices are the non-zero elements of GF(2^8). */
export const MaxShares = 255;

/** Size of an encoded share: threshold (1) ‖ index (1) ‖ value (32). */
export const EncodedShareSize = 2 + SecretSize;

/** One share: the point (index, value) on a random polynomial whose constant term is the secret. */
export interface ShamirShare {
  /** How many distinct shares of the same split rebuild the secret, 2 to 255. */
  threshold: number;
  /** The x-coordinate, 1 to 255. Public: it says which share this is, nothing about the secret. */
  index: number;
  /** The y-coordinates, one per secret byte (32 bytes). Secret: wipe it after use. */
  value: Uint8Array;
}

/** A source of uniform random bytes; the default is the platform's CSPRNG. Tests pass fixed coefficients. */
export type RandomSource = (length: number) => Uint8Array;

const systemRandom: RandomSource = (length) => crypto.getRandomValues(new Uint8Array(length));

/** Multiplication in GF(2^8) by shift-and-add, with masks instead of branches so every step is the same. */
export function gfMultiply(left: number, right: number): number {
  let product = 0;
  let multiplicand = left & 0xff;
  let multiplier = right & 0xff;
  for (let bit = 0; bit < 8; bit++) {
    // All ones when the multiplier's low bit is set, all zeros otherwise: the add happens without a branch.
    product ^= multiplicand & -(multiplier & 1);
    multiplier >>= 1;
    // Doubling carries out of the byte exactly when the top bit is set; reduce by the mask, not by an if.
    const carry = -((multiplicand >> 7) & 1);
    multiplicand = ((multiplicand << 1) ^ (0x1b & carry)) & 0xff;
  }

  return product & 0xff;
}

/** The inverse as a^254 (a^255 = 1 for a ≠ 0; maps 0 to 0): always seven squarings and seven multiplications. */
export function gfInverse(value: number): number {
  let power = value & 0xff;
  let result = 1;
  for (let square = 0; square < 7; square++) {
    power = gfMultiply(power, power);
    result = gfMultiply(result, power);
  }

  return result;
}

/**
 * Splits a 32-byte secret into `shareCount` shares with indices 1 to `shareCount`, any `threshold` of which rebuild
 * it; fewer reveal nothing. Coefficient byte j of x^k (k = 1 … t − 1) is `random((t − 1)·32)[(k − 1)·32 + j]`; the
 * coefficients are wiped before this returns. The caller owns every share's value and must wipe it.
 * @throws {ArgumentError} The secret is not 32 bytes, or the threshold or count is out of range.
 */
export function split(secret: Uint8Array, threshold: number, shareCount: number, random: RandomSource = systemRandom): ShamirShare[] {
  requireLength(secret, SecretSize, 'secret');
  if (!Number.isInteger(threshold) || threshold < MinThreshold) {
    throw new ArgumentError('threshold', `\`threshold\` must be at least ${MinThreshold}.`);
  }

  if (!Number.isInteger(shareCount) || shareCount > MaxShares) {
    throw new ArgumentError('shareCount', `\`shareCount\` must be at most ${MaxShares}.`);
  }

  if (threshold > shareCount) {
    throw new ArgumentError('threshold', '`threshold` must not exceed `shareCount`.');
  }

  // Every byte value is allowed, zero included: a uniform polynomial is what makes t − 1 shares reveal nothing.
  const coefficients = random((threshold - 1) * SecretSize);
  try {
    requireLength(coefficients, (threshold - 1) * SecretSize, 'random()');
    const shares: ShamirShare[] = [];
    for (let index = 1; index <= shareCount; index++) {
      const value = new Uint8Array(SecretSize);
      evaluate(secret, threshold, coefficients, index, value);
      shares.push({ threshold, index, value });
    }

    return shares;
  } finally {
    wipe(coefficients);
  }
}

/** f_j(x) for every byte j, by Horner's rule from the highest coefficient down. */
function evaluate(secret: Uint8Array, threshold: number, coefficients: Uint8Array, x: number, value: Uint8Array): void {
  for (let j = 0; j < SecretSize; j++) {
    let result = 0;
    for (let k = threshold - 1; k >= 1; k--) {
      result = gfMultiply(result, x) ^ coefficients[(k - 1) * SecretSize + j]!;
    }

    value[j] = gfMultiply(result, x) ^ secret[j]!;
  }
}

/**
 * Rebuilds the secret from the first `threshold` shares, in the order given. Every share given must come from the
 * same split: the same threshold and distinct indices. Shares of different splits with the same threshold cannot be
 * told apart and give a wrong secret; the data key derived from it then fails to open the item.
 * @returns The 32-byte secret; the caller wipes it.
 * @throws {ArgumentError} No shares, mixed thresholds, a repeated or zero index, a threshold below 2, a value that is
 * not 32 bytes, or fewer shares than the threshold.
 */
export function combine(shares: readonly ShamirShare[]): Bytes {
  if (!Array.isArray(shares) || shares.length === 0) {
    throw new ArgumentError('shares', '`shares` must not be empty.');
  }

  const threshold = shares[0]!.threshold;
  if (!Number.isInteger(threshold) || threshold < MinThreshold || threshold > MaxShares) {
    throw new ArgumentError('shares', `\`shares\` threshold must be from ${MinThreshold} to ${MaxShares}.`);
  }

  const seen = new Set<number>();
  for (const share of shares) {
    if (share.threshold !== threshold) {
      throw new ArgumentError('shares', `\`shares\` must all have the same threshold; found ${threshold} and ${share.threshold}.`);
    }

    if (!Number.isInteger(share.index) || share.index < 1 || share.index > MaxShares) {
      throw new ArgumentError('shares', `\`shares\` indices must be from 1 to ${MaxShares}.`);
    }

    if (seen.has(share.index)) {
      throw new ArgumentError('shares', `\`shares\` must have distinct indices; index ${share.index} appears more than once.`);
    }

    seen.add(share.index);
    requireLength(share.value, SecretSize, 'share.value');
  }

  if (shares.length < threshold) {
    throw new ArgumentError('shares', `\`shares\` must contain at least ${threshold} shares (the threshold); got ${shares.length}.`);
  }

  // Lagrange at 0: secret = ⊕_i value_i · Π_{m≠i} x_m / (x_m ⊕ x_i) (subtraction is XOR in GF(2^8)).
  const secret = new Uint8Array(SecretSize);
  for (let i = 0; i < threshold; i++) {
    const x = shares[i]!.index;
    let numerator = 1;
    let denominator = 1;
    for (let m = 0; m < threshold; m++) {
      if (m !== i) {
        const otherX = shares[m]!.index;
        numerator = gfMultiply(numerator, otherX);
        denominator = gfMultiply(denominator, otherX ^ x);
      }
    }

    const basis = gfMultiply(numerator, gfInverse(denominator));
    const value = shares[i]!.value;
    for (let j = 0; j < SecretSize; j++) {
      secret[j]! ^= gfMultiply(basis, value[j]!);
    }
  }

  return secret;
}

/** The 34-byte encoding u8(threshold) ‖ u8(index) ‖ value. The caller owns the copy and must wipe it. */
export function encodeShare(share: ShamirShare): Bytes {
  requireLength(share.value, SecretSize, 'share.value');
  const encoded = new Uint8Array(EncodedShareSize);
  encoded[0] = share.threshold;
  encoded[1] = share.index;
  encoded.set(share.value, 2);
  return encoded;
}

/**
 * Reads a 34-byte encoded share (the value is copied; the caller wipes `encoded`).
 * @throws {ArgumentError} It is not 34 bytes, its threshold is below 2, or its index is 0.
 */
export function decodeShare(encoded: Uint8Array): ShamirShare {
  requireLength(encoded, EncodedShareSize, 'encoded');
  const threshold = encoded[0]!;
  const index = encoded[1]!;
  if (threshold < MinThreshold) {
    throw new ArgumentError('encoded', `\`encoded\` threshold must be at least ${MinThreshold}.`);
  }

  if (index === 0) {
    throw new ArgumentError('encoded', '`encoded` index must not be 0.');
  }

  return { threshold, index, value: encoded.slice(2) };
}
