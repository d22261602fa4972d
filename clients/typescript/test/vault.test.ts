// VaultClient against one real key server: sessions, split and blinded items, tamper, idle lock, logout, audit.
import assert from 'node:assert/strict';
import { checkAudit } from '../src/audit.js';
import { after, before, describe, test } from 'node:test';
import { KeyServerApi } from '../src/api.js';
import { fromBase64, toBase64 } from '../src/crypto/bytes.js';
import { ItemMode } from '../src/crypto/context.js';
import { DeviceKey } from '../src/dpop.js';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { OprfBlindState } from '../src/crypto/blinded.js';
import { InvalidOperationError, ItemNotFoundError, ItemTamperedError, NotLoggedInError, ProtocolError, ServerUnreachableError } from '../src/errors.js';
import { MemoryStorage, type JsonValue } from '../src/storage.js';
import { KeyServerProcess } from './support/server.js';
import { accountPassword, Clock, FailingReceipts, loggedIn, openVault, rawDevicesStatus, sessionDocument, username, vendorPassword } from './support/vault.js';
import { FileStore } from '../src/node/file-store.js';
import { VaultClient } from '../src/vault.js';
import { SecretReference, SecretReferenceError } from '../src/references.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let server: KeyServerProcess;
before(async () => { server = await KeyServerProcess.start(); });
after(async () => { await server?.stop(); });

const minute = 60_000;

test('login, then an access token about to expire is refreshed, and a reused refresh token ends the session', async () => {
  const vault = await loggedIn(server.url);
  await vault.client.devices();
  const first = await sessionDocument(vault.storage);

  vault.clock.advance(5 * minute);
  const devices = await vault.client.devices();
  const second = await sessionDocument(vault.storage);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.equal(devices.length, 1);
  assert.equal(devices[0]?.current, true);
  assert.equal((await vault.client.status()).loggedIn, true);

  // Someone presents the spent refresh token (a stolen copy): the server revokes the whole session.
  const device = await DeviceKey.fromKeyPair(await vault.storage.deviceKey());
  await assert.rejects(new KeyServerApi(server.url, device).refresh({ refreshToken: first.refreshToken }), NotLoggedInError);
  await assert.rejects(vault.client.devices(), NotLoggedInError);
  vault.client.close();
});

/** A fetch that counts the refreshes it forwards. */
function countingRefreshes(): { fetch: typeof fetch; refreshes: () => number } {
  let refreshes = 0;
  return {
    refreshes: () => refreshes,
    fetch: async (input, init) => {
      if (new URL(input instanceof Request ? input.url : String(input)).pathname === '/v1/sessions/refresh') {
        refreshes += 1;
      }
      return fetch(input, init);
    },
  };
}

test('requests that all find the access token expiring share one refresh, so the single-use refresh token is never reused', async () => {
  const network = countingRefreshes();
  const vault = await loggedIn(server.url, { fetch: network.fetch });
  vault.clock.advance(5 * minute);
  const results = await Promise.all(Array.from({ length: 5 }, () => vault.client.devices()));
  assert.equal(results.length, 5);
  assert.equal(network.refreshes(), 1);
  await vault.client.devices();
  vault.client.close();
});

