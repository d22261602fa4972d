import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { ArgumentError } from '../src/crypto/errors.js';
import { type ShamirShare, combine, decodeShare, encodeShare, gfInverse, gfMultiply, split } from '../src/crypto/shamir.js';

interface Case {
  name: string; threshold: number; shareCount: number; secret: string; coefficients: string; shares: string[];
  combinations: { indices: number[]; secret: string }[];
}
const document = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/shamir.json', import.meta.url), 'utf8')) as { cases: Case[] };

function referenceMultiply(left: number, right: number): number {
  let product = 0;
  for (let a = left, b = right; b !== 0; b >>= 1) {
    if (b & 1) product ^= a;
    a = a & 0x80 ? ((a << 1) ^ 0x11b) & 0xff : a << 1;
  }

  return product;
}

const share = (threshold: number, index: number, fill = index): ShamirShare => ({ threshold, index, value: new Uint8Array(32).fill(fill) });

describe('shamir.json vectors', () => {
  for (const vector of document.cases) {
    it(`${vector.name}: fixed coefficients give the encoded shares, and every listed subset the secret`, () => {
      const coefficients = fromHex(vector.coefficients);
      const shares = split(fromHex(vector.secret), vector.threshold, vector.shareCount, (length) => {
        assert.equal(length, coefficients.length);
        return coefficients;
      });
      assert.deepEqual(shares.map((item) => toHex(encodeShare(item))), vector.shares);
      assert.ok(coefficients.every((byte) => byte === 0), 'the coefficients were not wiped');

      for (const combination of vector.combinations) {
        const subset = combination.indices.map((index) => decodeShare(fromHex(vector.shares[index - 1]!)));
        assert.equal(toHex(combine(subset)), combination.secret, combination.indices.join(','));
      }
    });
  }
});

describe('shamir', () => {
  it('multiplies as a branching reference for every pair, and as FIPS 197 §4.2', () => {
    for (let left = 0; left < 256; left++) {
      for (let right = 0; right < 256; right++) {
        if (gfMultiply(left, right) !== referenceMultiply(left, right)) {
          assert.fail(`${left} · ${right}`);
        }
      }
    }

    for (const [left, right, product] of [[0x57, 0x83, 0xc1], [0x57, 0x13, 0xfe], [0x57, 0x02, 0xae], [0x80, 0x02, 0x1b]] as const) {
      assert.equal(gfMultiply(left, right), product);
      assert.equal(gfMultiply(right, left), product);
    }
  });

  it('inverts every nonzero element, and maps 0 to 0', () => {
    for (let value = 1; value < 256; value++) {
      assert.equal(gfMultiply(value, gfInverse(value)), 1, String(value));
    }

    assert.equal(gfInverse(0), 0);
  });

  it('any threshold of a random split, in any order, rebuilds the secret; fewer does not', () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const shares = split(secret, 3, 5);
    assert.deepEqual(shares.map((item) => [item.threshold, item.index]), [[3, 1], [3, 2], [3, 3], [3, 4], [3, 5]]);
    for (const subset of [[0, 1, 2], [4, 2, 0], [1, 3, 4], [2, 4, 1, 0], [0, 1, 2, 3, 4]]) {
      assert.equal(toHex(combine(subset.map((index) => shares[index]!))), toHex(secret));
    }

    assert.throws(() => combine([shares[0]!, shares[1]!]), ArgumentError);
    assert.notEqual(toHex(split(secret, 3, 5)[0]!.value), toHex(shares[0]!.value), 'fresh coefficients every split');
  });

  it('works at the limits: 2-of-2 and 255-of-255', () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    assert.equal(toHex(combine(split(secret, 2, 2))), toHex(secret));
    const many = split(secret, 255, 255);
    assert.equal(toHex(combine(many.reverse())), toHex(secret));
  });

  it('refuses invalid splits', () => {
    const secret = new Uint8Array(32);
    assert.throws(() => split(new Uint8Array(31), 2, 3), ArgumentError);
    assert.throws(() => split(secret, 1, 3), ArgumentError);
    assert.throws(() => split(secret, 4, 3), ArgumentError);
    assert.throws(() => split(secret, 2, 256), ArgumentError);
    assert.throws(() => split(secret, 2, 3, () => new Uint8Array(31)), ArgumentError);
  });

  it('refuses invalid combinations with a clear error', () => {
    assert.throws(() => combine([]), ArgumentError);
    assert.throws(() => combine([share(2, 1), share(2, 1)]), /distinct indices/);
    assert.throws(() => combine([share(2, 1), share(3, 2), share(3, 3)]), /same threshold/);
    assert.throws(() => combine([share(3, 1), share(3, 2)]), /at least 3/);
    assert.throws(() => combine([share(2, 0), share(2, 1)]), ArgumentError);
    assert.throws(() => combine([share(1, 1), share(1, 2)]), ArgumentError);
    assert.throws(() => combine([share(2, 1), { threshold: 2, index: 2, value: new Uint8Array(31) }]), ArgumentError);
  });

  it('encodes shares as threshold ‖ index ‖ value and decodes only 34 bytes with t ≥ 2 and i ≠ 0', () => {
    const encoded = encodeShare(share(2, 7, 0xab));
    assert.equal(toHex(encoded), `0207${'ab'.repeat(32)}`);
    assert.deepEqual(decodeShare(encoded), share(2, 7, 0xab));
    for (const bad of [new Uint8Array(33), new Uint8Array(35), new Uint8Array(0)]) {
      assert.throws(() => decodeShare(bad), ArgumentError);
    }

    assert.throws(() => decodeShare(fromHex(`0200${'00'.repeat(32)}`)), /index must not be 0/);
    assert.throws(() => decodeShare(fromHex(`0101${'00'.repeat(32)}`)), /at least 2/);
  });
});
