// The use channel: releases and evaluations over one WebSocket to the key server, answered as the requests would be,
// and fetch whenever no channel can be had. Run with Node's WebSocket (`--experimental-websocket` on Node 20, as the
// test script does; on by default from Node 22).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KeyServerApi } from '../src/api.js';
import { fromBase64Url } from '../src/crypto/bytes.js';
import { AccessDeniedError, ProtocolError, ServerUnreachableError } from '../src/errors.js';
import { device, FixedSession } from './support/api.js';
import { KeyServerProcess } from './support/server.js';

let server: KeyServerProcess;
before(async () => { server = await KeyServerProcess.start(); });
after(async () => { await server?.stop(); });

const unitId = '00000000-0000-4000-8000-000000000001';

function withToken(): FixedSession {
  return Object.assign(new FixedSession(), { token: 'token' });
}


/** Runs `body` with globalThis.WebSocket and globalThis.fetch replaced (a KeyServerApi takes both when made). */
async function withPlatform<T>(webSocket: unknown, fetchImpl: typeof fetch, body: () => Promise<T>): Promise<T> {
  const original = { webSocket: globalThis.WebSocket, fetch: globalThis.fetch };
  (globalThis as { WebSocket: unknown }).WebSocket = webSocket;
  globalThis.fetch = fetchImpl;
  try {
    return await body();
  } finally {
    (globalThis as { WebSocket: unknown }).WebSocket = original.webSocket;
    globalThis.fetch = original.fetch;
  }
}

/** A WebSocket stand-in: opens (or fails to), and hands every message sent to `reply`, which may answer on the socket. */
class FakeSocket extends EventTarget {
  static opened = 0;
  static fails = false;
  static reply: (message: Record<string, unknown>, socket: FakeSocket) => void = () => {};
  readyState = 0;

  constructor(readonly url: URL) {
    super();
    FakeSocket.opened++;
    queueMicrotask(() => {
      if (FakeSocket.fails) {
        this.dispatchEvent(new Event('error'));
        return;
      }
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    });
  }

  send(data: string): void { FakeSocket.reply(JSON.parse(data) as Record<string, unknown>, this); }
  answer(message: unknown): void { this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(message) })); }
  close(): void {
    this.readyState = 3;
    this.dispatchEvent(new Event('close'));
  }

  static reset(): void {
    FakeSocket.opened = 0;
    FakeSocket.fails = false;
    FakeSocket.reply = () => {};
  }
}

test('releases go over one channel to a real server, answer what fetch would, and nothing else uses it', async () => {
  assert.equal(typeof globalThis.WebSocket, 'function', 'the test runs with a platform WebSocket');
  let sockets = 0;
  let messages = 0;
  class CountingSocket extends globalThis.WebSocket {
    constructor(url: string | URL) { super(url); sockets++; }
    override send(data: string): void { messages++; super.send(data); }
  }
  const fetched: string[] = [];
  const real = globalThis.fetch;
  await withPlatform(CountingSocket, async (input, init) => { fetched.push(new URL(String(input)).pathname); return real(input, init); }, async () => {
    const session = new FixedSession();
    const api = new KeyServerApi(server.url, await device(), session);
    const password = 'a long enough account password';
    await api.createAccount({ username: 'channel-user', password });
    session.token = (await api.login({ username: 'channel-user', password, deviceName: 'channel test' })).accessToken;
    const created = await api.createUnit({});

    const releases = [await api.release(created.unitId, {}), await api.release(created.unitId, {}), await api.release(created.unitId, { version: 1 })];
    api.close();

    for (const released of releases) {
      assert.equal(released.share, created.share);
      assert.equal(released.receipt.unitId, created.unitId);
    }
    assert.equal(new Set(releases.map((r) => r.receipt.sequence)).size, 3, 'three releases, three audit records');
    assert.equal(sockets, 1);
    assert.equal(messages, 3);
    assert.deepEqual(fetched.filter((path) => path.endsWith('/release')), []);
    assert.ok(fetched.includes('/v1/units'), 'creating a unit went by fetch');
  });
});