test('two clients sharing one Node directory (two processes) refresh under the store lock: one refresh, the session survives', async () => {
  const home = await mkdtemp(join(tmpdir(), 'symbolon-ts-shared-'));
  try {
    const network = countingRefreshes();
    const clock = new Clock();
    const first = await VaultClient.open({ storage: await FileStore.open(home), fetch: network.fetch, now: clock.now });
    const second = await VaultClient.open({ storage: await FileStore.open(home), fetch: network.fetch, now: clock.now });
    const name = username('shared');
    await first.createAccount(server.url, name, accountPassword);
    await first.login(server.url, { username: name, password: accountPassword });
    await second.devices();
    clock.advance(5 * minute);
    await Promise.all([first.devices(), second.devices(), first.devices(), second.devices()]);
    assert.equal(network.refreshes(), 1);
    await first.devices();
    await second.devices();
    first.close();
    second.close();
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

for (const mode of [ItemMode.Split, ItemMode.Blinded]) {
  describe(`${ItemMode[mode]} items`, () => {
    test('are added, listed, used, rotated, used again and removed, and a restored copy never opens', async () => {
      const { client, storage } = await loggedIn(server.url);
      const added = await client.add('acme', { username: 'bot@acme.example', password: vendorPassword, url: 'https://portal.acme.example' }, { mode });
      const listed = await client.list();
      assert.deepEqual(listed, [added]);
      assert.equal(added.mode, mode);

      let buffer: Uint8Array | undefined;
      const opened = await client.use('acme', (credential) => {
        buffer = credential.passwordUtf8;
        return { username: credential.username, password: credential.revealPassword(), url: credential.url };
      });
      assert.deepEqual(opened, { username: 'bot@acme.example', password: vendorPassword, url: 'https://portal.acme.example' });
      assert.ok(buffer !== undefined && buffer.length > 0 && buffer.every((byte) => byte === 0), 'the password buffer is zeroed after use');

      await client.rotate('acme');
      const [rotated] = await client.list();
      assert.notDeepEqual([rotated?.unitId, rotated?.keyVersion], [added.unitId, added.keyVersion]);
      assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);

      const [document] = await storage.list('items/');
      const copy = await storage.get(document ?? '');
      await client.remove('acme');
      assert.deepEqual(await client.list(), []);
      await storage.put(document ?? '', copy ?? null);
      await assert.rejects(client.use('acme', () => undefined), ItemNotFoundError);
      client.close();
    });

    test('a tampered item is refused with the one tamper error, which shows no secret', async () => {
      const { client, storage } = await loggedIn(server.url);
      await client.add('acme', { username: 'bot', password: vendorPassword }, { mode });
      const [document] = await storage.list('items/');
      const item = await storage.get(document ?? '') as { [member: string]: JsonValue };
      const sealed = fromBase64(String(item['sealedItem']));
      sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
      await storage.put(document ?? '', { ...item, sealedItem: toBase64(sealed) });
      const altered = await client.use('acme', () => undefined).then(() => undefined, (error: unknown) => error);
      assert.ok(altered instanceof ItemTamperedError);
      assert.ok(!altered.message.includes(vendorPassword));
      assert.ok(altered.hint !== undefined);

      await storage.put(document ?? '', { format: 1 });
      await assert.rejects(client.list(), ItemTamperedError);
      client.close();
    });
  });
}

test('a credential is wiped even when the callback throws', async () => {
  const { client } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot', password: vendorPassword });
  let buffer: Uint8Array | undefined;
  await assert.rejects(client.use('acme', (credential) => {
    buffer = credential.passwordUtf8;
    throw new Error('the sync job failed');
  }), /the sync job failed/);
  assert.ok(buffer?.every((byte) => byte === 0));
  client.close();
});

test('names are checked and unique', async () => {
  const { client } = await loggedIn(server.url);
  await assert.rejects(client.add('Not Valid', { username: 'bot', password: vendorPassword }), InvalidOperationError);
  await client.add('acme', { username: 'bot', password: vendorPassword });
  await assert.rejects(client.add('acme', { username: 'bot', password: vendorPassword }), InvalidOperationError);
  await assert.rejects(client.add('beta', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Threshold }), InvalidOperationError);
  client.close();
});

test('the idle lock ends the server session: the old access token is refused by the server itself', async () => {
  const vault = await loggedIn(server.url);
  await vault.client.add('acme', { username: 'bot', password: vendorPassword });
  const { accessToken } = await sessionDocument(vault.storage);
  assert.equal(await rawDevicesStatus(vault.storage, server.url, accessToken), 200);

  vault.clock.advance(11 * minute);
  await assert.rejects(vault.client.use('acme', () => undefined), NotLoggedInError);
  assert.equal(await rawDevicesStatus(vault.storage, server.url, accessToken), 401);
  assert.deepEqual(await vault.storage.list('session-'), []);
  assert.equal(vault.locks, 1);
  assert.equal((await vault.client.status()).loggedIn, false);
  vault.client.close();
});

test('lock() ends the session at once; logging in again unlocks the same items', async () => {
  const vault = await loggedIn(server.url);
  await vault.client.add('acme', { username: 'bot', password: vendorPassword });
  const { accessToken } = await sessionDocument(vault.storage);
  await vault.client.lock();
  assert.equal(await rawDevicesStatus(vault.storage, server.url, accessToken), 401);
  await assert.rejects(vault.client.use('acme', () => undefined), NotLoggedInError);
  await vault.client.login(server.url, { username: vault.username, password: 'a long enough account password' });
  assert.equal(await vault.client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
  vault.client.close();
});

test('logout ends the session on the server and forgets it here', async () => {
  const vault = await loggedIn(server.url);
  const { accessToken } = await sessionDocument(vault.storage);
  await vault.client.logout();
  assert.equal(await rawDevicesStatus(vault.storage, server.url, accessToken), 401);
  assert.deepEqual(await vault.storage.list('session-'), []);
  await assert.rejects(vault.client.devices(), NotLoggedInError);
});

test('another client on the same store (another tab): a rotation, a replacement and a removal there are seen by the next open here', async () => {
  const here = await loggedIn(server.url);
  const there = await openVault(here.storage);
  await here.client.add('acme', { username: 'bot', password: 'the first password' });
  assert.equal(await here.client.use('acme', (credential) => credential.revealPassword()), 'the first password');

  // Rotated there: the share this client knew of is destroyed, yet the open here succeeds from the stored document.
  await there.client.rotate('acme');
  assert.equal(await here.client.use('acme', (credential) => credential.revealPassword()), 'the first password');

  // Replaced there under the same name: the open here returns the new credential, never the one it knew.
  await there.client.remove('acme');
  await there.client.add('acme', { username: 'bot', password: 'the second password' });
  assert.equal(await here.client.use('acme', (credential) => credential.revealPassword()), 'the second password');

  await there.client.remove('acme');
  await assert.rejects(here.client.use('acme', () => undefined), ItemNotFoundError);
  here.client.close();
  there.client.close();
});

test('the item documents a client remembers between opens hold nothing secret: only what the store holds', async () => {
  const { client, storage } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot@acme.example', password: vendorPassword, url: 'https://portal.acme.example' });
  await client.add('beta', { username: 'bot@beta.example', password: vendorPassword }, { mode: ItemMode.Blinded });
  await client.use('acme', () => undefined);
  await client.use('beta', () => undefined);
  // The remembered documents, reached through private fields on purpose: this test inspects what is kept in memory.
  const known = (client as unknown as { vault: { items: { known: Map<string, unknown> } } }).vault.items.known;
  assert.deepEqual([...known.keys()].sort(), ['acme', 'beta']);
  const stored = new Map<string, JsonValue | undefined>();
  for (const name of await storage.list('items/')) {
    stored.set(name, await storage.get(name));
  }
  for (const value of known.values()) {
    const item = value as { [member: string]: unknown };
    assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'format', 'mac', 'name', 'sealedItem', 'server', 'threshold', 'unitId']);
    assert.ok(item['sealedItem'] instanceof Uint8Array);
    // The item-file MAC (docs/spec.md §3.1) is stored in the document too: public, like the ciphertext.
    assert.ok(item['mac'] instanceof Uint8Array);
    assert.equal(toBase64(item['mac'] as Uint8Array), (stored.get(`items/${String(item['unitId'])}.json`) as { [member: string]: JsonValue })['mac']);
    for (const member of ['createdAt', 'format', 'name', 'server', 'threshold', 'unitId']) {
      assert.ok(item[member] === null || ['string', 'number'].includes(typeof item[member]), `${member} is plain data`);
    }
    // Exactly the stored document: ciphertext and metadata, nothing derived from a key, a share or the credential.
    const document = stored.get(`items/${String(item['unitId'])}.json`) as { [member: string]: JsonValue };
    assert.equal(toBase64(item['sealedItem'] as Uint8Array), document['sealedItem']);
    const text = JSON.stringify({ ...item, sealedItem: toBase64(item['sealedItem'] as Uint8Array) });
    for (const secret of [vendorPassword, 'bot@acme.example', 'bot@beta.example', 'portal.acme.example']) {
      assert.ok(!text.includes(secret));
      assert.ok(!Buffer.from(item['sealedItem'] as Uint8Array).includes(Buffer.from(secret)));
    }
  }
  client.close();
});

