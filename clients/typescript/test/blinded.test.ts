import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import {
  blind, blindWithScalarForTests, blindedInfo, blindedShareFromOutput, finalize, finalizeBatch,
} from '../src/crypto/blinded.js';
import { fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { ArgumentError, OprfDeserializeError, OprfInvalidInputError, OprfProofError, WipedError } from '../src/crypto/errors.js';
import { deriveBlindedInput, importRootKey } from '../src/crypto/root-key.js';

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../../testdata/vectors/${name}`, import.meta.url), 'utf8')) as T;

interface BlindedShareVector { rootKey: string; vaultId: string; unitId: string; info: string; input: string; output: string; serverShare: string }
interface RfcVector {
  Batch: number; Blind: string; BlindedElement: string; EvaluationElement: string; Info?: string; Input: string; Output: string;
  Proof?: { proof: string; r: string };
}
interface RfcSuite { mode: number; identifier: string; keyInfo: string; seed: string; skSm: string; pkSm?: string; vectors: RfcVector[] }

const blindedShare = read<BlindedShareVector>('blinded-share.json');
const suites = read<RfcSuite[]>('rfc9497-ristretto255-sha512.json');
const poprf = suites.find((suite) => suite.mode === 2)!;
const list = (text: string) => text.split(',').map(fromHex);

/** ℓ, the group order, little-endian. */
const order = (() => {
  const bytes = new Uint8Array(32);
  let value = ristretto255.Point.Fn.ORDER;
  for (let index = 0; index < 32; index++, value >>= 8n) bytes[index] = Number(value & 0xffn);
  return bytes;
})();

function addLittleEndian(left: Uint8Array, right: Uint8Array): Uint8Array {
  const sum = new Uint8Array(32);
  let carry = 0;
  for (let index = 0; index < 32; index++) {
    const total = left[index]! + right[index]! + carry;
    sum[index] = total & 0xff;
    carry = total >> 8;
  }

  return sum;
}

/** A fresh server key, a blinded input under it, and the server's honest evaluation. */
function round(input = utf8('input'), info = utf8('info')) {
  const server = ristretto255_oprf.poprf(info);
  const keys = server.generateKeyPair();
  const { state, blindedElement } = blind(input, info, keys.publicKey);
  const evaluation = server.blindEvaluate(keys.secretKey, blindedElement);
  return { server, keys, state, blindedElement, evaluation, expected: server.evaluate(keys.secretKey, input) };
}

describe('blinded-share.json vector', () => {
  it('the private input, the info and the server share match the independent generator', async () => {
    const rootKey = await importRootKey(fromHex(blindedShare.rootKey));
    assert.equal(toHex(await deriveBlindedInput(rootKey, blindedShare.vaultId, blindedShare.unitId)), blindedShare.input);
    assert.equal(toHex(blindedInfo(blindedShare.unitId)), blindedShare.info);
    assert.equal(toHex(await blindedShareFromOutput(fromHex(blindedShare.output))), blindedShare.serverShare);
  });

  it('refuses an output that is not 64 bytes', async () => {
    await assert.rejects(blindedShareFromOutput(new Uint8Array(63)), ArgumentError);
    await assert.rejects(blindedShareFromOutput(new Uint8Array(65)), ArgumentError);
  });
});

describe('RFC 9497 A.1.3 POPRF vectors through the client', () => {
  assert.equal(poprf.identifier, 'ristretto255-SHA512');
  const publicKey = fromHex(poprf.pkSm!);

  it('the key pair derives from the seed as in the RFC (noble, the server side)', () => {
    const keys = ristretto255_oprf.poprf(new Uint8Array(0)).deriveKeyPair(fromHex(poprf.seed), fromHex(poprf.keyInfo));
    assert.equal(toHex(keys.secretKey), poprf.skSm);
    assert.equal(toHex(keys.publicKey), poprf.pkSm);
  });

  poprf.vectors.forEach((vector, number) => {
    it(`vector ${number + 1} (batch of ${vector.Batch}): blinded elements and outputs match, the proof verifies`, () => {
      const inputs = list(vector.Input);
      const blinds = list(vector.Blind);
      const info = fromHex(vector.Info!);
      const blinded = inputs.map((input, index) => blindWithScalarForTests(input, info, publicKey, blinds[index]!));
      assert.deepEqual(blinded.map((item) => toHex(item.blindedElement)), vector.BlindedElement.split(','));

      const outputs = vector.Batch === 1
        ? [finalize(blinded[0]!.state, fromHex(vector.EvaluationElement), fromHex(vector.Proof!.proof))]
        : finalizeBatch(blinded.map((item) => item.state), list(vector.EvaluationElement), fromHex(vector.Proof!.proof));
      assert.deepEqual(outputs.map(toHex), vector.Output.split(','));
      assert.ok(blinded.every((item) => item.state.wiped));
    });
  });

  it('a proof with one bit flipped, or checked against another key, fails with OprfProofError', () => {
    const vector = poprf.vectors[0]!;
    const info = fromHex(vector.Info!);
    const fresh = (key = publicKey) => blindWithScalarForTests(fromHex(vector.Input), info, key, fromHex(vector.Blind)).state;
    const proof = fromHex(vector.Proof!.proof);
    for (const bit of [0, 100, 256, 300, 500]) {
      const tampered = proof.slice();
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(() => finalize(fresh(), fromHex(vector.EvaluationElement), tampered), OprfProofError, `bit ${bit}`);
    }

    const otherKey = ristretto255_oprf.poprf(info).generateKeyPair().publicKey;
    assert.throws(() => finalize(fresh(otherKey), fromHex(vector.EvaluationElement), proof), OprfProofError);
    const otherEvaluation = fromHex(poprf.vectors[1]!.EvaluationElement);
    assert.throws(() => finalize(fresh(), otherEvaluation, proof), OprfProofError);
  });

  it('malformed answers fail with OprfDeserializeError: ℓ + c, ℓ + s, identity, non-canonical element, wrong lengths', () => {
    const vector = poprf.vectors[0]!;
    const info = fromHex(vector.Info!);
    const fresh = () => blindWithScalarForTests(fromHex(vector.Input), info, publicKey, fromHex(vector.Blind)).state;
    const proof = fromHex(vector.Proof!.proof);
    const evaluated = fromHex(vector.EvaluationElement);
    const withC = new Uint8Array(64);
    withC.set(addLittleEndian(proof.subarray(0, 32), order), 0);
    withC.set(proof.subarray(32), 32);
    const withS = proof.slice();
    withS.set(addLittleEndian(proof.subarray(32), order), 32);
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[31] = 0x7f;
    const cases: [string, Uint8Array, Uint8Array][] = [
      ['ℓ + c', evaluated, withC],
      ['ℓ + s', evaluated, withS],
      ['identity element', new Uint8Array(32), proof],
      ['non-canonical element', nonCanonical, proof],
      ['negative element (odd encoding)', Uint8Array.of(1, ...new Uint8Array(31)), proof],
      ['short element', evaluated.subarray(1), proof],
      ['short proof', evaluated, proof.subarray(1)],
    ];
    for (const [name, element, bytes] of cases) {
      assert.throws(() => finalize(fresh(), element, bytes), OprfDeserializeError, name);
    }
  });
});

describe('POPRF client', () => {
  it('reaches the server\'s own Evaluate output through blind, evaluate and finalize', () => {
    const { state, evaluation, expected } = round();
    assert.equal(toHex(finalize(state, evaluation.evaluated, evaluation.proof)), toHex(expected));
  });

  it('a blinded element reveals nothing stable: two blinds of one input differ', () => {
    const { keys } = round();
    const first = blind(utf8('input'), utf8('info'), keys.publicKey);
    const second = blind(utf8('input'), utf8('info'), keys.publicKey);
    assert.notEqual(toHex(first.blindedElement), toHex(second.blindedElement));
  });

  it('an evaluation under another info (the server evaluating another unit) fails the proof', () => {
    const { keys, state, blindedElement } = round();
    const other = ristretto255_oprf.poprf(utf8('other unit')).blindEvaluate(keys.secretKey, blindedElement);
    assert.throws(() => finalize(state, other.evaluated, other.proof), OprfProofError);
  });

  it('copies the input, wipes its state after finalize whatever the outcome, and refuses to finalize twice', () => {
    const input = utf8('secret input');
    const { server, keys } = round();
    const { state, blindedElement } = blind(input, utf8('info'), keys.publicKey);
    input.fill(0);
    const evaluation = server.blindEvaluate(keys.secretKey, blindedElement);
    assert.equal(toHex(finalize(state, evaluation.evaluated, evaluation.proof)), toHex(server.evaluate(keys.secretKey, utf8('secret input'))));
    assert.equal(state.wiped, true);
    assert.throws(() => finalize(state, evaluation.evaluated, evaluation.proof), WipedError);

    const failed = round();
    assert.throws(() => finalize(failed.state, failed.evaluation.evaluated, new Uint8Array(64)), OprfProofError);
    assert.equal(failed.state.wiped, true);
    assert.equal(String(failed.state), 'OprfBlindState(redacted)');
  });

  it('refuses a public key that is not a canonical non-identity element, and over-long inputs', () => {
    assert.throws(() => blind(utf8('x'), utf8('i'), new Uint8Array(32)), OprfDeserializeError);
    assert.throws(() => blind(utf8('x'), utf8('i'), new Uint8Array(32).fill(0xff)), OprfDeserializeError);
    assert.throws(() => blind(utf8('x'), utf8('i'), new Uint8Array(31)), ArgumentError);
    const { keys } = round();
    assert.throws(() => blind(new Uint8Array(65536), utf8('i'), keys.publicKey), ArgumentError);
    assert.throws(() => blind(utf8('x'), new Uint8Array(65536), keys.publicKey), ArgumentError);
    assert.doesNotThrow(() => blind(new Uint8Array(65535), new Uint8Array(65535), keys.publicKey));
  });

  it('refuses a public key whose tweak with the info is the identity (InvalidInputError)', () => {
    // pkS = −m·G makes the tweaked key m·G + pkS the identity; a malicious server could send it.
    const info = utf8('info');
    const Point = ristretto255.Point;
    const m = (() => {
      const keys = ristretto255_oprf.poprf(info).generateKeyPair();
      const server = ristretto255_oprf.poprf(info);
      const { tweakedKey } = server.blind(utf8('x'), keys.publicKey);
      return Point.fromBytes(tweakedKey).subtract(Point.fromBytes(keys.publicKey));
    })();
    assert.throws(() => blind(utf8('x'), info, m.negate().toBytes()), OprfInvalidInputError);
  });

  it('finalizes a batch only for states of one key and info', () => {
    const first = round();
    const other = blind(utf8('x'), utf8('another info'), first.keys.publicKey);
    assert.throws(() => finalizeBatch([first.state, other.state], [first.evaluation.evaluated, first.evaluation.evaluated], first.evaluation.proof), ArgumentError);
    assert.throws(() => finalizeBatch([], [], new Uint8Array(64)), ArgumentError);
  });
});

describe('RFC 9497 A.1.1 and A.1.2 (OPRF, VOPRF) through @noble/curves, the dependency the POPRF client uses', () => {
  for (const suite of suites.filter((item) => item.mode !== 2)) {
    suite.vectors.forEach((vector, number) => {
      it(`mode ${suite.mode} vector ${number + 1}`, () => {
        const variant = suite.mode === 0 ? ristretto255_oprf.oprf : ristretto255_oprf.voprf;
        assert.equal(toHex(variant.deriveKeyPair(fromHex(suite.seed), fromHex(suite.keyInfo)).secretKey), suite.skSm);
        const inputs = list(vector.Input);
        const items = inputs.map((input, index) => ({
          input, blind: list(vector.Blind)[index]!, evaluated: list(vector.EvaluationElement)[index]!, blinded: list(vector.BlindedElement)[index]!,
        }));
        const outputs = suite.mode === 0
          ? items.map((item) => ristretto255_oprf.oprf.finalize(item.input, item.blind, item.evaluated))
          : ristretto255_oprf.voprf.finalizeBatch(items, fromHex(suite.pkSm!), fromHex(vector.Proof!.proof));
        assert.deepEqual(outputs.map(toHex), vector.Output.split(','));
      });
    });
  }
});
