// What the vault's operations work with, and what each item mode is handed: the store, its sessions and key servers,
// and the device's keys; the twin of src/Symbolon.Client/VaultContext.cs. The root key is used here only, through
// the derivations below, so no mode holds it; every share and client share is wiped as soon as the data key exists.
import { KeyServerApi, serverUrl } from './api.js';
import { fromBase64, isUuid, toBase64, wipe } from './crypto/bytes.js';
import type { ItemContext } from './crypto/context.js';
import type { Credential } from './crypto/credential.js';
import { deriveDataKey } from './crypto/data-key.js';
import { ArgumentError, ItemOpenError } from './crypto/errors.js';
import { deriveItemMacKey, ItemMacVersion, itemMacsTag, verifyItemMacsTag } from './crypto/item-mac.js';
import { deriveBlindedInput, deriveClientShare, requireRootKey } from './crypto/root-key.js';
import { openCredential, sealCredential } from './crypto/sealed-item.js';
import { DeviceKey } from './dpop.js';
import { InvalidOperationError, ItemNotFoundError, ItemTamperedError, NotLoggedInError, SymbolonError } from './errors.js';
import { ItemStore, type StoredItem } from './items.js';
import type { ItemModes } from './modes/registry.js';
import { ReceiptLog } from './receipts.js';
import { SessionManager } from './sessions.js';
import { isObject, withStorageLock, type JsonValue, type VaultStorage } from './storage.js';

/** Settings of a VaultClient. */
export interface VaultClientOptions {
  /** Where keys, sessions and items live: IndexedDbStorage in a browser, FileStore in Node, or an app's own. */
  readonly storage: VaultStorage;
  /**
   * The sessions lock themselves after the key server's idle timeout without use (learned at login, 10 minutes by
   * default), ending them on the server; this can make the lock shorter, never longer.
   */
  readonly idleTimeoutMs?: number;
  /** Told when the idle lock ended the sessions, e.g. to show a lock screen. */
  readonly onLock?: () => void;
  /**
   * Told about problems that did not stop an operation: a key server of a threshold set that returned a bad share or
   * did not answer. Never given a secret.
   */
  readonly onWarning?: (message: string) => void;
  /** The name the server shows for this device (default "typescript"). */
  readonly deviceName?: string;
  /** Threshold items: how long to wait for the members that have not answered yet (default 10 s). */
  readonly thresholdTimeoutMs?: number;
  /** The fetch to use (default the platform's). */
  readonly fetch?: typeof fetch;
  /**
   * The clock of the idle lock and token expiry, in milliseconds since the epoch (tests move it). DPoP proofs always
   * carry the real time, which the server checks against its own clock.
   */
  readonly now?: () => number;
}

/** A threshold server set: any `threshold` of `servers` together release an item's key. */
export interface ServerSet {
  readonly name: string;
  readonly threshold: number;
  readonly servers: readonly string[];
}

/** A key server's blinded-mode public key for one account and epoch, pinned the first time it was seen. */
export interface PinnedOprfKey {
  readonly server: string;
  readonly userId: string;
  readonly epoch: number;
  /** base64. */
  readonly publicKey: string;
}

/**
 * vault.json, as the .NET client's VaultState: the vault id bound into every item's key, the default server (the
 * last one logged in to), the threshold sets and the pinned blinded-mode keys.
 */
export interface VaultState {
  readonly vaultId: string;
  readonly server: string | null;
  readonly sets: readonly ServerSet[];
  readonly oprfKeys: readonly PinnedOprfKey[];
  readonly auditLogs: readonly PinnedAuditLog[];
  /**
   * base64 HMAC recording, authenticated, that every item document carries its MAC (docs/spec.md §3.1); from then on
   * one without is tampered. Null before the vault context first opened the vault.
   */
  readonly itemMacTag: string | null;
  /** The unauthenticated number 1 an unreleased development version wrote instead of the tag (0 when absent); read only to be replaced by it. */
  readonly itemMacs: number;
}

/**
 * A key server's audit key, pinned the first time the audit check ran against it, and the newest checkpoint of its
 * audit log this device verified (docs/spec.md §7.1); the .NET client's PinnedAuditLog.
 */