test('the receipt is kept while the callback runs, and an open whose receipt cannot be kept rejects after it', async () => {
  const storage = new (class extends MemoryStorage {
    failReceipts = false;
    override async put(name: string, value: JsonValue): Promise<void> {
      if (this.failReceipts && name.startsWith('receipts/')) {
        throw new Error('the disk is full');
      }
      await super.put(name, value);
    }
  })();
  const { client } = await loggedIn(server.url, { storage });
  await client.add('acme', { username: 'bot', password: vendorPassword });
  const before = (await storage.list('receipts/')).length;
  await client.use('acme', () => undefined);
  assert.equal((await storage.list('receipts/')).length, before + 1, 'kept by the time use resolves');

  storage.failReceipts = true;
  let buffer: Uint8Array | undefined;
  await assert.rejects(client.use('acme', (credential) => {
    buffer = credential.passwordUtf8;
  }), /the disk is full/);
  assert.ok(buffer !== undefined && buffer.every((byte) => byte === 0), 'the credential is wiped all the same');
  client.close();
});

test('read(symbolon://ITEM/FIELD) opens the item through the key server, once per value, and totp gives the current code', async () => {
  const { client } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot', password: vendorPassword, fields: { totp: 'otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' } });
  const releases = async () => (await client.audit()).filter((entry) => entry.event === 'unit.released').length;
  const before = await releases();

  assert.equal(await client.read('symbolon://acme/password'), vendorPassword);
  assert.equal(await client.read(SecretReference.parse('symbolon://acme/username')), 'bot');
  const code = await client.read('symbolon://acme/totp');
  assert.match(code, /^[0-9]{6}$/);
  assert.equal(await releases(), before + 3);
  await assert.rejects(client.read('symbolon://acme/colour'), SecretReferenceError);
  await assert.rejects(client.read('symbolon://acme'), SecretReferenceError);
  await assert.rejects(client.read('symbolon://nothing/password'), ItemNotFoundError);
  client.close();
});

