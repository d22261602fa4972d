// Node's store: a directory laid out like the .NET client's home (src/Symbolon.Client/ClientHome.cs). Directories
// are mode 0700 and files 0600; every write is atomic and durable (a temporary file written and fsynced, renamed
// over the target, then the directory fsynced), so a crash leaves the old document or the new one, never a mix.
//
// Node cannot persist a non-extractable CryptoKey, so the two keys are kept as bytes in the .NET client's formats —
// root.key {"version":1,"protection":"none","key":base64} and device.key (PKCS#8 DER) — and imported
// non-extractable on load; the bytes read are wiped at once. Protect the directory as you would an SSH key.
//
// Locks are files of this client's own (`<name>.ts-lock`): the .NET client flocks persistent `<name>.lock` files,
// which Node cannot do, so the two clients cannot exclude each other and must not use one directory at the same time.
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fromBase64, toBase64, wipe } from '../crypto/bytes.js';
import { importRootKey, RootKeySize } from '../crypto/root-key.js';
import { InvalidOperationError } from '../errors.js';
import { lockWaitMs, requireDocumentName, type JsonValue, type VaultStorage } from '../storage.js';

const rootKeyFile = 'root.key';
const deviceKeyFile = 'device.key';
const temporaryPrefix = '.tmp-';

/** A takeover guard older than this was left by a process that died taking a lock over; it is removed. */
const staleGuardMs = 10_000;
const lockSuffix = '.ts-lock';
const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Who holds a lock: written into the lock file, so a waiter can tell a live holder from one that died holding it. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** This acquisition's own id: a takeover checks it removed exactly the lock it found abandoned. */
  readonly nonce: string;
}

/** Options of {@link FileStore.open}. */
export interface FileStoreOptions {
  /** How long withLock waits for a lock another process holds before failing (default 15 s, as the .NET client). */
  readonly lockWaitMs?: number;
}

/** root.key as the .NET client writes it (DeviceSecrets.cs); only protection "none" is read here. */
interface RootKeyContent {
  version: number;
  protection: string;
  key?: string;
}

/** A VaultStorage in a directory. */
export class FileStore implements VaultStorage {
  private root: Promise<CryptoKey> | undefined;
  private device: Promise<CryptoKeyPair> | undefined;

  private constructor(
    /** The directory, absolute. */
    readonly path: string,
    private readonly lockWaitMs: number,
  ) {}

  /** Uses `path`, creating it (and its items/ folder) with mode 0700 if needed. */
  static async open(path: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const store = new FileStore(resolve(path), options.lockWaitMs ?? lockWaitMs);
    await mkdir(join(store.path, 'items'), { recursive: true, mode: 0o700 });
    return store;
  }

  rootKey(): Promise<CryptoKey> {
    this.root ??= this.loadOrCreateRootKey();
    return this.root;
  }

  deviceKey(): Promise<CryptoKeyPair> {
    this.device ??= this.loadOrCreateDeviceKey();
    return this.device;
  }

  async resetDeviceKey(): Promise<void> {
    this.device = undefined;
    await this.remove(join(this.path, deviceKeyFile));
  }

  async get(name: string): Promise<JsonValue | undefined> {
    const bytes = await this.read(this.file(name));
    if (bytes === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
    } catch {
      throw new InvalidOperationError(`'${this.file(name)}' is damaged: it is not JSON.`, 'Remove it (log in again for a session file).');
    }
  }

  async put(name: string, value: JsonValue): Promise<void> {
    await writeAtomically(this.file(name), new TextEncoder().encode(JSON.stringify(value, null, 2)), true);
  }

  async delete(name: string): Promise<void> {
    await this.remove(this.file(name));
  }

