// The vault's local state without a key server: vault.json created once however many clients open a fresh store at
// once, a root key that is not what the client makes refused, altered threshold item documents refused, and local
// misuse reported as the SDK's own errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toBase64 } from '../src/crypto/bytes.js';
import { Credential } from '../src/crypto/credential.js';
import { deriveItemMacKey, itemMac } from '../src/crypto/item-mac.js';
import { ItemMode, type ItemContext } from '../src/crypto/context.js';
import { deriveDataKey } from '../src/crypto/data-key.js';
import { ArgumentError } from '../src/crypto/errors.js';
import { deriveClientShare } from '../src/crypto/root-key.js';
import { sealCredential } from '../src/crypto/sealed-item.js';
import { InvalidOperationError, ItemTamperedError } from '../src/errors.js';
import { documentOf } from '../src/items.js';
import { pathOf } from '../src/routes.js';
import { MemoryStorage, requireDocumentName, withStorageLock, type JsonValue, type VaultStorage } from '../src/storage.js';
import { VaultClient } from '../src/vault.js';

/** A memory store that answers reads slowly, so clients opening at once all read before any of them writes. */
class SlowReads extends MemoryStorage {
  override async get(name: string): Promise<JsonValue | undefined> {
    const value = await super.get(name);
    await new Promise((resolve) => setTimeout(resolve, 20));
    return value;
  }
}

test('clients opening one fresh store at once agree on one vault id', async () => {
  const storage = new SlowReads();
  const clients = await Promise.all(Array.from({ length: 4 }, () => VaultClient.open({ storage })));
  assert.equal(new Set(clients.map((client) => client.vaultId)).size, 1);
  assert.deepEqual(await storage.get('vault.json').then((state) => (state as { vaultId: string }).vaultId), clients[0]?.vaultId);
});

test('an extractable root key (one whose bytes someone could know) is refused when the vault opens', async () => {
  // A conforming WebCrypto never makes an extractable HKDF key, so this stands in for one from a store that was tampered with.
  const planted = Object.create(CryptoKey.prototype, {
    algorithm: { value: { name: 'HKDF' } }, usages: { value: ['deriveBits'] }, extractable: { value: true }, type: { value: 'secret' },
  }) as CryptoKey;
  await assert.rejects(deriveClientShare(planted, '0f0e0d0c-0b0a-4908-8706-050403020100', '11111111-2222-4333-8444-555555555555'), ArgumentError);
  await assert.rejects(VaultClient.open({ storage: new MemoryStorage(planted) }),
    (error: unknown) => error instanceof InvalidOperationError && error.hint !== undefined);
});

/** A threshold item document with a well-formed sealed item, its set as given. */
async function thresholdDocument(vaultId: string, storage: MemoryStorage, threshold: JsonValue): Promise<{ name: string; document: JsonValue }> {
  const unitId = crypto.randomUUID();
  const context: ItemContext = { vaultId, unitId, keyVersion: 1, mode: ItemMode.Threshold };
  const dataKey = await deriveDataKey(await deriveClientShare(await storage.rootKey(), vaultId, unitId), new Uint8Array(32).fill(7), context);
  const sealed = await sealCredential(dataKey, context, new Credential({ username: 'bot', password: 'pw' }));
  const document = {
    format: 2, name: 'acme', unitId, sealedItem: Buffer.from(sealed).toString('base64'), createdAt: new Date().toISOString(),
    server: null, threshold,
  };
  // MAC'd as the client would (docs/spec.md §3.1), so what refuses an altered set is the set's own check.
  let mac: string | undefined;
  try {
    mac = toBase64(await itemMac(await deriveItemMacKey(await storage.rootKey()), { ...document, sealedItem: sealed, threshold: threshold as never }));
  } catch {
    // A set whose numbers fit no field (t = 1.5) has no MAC: it is refused either way.
  }
  return { name: documentOf(unitId), document: { ...document, ...(mac === undefined ? {} : { mac }) } };
}

test('a threshold item whose set no split could have made is refused as tampered', async () => {
  const storage = new MemoryStorage();
  const client = await VaultClient.open({ storage });
  const member = (server: string, index: number): JsonValue => ({ server, unitId: `00000000-0000-4000-8000-00000000000${index}`, version: 1 });
  const valid = [member('https://a.example/', 1), member('https://b.example', 2), member('http://127.0.0.1:5290', 3)];

  // The .NET spelling of a URL (no trailing slash) is fine; the set as .NET would write it lists.
  const fine = await thresholdDocument(client.vaultId, storage, { threshold: 2, members: valid });
  await storage.put(fine.name, fine.document);
  assert.deepEqual((await client.list()).map((item) => item.mode), [ItemMode.Threshold]);
  await storage.delete(fine.name);

  const altered: [string, JsonValue][] = [
    ['t = 1', { threshold: 1, members: valid }],
    ['t > n', { threshold: 4, members: valid }],
    ['t not a whole number', { threshold: 1.5, members: valid }],
    ['one member', { threshold: 1, members: [member('https://a.example/', 1)] }],
    ['a server twice', { threshold: 2, members: [member('https://a.example/', 1), member('https://a.example', 2), member('https://c.example/', 3)] }],
    ['not an http(s) URL', { threshold: 2, members: [member('https://a.example/', 1), member('ftp://b.example/', 2)] }],
    ['not a URL', { threshold: 2, members: [member('https://a.example/', 1), member('b.example', 2)] }],
    ['256 members', { threshold: 2, members: Array.from({ length: 256 }, (_, index) => member(`https://m${index}.example/`, 1)) }],
  ];
  for (const [what, threshold] of altered) {
    const item = await thresholdDocument(client.vaultId, storage, threshold);
    await storage.put(item.name, item.document);
    await assert.rejects(client.list(), ItemTamperedError, what);
    await storage.delete(item.name);
  }
  client.close();
});

test('local misuse is an InvalidOperationError: a bad id in a route, a bad document name, a Web Lock that never comes', async () => {
  assert.throws(() => pathOf('/v1/units/{id}', '../audit'), InvalidOperationError);
  assert.equal(pathOf('/v1/units/{id}', '0F0E0D0C-0B0A-4908-8706-050403020100'), '/v1/units/0f0e0d0c-0b0a-4908-8706-050403020100');
  assert.throws(() => requireDocumentName('../vault.json'), InvalidOperationError);
  await assert.rejects(new MemoryStorage().put('/etc/passwd', null), InvalidOperationError);

  // A store without locks of its own, in a browser whose Web Lock is held by a stuck tab: the wait gives up.
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  let signal: AbortSignal | undefined;
  let ran = false;
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      locks: {
        request: (_name: string, options: { signal?: AbortSignal }) => {
          signal = options.signal;
          return Promise.reject(new DOMException('The lock request timed out.', 'TimeoutError'));
        },
      },
    },
  });
  try {
    const bare = {} as VaultStorage;
    await assert.rejects(withStorageLock(bare, 'vault', async () => { ran = true; }), InvalidOperationError);
  } finally {
    if (descriptor === undefined) {
      Reflect.deleteProperty(globalThis, 'navigator');
    } else {
      Object.defineProperty(globalThis, 'navigator', descriptor);
    }
  }
  assert.ok(signal instanceof AbortSignal, 'the lock request carries a time limit');
  assert.equal(ran, false);
});
