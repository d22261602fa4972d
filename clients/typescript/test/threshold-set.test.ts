import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { ArgumentError } from '../src/crypto/errors.js';
import { type ThresholdMember, bindThresholdSecret, thresholdDigest } from '../src/crypto/threshold-set.js';

interface Vector { name: string; threshold: number; members: ThresholdMember[]; secret: string; digest: string; bound: string }
const document = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/threshold-set.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

const members: ThresholdMember[] = [
  { server: 'https://a.example/', unitId: '00000000-0000-0000-0000-000000000001' },
  { server: 'https://b.example/', unitId: '00000000-0000-0000-0000-000000000002' },
  { server: 'https://c.example/', unitId: '00000000-0000-0000-0000-000000000003' },
];

describe('threshold-set.json vectors', () => {
  for (const vector of document.vectors) {
    it(`${vector.name}: the digest and the bound secret match`, async () => {
      const digest = await thresholdDigest(vector.threshold, vector.members);
      assert.equal(toHex(digest), vector.digest);
      assert.equal(toHex(await bindThresholdSecret(fromHex(vector.secret), digest)), vector.bound);
    });
  }
});

describe('threshold set', () => {
  it('hashes server URLs as .NET Uri.AbsoluteUri writes them', async () => {
    const vector = document.vectors[0]!;
    const written = [
      { ...vector.members[0]!, server: 'HTTPS://Keys.Example.ORG' },
      { ...vector.members[1]!, server: 'https://vault.example.net:8443' },
      { ...vector.members[2]!, server: 'http://127.0.0.1:5290' },
    ];
    assert.equal(toHex(await thresholdDigest(vector.threshold, written)), vector.digest);
    const defaultPort = await thresholdDigest(2, [{ ...members[0]!, server: 'https://a.example:443' }, members[1]!]);
    assert.equal(toHex(defaultPort), toHex(await thresholdDigest(2, [members[0]!, members[1]!])));
  });

  it('any change to the set changes the digest', async () => {
    const original = toHex(await thresholdDigest(2, members));
    const changed = await Promise.all([
      thresholdDigest(3, members),
      thresholdDigest(2, [members[1]!, members[0]!, members[2]!]),
      thresholdDigest(2, [members[0]!, members[1]!, { ...members[2]!, server: 'https://d.example/' }]),
      thresholdDigest(2, [members[0]!, members[1]!, { ...members[2]!, unitId: crypto.randomUUID() }]),
      thresholdDigest(2, [members[0]!, members[1]!]),
    ]);
    for (const digest of changed) {
      assert.notEqual(toHex(digest), original);
    }
  });

  it('refuses invalid sets', async () => {
    await assert.rejects(thresholdDigest(1, members.slice(0, 2)), ArgumentError);
    await assert.rejects(thresholdDigest(3, members.slice(0, 2)), ArgumentError);
    await assert.rejects(thresholdDigest(2, members.slice(0, 1)), ArgumentError);
    await assert.rejects(thresholdDigest(2, [members[0]!, { ...members[1]!, server: 'not a url' }]), ArgumentError);
    await assert.rejects(thresholdDigest(2, [members[0]!, { ...members[1]!, unitId: 'x' }]), ArgumentError);
    await assert.rejects(bindThresholdSecret(new Uint8Array(32), new Uint8Array(31)), ArgumentError);
    await assert.rejects(bindThresholdSecret(new Uint8Array(31), new Uint8Array(32)), ArgumentError);
  });
});