  async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const folder = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const start = prefix.slice(slash + 1);
    let entries;
    try {
      entries = await readdir(join(this.path, folder), { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT')) {
        return [];
      }
      throw error;
    }
    return entries
      .filter((entry) => entry.isFile() && entry.name.startsWith(start) && !entry.name.startsWith(temporaryPrefix)
        && !entry.name.endsWith('.lock') && !entry.name.endsWith(lockSuffix))
      .map((entry) => folder + entry.name);
  }

  /**
   * An exclusive lock across processes sharing this directory: `<name>.ts-lock`, created with O_EXCL (mode 0600),
   * naming its holder (process id, host), and removed when `work` settles. A lock whose holder is a process of this
   * host that no longer runs is taken over; any other is waited for, at most 15 s (as the .NET client's
   * SessionLock), however old it is: a slow holder is never robbed.
   */
  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!/^[a-z0-9-]{1,64}$/.test(name)) {
      throw new InvalidOperationError(`'${name}' is not a lock name.`);
    }
    const path = join(this.path, `${name}${lockSuffix}`);
    const me: LockHolder = { pid: process.pid, host: hostname(), nonce: randomUUID() };
    const deadline = Date.now() + this.lockWaitMs;
    while (!(await tryCreateLock(path, me))) {
      const holder = await readLockHolder(path);
      if (holder !== undefined && holder.host === me.host && !isRunning(holder.pid)) {
        await this.takeOver(path, holder);
        continue;
      }
      if (Date.now() > deadline) {
        const who = holder === undefined ? 'another process' : `process ${holder.pid} on ${holder.host}`;
        throw new InvalidOperationError(`Timed out after ${this.lockWaitMs / 1000} s waiting for the lock '${path}', held by ${who}.`,
          `If that process is not running any more (or is stuck), stop it and delete '${path}'.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      return await work();
    } finally {
      // Ours unless a waiter wrongly judged us dead; never delete a lock someone else now holds.
      if ((await readLockHolder(path))?.nonce === me.nonce) {
        await unlink(path).catch(() => undefined);
      }
    }
  }

  /**
   * Removes the lock `abandoned` left. Waiters that judge it abandoned at once take turns through a guard directory
   * (`<lock>.takeover`, made with mkdir(2), which only one can create): the one holding the guard removes the lock only
   * if it is still the abandoned one, so a lock taken meanwhile by another waiter is never removed. A guard left by a
   * process that died inside this short step is removed once it is older than `staleGuardMs`.
   */
  private async takeOver(path: string, abandoned: LockHolder): Promise<void> {
    const guard = `${path}.takeover`;
    try {
      await mkdir(guard, { mode: 0o700 });
    } catch (error) {
      if (!isCode(error, 'EEXIST')) {
        throw error;
      }
      const since = await stat(guard).then((found) => Date.now() - found.mtimeMs, () => 0);
      if (since > staleGuardMs) {
        await rmdir(guard).catch(() => undefined);
      }
      return;
    }
    try {
      if ((await readLockHolder(path))?.nonce === abandoned.nonce) {
        await unlink(path).catch((error: unknown) => {
          if (!isCode(error, 'ENOENT')) {
            throw error;
          }
        });
      }
    } finally {
      await rmdir(guard).catch(() => undefined);
    }
  }

  private file(name: string): string {
    requireDocumentName(name);
    return join(this.path, name);
  }

  private async loadOrCreateRootKey(): Promise<CryptoKey> {
    const path = join(this.path, rootKeyFile);
    if ((await this.read(path)) === undefined) {
      const raw = crypto.getRandomValues(new Uint8Array(RootKeySize));
      const content = new TextEncoder().encode(JSON.stringify({ version: 1, protection: 'none', key: toBase64(raw) }));
      try {
        // Two first runs racing must not replace each other's key: the first one written is the one everyone uses.
        await writeAtomically(path, content, false);
      } finally {
        wipe(raw, content);
      }
    }

    const file = await this.read(path);
    let raw: Uint8Array | undefined;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(file)) as Partial<RootKeyContent>;
      if (parsed.version !== 1) {
        throw new InvalidOperationError(`'${path}' has an unknown version.`);
      }
      if (parsed.protection !== 'none' || typeof parsed.key !== 'string') {
        throw new InvalidOperationError(`'${path}' is protected by a passphrase, which this client cannot unwrap yet.`,
          'Use a home whose root key is not passphrase-protected.');
      }
      raw = fromBase64(parsed.key);
      return await importRootKey(raw);
    } catch (error) {
      if (error instanceof InvalidOperationError) {
        throw error;
      }
      throw new InvalidOperationError(`'${path}' is damaged.`, 'Restore it from a backup: items sealed with it cannot open without it.');
    } finally {
      wipe(raw, file);
    }
  }

  private async loadOrCreateDeviceKey(): Promise<CryptoKeyPair> {
    const path = join(this.path, deviceKeyFile);
    if ((await this.read(path)) === undefined) {
      // Extractable only for the moment it takes to write it: Node has no other way to keep a key.
      const fresh = await crypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
      const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', fresh.privateKey));
      try {
        await writeAtomically(path, pkcs8, false);
      } finally {
        wipe(pkcs8);
      }
    }

    const pkcs8 = await this.read(path);
    if (pkcs8 === undefined) {
      throw new InvalidOperationError(`'${path}' disappeared while it was being read.`);
    }
    try {
      const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, ecdsaP256, false, ['sign']);
      // The public half from the same bytes, without ever holding the private scalar as a JS value
      // (a native KeyObject, not bytes in JavaScript memory).
      const native = createPrivateKey({ key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.byteLength), format: 'der', type: 'pkcs8' });
      const jwk = createPublicKey(native).export({ format: 'jwk' });
      const publicKey = await crypto.subtle.importKey('jwk', jwk, ecdsaP256, true, ['verify']);
      return { privateKey, publicKey };
    } catch {
      throw new InvalidOperationError(`'${path}' is damaged.`, 'Reset the device key and log in again to enrol a new one.');
    } finally {
      wipe(pkcs8);
    }
  }

  private async read(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
    try {
      const buffer = await readFile(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) as Uint8Array<ArrayBuffer>;
    } catch (error) {
      if (isCode(error, 'ENOENT')) {
        return undefined;
      }
      throw error;
    }
  }

  private async remove(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) {
        throw error;
      }
      return;
    }
    await flushDirectory(dirname(path));
  }
}

/**
 * Writes `content` to `path` atomically and durably, mode 0600. With `overwrite` false an existing file wins
 * (link(2) fails if the target exists) and false is returned.
 */
export async function writeAtomically(path: string, content: Uint8Array, overwrite: boolean): Promise<boolean> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const temporary = join(directory, temporaryPrefix + randomUUID());
  const handle = await open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await rename(temporary, path);
    } else {
      try {
        await link(temporary, path);
      } catch (error) {
        if (isCode(error, 'EEXIST')) {
          return false;
        }
        throw error;
      }
    }
    await flushDirectory(directory);
    return true;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** fsync on the directory makes a rename or delete itself durable (POSIX); where a platform refuses, it is skipped. */
async function flushDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Only durability against power loss is weakened (the rename already happened), so this is not an error.
  } finally {
    await handle?.close();
  }
}

/** Creates the lock file naming `holder`; false if it exists. */
async function tryCreateLock(path: string, holder: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (isCode(error, 'EEXIST')) {
      return false;
    }
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(holder));
  } finally {
    await handle.close();
  }
  return true;
}

/** The holder a lock file names; undefined if there is none, or it is being written or is not one of ours. */
async function readLockHolder(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    // A process id below 1 would make kill(2) address a process group: never one of ours.
    return Number.isSafeInteger(value.pid) && (value.pid as number) > 0 && typeof value.host === 'string' && typeof value.nonce === 'string'
      ? { pid: value.pid as number, host: value.host, nonce: value.nonce }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process of this host runs with that id (one of another user counts as running). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isCode(error, 'ESRCH');
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
