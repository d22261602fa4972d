// The Node file store: the .NET client's key formats, 0600 files in 0700 directories, atomic writes, keys that stay
// non-extractable and the same across restarts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fromBase64, toBase64 } from '../src/crypto/bytes.js';
import { deriveClientShare, importRootKey } from '../src/crypto/root-key.js';
import { DeviceKey } from '../src/dpop.js';
import { InvalidOperationError } from '../src/errors.js';
import { FileStore } from '../src/node/file-store.js';

const homes: string[] = [];
after(async () => { await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true }))); });

async function home(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'symbolon-ts-home-'));
  homes.push(path);
  return join(path, 'client');
}

const vaultId = '0f0e0d0c-0b0a-4908-8706-050403020100';
const unitId = '11111111-2222-4333-8444-555555555555';

async function walk(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? walk(join(path, entry.name)) : [join(path, entry.name)])));
  return [path, ...nested.flat()];
}

test('keys are created once, non-extractable, in the .NET formats, and the same after reopening', async () => {
  const path = await home();
  const store = await FileStore.open(path);
  const rootKey = await store.rootKey();
  const pair = await store.deviceKey();
  assert.equal(rootKey.extractable, false);
  assert.equal(pair.privateKey.extractable, false);

  const file = JSON.parse(await readFile(join(path, 'root.key'), 'utf8')) as { version: number; protection: string; key: string };
  assert.equal(file.version, 1);
  assert.equal(file.protection, 'none');
  const raw = fromBase64(file.key);
  assert.equal(raw.length, 32);
  const expected = await deriveClientShare(await importRootKey(raw), vaultId, unitId);

  const reopened = await FileStore.open(path);
  assert.deepEqual(await deriveClientShare(await reopened.rootKey(), vaultId, unitId), expected);
  assert.equal((await DeviceKey.fromKeyPair(await reopened.deviceKey())).thumbprint, (await DeviceKey.fromKeyPair(pair)).thumbprint);
  // device.key is PKCS#8, as the .NET client's DeviceKey.ImportPkcs8 reads it.
  await crypto.subtle.importKey('pkcs8', await readFile(join(path, 'device.key')), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
});

test('two first opens racing end with one root key', async () => {
  const path = await home();
  const [first, second] = await Promise.all([FileStore.open(path), FileStore.open(path)]);
  const [a, b] = await Promise.all([first.rootKey(), second.rootKey()]);
  assert.deepEqual(await deriveClientShare(a, vaultId, unitId), await deriveClientShare(b, vaultId, unitId));
});

test('a root.key written by another client (a test-only import) is used as it is', async () => {
  const path = await home();
  const raw = new Uint8Array(32).map((_, index) => index + 1);
  await FileStore.open(path);
  await writeFile(join(path, 'root.key'), JSON.stringify({ version: 1, protection: 'none', key: toBase64(raw) }), { mode: 0o600 });
  const store = await FileStore.open(path);
  assert.deepEqual(await deriveClientShare(await store.rootKey(), vaultId, unitId), await deriveClientShare(await importRootKey(raw), vaultId, unitId));
});

test('a passphrase-protected or damaged root.key is refused with a hint, never replaced', async () => {
  const path = await home();
  await FileStore.open(path);
  await writeFile(join(path, 'root.key'), JSON.stringify({ version: 1, protection: 'argon2id', wrapped: 'AAAA' }));
  await assert.rejects((await FileStore.open(path)).rootKey(), (error: unknown) => error instanceof InvalidOperationError && error.hint !== undefined);
  await writeFile(join(path, 'root.key'), '{ "version": 1, "protection": "none", "key": "not base64!" }');
  await assert.rejects((await FileStore.open(path)).rootKey(), InvalidOperationError);
  assert.match(await readFile(join(path, 'root.key'), 'utf8'), /not base64/);
});

test('documents round-trip, list by prefix, delete, and every file is 0600 in a 0700 directory with no temporary left', async () => {
  const path = await home();
  const store = await FileStore.open(path);
  await store.rootKey();
  await store.deviceKey();
  await store.put('vault.json', { vaultId, server: null });
  await store.put(`items/${unitId}.json`, { name: 'acme', format: 1 });
  await store.put('receipts/00ff-1.json', { sequence: 1 });
  await store.put('vault.json', { vaultId, server: 'http://127.0.0.1:5290/' });

  assert.deepEqual(await store.get('vault.json'), { vaultId, server: 'http://127.0.0.1:5290/' });
  assert.deepEqual(await store.list('items/'), [`items/${unitId}.json`]);
  assert.deepEqual((await store.list('')).sort(), ['device.key', 'root.key', 'vault.json']);
  assert.deepEqual(await store.list('nothing/'), []);
  assert.equal(await store.get('missing.json'), undefined);

  for (const entry of await walk(path)) {
    const { mode } = await stat(entry);
    const isDirectory = (await stat(entry)).isDirectory();
    assert.equal(mode & 0o777, isDirectory ? 0o700 : 0o600, `${entry} has mode ${(mode & 0o777).toString(8)}`);
    assert.ok(!entry.includes('.tmp-'), entry);
  }

  await store.delete(`items/${unitId}.json`);
  await store.delete(`items/${unitId}.json`);
  assert.deepEqual(await store.list('items/'), []);
});

test('names that could leave the directory are refused', async () => {
  const store = await FileStore.open(await home());
  for (const name of ['../x.json', '/etc/passwd', 'items/../../x', '.hidden', 'a/b/c', '']) {
    await assert.rejects(store.put(name, null), InvalidOperationError, name);
  }
});

test('withLock excludes a second holder, even through another FileStore on the same directory, and leaves no lock file', async () => {
  const path = await home();
  const [first, second] = [await FileStore.open(path), await FileStore.open(path)];
  const events: string[] = [];
  const hold = (store: FileStore, who: string) => store.withLock('session-abc', async () => {
    events.push(`${who} in`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    events.push(`${who} out`);
  });
  await Promise.all([hold(first, 'a'), hold(second, 'b')]);
  assert.ok(events.join(',') === 'a in,a out,b in,b out' || events.join(',') === 'b in,b out,a in,a out', events.join(','));
  assert.deepEqual((await readdir(path)).filter((file) => file.includes('lock')), []);
  await assert.rejects(first.withLock('../x', async () => undefined), InvalidOperationError);
});

/** Writes a lock file as this client would, naming `pid` on this host, last changed two minutes ago. */
async function plantLock(path: string, name: string, pid: number, nonce: string): Promise<string> {
  const file = join(path, `${name}.ts-lock`);
  await writeFile(file, JSON.stringify({ pid, host: hostname(), nonce }), { mode: 0o600 });
  const old = new Date(Date.now() - 120_000);
  await utimes(file, old, old);
  return file;
}

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

test("the .NET client's lock files (session-*.lock, vault.lock, flocked and never deleted) are never waited on or removed", async () => {
  const path = await home();
  const store = await FileStore.open(path);
  const dotnet = join(path, 'session-abc.lock');
  await writeFile(dotnet, '');
  const old = new Date(Date.now() - 120_000);
  await utimes(dotnet, old, old);
  const during = await store.withLock('session-abc', async () => readdir(path));
  assert.ok(during.includes('session-abc.ts-lock'), during.join(', '));
  assert.ok((await readdir(path)).includes('session-abc.lock'), 'the .NET lock file is still there');
  assert.deepEqual(await store.list('session-'), []);
});

test('a lock whose holder died is taken over; one whose holder runs is waited for however old, then named in the error', async () => {
  const path = await home();
  const store = await FileStore.open(path, { lockWaitMs: 300 });
  await plantLock(path, 'vault', await deadPid(), 'dead');
  assert.equal(await store.withLock('vault', async () => 'taken over'), 'taken over');
  assert.ok(!(await readdir(path)).some((file) => file.includes('lock')));

  const held = await plantLock(path, 'session-abc', process.pid, 'alive');
  await assert.rejects(store.withLock('session-abc', async () => assert.fail('a live holder was robbed')),
    (error: unknown) => error instanceof InvalidOperationError && error.message.includes(held) && (error.hint ?? '').includes(held));
  assert.equal(JSON.parse(await readFile(held, 'utf8')).nonce, 'alive', 'the live holder keeps its lock');
});

test('many processes taking over one abandoned lock at once still hold it one at a time', async () => {
  const path = await home();
  const stores = await Promise.all(Array.from({ length: 8 }, () => FileStore.open(path)));
  await plantLock(path, 'session-abc', await deadPid(), 'dead');
  let inside = 0;
  let most = 0;
  await Promise.all(stores.map((store) => store.withLock('session-abc', async () => {
    inside += 1;
    most = Math.max(most, inside);
    await new Promise((resolve) => setTimeout(resolve, 10));
    inside -= 1;
  })));
  assert.equal(most, 1);
  assert.ok(!(await readdir(path)).some((file) => file.includes('lock')));
});
