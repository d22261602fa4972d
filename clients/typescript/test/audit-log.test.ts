// The audit check against a real key server (docs/spec.md §7.1): a checkpoint pinned on first use, then servers that
// rewound or rewrote their log, or changed their audit key, as the client sees them (their answers substituted).
import assert from 'node:assert/strict';
import { checkAudit } from '../src/audit.js';
import { sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fromBase64, toBase64, utf8 } from '../src/crypto/bytes.js';
import { checkpointSignedBytes } from '../src/crypto/merkle.js';
import { AuditLogError } from '../src/errors.js';
import { KeyServerProcess } from './support/server.js';
import { loggedIn, vendorPassword } from './support/vault.js';

let server: KeyServerProcess;
before(async () => { server = await KeyServerProcess.start(); });
after(async () => { await server?.stop(); });

/** A fetch that answers `path` (GET) with `body` and passes everything else to the server. */
function substituting(answers: Record<string, (url: URL) => unknown>): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const answer = answers[url.pathname];
    if (answer !== undefined) {
      return new Response(JSON.stringify(answer(url)), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    return fetch(input, init);
  };
}

test('a checkpoint is pinned, and a rewound log, a rewritten one and another audit key each fail the check', async () => {
  const substitutes: Record<string, (url: URL) => unknown> = {};
  const { client } = await loggedIn(server.url, { fetch: substituting(substitutes) });
  await client.add('acme', { username: 'bot', password: vendorPassword });
  await client.use('acme', () => undefined);
  const older = await server.checkpoint();
  await client.add('beta', { username: 'bot', password: vendorPassword });
  const pinned = await server.checkpoint();

  const passed = await checkAudit(client);
  assert.equal(passed.passed, true);
  assert.equal(passed.included, 1);
  assert.equal(passed.treeSize, pinned['treeSize']);

  // The newest checkpoint the server publishes is an older, smaller one: the log was truncated and rewound.
  substitutes['/v1/audit/checkpoints/latest'] = () => older;
  await assert.rejects(checkAudit(client), (error: unknown) =>
    error instanceof AuditLogError && error.message.includes(`rewound its audit log: this device verified a checkpoint of ${String(pinned['treeSize'])} records`));

  // A larger tree, properly signed, over a rewritten history: no consistency proof can join it to the pinned one.
  const treeSize = (pinned['treeSize'] as number) + 3;
  const rewritten = { treeSize, rootHash: toBase64(new Uint8Array(32).fill(7)), time: pinned['time'] as string, signature: '' };
  rewritten.signature = toBase64(sign('sha256', checkpointSignedBytes(rewritten), { key: await server.auditSigningKey(), dsaEncoding: 'ieee-p1363' }));
  substitutes['/v1/audit/checkpoints/latest'] = () => rewritten;
  substitutes['/v1/audit/proofs/consistency'] = (url) => ({
    from: Number(url.searchParams.get('from')), to: treeSize, proof: [toBase64(utf8('x'.repeat(32))), toBase64(fromBase64(rewritten.rootHash))],
  });
  await assert.rejects(checkAudit(client), (error: unknown) =>
    error instanceof AuditLogError && error.message.includes(`does not extend the checkpoint of ${String(pinned['treeSize'])} records this device verified`));

  // The server's answers are genuine again, but under another audit key.
  delete substitutes['/v1/audit/checkpoints/latest'];
  delete substitutes['/v1/audit/proofs/consistency'];
  assert.equal((await checkAudit(client)).passed, true);
  substitutes['/v1/audit/key'] = () => ({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' });
  await assert.rejects(checkAudit(client), (error: unknown) => error instanceof AuditLogError && error.message.includes('different audit key'));
  client.close();
});

test('a receipt whose record is not in a checkpoint yet is pending, not missing', async () => {
  const { client } = await loggedIn(server.url);
  await client.add('acme', { username: 'bot', password: vendorPassword });
  await client.use('acme', () => undefined);
  await server.checkpoint();
  await client.use('acme', () => undefined);

  const result = await checkAudit(client);
  assert.equal(result.passed, true);
  assert.equal(result.included, 1);
  assert.equal(result.pending?.length, 1);
  client.close();
});