test("the audit log lists the account's releases, and every kept receipt checks against it", async () => {
  const { client } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot', password: vendorPassword });
  await client.add('beta', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Blinded });
  await client.use('acme', () => undefined);
  await client.use('beta', () => undefined);
  const audit = await client.audit();
  assert.ok(audit.some((entry) => entry.event === 'unit.released'));
  assert.ok(audit.some((entry) => entry.event === 'unit.evaluated'));
  const check = await checkAudit(client);
  assert.ok(check.checked >= 3, `checked ${check.checked}`);
  assert.equal(check.passed, true);
  client.close();
});

test('with the server stopped every operation fails as unreachable, and the item is kept', async () => {
  const { client, storage } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot', password: vendorPassword });
  await client.add('blind', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Blinded });
  const documents = await storage.list('items/');
  const before = JSON.stringify(await Promise.all(documents.map((name) => storage.get(name))));
  await server.kill();
  try {
    for (const name of ['acme', 'blind']) {
      await assert.rejects(client.use(name, () => undefined), ServerUnreachableError);
      await assert.rejects(client.rotate(name), ServerUnreachableError);
      await assert.rejects(client.remove(name), ServerUnreachableError);
    }
    await assert.rejects(client.add('beta', { username: 'bot', password: vendorPassword }), ServerUnreachableError);
    await assert.rejects(client.add('gamma', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Blinded }), ServerUnreachableError);
  } finally {
    await server.run();
  }
  assert.equal(JSON.stringify(await Promise.all(documents.map((name) => storage.get(name)))), before);
  assert.deepEqual((await client.list()).map((item) => item.name), ['acme', 'blind']);
  assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
  assert.equal(await client.use('blind', (credential) => credential.revealPassword()), vendorPassword);
  client.close();
});

test("a blinded-mode key pinned by the .NET client (its URL without the trailing '/') is honoured, not pinned again", async () => {
  const { client, storage } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Blinded });
  const state = await storage.get('vault.json') as { vaultId: string; server: string; oprfKeys: { server: string; userId: string; epoch: number; publicKey: string }[] };
  const [pinned] = state.oprfKeys;
  assert.ok(pinned !== undefined && state.oprfKeys.length === 1);

  // vault.json as the .NET client writes it: URLs as typed, and here a pin that is not the key the server shows.
  const dotnet = server.url.replace(/\/$/, '');
  const otherKey = toBase64(ristretto255_oprf.poprf(new Uint8Array(0)).generateKeyPair().publicKey);
  await storage.put('vault.json', {
    vaultId: state.vaultId, server: dotnet,
    sets: [{ name: 'pair', threshold: 2, servers: [dotnet, 'https://keys.example'] }],
    oprfKeys: [{ ...pinned, server: dotnet, publicKey: otherKey }],
  });
  await assert.rejects(client.add('beta', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Blinded }), ProtocolError);
  assert.deepEqual(client.sets(), [{ name: 'pair', threshold: 2, servers: [server.url, 'https://keys.example/'] }]);
  const after = await storage.get('vault.json') as { oprfKeys: unknown[] };
  assert.equal(after.oprfKeys.length, 1, 'no second pin for the same server, account and epoch');
  client.close();
});

