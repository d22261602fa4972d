// DPoP proofs against RFC 9449's own examples (testdata/vectors/rfc9449-dpop.json) and the proof's exact shape.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { accessTokenHash, createDpopProof, DeviceKey, jwkThumbprint, targetUri, type PublicJwk } from '../src/dpop.js';
import { fromBase64Url } from '../src/crypto/bytes.js';

interface Vectors {
  jwk: PublicJwk;
  jkt: string;
  proofs: { name: string; proof: string; htm: string; htu: string; iat: number; jti: string; access_token: string | null; ath: string | null }[];
}

const vectors = JSON.parse(await readFile(new URL('../../../../testdata/vectors/rfc9449-dpop.json', import.meta.url), 'utf8')) as Vectors;

function decodeSegment(segment: string | undefined): unknown {
  return JSON.parse(new TextDecoder().decode(fromBase64Url(segment ?? '')));
}

async function verify(jwk: PublicJwk, proof: string): Promise<boolean> {
  const [header, claims, signature] = proof.split('.');
  const key = await crypto.subtle.importKey('jwk', { ...jwk }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, fromBase64Url(signature ?? ''), new TextEncoder().encode(`${header}.${claims}`));
}

test('the RFC 9449 key has the RFC 7638 thumbprint of §6.1', async () => {
  assert.equal(await jwkThumbprint(vectors.jwk), vectors.jkt);
});

test('ath of the §7.1 access token is the RFC value', async () => {
  for (const vector of vectors.proofs.filter((p) => p.access_token !== null)) {
    assert.equal(await accessTokenHash(vector.access_token ?? ''), vector.ath);
  }
});

test("the RFC's proofs verify as ES256 r ‖ s signatures with WebCrypto", async () => {
  for (const vector of vectors.proofs) {
    assert.ok(await verify(vectors.jwk, vector.proof), vector.name);
  }
});

test("a proof with the RFC's claims has the RFC's claims segment byte for byte, the RFC's header with this device's key, and verifies", async () => {
  const device = await DeviceKey.fromKeyPair(await DeviceKey.generate());
  for (const vector of vectors.proofs) {
    const proof = await createDpopProof(device, vector.htm, new URL(vector.htu), vector.access_token ?? undefined, { issuedAt: vector.iat, jti: vector.jti });
    const [header, claims] = proof.split('.');
    const [rfcHeader, rfcClaims] = vector.proof.split('.');
    assert.equal(claims, rfcClaims, vector.name);
    assert.deepEqual(decodeSegment(header), { ...(decodeSegment(rfcHeader) as object), jwk: device.publicJwk });
    // Member order as Symbolon.Crypto writes it, so the header bytes match the .NET client's too.
    assert.deepEqual(Object.keys(device.publicJwk), ['crv', 'kty', 'x', 'y']);
    assert.ok(await verify(device.publicJwk, proof));
  }
});

test('htu leaves out query, fragment and a default port, as .NET Uri.GetComponents(SchemeAndServer | Path)', () => {
  assert.equal(targetUri(new URL('HTTPS://Keys.Example:443/v1/audit?after=1&limit=2#x')), 'https://keys.example/v1/audit');
  assert.equal(targetUri(new URL('http://127.0.0.1:5290/v1/units')), 'http://127.0.0.1:5290/v1/units');
});

test('every proof has a fresh 16-byte jti and the current time', async () => {
  const device = await DeviceKey.fromKeyPair(await DeviceKey.generate());
  const url = new URL('https://keys.example/v1/units');
  const first = decodeSegment((await createDpopProof(device, 'POST', url, undefined)).split('.')[1]) as { jti: string; iat: number };
  const second = decodeSegment((await createDpopProof(device, 'POST', url, undefined)).split('.')[1]) as { jti: string; iat: number };
  assert.notEqual(first.jti, second.jti);
  assert.equal(fromBase64Url(first.jti).length, 16);
  assert.ok(Math.abs(first.iat - Date.now() / 1000) < 60);
});

test('the device key is generated non-extractable, and an extractable one is refused', async () => {
  const pair = await DeviceKey.generate();
  assert.equal(pair.privateKey.extractable, false);
  const extractable = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  await assert.rejects(DeviceKey.fromKeyPair(extractable), TypeError);
});
