// The page side of open-latency.mjs: two vaults in this browser's IndexedDB, each with one split item, opened again
// and again through VaultClient.use exactly as an app opens it (DPoP-signed release round trip, receipt kept durably
// in IndexedDB, key derivation, unseal), each open timed with performance.now(). The `channel` vault is opened as an
// app opens it, so its releases go over the key server's use channel (a WebSocket); the `fetch` vault is given a fetch
// of its own, so every request of it, releases included, goes by fetch (the client's behaviour before the channel).
import { IndexedDbStorage, VaultClient } from '@symbolon/client';

const pauseMs = 30;
type Transport = 'channel' | 'fetch';
const vaults = new Map<Transport, VaultClient>();

/** When the last release was sent (handed to fetch, or a message to the channel) and when its answer came back. */
let releaseSent = 0;
let releaseAnswered = 0;

/** The platform's WebSocket, noting when a message leaves and when an answer arrives (before the client sees it). */
class TimedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    this.addEventListener('message', () => { releaseAnswered = performance.now(); });
  }

  override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    releaseSent = performance.now();
    super.send(data);
  }
}
window.WebSocket = TimedWebSocket;

/** The platform's fetch, noting when a release request leaves and when its answer arrives. */
const timedFetch: typeof fetch = async (input, init) => {
  const release = String(input instanceof Request ? input.url : input).endsWith('/release');
  if (release) {
    releaseSent = performance.now();
  }
  const response = await fetch(input, init);
  if (release) {
    releaseAnswered = performance.now();
  }
  return response;
};

async function setup(server: string, username: string): Promise<void> {
  for (const transport of ['channel', 'fetch'] as const) {
    const vault = await VaultClient.open({
      storage: await IndexedDbStorage.open(`symbolon-bench-${transport}`),
      deviceName: `benchmark (${transport})`,
      ...(transport === 'fetch' ? { fetch: timedFetch } : {}),
    });
    await vault.createAccount(server, `${username}-${transport}`, 'benchmark password 123');
    await vault.login(server, { username: `${username}-${transport}`, password: 'benchmark password 123' });
    await vault.add('split', { username: 'bot@example.com', password: 'vendor password', url: 'https://portal.example' });
    vaults.set(transport, vault);
  }
}

/**
 * `count` measured opens of the `transport` vault after `warmup` unmeasured ones, each after a 30 ms pause (as the
 * .NET side), in ms; and how long the release request of each took as the browser's resource timing saw it (request
 * start to response end; fetch only: resource timing does not see WebSocket messages).
 */
async function opens(transport: Transport, count: number, warmup: number): Promise<{ opens: number[]; releases: number[]; phases: number[][] }> {
  const opened = vaults.get(transport);
  if (opened === undefined) {
    throw new Error('setup() first.');
  }
  const measured: number[] = [];
  // Per open: before the release is sent, the release (sent to answered: fetch to headers, or message to message),
  // from the answer to the callback, and from the callback to `use` resolving.
  const phases: number[][] = [];
  performance.setResourceTimingBufferSize(100_000);
  for (let index = -warmup; index < count; index++) {
    if (index === 0) {
      performance.clearResourceTimings();
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    let called = 0;
    const started = performance.now();
    const length = await opened.use('split', (credential) => {
      called = performance.now();
      return credential.passwordUtf8.length;
    });
    const ended = performance.now();
    if (length === 0) {
      throw new Error('The item opened empty.');
    }
    if (index >= 0) {
      measured.push(ended - started);
      phases.push([releaseSent - started, releaseAnswered - releaseSent, called - releaseAnswered, ended - called]);
    }
  }
  const releases = performance.getEntriesByType('resource')
    .filter((entry) => entry.name.endsWith('/release'))
    .map((entry) => (entry as PerformanceResourceTiming).responseEnd - (entry as PerformanceResourceTiming).startTime);
  return { opens: measured, releases, phases };
}

/**
 * What the parts of an open cost in this browser, each the mean of `count` runs back to back (single operations are
 * below the resolution of performance.now() outside a cross-origin-isolated page): an IndexedDB write with strict
 * durability (how the client keeps each receipt) and with relaxed, an ECDSA P-256 signature (each DPoP proof), an HKDF
 * derivation, and a bare same-origin round trip (GET /healthz).
 */
async function breakdown(count: number): Promise<Record<string, number>> {
  const mean = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    for (let index = 0; index < count; index++) {
      await run();
    }
    return (performance.now() - started) / count;
  };
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('symbolon-bench-breakdown', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('documents');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const put = (durability: IDBTransactionDurability) => () => new Promise<void>((resolve, reject) => {
    const transaction = database.transaction('documents', 'readwrite', { durability });
    transaction.objectStore('documents').put({ sequence: 1, signature: 'x'.repeat(88) }, 'receipt');
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
  const signing = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const hkdf = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'HKDF', false, ['deriveBits']);
  const data = new TextEncoder().encode('x'.repeat(300));
  const result = {
    indexedDbStrictPutMs: await mean(put('strict')),
    indexedDbRelaxedPutMs: await mean(put('relaxed')),
    ecdsaSignMs: await mean(() => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signing.privateKey, data)),
    hkdfDeriveMs: await mean(() => crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: data }, hkdf, 256)),
    healthzRoundTripMs: await mean(() => fetch('/healthz').then((response) => response.text())),
    channelRoundTripMs: await channelRoundTrip(mean),
  };
  database.close();
  return result;
}

/** A message the channel refuses without authenticating anything (a path it does not carry): its bare round trip. */
async function channelRoundTrip(mean: (run: () => Promise<unknown>) => Promise<number>): Promise<number> {
  const socket = new WebSocket(new URL('/v1/channel', location.href.replace(/^http/, 'ws')));
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  let id = 0;
  const result = await mean(() => new Promise((resolve) => {
    socket.onmessage = resolve;
    socket.send(JSON.stringify({ id: ++id, method: 'POST', path: '/v1/noop' }));
  }));
  socket.close();
  return result;
}

(window as unknown as { symbolonBench: unknown }).symbolonBench = { setup, opens, breakdown };
document.getElementById('state')?.replaceChildren('ready');