test("the idle lock comes after the server's idle timeout, which a longer idleTimeoutMs cannot extend", async () => {
  const storage = new MemoryStorage();
  const clock = new Clock();
  const client = await VaultClient.open({ storage, now: clock.now, idleTimeoutMs: 60 * minute });
  const name = username('idle');
  await client.createAccount(server.url, name, accountPassword);
  await client.login(server.url, { username: name, password: accountPassword });
  const loggedInAt = clock.now();

  const status = await client.status();

  assert.ok(status.locksAt !== undefined && status.locksAt - loggedInAt <= 10 * minute && status.locksAt - loggedInAt > 9 * minute,
    `locks ${status.locksAt === undefined ? 'never' : (status.locksAt - loggedInAt) / minute} minutes after login, not after the server's 10`);
  client.close();
});

test("a client whose cached tokens another client rotated refreshes with the stored refresh token, not its spent one", async () => {
  const storage = new MemoryStorage();
  const clock = new Clock();
  const open = (): Promise<VaultClient> => VaultClient.open({ storage, now: clock.now, idleTimeoutMs: 60 * minute });
  const first = await open();
  const name = username('rotated');
  await first.createAccount(server.url, name, accountPassword);
  await first.login(server.url, { username: name, password: accountPassword });
  const second = await open();

  clock.advance(5 * minute);
  await second.devices();
  // The tokens second rotated are about to expire too; first still holds the login's, whose refresh token is spent.
  clock.advance(5 * minute);
  await first.devices();
  await second.devices();
  first.close();
  second.close();
});

test('a client opened over a live session (a reloaded page) runs the idle lock, which ends the session on the server', async () => {
  const storage = new MemoryStorage();
  const idleTimeoutMs = 3000;
  const earlier = await loggedIn(server.url, { storage, idleTimeoutMs });
  earlier.client.close();
  const { accessToken } = await sessionDocument(storage);

  const reloaded = await openVault(storage, { idleTimeoutMs });
  const deadline = Date.now() + 20_000;
  while (reloaded.locks === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(reloaded.locks, 1, 'the idle lock fired without any use of the reopened client');
  assert.deepEqual(await storage.list('session-'), []);
  assert.equal(await rawDevicesStatus(storage, server.url, accessToken), 401);
  reloaded.client.close();
});

test('a client whose cached session looks idle does not end a session another client on the same store is using', async () => {
  const storage = new MemoryStorage();
  const clock = new Clock();
  let locks = 0;
  const open = (): Promise<VaultClient> => VaultClient.open({ storage, now: clock.now, onLock: () => { locks += 1; } });
  const active = await open();
  const name = username('shared-tab');
  await active.createAccount(server.url, name, accountPassword);
  await active.login(server.url, { username: name, password: accountPassword });
  const longLived = await open();
  await longLived.devices();

  clock.advance(6 * minute);
  await active.devices();
  // longLived last saw the session 12 minutes ago, past the 10-minute idle timeout; active used it 6 minutes ago.
  clock.advance(6 * minute);
  await longLived.devices();
  await active.devices();
  assert.equal(locks, 0);
  assert.equal((await active.status()).loggedIn, true);
  active.close();
  longLived.close();
});

test('logout and lock with the server down still delete the tokens here, and name the server whose session was not ended', async () => {
  const out = await loggedIn(server.url);
  const locked = await loggedIn(server.url);
  await server.kill();
  let notEnded: string[][];
  try {
    notEnded = [await out.client.logout(), await locked.client.lock()];
  } finally {
    await server.run();
  }
  assert.deepEqual(notEnded, [[new URL(server.url).href], [new URL(server.url).href]]);
  for (const vault of [out, locked]) {
    assert.deepEqual(await vault.storage.list('session-'), []);
    assert.equal(vault.warnings.length, 1, vault.warnings.join('\n'));
    assert.ok(vault.warnings[0]?.includes(server.url) && vault.warnings[0].includes('could not be ended'), vault.warnings[0]);
    await assert.rejects(vault.client.devices(), NotLoggedInError);
  }
  assert.equal(locked.locks, 1);
});

test('a blinded release whose receipt cannot be kept fails, and its blind state is wiped', async () => {
  const storage = new FailingReceipts();
  const { client } = await loggedIn(server.url, { storage });
  await client.add('acme', { username: 'bot', password: vendorPassword }, { mode: ItemMode.Blinded });
  const states: OprfBlindState[] = [];
  const create = OprfBlindState.create.bind(OprfBlindState);
  OprfBlindState.create = (parts) => {
    const state = create(parts);
    states.push(state);
    return state;
  };
  storage.failing = true;
  try {
    await assert.rejects(client.use('acme', () => undefined), /disk full/);
  } finally {
    OprfBlindState.create = create;
    storage.failing = false;
  }
  assert.equal(states.length, 1);
  assert.equal(states[0]?.wiped, true);
  client.close();
});
