// The page side of open-latency.mjs: a vault in this browser's IndexedDB with one split item, opened again and again
// through VaultClient.use exactly as an app opens it (DPoP-signed release round trip, receipt kept durably in
// IndexedDB, key derivation, unseal), each open timed with performance.now().
import { IndexedDbStorage, VaultClient } from '@symbolon/client';

const pauseMs = 30;
let vault: VaultClient | undefined;

async function setup(server: string, username: string): Promise<void> {
  vault = await VaultClient.open({ storage: await IndexedDbStorage.open('symbolon-bench'), deviceName: 'benchmark' });
  await vault.createAccount(server, username, 'benchmark password 123');
  await vault.login(server, { username, password: 'benchmark password 123' });
  await vault.add('split', { username: 'bot@example.com', password: 'vendor password', url: 'https://portal.example' });
}

/**
 * `count` measured opens after `warmup` unmeasured ones, each after a 30 ms pause (as the .NET side), in ms; and how
 * long the release request of each took as the browser's resource timing saw it (request start to response end).
 */
async function opens(count: number, warmup: number): Promise<{ opens: number[]; releases: number[] }> {
  const opened = vault;
  if (opened === undefined) {
    throw new Error('setup() first.');
  }
  const measured: number[] = [];
  performance.setResourceTimingBufferSize(100_000);
  for (let index = -warmup; index < count; index++) {
    if (index === 0) {
      performance.clearResourceTimings();
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const started = performance.now();
    const length = await opened.use('split', (credential) => credential.passwordUtf8.length);
    const elapsed = performance.now() - started;
    if (length === 0) {
      throw new Error('The item opened empty.');
    }
    if (index >= 0) {
      measured.push(elapsed);
    }
  }
  const releases = performance.getEntriesByType('resource')
    .filter((entry) => entry.name.endsWith('/release'))
    .map((entry) => (entry as PerformanceResourceTiming).responseEnd - (entry as PerformanceResourceTiming).startTime);
  return { opens: measured, releases };
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
