// Blinded mode (docs/spec.md §10): the server share is the RFC 9497 POPRF output (ristretto255-SHA512) on a private
// input only this device can derive, with the unit id as the public info.
//   info         = uuid(unit id)                                                   (16 bytes)
//   output       = POPRF(skS, input, info): client Blind → server BlindEvaluate + proof → client Finalize   (64 bytes)
//   server share = HKDF-SHA256(ikm = output, salt = "", info = "symbolon.dev/v1/blinded-share", L = 32)
// The POPRF client is @noble/curves' (elements and scalars 32 bytes, proofs c ‖ s, 64 bytes). Everything received
// is checked here first (canonical, non-identity elements; scalars below ℓ, ℓ + x refused, not reduced), so each
// failure maps to the RFC's error: DeserializeError, InvalidInputError, VerifyError (OprfProofError).
import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { type Bytes, constantTimeEqual, requireLength, utf8, uuidToBytes, wipe } from './bytes.js';
import { ArgumentError, OprfDeserializeError, OprfInvalidInputError, OprfProofError, WipedError } from './errors.js';
import { hkdf } from './hkdf.js';
import { Labels } from './labels.js';

/** Size of a ristretto255 element (blinded, evaluated, public key) in bytes. */
export const ElementSize = 32;

/** Size of a scalar (the blind, c, s) in bytes. */
export const ScalarSize = 32;

/** Size of a DLEQ proof, c ‖ s, in bytes. */
export const ProofSize = 64;

/** Size of a POPRF output in bytes. */
export const OutputSize = 64;

/** Size of the POPRF info of a blinded item (the unit id) in bytes. */
export const BlindedInfoSize = 16;

/** The longest input or info: both are framed with a two-byte length. */
export const MaxInputLength = 0xffff;

const ShareLabel = utf8(Labels.BlindedShare);
const Point = ristretto255.Point;
const Order = Point.Fn.ORDER;

/** The POPRF public info of a blinded item: its unit id, 16 bytes in RFC 9562 order. */
export function blindedInfo(unitId: string): Bytes {
  return uuidToBytes(unitId);
}

/**
 * A blinded item's server share from the verified 64-byte POPRF output. The caller wipes the output and the share.
 * @throws {ArgumentError} The output is not 64 bytes.
 */
export async function blindedShareFromOutput(output: Uint8Array): Promise<Bytes> {
  requireLength(output, OutputSize, 'output');
  return hkdf(output, ShareLabel, 32);
}

interface BlindParts { input: Bytes; info: Bytes; blind: Uint8Array; blinded: Bytes; tweakedKey: Bytes }

/** Each state's secrets, reachable only from this module: a state has no accessor for its input or blind. */
const blindParts = new WeakMap<OprfBlindState, BlindParts>();

/**
 * What the client keeps between {@link blind} and {@link finalize}: copies of the input and info, the blind, the
 * blinded element and the tweaked key the proof is checked against, none of them readable from outside. Single use:
 * finalize wipes it, whatever the outcome; {@link wipe} discards it unused.
 */
export class OprfBlindState {
  readonly #info: Bytes;

  private constructor(parts: BlindParts) {
    this.#info = parts.info.slice();
    blindParts.set(this, parts);
  }

  /** @internal Made by {@link blind} only. */
  static create(parts: BlindParts): OprfBlindState {
    return new OprfBlindState(parts);
  }

  /** The public info this input was blinded with. */
  get info(): Bytes {
    return this.#info.slice();
  }

  /** Whether the state was finalized or wiped. */
  get wiped(): boolean {
    return !blindParts.has(this);
  }

  /** Zeroes the input copy and the blind. */
  wipe(): void {
    const parts = blindParts.get(this);
    blindParts.delete(this);
    wipe(parts?.input, parts?.blind);
  }

  /** Never shows the input or the blind. */
  toString(): string {
    return 'OprfBlindState(redacted)';
  }
}

function take(state: OprfBlindState): BlindParts {
  const parts = blindParts.get(state);
  if (parts === undefined) {
    throw new WipedError('OPRF blind state');
  }

  return parts;
}

/** What {@link blind} returns: the element to send, and the state to keep for {@link finalize}. */
export interface BlindResult {
  /** Keep it (in memory only) for finalize. */
  state: OprfBlindState;
  /** Send it to the key server (32 bytes); it reveals nothing about the input. */
  blindedElement: Bytes;
}

function isCanonicalScalar(bytes: Uint8Array): boolean {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) {
    value = (value << 8n) | BigInt(bytes[index]!);
  }

  return value < Order;
}

/** A received element must be a canonical ristretto255 encoding and not the identity. */
function isValidElement(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ElementSize) {
    return false;
  }

  try {
    return !Point.fromBytes(bytes).equals(Point.ZERO);
  } catch {
    return false;
  }
}

function blindCore(input: Uint8Array, info: Uint8Array, publicKey: Uint8Array, random?: (length?: number) => Bytes): BlindResult {
  if (!(input instanceof Uint8Array) || input.length > MaxInputLength) {
    throw new ArgumentError('input', `\`input.length\` must be at most ${MaxInputLength}.`);
  }

  if (!(info instanceof Uint8Array) || info.length > MaxInputLength) {
    throw new ArgumentError('info', `\`info.length\` must be at most ${MaxInputLength}.`);
  }

  requireLength(publicKey, ElementSize, 'publicKey');
  if (!isValidElement(publicKey)) {
    throw new OprfDeserializeError();
  }

  let blinded: { blind: Uint8Array; blinded: Uint8Array; tweakedKey: Uint8Array };
  try {
    blinded = random === undefined
      ? ristretto255_oprf.poprf(info).blind(input, publicKey)
      : ristretto255_oprf.poprf(info).blind(input, publicKey, random);
  } catch {
    // The key and length checks passed, so what is left is the RFC's InvalidInputError: the input maps to the
    // identity, or the tweaked key m·G + pkS is the identity.
    throw new OprfInvalidInputError();
  }

  const state = OprfBlindState.create({
    input: input.slice(), info: info.slice(), blind: blinded.blind, blinded: blinded.blinded.slice() as Bytes, tweakedKey: blinded.tweakedKey as Bytes,
  });
  return { state, blindedElement: blinded.blinded as Bytes };
}