test('a message is the request: POST, its path, the token and a DPoP proof for the http(s) URL', async () => {
  FakeSocket.reset();
  const sent: Record<string, unknown>[] = [];
  FakeSocket.reply = (message, socket) => {
    sent.push(message);
    socket.answer({ id: message['id'], status: 404, retryAfter: null, body: { type: 'https://symbolon.dev/problems/not-found', title: 'Not found', status: 404 } });
  };
  await withPlatform(FakeSocket, async () => { throw new Error('fetch must not be used'); }, async () => {
    const api = new KeyServerApi('https://keys.example', await device(), withToken());
    await assert.rejects(api.release(unitId, { version: 3 }));
    const message = sent[0]!;
    assert.equal(message['method'], 'POST');
    assert.equal(message['path'], `/v1/units/${unitId}/release`);
    assert.equal(message['authorization'], 'DPoP token');
    assert.deepEqual(message['body'], { version: 3 });
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(String(message['dpop']).split('.')[1]!))) as Record<string, unknown>;
    assert.equal(claims['htm'], 'POST');
    assert.equal(claims['htu'], `https://keys.example/v1/units/${unitId}/release`);
    assert.equal(FakeSocket.opened, 1);
  });
});

test('problems over the channel become the same typed errors; a garbled answer is a ProtocolError', async () => {
  FakeSocket.reset();
  const answers = [
    { status: 429, retryAfter: '17', body: { type: 'https://symbolon.dev/problems/rate-limited', title: 'Too many', status: 429, detail: 'Slow down.' } },
    { status: 200, retryAfter: null, body: { unitId: 5 } },
    { status: 200, retryAfter: null, body: null },
  ];
  FakeSocket.reply = (message, socket) => socket.answer({ id: message['id'], ...answers.shift() });
  await withPlatform(FakeSocket, async () => { throw new Error('fetch must not be used'); }, async () => {
    const api = new KeyServerApi('https://keys.example', await device(), withToken());
    await assert.rejects(api.release(unitId, {}),
      (error: unknown) => error instanceof AccessDeniedError && error.reason === 'rate-limited' && error.retryAfter === 17);
    await assert.rejects(api.release(unitId, {}), ProtocolError);
    await assert.rejects(api.release(unitId, {}), ProtocolError);
  });
});

test('a channel that cannot be opened leaves the request to fetch, and is not tried again at once', async () => {
  FakeSocket.reset();
  FakeSocket.fails = true;
  const fetched: string[] = [];
  const notFound = () => new Response(JSON.stringify({ type: 'https://symbolon.dev/problems/not-found', title: 'Not found', status: 404 }),
    { status: 404, headers: { 'Content-Type': 'application/problem+json' } });
  await withPlatform(FakeSocket, async (input) => { fetched.push(new URL(String(input)).pathname); return notFound(); }, async () => {
    const api = new KeyServerApi('https://keys.example', await device(), withToken());
    await assert.rejects(api.release(unitId, {}));
    await assert.rejects(api.release(unitId, {}));
    assert.equal(FakeSocket.opened, 1);
    assert.deepEqual(fetched, [`/v1/units/${unitId}/release`, `/v1/units/${unitId}/release`]);
  });
});

test('a channel lost while a release waits fails as a lost connection does', async () => {
  FakeSocket.reset();
  FakeSocket.reply = (_message, socket) => socket.close();
  await withPlatform(FakeSocket, async () => { throw new Error('fetch must not be used'); }, async () => {
    const api = new KeyServerApi('https://keys.example', await device(), withToken());
    await assert.rejects(api.release(unitId, {}), ServerUnreachableError);
  });
});

test('an app that gives its own fetch, or turns the channel off, sends everything by fetch', async () => {
  FakeSocket.reset();
  await withPlatform(FakeSocket, globalThis.fetch, async () => {
    const fetched: string[] = [];
    const own: typeof fetch = async (input) => { fetched.push(new URL(String(input)).pathname); return new Response(null, { status: 503 }); };
    const withOwnFetch = new KeyServerApi('https://keys.example', await device(), withToken(), { fetch: own });
    const channelOff = new KeyServerApi('https://keys.example', await device(), withToken(), { channel: false, fetch: own });
    await assert.rejects(withOwnFetch.release(unitId, {}));
    await assert.rejects(channelOff.release(unitId, {}));
    assert.equal(FakeSocket.opened, 0);
    assert.equal(fetched.length, 2);
  });
});
