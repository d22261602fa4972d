// Independent implementation of the audit log's Merkle tree (docs/spec.md §7.1, RFC 9162 §2.1) in plain Node
// (node:crypto only), written from the RFC's recursive definitions of MTH, PATH and PROOF. It shares no code with
// Symbolon.Crypto or the TypeScript client. Generates testdata/vectors/audit-log.json:
//
//   node testdata/generators/audit-log.mjs > testdata/vectors/audit-log.json
//
// ECDSA signatures are randomised, so the checkpoint's signature differs between runs; the key and signed bytes do not.
import { createECDH, createHash, createPrivateKey, sign } from "node:crypto";

const LEAF_LABEL = "symbolon.dev/v1/audit-log-leaf";
const CHECKPOINT_LABEL = "symbolon.dev/v1/audit-checkpoint";
const MAX_SIZE = 10;

const sha256 = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();
const u64 = (value) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(value)); return b; };
const i64 = (value) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(value)); return b; };
const hex = (b) => b.toString("hex");

// RFC 9162 §2.1.1: MTH({}) = SHA-256(), leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),
// k the largest power of two smaller than n.
const largestPowerBelow = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
function mth(leafInputs) {
  const n = leafInputs.length;
  if (n === 0) return sha256(Buffer.alloc(0));
  if (n === 1) return sha256(Buffer.from([0]), leafInputs[0]);
  const k = largestPowerBelow(n);
  return sha256(Buffer.from([1]), mth(leafInputs.slice(0, k)), mth(leafInputs.slice(k)));
}

