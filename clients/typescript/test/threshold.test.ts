// Threshold items (2 of 3) on three real key servers: one that lies is named while the item still opens, one that is
// down is tolerated.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromBase64, toBase64 } from '../src/crypto/bytes.js';
import { ItemMode } from '../src/crypto/context.js';
import { MemoryStorage } from '../src/storage.js';
import { KeyServerProcess } from './support/server.js';
import { accountPassword, openVault, username, vendorPassword } from './support/vault.js';

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
  assert.equal(await client.use('acme', (credential) => credential.revealPassword()), vendorPassword);
  await client.remove('acme');
  assert.deepEqual(await client.list(), []);
  assert.ok(warnings.some((warning) => warning.includes(c) && warning.includes('can never open again')), warnings.join('\n'));
  client.close();
});
