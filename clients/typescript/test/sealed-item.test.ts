import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it, mock } from 'node:test';
import { concat, fromHex, toHex } from '../src/crypto/bytes.js';
import { type ItemContext, ItemMode } from '../src/crypto/context.js';
import { Credential, type CredentialInit } from '../src/crypto/credential.js';
import { deriveDataKey, deriveDataKeyBytesForTests } from '../src/crypto/data-key.js';
import { ArgumentError, ItemOpenError } from '../src/crypto/errors.js';
import { deriveClientShare, importRootKey } from '../src/crypto/root-key.js';
import {
  HeaderSize, TagSize, openCredential, openItem, readContext, sealCredential, sealItem, sealItemWithNonce,
} from '../src/crypto/sealed-item.js';

interface Vector {
  name: string; mode: 'split' | 'threshold' | 'blinded'; vaultId: string; unitId: string; keyVersion: number;
  rootKey: string; serverShare: string; nonce: string; credential: CredentialInit & { fields?: Record<string, string> };
  clientShare: string; dataKey: string; payload: string; sealedItem: string;
}
interface Document { vectors: Vector[]; rejects: { keyFromVector: number; cases: { name: string; sealedItem: string }[] } }

const document = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/sealed-item.json', import.meta.url), 'utf8')) as Document;
const modes = { split: ItemMode.Split, threshold: ItemMode.Threshold, blinded: ItemMode.Blinded };
const contextOf = (vector: Vector): ItemContext => ({ vaultId: vector.vaultId, unitId: vector.unitId, keyVersion: vector.keyVersion, mode: modes[vector.mode] });

async function dataKeyOf(vector: Vector, context = contextOf(vector)): Promise<CryptoKey> {
  const rootKey = await importRootKey(fromHex(vector.rootKey));
  return deriveDataKey(await deriveClientShare(rootKey, vector.vaultId, vector.unitId), fromHex(vector.serverShare), context);
}

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

const vaultId = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0';
const unitId = '6a7b8c9d-0e1f-4a2b-9c3d-4e5f60718293';

async function freshKey(context: ItemContext, serverByte = 2): Promise<CryptoKey> {
  const rootKey = await importRootKey(new Uint8Array(32).fill(9));
  return deriveDataKey(await deriveClientShare(rootKey, context.vaultId, context.unitId), new Uint8Array(32).fill(serverByte), context);
}

describe('sealed-item.json vectors', () => {
  for (const vector of document.vectors) {
    it(`${vector.name}: client share, data key, payload and sealed bytes match`, async () => {
      const rootKey = await importRootKey(fromHex(vector.rootKey));
      const clientShare = await deriveClientShare(rootKey, vector.vaultId, vector.unitId);
      assert.equal(toHex(clientShare), vector.clientShare);
      assert.equal(toHex(await deriveDataKeyBytesForTests(clientShare, fromHex(vector.serverShare), contextOf(vector))), vector.dataKey);

      const credential = new Credential(vector.credential);
      const payload = credential.encode();
      assert.equal(toHex(payload), vector.payload);

      const dataKey = await deriveDataKey(clientShare, fromHex(vector.serverShare), contextOf(vector));
      const sealed = await sealItemWithNonce(dataKey, contextOf(vector), payload, fromHex(vector.nonce));
      assert.equal(toHex(sealed), vector.sealedItem);
    });

    it(`${vector.name}: reads its context and opens to its credential`, async () => {
      const sealed = fromHex(vector.sealedItem);
      assert.deepEqual(readContext(sealed), contextOf(vector));
      const dataKey = await dataKeyOf(vector);
      assert.equal(toHex(await openItem(dataKey, sealed)), vector.payload);

      const credential = await openCredential(dataKey, sealed);
      assert.equal(credential.username, vector.credential.username);
      assert.equal(credential.revealPassword(), vector.credential.password);
      assert.equal(credential.url, vector.credential.url);
      assert.equal(credential.revealNotes(), vector.credential.notes);
      const fields = vector.credential.fields ?? {};
      assert.deepEqual(credential.fieldNames, Object.keys(fields).sort());
      for (const [name, value] of Object.entries(fields)) {
        assert.equal(credential.revealField(name), value);
      }
    });
  }

  for (const reject of document.rejects.cases) {
    it(`rejects: ${reject.name}`, async () => {
      const dataKey = await dataKeyOf(document.vectors[document.rejects.keyFromVector]!);
      await assert.rejects(openCredential(dataKey, fromHex(reject.sealedItem)), (error: unknown) => {
        assert.ok(error instanceof ItemOpenError);
        assert.equal(error.message, 'The item could not be opened: it is damaged, was altered, or the key does not match it.');
        return true;
      });
    });
  }
});