export interface PinnedAuditLog {
  readonly server: string;
  /** The audit key's JWK x and y (base64url). */
  readonly keyX: string;
  readonly keyY: string;
  /** 0 before the server published a checkpoint. */
  readonly treeSize: number;
  /** base64; empty with tree size 0. */
  readonly rootHash: string;
}

const vaultDocument = 'vault.json';
/** The lock held around every change of vault.json (the .NET client's vault.lock). */
const vaultLock = 'vault';

export class VaultContext {
  private readonly servers = new Map<string, KeyServerApi>();
  private stateQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly storage: VaultStorage,
    readonly modes: ItemModes,
    readonly items: ItemStore,
    readonly receipts: ReceiptLog,
    readonly sessions: SessionManager,
    private readonly rootKey: CryptoKey,
    readonly device: DeviceKey,
    readonly deviceName: string,
    readonly thresholdTimeoutMs: number,
    private readonly fetchImpl: typeof fetch | undefined,
    private readonly warning: ((message: string) => void) | undefined,
    readonly now: () => number,
    private current: VaultState,
  ) {}

  static async open(options: VaultClientOptions, modes: ItemModes): Promise<VaultContext> {
    const storage = options.storage;
    const rootKey = await storage.rootKey();
    try {
      requireRootKey(rootKey);
    } catch (error) {
      if (error instanceof ArgumentError) {
        // A key that can be read out may be one someone planted and knows; items sealed under it would open for them.
        throw new InvalidOperationError('The stored root key is not a non-extractable HKDF key, so it may have been planted: refusing to use it.',
          'Restore the store from a backup; if there is none, this store cannot be trusted: start a new one and add the credentials again.');
      }
      throw error;
    }
    const device = await DeviceKey.fromKeyPair(await storage.deviceKey());
    const state = await readOrCreateState(storage);
    const now = options.now ?? Date.now;
    // The sessions reach the servers through the context made just below; nothing calls them before it exists.
    let context: VaultContext | undefined;
    const sessions = new SessionManager(
      storage, { idleTimeoutMs: options.idleTimeoutMs, now, onLock: options.onLock, onWarning: options.onWarning },
      (server) => (context as VaultContext).server(server));
    const macKey = await deriveItemMacKey(rootKey);
    const items = new ItemStore(storage, modes, macKey);
    context = new VaultContext(
      storage, modes, items, new ReceiptLog(storage), sessions, rootKey, device,
      options.deviceName ?? 'typescript', options.thresholdTimeoutMs ?? 10_000, options.fetch, options.onWarning,
      now, state);
    if (!(await hasItemMacsTag(macKey, state))) {
      await context.recordItemMacs(macKey);
    }
    // A session left by an earlier page or process locks on time, even if this client is never used.
    await sessions.resume();
    return context;
  }

  /**
   * Makes vault.json's itemMacTag (docs/spec.md §3.1) true, under the vault lock. Item documents are given their MAC
   * as they stand only in a vault that shows no sign of a client with item MACs: no tag, no number 1 (the unreleased
   * development form), and no item document whose MAC verifies. Anything else that lacks a valid tag was altered,
   * and re-signing it would sign the alteration.
   */
  private async recordItemMacs(macKey: CryptoKey): Promise<void> {
    await withStorageLock(this.storage, vaultLock, async () => {
      const latest = await readOrCreateStateLocked(this.storage);
      if (latest.itemMacTag !== null) {
        if (!(await hasItemMacsTag(macKey, latest))) {
          throw vaultTampered();
        }
        this.current = latest;
        return;
      }
      if (latest.itemMacs !== ItemMacVersion) {
        if (await this.items.anyWithMac()) {
          throw vaultTampered();
        }
        await this.items.addMissingMacs();
      }
      const changed: VaultState = { ...latest, itemMacs: 0, itemMacTag: toBase64(await itemMacsTag(macKey, latest.vaultId)) };
      await this.storage.put(vaultDocument, stateDocument(changed));
      this.current = changed;
    });
  }

  /** vault.json as this client last read or wrote it. */
  get state(): VaultState {
    return this.current;
  }

  get vaultId(): string {
    return this.current.vaultId;
  }

  /** The last server logged in to, where items that name no server of their own go. */
  defaultServer(): string {
    if (this.current.server === null) {
      throw new NotLoggedInError('Not logged in.', 'Log in to a key server first.');
    }
    return this.current.server;
  }

  /** The server of an item on one server (normalised, so a .NET file's `http://host:port` matches `http://host:port/`). */
  serverOf(item: StoredItem): string {
    return item.server === null ? this.defaultServer() : serverUrl(item.server).href;
  }

  /** The API of one server, made once. */
  server(url: string): KeyServerApi {
    const href = serverUrl(url).href;
    let api = this.servers.get(href);
    if (api === undefined) {
      api = new KeyServerApi(href, this.device, this.sessions, this.fetchImpl === undefined ? {} : { fetch: this.fetchImpl });
      this.servers.set(href, api);
    }
    return api;
  }

  /** Closes every server's use channel (they reopen on the next use). */
  closeServers(): void {
    for (const api of this.servers.values()) {
      api.close();
    }
  }

  warn(message: string): void {
    this.warning?.(message);
  }

  /** Re-reads vault.json: another tab or process sharing the store may have logged in, defined a set or pinned a key. */
  async reload(): Promise<void> {
    this.current = await readOrCreateState(this.storage);
  }

  /**
   * Changes vault.json as it is in the store now (another tab may have pinned a key or defined a set meanwhile),
   * one change at a time in this client and, in browsers, under a Web Lock across tabs.
   */
  async updateState(change: (state: VaultState) => VaultState): Promise<void> {
    const run = async (): Promise<void> => {
      await withStorageLock(this.storage, vaultLock, async () => {
        const latest = await readOrCreateStateLocked(this.storage);
        const changed = change(latest);
        if (changed !== latest) {
          await this.storage.put(vaultDocument, stateDocument(changed));
        }
        this.current = changed;
      });
    };
    const next = this.stateQueue.then(run, run);
    this.stateQueue = next.catch(() => undefined);
    await next;
  }

  /** Seals `credential` under the data key from this server share and this device's client share. */
  async seal(serverShare: Uint8Array, context: ItemContext, credential: Credential): Promise<Uint8Array> {
    return sealCredential(await this.dataKey(serverShare, context), context, credential);
  }

  /** Opens the item with this server share; every failure is the one ItemTamperedError. */
  async open(item: StoredItem, serverShare: Uint8Array, context: ItemContext): Promise<Credential> {
    return openedOrTampered(item, await this.tryOpen(item, serverShare, context));
  }

  /** The item opened with this server share, or undefined if it does not open (a caller trying several shares). */
  async tryOpen(item: StoredItem, serverShare: Uint8Array, context: ItemContext): Promise<Credential | undefined> {
    return tryOpenWith(await this.dataKey(serverShare, context), item);
  }

  /**
   * Starts opening an item whose server share is still on its way: the client share, which needs only this device's
   * root key, is derived now, so the open does not wait for it after the server answers.
   */
  beginOpen(item: StoredItem, context: ItemContext): PendingOpen {
    return new PendingOpen(deriveClientShare(this.rootKey, context.vaultId, context.unitId), async (clientShare, serverShare) =>
      openedOrTampered(item, await tryOpenWith(await deriveDataKey(clientShare, serverShare, context), item)));
  }

  /** Blinded mode's private POPRF input for the unit in `context` (docs/spec.md §10); the caller wipes it. */
  deriveBlindedInput(context: ItemContext): Promise<Uint8Array> {
    return deriveBlindedInput(this.rootKey, context.vaultId, context.unitId);
  }

  /** Shreds the unit on the item's server (already gone counts as done), then deletes the item. */
  async shredAndDelete(item: StoredItem): Promise<void> {
    try {
      await this.server(this.serverOf(item)).shredUnit(item.unitId);
    } catch (error) {
      // Already gone on the server: removing the local copy finishes the job.
      if (!(error instanceof ItemNotFoundError)) {
        throw error;
      }
    }
    await this.items.delete(item);
  }

  /** Shreds a unit that no saved item uses (an add that failed, a rotation's old unit), if the server can be reached. */
  async tryShred(server: string, unitId: string): Promise<void> {
    try {
      await this.server(server).shredUnit(unitId);
    } catch (error) {
      // The unit stays on the server unused; its share alone opens nothing.
      if (!(error instanceof SymbolonError)) {
        throw error;
      }
    }
  }

  /** The data key (a non-extractable AES-GCM CryptoKey); the client share is wiped as soon as it exists. */
  private async dataKey(serverShare: Uint8Array, context: ItemContext): Promise<CryptoKey> {
    const clientShare = await deriveClientShare(this.rootKey, context.vaultId, context.unitId);
    try {
      return await deriveDataKey(clientShare, serverShare, context);
    } finally {
      wipe(clientShare);
    }
  }
}

