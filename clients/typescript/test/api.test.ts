// The typed key-server API against a real server: DPoP proofs it accepts, problems mapped to typed errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KeyServerApi, serverUrl } from '../src/api.js';
import { fromBase64Url } from '../src/crypto/bytes.js';
import { AccessDeniedError, InvalidOperationError, ItemNotFoundError, NotLoggedInError, ProtocolError, ServerUnreachableError } from '../src/errors.js';
import { device, FixedSession } from './support/api.js';
import { freePort, KeyServerProcess } from './support/server.js';

let server: KeyServerProcess;
before(async () => { server = await KeyServerProcess.start(); });
after(async () => { await server?.stop(); });

const password = 'a long enough account password';


test('an account is created, a DPoP login enrols the device, refresh rotates, and a reused refresh token ends the session', async () => {
  const key = await device();
  const session = new FixedSession();
  const api = new KeyServerApi(server.url, key, session);
  await api.createAccount({ username: 'ada', password });
  const login = await api.login({ username: 'ada', password, deviceName: 'test' });
  session.token = login.accessToken;
  const devices = await api.devices();
  assert.equal(devices.length, 1);
  assert.equal(devices[0]?.thumbprint, key.thumbprint);
  assert.equal(devices[0]?.current, true);

  const refreshed = await api.refresh({ refreshToken: login.refreshToken });
  assert.notEqual(refreshed.refreshToken, login.refreshToken);
  session.token = refreshed.accessToken;
  await api.devices();

  await assert.rejects(api.refresh({ refreshToken: login.refreshToken }), NotLoggedInError);
  // Reuse of a spent refresh token looks like theft: the server revokes the whole session.
  await assert.rejects(api.devices(), NotLoggedInError);
  await assert.rejects(api.refresh({ refreshToken: refreshed.refreshToken }), NotLoggedInError);
});

test("another device's proof with a stolen access token is refused", async () => {
  const owner = new FixedSession();
  const api = new KeyServerApi(server.url, await device(), owner);
  await api.createAccount({ username: 'bob', password });
  owner.token = (await api.login({ username: 'bob', password })).accessToken;
  const thief = new KeyServerApi(server.url, await device(), owner);
  await assert.rejects(thief.devices(), NotLoggedInError);
  await api.devices();
});

test('problems become typed errors by slug', async () => {
  const session = new FixedSession();
  const api = new KeyServerApi(server.url, await device(), session);
  await api.createAccount({ username: 'cyd', password });
  await assert.rejects(api.createAccount({ username: 'cyd', password }), InvalidOperationError);
  await assert.rejects(api.login({ username: 'cyd', password: 'not the password at all' }),
    (error: unknown) => error instanceof AccessDeniedError && error.reason === 'invalid-credentials' && !error.message.includes('not the password'));
  session.token = (await api.login({ username: 'cyd', password })).accessToken;
  await assert.rejects(api.release('00000000-0000-4000-8000-000000000001', {}), ItemNotFoundError);
  await assert.rejects(api.createUnit({ share: 'AAAA' }), InvalidOperationError);
  const created = await api.createUnit();
  assert.equal(created.version, 1);
  assert.equal(typeof created.share, 'string');
});

test('a port nobody listens on is unreachable', async () => {
  const api = new KeyServerApi(`http://127.0.0.1:${await freePort()}/`, await device());
  await assert.rejects(api.auditKey(), ServerUnreachableError);
});

test('plain http is refused except to loopback, and a server URL has no path', () => {
  assert.throws(() => serverUrl('http://keys.example/'), InvalidOperationError);
  assert.throws(() => serverUrl('http://10.0.0.1:5290/'), InvalidOperationError);
  assert.throws(() => serverUrl('https://keys.example/prefix/'), InvalidOperationError);
  assert.throws(() => serverUrl('https://user:pw@keys.example/'), InvalidOperationError);
  assert.equal(serverUrl('HTTPS://Keys.Example').href, 'https://keys.example/');
  assert.equal(serverUrl('http://127.0.0.1:5290').href, 'http://127.0.0.1:5290/');
  assert.equal(serverUrl('http://localhost:5290').href, 'http://localhost:5290/');
  assert.equal(serverUrl('http://[::1]:5290').href, 'http://[::1]:5290/');
});

test('a redirect is never followed', async () => {
  const { createServer } = await import('node:http');
  const redirecting = createServer((_request, response) => {
    response.writeHead(307, { Location: server.url + 'v1/audit/key' });
    response.end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => redirecting.listen(port, '127.0.0.1', resolve));
  try {
    const api = new KeyServerApi(`http://127.0.0.1:${port}/`, await device());
    await assert.rejects(api.auditKey(), ProtocolError);
  } finally {
    await new Promise((resolve) => redirecting.close(resolve));
  }
});

test('a rate limit becomes AccessDeniedError with its reason and Retry-After; a garbled answer is a ProtocolError', async () => {
  const answers: Response[] = [
    new Response(JSON.stringify({ type: 'https://symbolon.dev/problems/rate-limited', title: 'Too many', status: 429, detail: 'Slow down.' }),
      { status: 429, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '17' } }),
    new Response('{"unitId": 5}', { status: 200, headers: { 'Content-Type': 'application/json' } }),
    new Response('<html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
  ];
  const session = new FixedSession();
  session.token = 'token';
  const api = new KeyServerApi('https://keys.example', await device(), session, {
    fetch: async () => answers.shift() ?? new Response(null, { status: 500 }),
  });
  await assert.rejects(api.release('00000000-0000-4000-8000-000000000001', {}),
    (error: unknown) => error instanceof AccessDeniedError && error.reason === 'rate-limited' && error.retryAfter === 17 && error.hint === 'Try again in 17 s.');
  await assert.rejects(api.release('00000000-0000-4000-8000-000000000001', {}), ProtocolError);
  await assert.rejects(api.release('00000000-0000-4000-8000-000000000001', {}), ProtocolError);
});

test('an OIDC login sends the issuer token as Bearer with a proof that binds no access token', async () => {
  let seen: Headers | undefined;
  const api = new KeyServerApi('https://keys.example', await device(), undefined, {
    fetch: async (_input, init) => {
      seen = new Headers(init?.headers);
      return new Response(null, { status: 503 });
    },
  });
  await assert.rejects(api.login({ deviceName: 'laptop' }, 'issuer.jwt.token'), ProtocolError);
  assert.equal(seen?.get('Authorization'), 'Bearer issuer.jwt.token');
  const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(seen?.get('DPoP')?.split('.')[1] ?? ''))) as Record<string, unknown>;
  assert.equal(claims['htu'], 'https://keys.example/v1/sessions');
  assert.equal(claims['htm'], 'POST');
  assert.equal('ath' in claims, false);
});
