// Everything a page's origin keeps on the device, read from inside the page: every record of every IndexedDB
// database, localStorage, sessionStorage, document.cookie and Cache Storage, walked into strings, byte arrays and
// CryptoKey descriptions (a CryptoKey's bytes cannot be read; that is the point). Then searched for a secret in
// every encoding a careless store might use.
import type { BrowserContext, Page } from 'playwright-core';

export interface KeyDescription {
  readonly store: string;
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: string;
  readonly usages: string[];
}

export interface StorageDump {
  readonly databases: string[];
  readonly records: number;
  readonly texts: string[];
  readonly byteArrays: number[][];
  readonly keys: KeyDescription[];
  readonly localStorageEntries: number;
  readonly sessionStorageEntries: number;
  readonly cacheEntries: number;
}

export async function dumpStorage(page: Page): Promise<StorageDump> {
  return page.evaluate(async () => {
    const texts: string[] = [];
    const byteArrays: number[][] = [];
    const keys: { store: string; type: string; extractable: boolean; algorithm: string; usages: string[] }[] = [];
    const walk = (value: unknown, store: string, seen: Set<object>): void => {
      if (value === null || value === undefined) {
        return;
      }
      if (typeof value !== 'object') {
        texts.push(String(value));
        return;
      }
      if (seen.has(value)) {
        return;
      }
      seen.add(value);
      if (value instanceof CryptoKey) {
        keys.push({ store, type: value.type, extractable: value.extractable, algorithm: value.algorithm.name, usages: [...value.usages] });
      } else if (value instanceof ArrayBuffer) {
        byteArrays.push(Array.from(new Uint8Array(value)));
      } else if (ArrayBuffer.isView(value)) {
        byteArrays.push(Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)));
      } else if (value instanceof Map || value instanceof Set) {
        for (const entry of value.entries()) {
          walk(entry, store, seen);
        }
      } else {
        for (const [name, member] of Object.entries(value)) {
          texts.push(name);
          walk(member, store, seen);
        }
      }
    };
    const request = <T>(pending: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
      pending.onsuccess = () => resolve(pending.result);
      pending.onerror = () => reject(pending.error);
    });

    const databases: string[] = [];
    let records = 0;
    for (const info of await indexedDB.databases()) {
      if (info.name === undefined) {
        continue;
      }
      databases.push(info.name);
      const database = await request(indexedDB.open(info.name));
      for (const storeName of Array.from(database.objectStoreNames)) {
        const store = database.transaction(storeName, 'readonly').objectStore(storeName);
        const [names, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
        records += values.length;
        walk(names, storeName, new Set());
        walk(values, storeName, new Set());
      }
      database.close();
    }
    for (const storage of [localStorage, sessionStorage]) {
      for (let index = 0; index < storage.length; index++) {
        const name = storage.key(index) ?? '';
        texts.push(name, storage.getItem(name) ?? '');
      }
    }
    texts.push(document.cookie);
    let cacheEntries = 0;
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName);
      for (const cached of await cache.keys()) {
        cacheEntries++;
        texts.push(cached.url, await ((await cache.match(cached))?.text() ?? Promise.resolve('')));
      }
    }
    return {
      databases, records, texts, byteArrays, keys,
      localStorageEntries: localStorage.length, sessionStorageEntries: sessionStorage.length, cacheEntries,
    };
  });
}

/** The encodings of `secret` a store might hold: as is, UTF-8 bytes, base64, base64url, hex, URL-encoded. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    secret, bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'),
    bytes.toString('hex'), bytes.toString('hex').toUpperCase(), encodeURIComponent(secret),
  ];
}

/** Where `secret` occurs in the dump or in the context's cookies (HttpOnly ones included); empty when nowhere. */
export async function findSecret(dump: StorageDump, context: BrowserContext, secret: string): Promise<string[]> {
  const found: string[] = [];
  const forms = encodings(secret);
  for (const text of dump.texts) {
    for (const form of forms) {
      if (text.includes(form)) {
        found.push(`text containing ${form === secret ? 'the secret' : `an encoding of it (${form})`}`);
      }
    }
  }
  const raw = Buffer.from(secret, 'utf8');
  for (const bytes of dump.byteArrays) {
    const buffer = Buffer.from(bytes);
    if (buffer.includes(raw) || forms.some((form) => buffer.includes(Buffer.from(form, 'latin1')))) {
      found.push('a byte array containing it');
    }
  }
  for (const cookie of await context.cookies()) {
    if (forms.some((form) => cookie.name.includes(form) || cookie.value.includes(form))) {
      found.push(`cookie ${cookie.name}`);
    }
  }
  return found;
}
