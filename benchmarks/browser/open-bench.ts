// The page side of open-latency.mjs: a vault in this browser's IndexedDB with one split item, opened again and again
// through VaultClient.use exactly as an app opens it (DPoP-signed release round trip, receipt kept durably in
// IndexedDB, key derivation, unseal), each open timed with performance.now().
import { IndexedDbStorage, VaultClient } from '@symbolon/client';

const pauseMs = 30;
let vault: VaultClient | undefined;

/** When the last release request was handed to fetch and when its answer's headers came back (performance.now()). */
let releaseSent = 0;
let releaseAnswered = 0;

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
  vault = await VaultClient.open({ storage: await IndexedDbStorage.open('symbolon-bench'), deviceName: 'benchmark', fetch: timedFetch });
  await vault.createAccount(server, username, 'benchmark password 123');
  await vault.login(server, { username, password: 'benchmark password 123' });
  await vault.add('split', { username: 'bot@example.com', password: 'vendor password', url: 'https://portal.example' });
}

/**
 * `count` measured opens after `warmup` unmeasured ones, each after a 30 ms pause (as the .NET side), in ms; and how
 * long the release request of each took as the browser's resource timing saw it (request start to response end).
 */
async function opens(count: number, warmup: number): Promise<{ opens: number[]; releases: number[]; phases: number[][] }> {
  const opened = vault;
  if (opened === undefined) {
    throw new Error('setup() first.');
  }
  const measured: number[] = [];
  // Per open: before the release is sent, the release (fetch to headers), from the answer to the callback, and from
  // the callback to `use` resolving.
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
  };
  database.close();
  return result;
}

(window as unknown as { symbolonBench: unknown }).symbolonBench = { setup, opens, breakdown };
document.getElementById('state')?.replaceChildren('ready');
