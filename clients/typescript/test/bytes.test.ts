import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesToUuid, concat, constantTimeEqual, fromBase64, fromBase64Url, fromHex, fromUtf8, isUtf8, toBase64, toBase64Url, toHex,
  tryFromUtf8, utf8, uuidToBytes, wipe,
} from '../src/crypto/bytes.js';
import { ArgumentError } from '../src/crypto/errors.js';

describe('bytes', () => {
  it('concatenates and wipes', () => {
    const a = Uint8Array.of(1, 2);
    const b = Uint8Array.of(3);
    const joined = concat(a, new Uint8Array(0), b);
    assert.deepEqual([...joined], [1, 2, 3]);
    wipe(a, undefined, joined);
    assert.deepEqual([...a, ...joined], [0, 0, 0, 0, 0]);
  });

  it('compares in constant time and treats a length difference as unequal', () => {
    assert.equal(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)), true);
    assert.equal(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)), false);
    assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), false);
    assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });

  it('encodes base64 as RFC 4648 §10 and decodes it back', () => {
    const cases: [string, string, string][] = [
      ['', '', ''], ['f', 'Zg==', 'Zg'], ['fo', 'Zm8=', 'Zm8'], ['foo', 'Zm9v', 'Zm9v'], ['foob', 'Zm9vYg==', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE=', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy', 'Zm9vYmFy'],
    ];
    for (const [text, standard, url] of cases) {
      assert.equal(toBase64(utf8(text)), standard);
      assert.equal(toBase64Url(utf8(text)), url);
      assert.equal(fromUtf8(fromBase64(standard)), text);
      assert.equal(fromUtf8(fromBase64Url(url)), text);
    }

    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    assert.deepEqual(fromBase64(toBase64(all)), all);
    assert.deepEqual(fromBase64Url(toBase64Url(all)), all);
    assert.equal(toBase64(Uint8Array.of(0xfb, 0xff)), '+/8=');
    assert.equal(toBase64Url(Uint8Array.of(0xfb, 0xff)), '-_8');
    assert.equal(Buffer.from(toBase64(all), 'base64').equals(Buffer.from(all)), true);
  });

  it('refuses non-canonical base64', () => {
    for (const text of ['Zg', 'Zg=', 'Zh==', 'Zm9=', 'Z===', 'Zm9v ', ' Zm9v', 'Zm9v\n', 'Zm 9v', '=Zm9', 'Zg==Zg==', '-_8=', 'Zm9vYg=a', '====']) {
      assert.throws(() => fromBase64(text), ArgumentError, text);
    }

    for (const text of ['Zg==', 'Zh', 'Zm9', 'Z', '+/8', 'Zm9v=', 'Zm9v ', 'Zm8=']) {
      assert.throws(() => fromBase64Url(text), ArgumentError, text);
    }
  });

  it('writes UUIDs in RFC 9562 order, the hex digits as written (not .NET ToByteArray order)', () => {
    const bytes = uuidToBytes('00112233-4455-6677-8899-aabbccddeeff');
    assert.equal(toHex(bytes), '00112233445566778899aabbccddeeff');
    assert.equal(bytesToUuid(bytes), '00112233-4455-6677-8899-aabbccddeeff');
    assert.equal(bytesToUuid(uuidToBytes('8F2D3C4E-5A6B-4C7D-8E9F-0A1B2C3D4E5F')), '8f2d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f');
    for (const text of ['{00112233-4455-6677-8899-aabbccddeeff}', '00112233445566778899aabbccddeeff', '00112233-4455-6677-8899-aabbccddeef', 'g0112233-4455-6677-8899-aabbccddeeff', '']) {
      assert.throws(() => uuidToBytes(text), ArgumentError, text);
    }

    assert.throws(() => bytesToUuid(new Uint8Array(15)), ArgumentError);
  });

  it('encodes UTF-8 strictly: lone surrogates refused, a BOM kept as text, invalid bytes refused', () => {
    assert.deepEqual([...utf8('é🔑')], [0xc3, 0xa9, 0xf0, 0x9f, 0x94, 0x91]);
    assert.throws(() => utf8('a\ud800b'), ArgumentError);
    assert.throws(() => utf8('\udc00'), ArgumentError);
    assert.equal(fromUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), '\ufeffa');
    for (const bad of [[0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      assert.throws(() => fromUtf8(Uint8Array.from(bad)), ArgumentError, toHex(Uint8Array.from(bad)));
    }
  });

  it('validates UTF-8 without decoding it, accepting exactly what the strict decoder accepts', () => {
    const edges = [
      [], [0x00], [0x7f], [0x80], [0xc1, 0xbf], [0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0x9f, 0xbf], [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff],
      [0xe2, 0x82], [0xe2, 0x82, 0xac], [0xe2, 0x28, 0xac], [0xf0, 0x9f, 0x94], [0xef, 0xbb, 0xbf, 0x61], [0x61, 0xc3],
    ];
    for (const edge of edges) {
      const bytes = Uint8Array.from(edge);
      assert.equal(isUtf8(bytes), tryFromUtf8(bytes) !== undefined, toHex(bytes));
    }
    // Random short runs drawn mostly from the bytes where the rules are: leads, continuations and their borders.
    const alphabet = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];
    for (let run = 0; run < 20_000; run++) {
      const bytes = Uint8Array.from({ length: 1 + (run % 7) }, () => alphabet[Math.floor(Math.random() * alphabet.length)] ?? 0);
      assert.equal(isUtf8(bytes), tryFromUtf8(bytes) !== undefined, toHex(bytes));
    }
  });

  it('reads hex strictly', () => {
    assert.deepEqual([...fromHex('00ffA0')], [0, 255, 160]);
    assert.throws(() => fromHex('0'), ArgumentError);
    assert.throws(() => fromHex('0g'), ArgumentError);
  });
});
