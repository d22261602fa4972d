// RFC 6238 Appendix B and the otpauth:// cases of testdata/vectors/rfc6238-totp.json, which the .NET tests read too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromHex } from '../src/crypto/bytes.js';
import { ArgumentError, WipedError } from '../src/crypto/errors.js';
import { TotpSecret, type TotpAlgorithm } from '../src/index.js';

interface TotpCase { time: number; algorithm: TotpAlgorithm; totp: string }
interface UriCase { name: string; input: string; canonical?: string; time?: number; code?: string; error?: boolean }
const vectors = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/rfc6238-totp.json', import.meta.url), 'utf8')) as {
  seeds: Record<TotpAlgorithm, string>; period: number; digits: number; cases: TotpCase[]; uris: UriCase[];
};

describe('TOTP (RFC 6238 Appendix B) through WebCrypto HMAC', () => {
  assert.equal(vectors.cases.length, 18);
  for (const vector of vectors.cases) {
    it(`${vector.algorithm} at ${vector.time}`, async () => {
      const secret = TotpSecret.create(fromHex(vectors.seeds[vector.algorithm]), { algorithm: vector.algorithm, digits: vectors.digits, period: vectors.period });
      assert.equal(await secret.code(vector.time), vector.totp);
    });
  }
});

describe('otpauth:// parsing, as the .NET client', () => {
  for (const vector of vectors.uris) {
    it(vector.name, async () => {
      if (vector.error === true) {
        assert.throws(() => TotpSecret.parse(vector.input), ArgumentError);
        return;
      }

      const secret = TotpSecret.parse(vector.input);
      assert.equal(secret.revealUri(), vector.canonical);
      assert.equal(TotpSecret.parse(secret.revealUri()).revealUri(), vector.canonical);
      if (vector.code !== undefined) {
        assert.equal(await secret.code(vector.time), vector.code);
      }
    });
  }

  it('counts the seconds left, keeps the secret out of text, and refuses use after wipe', async () => {
    const secret = TotpSecret.parse('otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(secret.secondsLeft(60), 30);
    assert.equal(secret.secondsLeft(89), 1);
    assert.equal(secret.step(new Date(89_000)), 2);
    assert.ok(!String(secret).includes('GEZD'));
    assert.throws(() => TotpSecret.parse('otpauth://totp/a?secret=GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ'), (error: Error) => !error.message.includes('GEZD'));
    secret.wipe();
    await assert.rejects(secret.code(0), WipedError);
  });
});
