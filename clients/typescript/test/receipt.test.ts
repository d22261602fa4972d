import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { concat, toBase64, toHex, utf8, uuidToBytes } from '../src/crypto/bytes.js';
import { ArgumentError } from '../src/crypto/errors.js';
import { type AuditKey, type Receipt, importAuditKey, receiptSignedBytes, utcTicks, verifyReceipt } from '../src/crypto/receipt.js';

interface Fixture { auditKey: AuditKey; receipts: { receipt: Receipt; utcTicks: string }[] }
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/receipts.json', import.meta.url), 'utf8')) as Fixture;

async function auditKeyPair(): Promise<{ privateKey: CryptoKey; jwk: AuditKey }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, jwk: { kty: kty!, crv: crv!, x: x!, y: y! } };
}

async function signed(privateKey: CryptoKey, receipt: Omit<Receipt, 'signature'>): Promise<Receipt> {
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, receiptSignedBytes(receipt)));
  return { ...receipt, signature: toBase64(signature) };
}

const body = {
  sequence: 42,
  chainHash: toBase64(new Uint8Array(32).fill(0xab)),
  unitId: '0191b7c4-0000-7000-8000-00000000b002',
  deviceId: '8f2d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  time: '2026-12-01T14:27:34.0412345+00:00',
};

describe('release receipts signed by the C# ReleaseReceipt (test/fixtures/receipts.json)', () => {
  fixture.receipts.forEach(({ receipt, utcTicks: ticks }, index) => {
    it(`receipt ${index + 1} (${receipt.time}) verifies, and its time is ${ticks} ticks`, async () => {
      assert.equal(utcTicks(receipt.time), BigInt(ticks));
      assert.equal(await verifyReceipt(fixture.auditKey, receipt), true);
      assert.equal(await verifyReceipt(fixture.auditKey, { ...receipt, sequence: BigInt(receipt.sequence) }), true);
      assert.equal(await verifyReceipt(fixture.auditKey, { ...receipt, sequence: Number(receipt.sequence) + 1 }), false);
    });
  });
});

