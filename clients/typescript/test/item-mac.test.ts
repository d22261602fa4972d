// Item files' MAC (docs/spec.md §3.1): the cross-language vectors of testdata/vectors/item-file-mac.json, an item
// document whose server was changed refused as tampered, and vault.json's itemMacTag: a forged document is never
// signed because vault.json claims a vault from before item MACs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromBase64, fromHex, toBase64, toHex } from '../src/crypto/bytes.js';
import { deriveItemMacKey, itemFields, itemMac, itemMacsTag, verifyItemMacsTag, type MacFields } from '../src/crypto/item-mac.js';
import { importRootKey } from '../src/crypto/root-key.js';
import { ItemTamperedError } from '../src/errors.js';
import { ItemStore } from '../src/items.js';
import { MemoryStorage, type JsonValue } from '../src/storage.js';
import { VaultClient } from '../src/vault.js';

const root = new URL('../../../../', import.meta.url);

interface Vector { item: Omit<MacFields, 'sealedItem'> & { sealedItem: string; createdAt: string }; fields: string; mac: string }
const vectors = JSON.parse(readFileSync(new URL('testdata/vectors/item-file-mac.json', root), 'utf8')) as {
  rootKey: string; vectors: Vector[]; itemMacTag: { vaultId: string; message: string; tag: string };
};
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

  it('survey leaves an altered document out and names it, and keeps listing the intact ones; all() refuses', async () => {
    const key = await deriveItemMacKey(await importRootKey(fromHex(vectors.rootKey)));
    const [intact, altered] = vectors.vectors as [Vector, Vector];
    const storage = new MemoryStorage();
    const store = new ItemStore(storage, { fits: () => true }, key);
    await storage.put(`items/${intact.item.unitId}.json`, { ...intact.item, mac: intact.mac } as unknown as JsonValue);
    await storage.put(`items/${altered.item.unitId}.json`, { ...altered.item, name: 'renamed', mac: altered.mac } as unknown as JsonValue);

    const { items, damaged } = await store.survey();
    assert.deepEqual(items.map((item) => item.name), [intact.item.name]);
    assert.deepEqual(damaged, [`items/${altered.item.unitId}.json`]);
    await assert.rejects(store.all(), ItemTamperedError);
  });

  it('matches the cross-language vector of vault.json\'s itemMacTag', async () => {
    const key = await deriveItemMacKey(await importRootKey(fromHex(vectors.rootKey)));
    const vector = vectors.itemMacTag;
    assert.equal(vector.message.startsWith(toHex(new TextEncoder().encode('symbolon.dev/v1/item-macs-complete'))), true);
    assert.equal(toBase64(await itemMacsTag(key, vector.vaultId)), vector.tag);
    assert.equal(await verifyItemMacsTag(key, vector.vaultId, fromBase64(vector.tag)), true);
    assert.equal(await verifyItemMacsTag(key, crypto.randomUUID(), fromBase64(vector.tag)), false);
  });
});

/** A store under the vectors' root key, opened once (so vault.json holds its tag), holding both vector items with their MACs. */
async function storeWithTwoItems(): Promise<MemoryStorage> {
  const storage = new MemoryStorage(await importRootKey(fromHex(vectors.rootKey)));
  await VaultClient.open({ storage });
  for (const vector of vectors.vectors) {
    await storage.put(documentOf(vector), { ...vector.item, mac: vector.mac } as unknown as JsonValue);
  }
  return storage;
}

const documentOf = (vector: Vector) => `items/${vector.item.unitId}.json`;

async function edit(storage: MemoryStorage, name: string, change: (document: Record<string, JsonValue>) => void): Promise<void> {
  const document = { ...(await storage.get(name)) as Record<string, JsonValue> };
  change(document);
  await storage.put(name, document);
}

describe('vault.json itemMacTag', () => {
  for (const claim of ['itemMacs 0', 'marker removed'] as const) {
    it(`a document forged after the upgrade is not signed when vault.json claims a vault from before item MACs (${claim})`, async () => {
      const storage = await storeWithTwoItems();
      const forged = documentOf(vectors.vectors[0]!);
      await edit(storage, forged, (document) => {
        document['server'] = 'https://evil.example/';
        delete document['mac'];
      });
      await edit(storage, 'vault.json', (vault) => {
        delete vault['itemMacTag'];
        delete vault['itemMacs'];
        if (claim === 'itemMacs 0') {
          vault['itemMacs'] = 0;
        }
      });

      await assert.rejects(VaultClient.open({ storage }), ItemTamperedError);
      assert.equal(((await storage.get(forged)) as Record<string, JsonValue>)['mac'], undefined);
    });
  }

  it('a tag that does not verify, or is another vault\'s, is refused and nothing is signed', async () => {
    const storage = await storeWithTwoItems();
    const stripped = documentOf(vectors.vectors[0]!);
    await edit(storage, stripped, (document) => delete document['mac']);
    await edit(storage, 'vault.json', (vault) => { vault['itemMacTag'] = toBase64(new Uint8Array(32)); });
    await assert.rejects(VaultClient.open({ storage }), ItemTamperedError);
    assert.equal(((await storage.get(stripped)) as Record<string, JsonValue>)['mac'], undefined);

    await edit(storage, 'vault.json', (vault) => {
      vault['itemMacTag'] = vectors.itemMacTag.tag;
      vault['vaultId'] = crypto.randomUUID();
    });
    await assert.rejects(VaultClient.open({ storage }), ItemTamperedError);
  });

  it('the development form itemMacs 1 becomes the tag without signing anything', async () => {
    const storage = await storeWithTwoItems();
    const stripped = documentOf(vectors.vectors[0]!);
    await edit(storage, stripped, (document) => delete document['mac']);
    await edit(storage, 'vault.json', (vault) => {
      delete vault['itemMacTag'];
      vault['itemMacs'] = 1;
    });

    const client = await VaultClient.open({ storage });
    await assert.rejects(client.list(), ItemTamperedError);
    assert.equal(((await storage.get(stripped)) as Record<string, JsonValue>)['mac'], undefined);
    const vault = (await storage.get('vault.json')) as Record<string, string>;
    assert.equal(vault['itemMacs'], undefined);
    const key = await deriveItemMacKey(await storage.rootKey());
    assert.equal(await verifyItemMacsTag(key, vault['vaultId']!, fromBase64(vault['itemMacTag']!)), true);
  });

  it('a vault from before item MACs gets every document its MAC and the tag, once', async () => {
    const storage = await storeWithTwoItems();
    for (const vector of vectors.vectors) {
      await edit(storage, documentOf(vector), (document) => delete document['mac']);
    }
    await edit(storage, 'vault.json', (vault) => delete vault['itemMacTag']);

    await VaultClient.open({ storage });
    for (const vector of vectors.vectors) {
      assert.equal(((await storage.get(documentOf(vector))) as Record<string, JsonValue>)['mac'], vector.mac);
    }
    const vault = (await storage.get('vault.json')) as Record<string, string>;
    const key = await deriveItemMacKey(await storage.rootKey());
    assert.equal(await verifyItemMacsTag(key, vault['vaultId']!, fromBase64(vault['itemMacTag']!)), true);

    // Upgraded once: a MAC removed now is tampering, not a reason to sign again.
    const first = documentOf(vectors.vectors[0]!);
    await edit(storage, first, (document) => delete document['mac']);
    const client = await VaultClient.open({ storage });
    await assert.rejects(client.list(), ItemTamperedError);
    assert.equal(((await storage.get(first)) as Record<string, JsonValue>)['mac'], undefined);
  });
});