describe('sealed item', () => {
  afterEach(() => mock.restoreAll());

  for (const mode of [ItemMode.Split, ItemMode.Threshold, ItemMode.Blinded]) {
    it(`every single-bit flip of a ${ItemMode[mode]} item fails with the one ItemOpenError`, async () => {
      const context = { vaultId, unitId, keyVersion: 3, mode };
      const dataKey = await freshKey(context);
      const credential = new Credential({ username: 'alice', password: 'hunter2', url: 'https://vendor.example', notes: 'note' });
      const sealed = await sealCredential(dataKey, context, credential);
      assert.equal(sealed.length, 326);

      const results = await Promise.all(Array.from({ length: sealed.length * 8 }, async (_, bit) => {
        try {
          await openCredential(dataKey, flipped(sealed, bit));
          return `bit ${bit} opened`;
        } catch (error) {
          return error instanceof ItemOpenError && error.message === ItemOpenError.message ? 'ok' : `bit ${bit}: ${String(error)}`;
        }
      }));
      assert.deepEqual(results.filter((result) => result !== 'ok'), []);
      assert.equal((await openCredential(dataKey, sealed)).revealPassword(), 'hunter2');
    });
  }

  for (const binding of ['vaultId', 'unitId', 'keyVersion', 'mode'] as const) {
    it(`a key for another ${binding} does not open the item, nor does the header rewritten to match it`, async () => {
      const context: ItemContext = { vaultId, unitId, keyVersion: 5, mode: ItemMode.Split };
      const other: ItemContext = {
        ...context,
        ...(binding === 'vaultId' ? { vaultId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f1' } : {}),
        ...(binding === 'unitId' ? { unitId: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f60718294' } : {}),
        ...(binding === 'keyVersion' ? { keyVersion: 6 } : {}),
        ...(binding === 'mode' ? { mode: ItemMode.Threshold } : {}),
      };
      const sealed = await sealCredential(await freshKey(context), context, new Credential({ username: 'alice', password: 'hunter2' }));
      const otherKey = await freshKey(other);
      await assert.rejects(openItem(otherKey, sealed), ItemOpenError);

      const rewritten = sealed.slice();
      const otherSealed = await sealCredential(otherKey, other, new Credential({ username: 'x', password: 'y' }));
      rewritten.set(otherSealed.subarray(0, HeaderSize - 12), 0);
      assert.deepEqual(readContext(rewritten), other);
      await assert.rejects(openItem(otherKey, rewritten), ItemOpenError);
    });
  }

  it('draws a fresh nonce for every seal', async () => {
    const context = { vaultId, unitId, keyVersion: 1, mode: ItemMode.Split };
    const dataKey = await freshKey(context);
    const payload = new Credential({ username: 'u', password: 'p' }).encode();
    const first = await sealItem(dataKey, context, payload);
    const second = await sealItem(dataKey, context, payload);
    assert.notEqual(toHex(first.subarray(42, 54)), toHex(second.subarray(42, 54)));
    assert.equal(toHex(first.subarray(0, 42)), toHex(second.subarray(0, 42)));
  });

  it('seals only with the context the key was derived for, a padded payload, and a key from deriveDataKey', async () => {
    const context = { vaultId, unitId, keyVersion: 1, mode: ItemMode.Split };
    const dataKey = await freshKey(context);
    const payload = new Credential({ username: 'u', password: 'p' }).encode();
    await assert.rejects(sealItem(dataKey, { ...context, keyVersion: 2 }, payload), ArgumentError);
    await assert.rejects(sealItem(dataKey, context, new Uint8Array(300)), ArgumentError);
    await assert.rejects(sealItem(dataKey, context, new Uint8Array(128)), ArgumentError);
    await assert.rejects(sealItemWithNonce(dataKey, context, payload, new Uint8Array(11)), ArgumentError);
    const foreign = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await assert.rejects(sealItem(foreign, context, payload), ArgumentError);
    await assert.rejects(openItem(foreign, await sealItem(dataKey, context, payload)), ArgumentError);
  });

  it('reads the context strictly before any key is involved', async () => {
    const context = { vaultId, unitId, keyVersion: 4294967295, mode: ItemMode.Blinded };
    const sealed = await sealCredential(await freshKey(context), context, new Credential({ username: 'u', password: 'p' }));
    assert.deepEqual(readContext(sealed), context);
    const withByte = (offset: number, value: number) => { const copy = sealed.slice(); copy[offset] = value; return copy; };
    const malformed: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['header only', sealed.subarray(0, HeaderSize)],
      ['one byte short', sealed.subarray(0, sealed.length - 1)],
      ['one byte long', concat(sealed, new Uint8Array(1))],
      ['payload not a power of two', concat(sealed, new Uint8Array(100))],
      ['magic', withByte(0, 0x73)],
      ['version 0', withByte(4, 0)],
      ['version 2', withByte(4, 2)],
      ['mode 0', withByte(5, 0)],
      ['mode 4', withByte(5, 4)],
      ['nil vault', (() => { const copy = sealed.slice(); copy.fill(0, 6, 22); return copy; })()],
      ['nil unit', (() => { const copy = sealed.slice(); copy.fill(0, 22, 38); return copy; })()],
      ['key version 0', (() => { const copy = sealed.slice(); copy.fill(0, 38, 42); return copy; })()],
    ];
    for (const [name, bytes] of malformed) {
      assert.throws(() => readContext(bytes), ItemOpenError, name);
    }

    // The largest bucket is still an item; one above it is not.
    const largest = concat(sealed.subarray(0, HeaderSize), new Uint8Array(65536 + TagSize));
    assert.deepEqual(readContext(largest), context);
    assert.throws(() => readContext(concat(sealed.subarray(0, HeaderSize), new Uint8Array(131072 + TagSize))), ItemOpenError);
  });

  it('wipes the padded payload after sealing and after opening a credential', async () => {
    const context = { vaultId, unitId, keyVersion: 1, mode: ItemMode.Split };
    const dataKey = await freshKey(context);
    const credential = new Credential({ username: 'u', password: 'secret' });
    const encoded: Uint8Array[] = [];
    const encode = credential.encode.bind(credential);
    credential.encode = () => { const payload = encode(); encoded.push(payload); return payload; };
    const sealed = await sealCredential(dataKey, context, credential);
    assert.equal(encoded.length, 1);
    assert.ok(encoded[0]!.every((byte) => byte === 0), 'the payload sealed was not wiped');

    const decoded: Uint8Array[] = [];
    const decode = Credential.decode;
    mock.method(Credential, 'decode', (padded: Uint8Array) => { decoded.push(padded); return decode(padded); });
    const opened = await openCredential(dataKey, sealed);
    assert.equal(opened.revealPassword(), 'secret');
    assert.equal(decoded.length, 1);
    assert.ok(decoded[0]!.every((byte) => byte === 0), 'the payload opened was not wiped');
  });
});
