// Item files' MAC (docs/spec.md §3.1): the cross-language vectors of testdata/vectors/item-file-mac.json, and an item
// document whose server was changed refused as tampered.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromBase64, fromHex, toBase64, toHex } from '../src/crypto/bytes.js';
import { deriveItemMacKey, itemFields, itemMac, type MacFields } from '../src/crypto/item-mac.js';
import { importRootKey } from '../src/crypto/root-key.js';
import { ItemTamperedError } from '../src/errors.js';
import { ItemStore } from '../src/items.js';
import { MemoryStorage, type JsonValue } from '../src/storage.js';

const root = new URL('../../../../', import.meta.url);

interface Vector { item: Omit<MacFields, 'sealedItem'> & { sealedItem: string; createdAt: string }; fields: string; mac: string }
const vectors = JSON.parse(readFileSync(new URL('testdata/vectors/item-file-mac.json', root), 'utf8')) as { rootKey: string; vectors: Vector[] };
const itemOf = (vector: Vector) => ({ ...vector.item, sealedItem: fromBase64(vector.item.sealedItem) });

describe('item-file MAC', () => {
  it('matches the cross-language vectors', async () => {
    const key = await deriveItemMacKey(await importRootKey(fromHex(vectors.rootKey)));
    assert.equal(vectors.vectors.length, 2);
    for (const vector of vectors.vectors) {
      assert.equal(toHex(itemFields(itemOf(vector))), vector.fields);
      assert.equal(toBase64(await itemMac(key, itemOf(vector))), vector.mac);
    }
  });

  it('refuses a document whose server was changed, and one whose MAC was removed', async () => {
    const key = await deriveItemMacKey(await importRootKey(fromHex(vectors.rootKey)));
    const vector = vectors.vectors[0]!;
    const document = `items/${vector.item.unitId}.json`;
    const storage = new MemoryStorage();
    const store = new ItemStore(storage, { fits: () => true }, key);
    await storage.put(document, { ...vector.item, mac: vector.mac } as unknown as JsonValue);
    assert.equal((await store.all()).length, 1);

    await storage.put(document, { ...vector.item, server: 'https://evil.example/', mac: vector.mac } as unknown as JsonValue);
    await assert.rejects(store.all(), ItemTamperedError);

    await storage.put(document, { ...vector.item } as unknown as JsonValue);
    await assert.rejects(store.all(), ItemTamperedError);
  });
});