/**
 * An open begun with {@link VaultContext.beginOpen}: `finish` it with the server share, or `cancel` it; the client
 * share is wiped either way (and by whichever comes first, the other then doing nothing).
 */
export class PendingOpen {
  private taken = false;

  constructor(
    private readonly clientShare: Promise<Uint8Array>,
    private readonly openWith: (clientShare: Uint8Array, serverShare: Uint8Array) => Promise<Credential>,
  ) {
    // A failed derivation is reported by `finish`; until then it is not an unhandled rejection.
    clientShare.catch(() => undefined);
  }

  /** Opens the item with this server share; every failure is the one ItemTamperedError. */
  async finish(serverShare: Uint8Array): Promise<Credential> {
    if (this.taken) {
      throw new InvalidOperationError('This open was already finished or cancelled.');
    }
    this.taken = true;
    const clientShare = await this.clientShare;
    try {
      return await this.openWith(clientShare, serverShare);
    } finally {
      wipe(clientShare);
    }
  }

  /** Wipes the client share once it exists, unless `finish` took it. */
  async cancel(): Promise<void> {
    if (!this.taken) {
      this.taken = true;
      wipe(await this.clientShare.catch(() => undefined));
    }
  }
}

async function tryOpenWith(dataKey: CryptoKey, item: StoredItem): Promise<Credential | undefined> {
  try {
    return await openCredential(dataKey, item.sealedItem);
  } catch (error) {
    if (error instanceof ItemOpenError) {
      return undefined;
    }
    throw error;
  }
}

