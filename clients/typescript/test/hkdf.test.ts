import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { hkdf } from '../src/crypto/hkdf.js';

interface HkdfCase { name: string; ikm: string; salt: string; info: string; length: number; okm: string }
const vectors = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/rfc5869-hkdf-sha256.json', import.meta.url), 'utf8')) as { cases: HkdfCase[] };

describe('HKDF-SHA256 (RFC 5869 Appendix A) through the core\'s WebCrypto path', () => {
  assert.equal(vectors.cases.length, 3);
  for (const vector of vectors.cases) {
    it(vector.name, async () => {
      const okm = await hkdf(fromHex(vector.ikm), fromHex(vector.info), vector.length, fromHex(vector.salt));
      assert.equal(toHex(okm), vector.okm);
    });
  }
});
