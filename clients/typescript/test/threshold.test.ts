// Threshold items (2 of 3) on three real key servers: one that lies is named while the item still opens (whether its
// share came in time or late), one that is down is tolerated, and nothing opened outlives a failed open.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromBase64, toBase64 } from '../src/crypto/bytes.js';
import { ItemMode } from '../src/crypto/context.js';
import { Credential } from '../src/crypto/credential.js';
import { MemoryStorage } from '../src/storage.js';
import type { VaultClientOptions } from '../src/vault-context.js';
import { KeyServerProcess } from './support/server.js';
import { accountPassword, FailingReceipts, openVault, username, vendorPassword, type TestVault } from './support/vault.js';

let servers: KeyServerProcess[] = [];
before(async () => { servers = [await KeyServerProcess.start(), await KeyServerProcess.start(), await KeyServerProcess.start()]; });
after(async () => { await Promise.all(servers.map((server) => server.stop())); });

/**
 * A fetch that, while `lying` is set, flips a byte of every share the second server releases, and holds back the
 * third server's releases until the liar has answered, so the liar's share is always among the first two combined.
 */
class LyingSecondServer {
  lying = false;
  private liarAnswered: Promise<void> = Promise.resolve();
  private markAnswered: () => void = () => undefined;

  constructor(private readonly liar: string, private readonly held: string) {}

  arm(): void {
    this.lying = true;
    this.liarAnswered = new Promise((resolve) => { this.markAnswered = resolve; });
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!this.lying || !url.pathname.endsWith('/release')) {
      return fetch(input, init);
    }
    if (url.origin === new URL(this.held).origin) {
      await this.liarAnswered;
      return fetch(input, init);
    }
    if (url.origin !== new URL(this.liar).origin) {
      return fetch(input, init);
    }
    const response = await fetch(input, init);
    const body = await response.json() as { share: string };
    const share = fromBase64(body.share);
    share[0] = (share[0] ?? 0) ^ 0x5a;
    this.markAnswered();
    return new Response(JSON.stringify({ ...body, share: toBase64(share) }), { status: response.status, headers: { 'Content-Type': 'application/json' } });
  };
}

test('a 2-of-3 item is added, opened, opened despite a lying member (named), rotated, opened with a member down, and removed', async () => {
  const [a, b, c] = servers.map((server) => server.url) as [string, string, string];
  const network = new LyingSecondServer(b, c);
  const { client, warnings } = await openVault(new MemoryStorage(), { fetch: network.fetch, thresholdTimeoutMs: 10_000 });
  const name = username('trio');
  for (const server of [a, b, c]) {
    await client.createAccount(server, name, accountPassword);
    await client.login(server, { username: name, password: accountPassword });
  }
  await client.defineSet('trio', 2, [a, b, c]);
  const added = await client.add('acme', { username: 'bot@acme.example', password: vendorPassword }, { mode: ItemMode.Threshold, set: 'trio' });
  assert.equal(added.mode, ItemMode.Threshold);
  assert.deepEqual((await client.list()).map((item) => item.name), ['acme']);
  assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
  assert.equal(warnings.length, 0);

  network.arm();
  assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
  network.lying = false;
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]?.includes(b), warnings[0]);
  assert.ok(!warnings[0]?.includes(vendorPassword));

  await client.rotate('acme');
  assert.equal((await client.list())[0]?.keyVersion, 2);
  assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);

  await servers[2]?.kill();
  try {
    assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
    await client.remove('acme');
    assert.deepEqual(await client.list(), []);
    assert.ok(warnings.some((warning) => warning.includes(c) && warning.includes('can never open again')), warnings.join('\n'));
  } finally {
    // The tests after this one need all three servers.
    await servers[2]?.run();
  }
  client.close();
});

/**
 * A fetch that, while armed, holds back the liar's releases until the other two servers have answered (so the item
 * opens without it) and then flips a byte of the share it returns.
 */
class LateLiar {
  private armed = false;
  private answered = 0;
  private othersAnswered: Promise<void> = Promise.resolve();
  private markOthers: () => void = () => undefined;

  constructor(private readonly liar: string) {}

  arm(): void {
    this.armed = true;
    this.answered = 0;
    this.othersAnswered = new Promise((resolve) => { this.markOthers = resolve; });
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!this.armed || !url.pathname.endsWith('/release')) {
      return fetch(input, init);
    }
    if (url.origin !== new URL(this.liar).origin) {
      const response = await fetch(input, init);
      this.answered += 1;
      if (this.answered === 2) {
        this.markOthers();
      }
      return response;
    }
    await this.othersAnswered;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const response = await fetch(input, init);
    const body = await response.json() as { share: string };
    const share = fromBase64(body.share);
    share[0] = (share[0] ?? 0) ^ 0x5a;
    return new Response(JSON.stringify({ ...body, share: toBase64(share) }), { status: response.status, headers: { 'Content-Type': 'application/json' } });
  };
}

/** A client logged in to all three servers with a 2-of-3 item 'acme'. */
async function trio(options: Partial<VaultClientOptions>): Promise<TestVault> {
  const [a, b, c] = servers.map((server) => server.url) as [string, string, string];
  const vault = await openVault(options.storage ?? new MemoryStorage(), options);
  const name = username('trio');
  for (const server of [a, b, c]) {
    await vault.client.createAccount(server, name, accountPassword);
    await vault.client.login(server, { username: name, password: accountPassword });
  }
  await vault.client.defineSet('trio', 2, [a, b, c]);
  await vault.client.add('acme', { username: 'bot@acme.example', password: vendorPassword }, { mode: ItemMode.Threshold, set: 'trio' });
  return vault;
}

test('a member whose bad share comes after the item opened is named too', async () => {
  const liar = servers[1]?.url ?? '';
  const network = new LateLiar(liar);
  const { client, warnings } = await trio({ fetch: network.fetch, thresholdTimeoutMs: 10_000 });
  network.arm();
  assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
  const deadline = Date.now() + 15_000;
  while (warnings.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(warnings.length, 1, 'the late share was checked');
  assert.ok(warnings[0]?.includes(liar) && warnings[0].includes('bad share'), warnings[0]);
  client.close();
});

test('an open whose receipts cannot be kept fails, and the credential it opened is wiped', async () => {
  const storage = new FailingReceipts();
  const { client } = await trio({ storage });
  const opened: Credential[] = [];
  const tryDecode = Credential.tryDecode.bind(Credential);
  Credential.tryDecode = (padded) => {
    const credential = tryDecode(padded);
    if (credential !== undefined) {
      opened.push(credential);
    }
    return credential;
  };
  storage.failing = true;
  try {
    await assert.rejects(client.use('acme', () => assert.fail('the credential was handed out')), /disk full/);
  } finally {
    Credential.tryDecode = tryDecode;
    storage.failing = false;
  }
  assert.ok(opened.length > 0);
  assert.ok(opened.every((credential) => credential.wiped), 'every credential opened was wiped');
  client.close();
});