function openedOrTampered(item: StoredItem, opened: Credential | undefined): Credential {
  if (opened === undefined) {
    throw new ItemTamperedError(`The item '${item.name}' could not be opened: it is damaged, was altered, or belongs to another vault.`);
  }
  return opened;
}

/** vault.json, created on first use under the vault lock: two tabs opening a fresh store must agree on one vault id. */
async function readOrCreateState(storage: VaultStorage): Promise<VaultState> {
  const stored = parseState(await storage.get(vaultDocument));
  return stored ?? withStorageLock(storage, vaultLock, () => readOrCreateStateLocked(storage));
}

/** readOrCreateState for a caller holding the vault lock (which is not re-entrant): read again, create if still absent. */
async function readOrCreateStateLocked(storage: VaultStorage): Promise<VaultState> {
  const stored = parseState(await storage.get(vaultDocument));
  if (stored !== undefined) {
    return stored;
  }
  // No itemMacTag yet: it needs the root key, and the vault context writes it (there is no item to sign).
  const created: VaultState = { vaultId: crypto.randomUUID(), server: null, sets: [], oprfKeys: [], auditLogs: [], itemMacTag: null, itemMacs: 0 };
  await storage.put(vaultDocument, stateDocument(created));
  return created;
}

function stateDocument(state: VaultState): JsonValue {
  return {
    vaultId: state.vaultId,
    server: state.server,
    sets: state.sets.map((set) => ({ name: set.name, threshold: set.threshold, servers: [...set.servers] })),
    oprfKeys: state.oprfKeys.map((key) => ({ server: key.server, userId: key.userId, epoch: key.epoch, publicKey: key.publicKey })),
    auditLogs: state.auditLogs.map((log) => ({ server: log.server, keyX: log.keyX, keyY: log.keyY, treeSize: log.treeSize, rootHash: log.rootHash })),
    itemMacTag: state.itemMacTag,
    ...(state.itemMacs === 0 ? {} : { itemMacs: state.itemMacs }),
  };
}

