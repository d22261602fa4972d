// The one storage interface of the client, and the in-memory store. A platform plugs its own keystore by
// implementing VaultStorage (see README.md: IndexedDB in browsers, a file directory in Node, a Tauri or Capacitor
// keystore in apps). The client stores only its two keys and small JSON documents: vault.json, one session per key
// server, one file per item (ciphertext only) and the release receipts. Nothing derived from a key is stored.
import { generateRootKey } from './crypto/root-key.js';
import { DeviceKey } from './dpop.js';
import { InvalidOperationError } from './errors.js';

/** A JSON document as stored: what JSON.parse returns. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [member: string]: JsonValue };

/** Whether a stored value is a JSON object (a document), rather than null, a scalar or an array. */
export function isObject(value: JsonValue | undefined): value is { [member: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where the client keeps its state. Keys are `CryptoKey`s whose secret half is non-extractable; how a store keeps
 * them across restarts is its business (IndexedDB stores the objects themselves; a file store keeps bytes and
 * imports them non-extractable). Document names are short paths such as `vault.json` or `items/<unit id>.json`.
 * Every write must be atomic (a reader sees the old document or the new one, never a mix) and durable before the
 * promise resolves: an item reported added must survive a crash.
 */
export interface VaultStorage {
  /** The client root key (an HKDF key, non-extractable), created on first use and the same ever after. */
  rootKey(): Promise<CryptoKey>;
  /** The DPoP device key pair (private key non-extractable), created on first use. */
  deviceKey(): Promise<CryptoKeyPair>;
  /** Forgets the device key, so that the next login enrols a new one (after this device was revoked). */
  resetDeviceKey(): Promise<void>;
  /** A document, or undefined if there is none by that name. */
  get(name: string): Promise<JsonValue | undefined>;
  /** Stores a document, replacing any of that name. */
  put(name: string, value: JsonValue): Promise<void>;
  /** Deletes a document; deleting one that is not there is not an error. */
  delete(name: string): Promise<void>;
  /** The names of the documents whose names start with `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  /**
   * Optional: every document whose name starts with `prefix`, with its name, in no particular order, read at once
   * (IndexedDB: one transaction). Without it the client lists the names, then reads the documents.
   */
  entries?(prefix: string): Promise<[string, JsonValue][]>;
  /**
   * Optional: runs `work` holding the exclusive lock `name` (letters, digits, `-`) across every client sharing this
   * store — several processes on one Node directory, say. The client holds one around each token refresh (refresh
   * tokens are single-use: two refreshing at once would look like theft and end the session) and around changes of
   * vault.json. A store without it relies on Web Locks where the platform has them (browser tabs), else on the
   * client's own in-process ordering.
   */
  withLock?<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/** How long a client waits for a lock another tab or process holds, as the .NET client's SessionLock. */
export const lockWaitMs = 15_000;

/** Runs `work` under the store's lock `name`, else a Web Lock where the platform has them, else directly. */
export async function withStorageLock<T>(storage: VaultStorage, name: string, work: () => Promise<T>): Promise<T> {
  if (storage.withLock !== undefined) {
    return storage.withLock(name, work);
  }
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Partial<Navigator>).locks;
  if (locks === undefined) {
    return work();
  }
  // The signal bounds the wait only: once granted, the lock is held until `work` settles, however long that takes.
  let granted = false;
  try {
    // The callback returns a promise, which the lock holds until it settles; `await` unwraps it for the type.
    return await locks.request(`symbolon-${name}`, { signal: AbortSignal.timeout(lockWaitMs) }, () => {
      granted = true;
      return work();
    });
  } catch (error) {
    if (!granted && error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new InvalidOperationError(`Timed out after ${lockWaitMs / 1000} s waiting for the lock '${name}' another tab holds.`,
        'Another tab of this app is stuck; close it and try again.');
    }
    throw error;
  }
}

/** The documents whose names start with `prefix`: the store's own `entries`, else a list and then the reads at once. */
export async function readEntries(storage: VaultStorage, prefix: string): Promise<[string, JsonValue][]> {
  if (storage.entries !== undefined) {
    return storage.entries(prefix);
  }
  const names = await storage.list(prefix);
  const values = await Promise.all(names.map((name) => storage.get(name)));
  // A document deleted between the list and its read is simply not there any more.
  return names.flatMap((name, index): [string, JsonValue][] => {
    const value = values[index];
    return value === undefined ? [] : [[name, value]];
  });
}

const documentName = /^[a-z0-9][a-z0-9._-]{0,127}(\/[a-z0-9][a-z0-9._-]{0,127})?$/i;

/**
 * Checks a document name: one or two segments of letters, digits, `.`, `_`, `-`, not starting with a dot, so no
 * store can be led outside its own space (no `..`, no absolute path).
 */
export function requireDocumentName(name: string): void {
  if (!documentName.test(name)) {
    throw new InvalidOperationError(`'${name}' is not a document name.`);
  }
}

/**
 * A store in memory, for tests and short-lived scripts: nothing survives the process. Documents are copied in and
 * out (structured clone), so a caller cannot change what is stored by changing an object it holds. Its locks
 * serialise every client sharing the one store object.
 */
export class MemoryStorage implements VaultStorage {
  private readonly documents = new Map<string, JsonValue>();
  /** Per lock name, the promise that settles when the last holder queued so far has released it. */
  private readonly locks = new Map<string, Promise<void>>();
  private root: Promise<CryptoKey> | undefined;
  private device: Promise<CryptoKeyPair> | undefined;

  /** A store whose root key is `rootKey` (e.g. imported with importRootKey in a test); by default a new one. */
  constructor(rootKey?: CryptoKey) {
    this.root = rootKey === undefined ? undefined : Promise.resolve(rootKey);
  }

  rootKey(): Promise<CryptoKey> {
    this.root ??= generateRootKey();
    return this.root;
  }

  deviceKey(): Promise<CryptoKeyPair> {
    this.device ??= DeviceKey.generate();
    return this.device;
  }

  async resetDeviceKey(): Promise<void> {
    this.device = undefined;
  }

  async get(name: string): Promise<JsonValue | undefined> {
    requireDocumentName(name);
    const value = this.documents.get(name);
    return value === undefined ? undefined : structuredClone(value);
  }

  async put(name: string, value: JsonValue): Promise<void> {
    requireDocumentName(name);
    this.documents.set(name, structuredClone(value));
  }

  async delete(name: string): Promise<void> {
    requireDocumentName(name);
    this.documents.delete(name);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.documents.keys()].filter((name) => name.startsWith(prefix));
  }

  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => held);
    this.locks.set(name, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.locks.get(name) === tail) {
        this.locks.delete(name);
      }
    }
  }
}