// §2.1.3.1: PATH(m, D[n]).
function path(m, d) {
  const n = d.length;
  if (n === 1) return [];
  const k = largestPowerBelow(n);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

// §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
function subproof(m, d, b) {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = largestPowerBelow(n);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

// docs/spec.md §7.1: an audit record's leaf input names it by sequence and chain hash.
const chainHash = (sequence) => sha256(Buffer.from(`symbolon.dev/testdata/audit-log/v1/chain/${sequence}`));
const leafInput = (sequence) => Buffer.concat([Buffer.from(LEAF_LABEL, "ascii"), u64(sequence), chainHash(sequence)]);

const inputs = Array.from({ length: MAX_SIZE }, (_, i) => leafInput(i + 1));
const leaves = inputs.map((input, i) => ({
  index: i, sequence: i + 1, chainHash: hex(chainHash(i + 1)), leafInput: hex(input), leafHash: hex(sha256(Buffer.from([0]), input)),
}));
const roots = Array.from({ length: MAX_SIZE + 1 }, (_, n) => ({ treeSize: n, root: hex(mth(inputs.slice(0, n))) }));

const inclusion = [];
for (let n = 1; n <= MAX_SIZE; n++) {
  for (let m = 0; m < n; m++) {
    inclusion.push({ index: m, treeSize: n, path: path(m, inputs.slice(0, n)).map(hex) });
  }
}

const consistency = [];
for (let n = 1; n <= MAX_SIZE; n++) {
  for (let m = 1; m <= n; m++) {
    consistency.push({ oldSize: m, newSize: n, proof: subproof(m, inputs.slice(0, n), true).map(hex) });
  }
}

// Tampered proofs that must not verify, each derived from a valid one above.
const flip = (h) => { const b = Buffer.from(h, "hex"); b[0] ^= 1; return hex(b); };
const find = (list, pred) => list.find(pred);
const base = find(inclusion, (v) => v.index === 5 && v.treeSize === 10);
const invalidInclusion = [
  { why: "a path element flipped", index: 5, treeSize: 10, path: [flip(base.path[0]), ...base.path.slice(1)] },
  { why: "the last path element flipped", index: 5, treeSize: 10, path: [...base.path.slice(0, -1), flip(base.path.at(-1))] },
  { why: "another leaf's index", index: 4, treeSize: 10, path: base.path },
  { why: "a larger tree size (another shape)", index: 5, treeSize: 17, path: base.path },
  { why: "a smaller tree size", index: 5, treeSize: 7, path: base.path },
  { why: "the path truncated", index: 5, treeSize: 10, path: base.path.slice(0, -1) },
  { why: "an element appended", index: 5, treeSize: 10, path: [...base.path, base.path[0]] },
  { why: "an index past the tree", index: 10, treeSize: 10, path: base.path },
  { why: "elements swapped", index: 5, treeSize: 10, path: [base.path[1], base.path[0], ...base.path.slice(2)] },
].map((v) => ({ ...v, leafHash: leaves[5].leafHash, root: roots[10].root }));
invalidInclusion.push({ why: "another leaf's hash", index: 5, treeSize: 10, path: base.path, leafHash: leaves[6].leafHash, root: roots[10].root });

const cbase = find(consistency, (v) => v.oldSize === 6 && v.newSize === 10);
const cpow = find(consistency, (v) => v.oldSize === 4 && v.newSize === 7);
const invalidConsistency = [
  { why: "a proof element flipped", oldSize: 6, newSize: 10, proof: [flip(cbase.proof[0]), ...cbase.proof.slice(1)] },
  { why: "the last element flipped", oldSize: 6, newSize: 10, proof: [...cbase.proof.slice(0, -1), flip(cbase.proof.at(-1))] },
  { why: "the proof truncated", oldSize: 6, newSize: 10, proof: cbase.proof.slice(0, -1) },
  { why: "an element appended", oldSize: 6, newSize: 10, proof: [...cbase.proof, cbase.proof[0]] },
  { why: "an empty proof", oldSize: 6, newSize: 10, proof: [] },
  { why: "another old size", oldSize: 5, newSize: 10, proof: cbase.proof, oldRoot: roots[5].root },
  { why: "another new size", oldSize: 6, newSize: 9, proof: cbase.proof, newRoot: roots[9].root },
  { why: "the old root of another tree", oldSize: 6, newSize: 10, proof: cbase.proof, oldRoot: flip(roots[6].root) },
  { why: "the new root of another tree", oldSize: 6, newSize: 10, proof: cbase.proof, newRoot: flip(roots[10].root) },
  { why: "a power-of-two old tree, element flipped", oldSize: 4, newSize: 7, proof: [flip(cpow.proof[0]), ...cpow.proof.slice(1)] },
  { why: "equal sizes, a non-empty proof", oldSize: 7, newSize: 7, proof: [roots[7].root] },
  { why: "equal sizes, different roots", oldSize: 7, newSize: 7, proof: [], newRoot: roots[8].root },
  { why: "a new tree smaller than the old", oldSize: 10, newSize: 6, proof: cbase.proof, oldRoot: roots[10].root, newRoot: roots[6].root },
].map((v) => ({ oldRoot: roots[v.oldSize]?.root, newRoot: roots[v.newSize]?.root, ...v }));

// A checkpoint signed with a fixed P-256 key: d = SHA-256("symbolon.dev/testdata/audit-log/v1/key") (below the
// group order, so usable as is), public point from node's ECDH.
const d = sha256(Buffer.from("symbolon.dev/testdata/audit-log/v1/key"));
const ecdh = createECDH("prime256v1");
ecdh.setPrivateKey(d);
const point = ecdh.getPublicKey();
const b64url = (b) => b.toString("base64url");
const jwk = { kty: "EC", crv: "P-256", x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) };
const privateKey = createPrivateKey({ key: { ...jwk, d: b64url(d) }, format: "jwk" });
const time = "2026-12-01T17:00:00.1234567+00:00";
// .NET ticks (100 ns since 0001-01-01T00:00:00Z): the Unix epoch is 621355968000000000 ticks; 1234567 the fraction.
const ticks = BigInt(Date.UTC(2026, 11, 1, 17, 0, 0)) * 10_000n + 621_355_968_000_000_000n + 1_234_567n;
const signed = Buffer.concat([Buffer.from(CHECKPOINT_LABEL, "ascii"), u64(10), Buffer.from(roots[10].root, "hex"), i64(ticks)]);
const signature = sign("sha256", signed, { key: privateKey, dsaEncoding: "ieee-p1363" });

console.log(JSON.stringify({
  source: "Generated by `node testdata/generators/audit-log.mjs` (plain Node 20, node:crypto only, written from RFC 9162 §2.1 and docs/spec.md §7.1, independent of the C# and TypeScript code). Cross-checked against google/certificate-transparency's python/ct/crypto/merkle.py (not committed).",
  labels: { leaf: LEAF_LABEL, checkpoint: CHECKPOINT_LABEL },
  chainHash: "SHA-256(\"symbolon.dev/testdata/audit-log/v1/chain/<sequence>\")",
  leaves,
  roots,
  inclusion,
  consistency,
  invalidInclusion,
  invalidConsistency,
  checkpoint: { key: jwk, treeSize: 10, root: roots[10].root, time, ticks: ticks.toString(), signedBytes: hex(signed), signature: hex(signature) },
}, null, 2));