/**
 * vault.json, written by this client or by the .NET client (whose `sets` and `oprfKeys` may be null or absent, and
 * whose server URLs are as the user typed them, `http://host:port` without the `/`). Every server URL is normalised
 * as the client names servers, so a pinned key or a set member written by .NET is found by the URL this client uses.
 */
function parseState(value: JsonValue | undefined): VaultState | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const vaultId = value['vaultId'];
  const server = value['server'] ?? null;
  if (typeof vaultId !== 'string' || !isUuid(vaultId)
    || (server !== null && typeof server !== 'string')) {
    throw damagedVault();
  }
  const sets: ServerSet[] = [];
  for (const set of asArray(value['sets'])) {
    if (!isObject(set) || typeof set['name'] !== 'string'
      || typeof set['threshold'] !== 'number' || !Array.isArray(set['servers']) || !set['servers'].every((s) => typeof s === 'string')) {
      throw damagedVault();
    }
    sets.push({ name: set['name'], threshold: set['threshold'], servers: (set['servers'] as string[]).map((member) => serverUrl(member).href) });
  }
  const oprfKeys: PinnedOprfKey[] = [];
  for (const key of asArray(value['oprfKeys'])) {
    if (!isObject(key) || typeof key['server'] !== 'string'
      || typeof key['userId'] !== 'string' || typeof key['epoch'] !== 'number' || typeof key['publicKey'] !== 'string') {
      throw damagedVault();
    }
    oprfKeys.push({ server: serverUrl(key['server']).href, userId: key['userId'], epoch: key['epoch'], publicKey: key['publicKey'] });
  }
  const auditLogs: PinnedAuditLog[] = [];
  for (const log of asArray(value['auditLogs'])) {
    if (!isObject(log) || typeof log['server'] !== 'string' || typeof log['keyX'] !== 'string' || typeof log['keyY'] !== 'string'
      || typeof log['treeSize'] !== 'number' || typeof log['rootHash'] !== 'string') {
      throw damagedVault();
    }
    auditLogs.push({ server: serverUrl(log['server']).href, keyX: log['keyX'], keyY: log['keyY'], treeSize: log['treeSize'], rootHash: log['rootHash'] });
  }
  const itemMacs = value['itemMacs'] ?? 0;
  const itemMacTag = value['itemMacTag'] ?? null;
  if (typeof itemMacs !== 'number' || (itemMacTag !== null && typeof itemMacTag !== 'string')) {
    throw damagedVault();
  }
  return { vaultId: vaultId.toLowerCase(), server: server === null ? null : serverUrl(server).href, sets, oprfKeys, auditLogs, itemMacTag, itemMacs };
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

/** vault.json that is not one: never replaced silently, since its vault id is bound into every item's key. */
/** True when vault.json holds this vault's itemMacTag; a tag that is not base64 is simply not it. */
async function hasItemMacsTag(macKey: CryptoKey, state: VaultState): Promise<boolean> {
  if (state.itemMacTag === null) {
    return false;
  }
  let tag: Uint8Array;
  try {
    tag = fromBase64(state.itemMacTag);
  } catch (error) {
    if (error instanceof ArgumentError) {
      return false;
    }
    throw error;
  }
  return verifyItemMacsTag(macKey, state.vaultId, tag);
}

/** vault.json's itemMacTag is wrong: the same refusal as an altered item document. */
function vaultTampered(): ItemTamperedError {
  return new ItemTamperedError("The vault document 'vault.json' is damaged or was altered.");
}

function damagedVault(): InvalidOperationError {
  return new InvalidOperationError('vault.json is damaged.', 'Restore it from a backup: every item is bound to the vault id it holds.');
}