describe('release receipt', () => {
  it('signs exactly label ‖ u64be(sequence) ‖ chain hash ‖ uuid(unit) ‖ uuid(device) ‖ i64be(ticks)', () => {
    const expected = concat(
      utf8('symbolon.dev/v1/audit-receipt'),
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 42),
      new Uint8Array(32).fill(0xab),
      uuidToBytes(body.unitId),
      uuidToBytes(body.deviceId),
      Uint8Array.of(0x08, 0xdf, 0x4f, 0xb7, 0x3d, 0x90, 0xd9, 0xb9),
    );
    assert.equal(utcTicks(body.time), 639317320540412345n);
    assert.equal(toHex(receiptSignedBytes(body)), toHex(expected));
  });

  it('verifies a receipt signed with WebCrypto ECDSA P-256, and no receipt with any field changed', async () => {
    const { privateKey, jwk } = await auditKeyPair();
    const receipt = await signed(privateKey, body);
    assert.equal(await verifyReceipt(jwk, receipt), true);
    assert.equal(await verifyReceipt(await importAuditKey(jwk), receipt), true);
    const changes: Partial<Receipt>[] = [
      { sequence: 43 },
      { chainHash: toBase64(new Uint8Array(32).fill(0xac)) },
      { unitId: '0191b7c4-0000-7000-8000-00000000b003' },
      { deviceId: '8f2d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5e' },
      { time: '2026-12-01T14:27:34.0412346+00:00' },
      { time: '2026-12-01T14:27:34.0412345+00:01' },
      { unitId: body.deviceId, deviceId: body.unitId },
    ];
    for (const change of changes) {
      assert.equal(await verifyReceipt(jwk, { ...receipt, ...change }), false, JSON.stringify(change));
    }

    const other = await auditKeyPair();
    assert.equal(await verifyReceipt(other.jwk, receipt), false);
  });

  it('reads the same instant written with any offset or fraction length as the same ticks', async () => {
    const { privateKey, jwk } = await auditKeyPair();
    const receipt = await signed(privateKey, { ...body, time: '2026-12-01T14:27:34.12+00:00' });
    for (const time of ['2026-12-01T14:27:34.12Z', '2026-12-01T14:27:34.1200000+00:00', '2026-12-01T16:27:34.12+02:00', '2026-12-01T09:57:34.12-04:30']) {
      assert.equal(await verifyReceipt(jwk, { ...receipt, time }), true, time);
    }
  });

  it('takes sequences up to 2^63 − 1 as bigint', async () => {
    const { privateKey, jwk } = await auditKeyPair();
    const receipt = await signed(privateKey, { ...body, sequence: (1n << 63n) - 1n });
    assert.equal(await verifyReceipt(jwk, receipt), true);
    assert.equal(toHex(receiptSignedBytes(receipt).subarray(29, 37)), '7fffffffffffffff');
  });

  it('answers false for a malformed receipt rather than throwing', async () => {
    const { privateKey, jwk } = await auditKeyPair();
    const receipt = await signed(privateKey, body);
    const malformed: Partial<Receipt>[] = [
      { signature: receipt.signature.toString().slice(4) },
      { signature: 'not base64' },
      { signature: new Uint8Array(64) },
      { chainHash: toBase64(new Uint8Array(31)) },
      { sequence: 0 }, { sequence: -1 }, { sequence: 1.5 }, { sequence: 2 ** 53 }, { sequence: 1n << 63n },
      { unitId: 'x' },
      { time: '2026-12-01T14:27:34.0412345' },
      { time: '2026-12-01 14:27:34Z' },
      { time: '2026-12-01T14:27:34.04123456Z' },
      { time: '2026-02-29T00:00:00Z' },
      { time: '2026-13-01T00:00:00Z' },
      { time: '2026-12-01T24:00:00Z' },
      { time: '2026-12-01T14:27:60Z' },
      { time: '2026-12-01T14:27:34+14:01' },
      { time: '0001-01-01T00:00:00+00:01' },
      { time: '9999-12-31T23:59:59-00:01' },
    ];
    for (const change of malformed) {
      assert.equal(await verifyReceipt(jwk, { ...receipt, ...change }), false, JSON.stringify(change, (_, value: unknown) => typeof value === 'bigint' ? String(value) : value));
    }
  });

  it('converts .NET timestamps to ticks with BigInt, to the last 100 ns', () => {
    assert.equal(utcTicks('0001-01-01T00:00:00Z'), 0n);
    assert.equal(utcTicks('1970-01-01T00:00:00Z'), 621355968000000000n);
    assert.equal(utcTicks('2000-03-01T00:00:00Z') - utcTicks('2000-02-28T00:00:00Z'), 2n * 864000000000n);
    assert.equal(utcTicks('1900-03-01T00:00:00Z') - utcTicks('1900-02-28T00:00:00Z'), 864000000000n);
    assert.equal(utcTicks('9999-12-31T23:59:59.9999999Z'), 3155378975999999999n);
    assert.equal(utcTicks('2026-12-01T14:27:34.0412345+00:00') % 10_000_000n, 412345n);
    assert.throws(() => utcTicks('0000-12-31T00:00:00Z'), ArgumentError);
  });

  it('refuses an audit key that is not a P-256 public JWK', async () => {
    const { jwk } = await auditKeyPair();
    const invalid: unknown[] = [
      { ...jwk, kty: 'RSA' }, { ...jwk, crv: 'P-384' }, { ...jwk, x: jwk.x.slice(1) }, { ...jwk, y: `${jwk.y}=` },
      { ...jwk, d: jwk.x }, { ...jwk, x: jwk.y }, null,
    ];
    for (const key of invalid) {
      await assert.rejects(verifyReceipt(key as AuditKey, { ...body, signature: new Uint8Array(64) }), ArgumentError, JSON.stringify(key));
    }
  });
});
