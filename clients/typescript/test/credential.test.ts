import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, toHex, utf8 } from '../src/crypto/bytes.js';
import { Credential, paddedSizeFor } from '../src/crypto/credential.js';
import { ArgumentError, ItemOpenError, WipedError } from '../src/crypto/errors.js';

const u32 = (value: number) => Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
const str = (text: string | Uint8Array) => { const bytes = typeof text === 'string' ? utf8(text) : text; return concat(u32(bytes.length), bytes); };
function pad(content: Uint8Array, size = paddedSizeFor(content.length)): Uint8Array {
  const padded = new Uint8Array(size);
  padded.set(u32(content.length), 0);
  padded.set(content, 4);
  return padded;
}

describe('credential', () => {
  it('round-trips through the one canonical encoding', () => {
    const credentials = [
      new Credential({ username: '', password: '' }),
      new Credential({ username: 'alice', password: 'hunter2', url: 'https://vendor.example/login', notes: 'n' }),
      new Credential({ username: 'ops', password: Uint8Array.of(0x70), fields: new Map([['b', 'x'], ['A', ''], ['a_-9', 'é']]) }),
      new Credential({ username: '\ufeffbom', password: '🔑'.repeat(100), fields: { Z: 'z', z: 'Z' } }),
    ];
    for (const credential of credentials) {
      const encoded = credential.encode();
      const decoded = Credential.decode(encoded);
      assert.equal(toHex(decoded.encode()), toHex(encoded));
      assert.equal(decoded.username, credential.username);
      assert.equal(decoded.revealPassword(), credential.revealPassword());
      assert.deepEqual(decoded.fieldNames, credential.fieldNames);
    }

    assert.deepEqual(credentials[2]!.fieldNames, ['A', 'a_-9', 'b']);
    assert.equal(credentials[3]!.username, '\ufeffbom');
  });

  it('treats an empty url or notes as absent', () => {
    const credential = new Credential({ username: 'u', password: 'p', url: '', notes: '' });
    assert.equal(credential.url, undefined);
    assert.equal(credential.hasNotes, false);
    assert.equal(credential.revealNotes(), undefined);
    assert.equal(toHex(credential.encode()), toHex(new Credential({ username: 'u', password: 'p' }).encode()));
  });

  for (const [passwordLength, size] of [[0, 256], [200, 256], [238, 256], [239, 512], [1000, 1024]] as const) {
    it(`a ${passwordLength}-character password pads to ${size} bytes (as the C# tests)`, () => {
      assert.equal(new Credential({ username: 'u', password: 'p'.repeat(passwordLength) }).encode().length, size);
    });
  }

  it('refuses a credential too large for the largest bucket, with a clear error', () => {
    assert.throws(() => new Credential({ username: 'u', password: 'p'.repeat(70_000) }).encode(), (error: unknown) =>
      error instanceof ArgumentError && error.message.includes('too large'));
    assert.equal(new Credential({ username: 'u', password: 'p'.repeat(65536 - 4 - 16) }).encode().length, 65536);
  });

  for (const name of ['', 'has space', 'password', 'URL', 'Notes', 'naïve', 'x'.repeat(65), 'a.b']) {
    it(`refuses the field name '${name.length > 10 ? `${name.slice(0, 10)}…` : name}'`, () => {
      assert.throws(() => new Credential({ username: 'u', password: 'p', fields: { [name]: 'v' } }), ArgumentError);
    });
  }

  it('refuses lone surrogates and invalid UTF-8 bytes in every part', () => {
    assert.throws(() => new Credential({ username: '\ud800', password: 'p' }), ArgumentError);
    assert.throws(() => new Credential({ username: 'u', password: 'a\udfff' }), ArgumentError);
    assert.throws(() => new Credential({ username: 'u', password: 'p', url: '\ud800' }), ArgumentError);
    assert.throws(() => new Credential({ username: 'u', password: 'p', notes: '\ud800' }), ArgumentError);
    assert.throws(() => new Credential({ username: 'u', password: 'p', fields: { k: '\ud800' } }), ArgumentError);
    assert.throws(() => new Credential({ username: 'u', password: Uint8Array.of(0xc3, 0x28) }), ArgumentError);
  });

  it('wipes its secrets, refuses to reveal them afterwards and never shows them', () => {
    const password = utf8('hunter2');
    const credential = new Credential({ username: 'u', password, notes: 'notes', fields: { key: 'value' } });
    password.fill(0);
    assert.equal(credential.revealPassword(), 'hunter2', 'the credential keeps its own copy');
    const arrays = [credential.passwordUtf8, credential.notesUtf8, credential.fieldUtf8('key')];
    assert.equal(String(credential), 'Credential(redacted)');
    assert.equal(JSON.stringify({ credential }), '{"credential":"Credential(redacted)"}');
    assert.throws(() => credential.fieldUtf8('missing'), ArgumentError);

    credential.wipe();
    assert.equal(credential.wiped, true);
    assert.ok(arrays.every((array) => array.every((byte) => byte === 0)));
    assert.throws(() => credential.revealPassword(), WipedError);
    assert.throws(() => credential.revealField('key'), WipedError);
    assert.throws(() => credential.encode(), WipedError);
    credential.wipe();
  });

  it('checks the secrets are UTF-8 without ever decoding them into strings, which could not be wiped', () => {
    const decoded: string[] = [];
    const decode = TextDecoder.prototype.decode;
    TextDecoder.prototype.decode = function (this: TextDecoder, ...args: Parameters<TextDecoder['decode']>) {
      const text = decode.apply(this, args);
      decoded.push(text);
      return text;
    };
    try {
      const credential = new Credential({
        username: 'bot', password: utf8('secret-password'), notes: utf8('secret-notes'), fields: { token: utf8('secret-field') },
      });
      Credential.decode(credential.encode()).wipe();
      credential.wipe();
    } finally {
      TextDecoder.prototype.decode = decode;
    }
    assert.deepEqual(decoded.filter((text) => text.includes('secret')), []);
  });

  it('decodes only the canonical encoding', () => {
    const good = concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 0, 0, 0));
    assert.equal(Credential.decode(pad(good)).username, 'u');
    const rejects: [string, Uint8Array][] = [
      ['too short', new Uint8Array(255)],
      ['not a power of two', pad(good, 300)],
      ['larger bucket than needed', pad(good, 512)],
      ['length beyond the bucket', (() => { const padded = pad(good); padded.set(u32(253), 0); return padded; })()],
      ['non-zero padding', (() => { const padded = pad(good); padded[255] = 1; return padded; })()],
      ['trailing byte', pad(concat(good, Uint8Array.of(0)))],
      ['truncated content', pad(good.subarray(0, good.length - 1))],
      ['payload version 2', pad(concat(Uint8Array.of(2), good.subarray(1)))],
      ['optional flag 2', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(2, 0, 0, 0)))],
      ['present but empty url', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(1), str(''), Uint8Array.of(0, 0, 0)))],
      ['invalid UTF-8 password', pad(concat(Uint8Array.of(1), str('u'), str(Uint8Array.of(0xff)), Uint8Array.of(0, 0, 0, 0)))],
      ['invalid UTF-8 notes', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 1), str(Uint8Array.of(0xed, 0xa0, 0x80)), Uint8Array.of(0, 0)))],
      ['duplicate field', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 0, 0, 2), str('a'), str('1'), str('a'), str('2')))],
      ['unsorted fields', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 0, 0, 2), str('b'), str('1'), str('a'), str('2')))],
      ['reserved name in other case', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 0, 0, 1), str('UserName'), str('1')))],
      ['non-ASCII name', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 0, 0, 1), str('é'), str('1')))],
      ['field count beyond the content', pad(concat(Uint8Array.of(1), str('u'), str('p'), Uint8Array.of(0, 0, 0, 1)))],
    ];
    for (const [name, padded] of rejects) {
      assert.equal(Credential.tryDecode(padded), undefined, name);
      assert.throws(() => Credential.decode(padded), ItemOpenError, name);
    }
  });
});