/**
 * RFC 9497 §3.3.3 POPRF Blind: blinds the private input with a fresh random scalar and computes the tweaked key
 * m·G + pkS from the pinned public key and the info. The input and info are copied; the caller wipes its input.
 * @param input The private input (a blinded item's from deriveBlindedInput), at most 65535 bytes.
 * @param info The public info (a blinded item's from blindedInfo), at most 65535 bytes.
 * @param publicKey The server's pinned POPRF public key for the epoch (32 bytes).
 * @throws {ArgumentError} A length is out of range.
 * @throws {OprfDeserializeError} The public key is not a canonical non-identity element.
 * @throws {OprfInvalidInputError} The input, or the tweaked key, is the identity.
 */
export function blind(input: Uint8Array, info: Uint8Array, publicKey: Uint8Array): BlindResult {
  return blindCore(input, info, publicKey);
}

/** Blind with a given blind scalar (a nonzero canonical scalar), for the RFC 9497 vectors only; not in the package index. */
export function blindWithScalarForTests(input: Uint8Array, info: Uint8Array, publicKey: Uint8Array, blindScalar: Uint8Array): BlindResult {
  requireLength(blindScalar, ScalarSize, 'blindScalar');
  let value = 0n;
  for (let index = ScalarSize - 1; index >= 0; index--) {
    value = (value << 8n) | BigInt(blindScalar[index]!);
  }

  if (value === 0n || value >= Order) {
    throw new ArgumentError('blindScalar', '`blindScalar` must be a nonzero canonical scalar.');
  }

  // noble draws a blind as (LE(random bytes) mod (ℓ − 1)) + 1, so bytes holding blind − 1 give exactly this blind.
  return blindCore(input, info, publicKey, (length = 48) => {
    const bytes = new Uint8Array(length);
    let rest = value - 1n;
    for (let index = 0; index < length; index++) {
      bytes[index] = Number(rest & 0xffn);
      rest >>= 8n;
    }

    return bytes;
  });
}

/**
 * RFC 9497 §3.3.3 POPRF Finalize: checks the server's DLEQ proof against the tweaked key made from the pinned public
 * key, then unblinds. Nothing is returned unless the proof holds. The state is wiped, whatever the outcome.
 * @returns The 64-byte PRF output; secret: pass it to blindedShareFromOutput, then wipe it.
 * @throws {OprfDeserializeError} The evaluated element or the proof is malformed.
 * @throws {OprfProofError} The proof does not verify.
 * @throws {WipedError} The state was already finalized or wiped.
 */
export function finalize(state: OprfBlindState, evaluatedElement: Uint8Array, proof: Uint8Array): Bytes {
  return finalizeBatch([state], [evaluatedElement], proof)[0]!;
}

/**
 * Finalize for a batch evaluated under one proof (RFC 9497 §2.2.2 batch verification); every state must come from
 * the same public key and info. Returns one output per state, in order; every state is wiped.
 * @throws As {@link finalize}; {@link ArgumentError} when the lists differ in length or mix infos.
 */
export function finalizeBatch(states: readonly OprfBlindState[], evaluatedElements: readonly Uint8Array[], proof: Uint8Array): Bytes[] {
  if (!Array.isArray(states) || states.length === 0 || states.length > MaxInputLength) {
    throw new ArgumentError('states', '`states` must hold 1 to 65535 blind states.');
  }

  try {
    const parts = states.map((state) => {
      if (!(state instanceof OprfBlindState)) {
        throw new ArgumentError('states', '`states` must come from blind.');
      }

      return take(state);
    });
    const first = parts[0]!;
    for (const part of parts) {
      if (!constantTimeEqual(part.info, first.info) || !constantTimeEqual(part.tweakedKey, first.tweakedKey)) {
        throw new ArgumentError('states', '`states` must all be blinded with the same info and public key: one proof covers one key.');
      }
    }

    if (!Array.isArray(evaluatedElements) || evaluatedElements.length !== states.length
      || !evaluatedElements.every(isValidElement)
      || !(proof instanceof Uint8Array) || proof.length !== ProofSize
      || !isCanonicalScalar(proof.subarray(0, ScalarSize)) || !isCanonicalScalar(proof.subarray(ScalarSize))) {
      throw new OprfDeserializeError();
    }

    const items = parts.map((part, index) => ({
      input: part.input,
      blind: part.blind,
      evaluated: evaluatedElements[index]!,
      blinded: part.blinded,
    }));
    let outputs: Uint8Array[];
    try {
      outputs = ristretto255_oprf.poprf(first.info).finalizeBatch(items, proof, first.tweakedKey);
    } catch {
      // Every element and scalar was checked above, so what noble refuses now is the proof itself.
      throw new OprfProofError();
    }

    return outputs.map((output) => output as Bytes);
  } finally {
    for (const state of states) {
      if (state instanceof OprfBlindState) {
        state.wipe();
      }
    }
  }
}
