import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromHex, toBase64, toHex } from '../src/crypto/bytes.js';
import { Labels } from '../src/crypto/labels.js';
import { auditLeafHash, checkpointSignedBytes, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../src/crypto/merkle.js';

interface Leaf { index: number; sequence: number; chainHash: string; leafHash: string }
interface Inclusion { index: number; treeSize: number; path: string[]; why?: string; leafHash?: string; root?: string }
interface Consistency { oldSize: number; newSize: number; proof: string[]; why?: string; oldRoot?: string; newRoot?: string }
interface Vectors {
  labels: { leaf: string; checkpoint: string };
  leaves: Leaf[];
  roots: { treeSize: number; root: string }[];
  inclusion: Inclusion[];
  consistency: Consistency[];
  invalidInclusion: Required<Inclusion>[];
  invalidConsistency: Required<Consistency>[];
  checkpoint: { key: { kty: string; crv: string; x: string; y: string }; treeSize: number; root: string; time: string; signedBytes: string; signature: string };
}
const vectors = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/audit-log.json', import.meta.url), 'utf8')) as Vectors;
const root = (size: number) => fromHex(vectors.roots[size]!.root);
const leaf = (index: number) => fromHex(vectors.leaves[index]!.leafHash);

describe('audit-log.json vectors', () => {
  it('labels and leaf hashes match', async () => {
    assert.equal(vectors.labels.leaf, Labels.AuditLogLeaf);
    assert.equal(vectors.labels.checkpoint, Labels.AuditCheckpoint);
    for (const entry of vectors.leaves) {
      assert.equal(toHex(await auditLeafHash(entry.sequence, fromHex(entry.chainHash))), entry.leafHash);
    }
  });

  it('every inclusion proof verifies', async () => {
    for (const proof of vectors.inclusion) {
      assert.ok(await verifyInclusion(proof.index, proof.treeSize, leaf(proof.index), proof.path.map(fromHex), root(proof.treeSize)), `${proof.index} in ${proof.treeSize}`);
    }
  });

  it('every consistency proof verifies', async () => {
    for (const proof of vectors.consistency) {
      assert.ok(await verifyConsistency(proof.oldSize, proof.newSize, root(proof.oldSize), root(proof.newSize), proof.proof.map(fromHex)), `${proof.oldSize} to ${proof.newSize}`);
    }
  });

  it('tampered proofs do not verify', async () => {
    for (const proof of vectors.invalidInclusion) {
      assert.equal(await verifyInclusion(proof.index, proof.treeSize, fromHex(proof.leafHash), proof.path.map(fromHex), fromHex(proof.root)), false, proof.why);
    }
    for (const proof of vectors.invalidConsistency) {
      assert.equal(await verifyConsistency(proof.oldSize, proof.newSize, fromHex(proof.oldRoot), fromHex(proof.newRoot), proof.proof.map(fromHex)), false, proof.why);
    }
  });

  it('the signed checkpoint verifies, and any change breaks it', async () => {
    const { key, treeSize, time, signedBytes, signature } = vectors.checkpoint;
    const checkpoint = { treeSize, rootHash: toBase64(fromHex(vectors.checkpoint.root)), time, signature: toBase64(fromHex(signature)) };
    assert.equal(toHex(checkpointSignedBytes(checkpoint)), signedBytes);
    assert.ok(await verifyCheckpoint(key, checkpoint));
    assert.equal(await verifyCheckpoint(key, { ...checkpoint, treeSize: 9 }), false);
    assert.equal(await verifyCheckpoint(key, { ...checkpoint, time: '2026-12-01T17:00:00.1234568+00:00' }), false);
    assert.equal(await verifyCheckpoint(key, { ...checkpoint, rootHash: toBase64(root(9)) }), false);
  });
});
