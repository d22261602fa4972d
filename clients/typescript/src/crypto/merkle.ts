// The key server's audit log (docs/spec.md §7.1): a Merkle tree exactly as RFC 9162 §2.1 defines it over SHA-256
// (leaf = SHA-256(0x00 ‖ input), node = SHA-256(0x01 ‖ left ‖ right)), whose leaves name audit records
//   leaf_input = "symbolon.dev/v1/audit-log-leaf" ‖ u64be(sequence) ‖ chain hash (32)
// and signed checkpoints (ECDSA P-256 / SHA-256, IEEE P1363, with the audit key)
//   signed = "symbolon.dev/v1/audit-checkpoint" ‖ u64be(tree size) ‖ root (32) ‖ i64be(time ticks).
// Clients only verify: §2.1.3.2 (inclusion) and §2.1.4.2 (consistency). The twin of src/Symbolon.Crypto/Transparency.
import { type Bytes, concat, fromBase64 } from './bytes.js';
import { ArgumentError } from './errors.js';
import { Labels } from './labels.js';
import { type AuditKey, importAuditKey, utcTicks } from './receipt.js';

/** Size of every hash in the tree, in bytes. */
export const MerkleHashSize = 32;

const LeafLabel = new TextEncoder().encode(Labels.AuditLogLeaf);
const CheckpointLabel = new TextEncoder().encode(Labels.AuditCheckpoint);
const MaxInt64 = (1n << 63n) - 1n;

/** A checkpoint as the key server sends it (byte fields as base64 text, or already decoded). */
export interface Checkpoint {
  treeSize: number | bigint;
  rootHash: string | Uint8Array;
  /** When, as .NET writes a DateTimeOffset. */
  time: string;
  signature: string | Uint8Array;
}

async function sha256(...parts: Uint8Array[]): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

function u64be(value: bigint): Bytes {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, false);
  return bytes;
}

function bytesOf(value: string | Uint8Array): Uint8Array {
  return value instanceof Uint8Array ? value : fromBase64(value);
}

function sizeOf(value: number | bigint, name: string): bigint {
  const size = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (size < 0n || size > MaxInt64) {
    throw new ArgumentError(name, `\`${name}\` must be an integer from 0 to 2^63 - 1.`);
  }
  return size;
}

/** SHA-256(0x00 ‖ leaf input) of the leaf naming the audit record with this sequence and chain hash. */
export async function auditLeafHash(sequence: number | bigint, chainHash: string | Uint8Array): Promise<Bytes> {
  const hash = bytesOf(chainHash);
  const position = sizeOf(sequence, 'sequence');
  if (hash.length !== MerkleHashSize || position < 1n) {
    throw new ArgumentError('chainHash', '`chainHash.length` must be 32 and `sequence` at least 1.');
  }
  return sha256(new Uint8Array([0]), LeafLabel, u64be(position), hash);
}

const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(new Uint8Array([1]), left, right);

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

const wellFormed = (hashes: readonly Uint8Array[]) => hashes.every((hash) => hash instanceof Uint8Array && hash.length === MerkleHashSize);

/** RFC 9162 §2.1.3.2: true when `proof` shows `leafHash` at `index` in the tree of `treeSize` leaves with head `root`. */
export async function verifyInclusion(
  index: number | bigint, treeSize: number | bigint, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array,
): Promise<boolean> {
  let fn = BigInt(index);
  let sn = BigInt(treeSize) - 1n;
  if (fn < 0n || fn > sn || !wellFormed([leafHash, root, ...proof])) {
    return false;
  }
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0n) {
      return false;
    }
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && sameBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: true when `proof` shows the tree of `oldSize` leaves (head `oldRoot`) is a prefix of the tree of
 * `newSize` leaves (head `newRoot`). Equal sizes need an empty proof and equal heads.
 */
export async function verifyConsistency(
  oldSize: number | bigint, newSize: number | bigint, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[],
): Promise<boolean> {
  const first = BigInt(oldSize);
  const second = BigInt(newSize);
  if (first < 1n || first > second || !wellFormed([oldRoot, newRoot, ...proof])) {
    return false;
  }
  if (first === second) {
    return proof.length === 0 && sameBytes(oldRoot, newRoot);
  }
  if (proof.length === 0) {
    return false;
  }
  const path = (first & (first - 1n)) === 0n ? [oldRoot, ...proof] : [...proof];
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) {
      return false;
    }
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && sameBytes(fr, oldRoot) && sameBytes(sr, newRoot);
}

/**
 * The exact bytes the key server signs for a checkpoint.
 * @throws {ArgumentError} The tree size is negative, the root not 32 bytes, or the time not a timestamp with an offset.
 */
export function checkpointSignedBytes(checkpoint: Omit<Checkpoint, 'signature'>): Bytes {
  const root = bytesOf(checkpoint.rootHash);
  if (root.length !== MerkleHashSize) {
    throw new ArgumentError('rootHash', '`rootHash.length` must be 32.');
  }
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigInt64(0, utcTicks(checkpoint.time), false);
  return concat(CheckpointLabel, u64be(sizeOf(checkpoint.treeSize, 'treeSize')), root, time);
}

/** True when the checkpoint's signature holds under the audit key; false for a malformed checkpoint. */
export async function verifyCheckpoint(auditKey: AuditKey | CryptoKey, checkpoint: Checkpoint): Promise<boolean> {
  const key = auditKey instanceof CryptoKey ? auditKey : await importAuditKey(auditKey);
  let signed: Bytes;
  let signature: Uint8Array;
  try {
    signed = checkpointSignedBytes(checkpoint);
    signature = bytesOf(checkpoint.signature);
  } catch (error) {
    if (error instanceof ArgumentError) {
      return false;
    }
    throw error;
  }
  return signature.length === 64 && crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature as Bytes, signed);
}
