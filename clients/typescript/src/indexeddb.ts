// The browser's store: IndexedDB, which keeps CryptoKey objects themselves by structured clone. The root key and
// the device key are generated non-extractable and stored as such, so no script (an XSS payload included) can ever
// read their bytes; it can only use them while the page runs, and every use still needs the key server's consent.
// Nothing derived from a key is stored: documents hold ciphertext, public data and DPoP-bound tokens only.
import { generateRootKey } from './crypto/root-key.js';
import { DeviceKey } from './dpop.js';
import { requireDocumentName, type JsonValue, type VaultStorage } from './storage.js';

const keyStore = 'keys';
const documentStore = 'documents';
const rootKeyName = 'root';
const deviceKeyName = 'device';

/** A VaultStorage in one IndexedDB database (default name "symbolon"). */
export class IndexedDbStorage implements VaultStorage {
  private constructor(private readonly database: IDBDatabase) {}

  /** Opens (creating on first use) the database. */
  static async open(name = 'symbolon'): Promise<IndexedDbStorage> {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(keyStore);
      request.result.createObjectStore(documentStore);
    };
    return new IndexedDbStorage(await done(request));
  }

  /** Closes the connection (another open of the same database then proceeds). */
  close(): void {
    this.database.close();
  }

  async rootKey(): Promise<CryptoKey> {
    return this.keyOrCreate(rootKeyName, generateRootKey, (value): value is CryptoKey => value instanceof CryptoKey);
  }

  async deviceKey(): Promise<CryptoKeyPair> {
    return this.keyOrCreate(deviceKeyName, DeviceKey.generate, isKeyPair);
  }

  async resetDeviceKey(): Promise<void> {
    await done(this.store(keyStore, 'readwrite').delete(deviceKeyName));
  }

  async get(name: string): Promise<JsonValue | undefined> {
    requireDocumentName(name);
    const value: unknown = await done(this.store(documentStore, 'readonly').get(name));
    return value === undefined ? undefined : (value as JsonValue);
  }

  async put(name: string, value: JsonValue): Promise<void> {
    requireDocumentName(name);
    const transaction = this.database.transaction(documentStore, 'readwrite', { durability: 'strict' });
    transaction.objectStore(documentStore).put(value, name);
    await committed(transaction);
  }

  async delete(name: string): Promise<void> {
    requireDocumentName(name);
    const transaction = this.database.transaction(documentStore, 'readwrite', { durability: 'strict' });
    transaction.objectStore(documentStore).delete(name);
    await committed(transaction);
  }

  async list(prefix: string): Promise<string[]> {
    // Every name starting with the prefix sorts between it and the prefix followed by the highest code unit.
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const keys = await done(this.store(documentStore, 'readonly').getAllKeys(range));
    return keys.filter((key): key is string => typeof key === 'string');
  }

  async entries(prefix: string): Promise<[string, JsonValue][]> {
    // Names and documents from one transaction, so they match; both come back in key order.
    const store = this.store(documentStore, 'readonly');
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const [keys, values] = await Promise.all([done(store.getAllKeys(range)), done(store.getAll(range))]);
    return keys.flatMap((key, index): [string, JsonValue][] => (typeof key === 'string' ? [[key, values[index] as JsonValue]] : []));
  }

  /**
   * The stored key, or a new one. Two tabs opening a fresh vault at once may both generate; `add` lets only the
   * first write win and the other reads it back, so every tab ends up with the same key.
   */
  private async keyOrCreate<K>(name: string, create: () => Promise<K>, isKey: (value: unknown) => value is K): Promise<K> {
    const existing: unknown = await done(this.store(keyStore, 'readonly').get(name));
    if (isKey(existing)) {
      return existing;
    }
    const fresh = await create();
    const transaction = this.database.transaction(keyStore, 'readwrite', { durability: 'strict' });
    transaction.objectStore(keyStore).add(fresh, name);
    try {
      await committed(transaction);
      return fresh;
    } catch (error) {
      if (!(error instanceof DOMException) || error.name !== 'ConstraintError') {
        throw error;
      }
      const winner: unknown = await done(this.store(keyStore, 'readonly').get(name));
      if (!isKey(winner)) {
        throw error;
      }
      return winner;
    }
  }

  private store(name: string, mode: IDBTransactionMode): IDBObjectStore {
    return this.database.transaction(name, mode).objectStore(name);
  }
}

function isKeyPair(value: unknown): value is CryptoKeyPair {
  return typeof value === 'object' && value !== null
    && (value as Partial<CryptoKeyPair>).privateKey instanceof CryptoKey
    && (value as Partial<CryptoKeyPair>).publicKey instanceof CryptoKey;
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed.'));
  });
}

function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed.'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted.'));
  });
}
