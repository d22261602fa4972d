// The client half of Symbolon (src/Symbolon.Client/VaultClient.cs): a vault of sealed items (ciphertext only) that
// opens an item only with this device's client share and a live, audited release of the server share. Nothing that
// would let an item open offline is ever stored; the server share, the client share and the data key are dropped
// (byte arrays wiped) as soon as the item is opened or sealed.
import { AuditPageMaxSize, serverUrl, type AuditRecordView } from './api.js';
import { ItemMode } from './crypto/context.js';
import { Credential, type CredentialInit } from './crypto/credential.js';
import { InvalidOperationError } from './errors.js';
import { contextOf, isValidItemName, sameDocument, type StoredItem } from './items.js';
import { rotateBlindedKey } from './modes/blinded.js';
import type { OpenedItem } from './modes/mode.js';
import { ItemModes } from './modes/registry.js';
import { defineSet } from './modes/threshold.js';
import type { StoredReceipt } from './receipts.js';
import { SecretReference } from './references.js';
import type { SessionStatus } from './sessions.js';
import type { VaultStorage } from './storage.js';
import { VaultContext, type ServerSet, type VaultClientOptions } from './vault-context.js';

/**
 * How `@symbolon/client/audit` reaches a client's audit inputs; not exported by the package entry, so it is no API of
 * VaultClient's.
 */
export const auditInputs = Symbol('auditInputs');

/** The inputs of the audit-log check. */
export interface AuditInputs {
  readonly vault: VaultContext;
  readonly server: string;
  readonly receipts: readonly StoredReceipt[];
  readonly records: ReadonlyMap<number, string>;
}
export type { SessionStatus } from './sessions.js';
export type { ServerSet, VaultClientOptions } from './vault-context.js';

/** A stored item's metadata (never its secrets). */
export interface ItemInfo {
  /** The item's local name, e.g. "acme". */
  readonly name: string;
  /** The key server's unit (a threshold item's own id). */
  readonly unitId: string;
  /** The server share's version (blinded: key epoch) the item is sealed under. */
  readonly keyVersion: number;
  readonly mode: ItemMode;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** One audit record of the caller's account, as the server reports it, with its chain hash (base64). */
export type AuditEntry = AuditRecordView;

/** An enrolled device of the account. */
export interface DeviceInfo {
  readonly id: string;
  readonly name: string;
  readonly thumbprint: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lockedAt: string | null;
  readonly current: boolean;
}

/** How to log in: an account's password, or an OIDC issuer's token (sent as Bearer; the server maps the user). */
export type LoginCredentials = { readonly username: string; readonly password: string } | { readonly identityToken: string };

/** Options of {@link VaultClient.add}. */
export interface AddOptions {
  /** Split (default), Threshold (needs `set`) or Blinded. */
  readonly mode?: ItemMode;
  /** The server set of a threshold item. */
  readonly set?: string;
}

export class VaultClient {
  private constructor(private readonly vault: VaultContext) {}

  /** Forgets the device key so the next login enrols a fresh one (after this device was revoked); reopen the client. */
  static async resetDevice(storage: VaultStorage): Promise<void> {
    await storage.resetDeviceKey();
  }

  /** Opens (creating on first use) the vault in `options.storage`. */
  static async open(options: VaultClientOptions): Promise<VaultClient> {
    return new VaultClient(await VaultContext.open(options, ItemModes.default));
  }

  /** The vault's id, bound into every item's key. */
  get vaultId(): string {
    return this.vault.vaultId;
  }

  /** The default server: the last one logged in to, where split and blinded items are added. */
  get server(): string | undefined {
    return this.vault.state.server ?? undefined;
  }

  /** Creates an account on a key server. */
  async createAccount(server: string, username: string, password: string): Promise<void> {
    await this.vault.server(server).createAccount({ username, password });
  }

  /**
   * Logs in, enrolling this device's key on first use, and makes the server the default. Sessions on other servers
   * (the members of a threshold set) are kept: each server has its own.
   */
  async login(server: string, credentials: LoginCredentials): Promise<void> {
    const api = this.vault.server(server);
    await this.vault.sessions.login(api, credentials, this.vault.deviceName);
    await this.vault.updateState((state) => ({ ...state, server: api.server.href }));
  }

  /**
   * Ends every session of this device on its server and forgets them here. Resolves to the servers that could not be
   * reached to end theirs (each session there still ends by itself after the server's idle timeout).
   */
  logout(): Promise<string[]> {
    return this.vault.sessions.logout();
  }

  /**
   * Locks now, as the idle timeout would: every session is ended on its server, so the tokens left behind are
   * refused. Log in again to unlock. Resolves to the servers that could not be reached, as {@link logout}.
   */
  lock(): Promise<string[]> {
    return this.vault.sessions.lock();
  }

  /** Who is logged in to the default server, and when the session locks itself if unused. */
  async status(): Promise<SessionStatus> {
    await this.vault.reload();
    return this.vault.sessions.status(this.vault.state.server ?? undefined);
  }

  /**
   * Stores a new credential, sealed and saved durably. Split mode: the default server draws the unit's share.
   * Threshold mode (`set` given): the item's key is shared across the named server set. Blinded mode: the default
   * server evaluates its POPRF key on a blinded input and never sees the share. A Credential passed in stays the
   * caller's to wipe; one made here from `CredentialInit` is wiped before this returns.
   */
  async add(name: string, credential: Credential | CredentialInit, options: AddOptions = {}): Promise<ItemInfo> {
    await this.vault.reload();
    const itemMode = this.vault.modes.forAdding(options.mode ?? ItemMode.Split, options.set);
    if (!isValidItemName(name)) {
      throw new InvalidOperationError(`'${name}' is not a valid item name: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit.`);
    }
    if (await this.vault.items.exists(name)) {
      throw new InvalidOperationError(`An item named '${name}' already exists.`, 'Choose another name, or remove the old item first.');
    }
    const owned = credential instanceof Credential ? undefined : new Credential(credential);
    try {
      return this.info(await itemMode.add(this.vault, name, owned ?? (credential as Credential), options.set));
    } finally {
      owned?.wipe();
    }
  }

  /** Stored items (metadata only; no server contact). A damaged or altered item document fails it: see {@link inventory}. */
  async list(): Promise<ItemInfo[]> {
    return (await this.vault.items.all()).map((item) => this.info(item));
  }

  /**
   * The intact items, as {@link list} gives them, and the item documents that are damaged or were altered (by their
   * storage names), which are left out and never opened: one bad document does not hide the others.
   */
  async inventory(): Promise<{ items: ItemInfo[]; damaged: string[] }> {
    const { items, damaged } = await this.vault.items.survey();
    return { items: items.map((item) => this.info(item)), damaged };
  }

  /**
   * Opens an item for the duration of `use` — always with the key server's consent, never offline. The
   * credential's buffers are wiped when `use` returns or throws (or its promise settles): do not keep it, or the
   * byte arrays it hands out, beyond the callback. The release's receipt is written to the store while `use` runs and
   * is kept durably before this resolves; if it cannot be kept, this rejects (after `use` ran).
   */
  async use<T>(name: string, use: (credential: Credential) => T | Promise<T>): Promise<T> {
    const { credential, receiptsKept } = await this.openAsStored(name);
    let result: T;
    try {
      result = await use(credential);
    } catch (error) {
      // The callback's failure is the one reported; the release's receipt is still kept.
      await receiptsKept.catch(() => undefined);
      throw error;
    } finally {
      credential.wipe();
    }
    // The receipt was being written while the item was unsealed and used; the open is done only once it is kept.
    await receiptsKept;
    return result;
  }

  /**
   * The value a secret reference names (`symbolon://ITEM/FIELD`, docs/spec.md §4.2), opened like {@link use}: a
   * release, audited and limited; totp gives the current code.
   * @throws {SecretReferenceError} The reference is malformed, or the item has no such field.
   */
  async read(reference: string | SecretReference): Promise<string> {
    const parsed = typeof reference === 'string' ? SecretReference.parse(reference) : reference;
    return this.use(parsed.item, (credential) => parsed.valueIn(credential));
  }

  /** Re-seals an item under a new server share and retires the old one. */
  async rotate(name: string): Promise<void> {
    await this.vault.reload();
    await this.rotateItem(await this.vault.items.find(name));
  }

  /** Rotates every item, reporting progress. */
  async rotateAll(progress?: (done: number, total: number) => void): Promise<void> {
    await this.vault.reload();
    const items = await this.vault.items.all();
    for (const [index, item] of items.entries()) {
      await this.rotateItem(item);
      progress?.(index + 1, items.length);
    }
  }

  /**
   * Rotates the default server's blinded-mode key: every blinded item of this vault is re-sealed under a new key
   * epoch, then the rotation is confirmed. Returns how many items were re-sealed. Interrupted, it can be run again.
   */
  async rotateBlindedKey(progress?: (done: number, total: number) => void): Promise<number> {
    await this.vault.reload();
    return rotateBlindedKey(this.vault, progress);
  }

  /**
   * Crypto-shreds the item's unit on the server (threshold: on enough members that it can never open again), then
   * deletes the local item.
   */
  async remove(name: string): Promise<void> {
    await this.vault.reload();
    const item = await this.vault.items.find(name);
    await this.vault.modes.of(item).remove(this.vault, item);
  }

  /** Defines (or redefines) a server set. Log in to each member before adding items to it. */
  defineSet(name: string, threshold: number, servers: readonly string[]): Promise<void> {
    return defineSet(this.vault, name, threshold, servers);
  }

  /** The defined server sets. */
  sets(): readonly ServerSet[] {
    return this.vault.state.sets;
  }

  /** The account's audit records from the default key server, oldest first. */
  async audit(): Promise<AuditEntry[]> {
    await this.vault.reload();
    const api = this.vault.server(this.vault.defaultServer());
    const entries: AuditEntry[] = [];
    let after = 0;
    for (;;) {
      const page = await api.auditPage(after, AuditPageMaxSize);
      entries.push(...page);
      const last = page[page.length - 1];
      if (page.length < AuditPageMaxSize || last === undefined) {
        return entries;
      }
      after = last.sequence;
    }
  }

  /** What `checkAudit` of `@symbolon/client/audit` checks: the default server's kept receipts and its listed log. */
  async [auditInputs](): Promise<AuditInputs> {
    await this.vault.reload();
    const server = this.vault.defaultServer();
    await this.vault.sessions.require(server);
    const receipts = await this.vault.receipts.read(server);
    const records = new Map((await this.audit()).map((entry) => [entry.sequence, entry.hash]));
    return { vault: this.vault, server, receipts, records };
  }

  /** The account's enrolled devices on `server` (default: the default server). */
  async devices(server?: string): Promise<DeviceInfo[]> {
    await this.vault.reload();
    return this.vault.server(server ?? this.vault.defaultServer()).devices();
  }

  /** Revokes a device of the account on `server` (default: the default server); its sessions end at once. */
  async revokeDevice(deviceId: string, server?: string): Promise<void> {
    await this.vault.reload();
    await this.vault.server(server ?? this.vault.defaultServer()).revokeDevice(deviceId);
  }

  /** Stops the idle timer and closes the use channels (sessions stay; the next open locks them if they went idle meanwhile). */
  close(): void {
    this.vault.sessions.close();
    this.vault.closeServers();
  }

  /**
   * Opens the item as the store holds it now. The store is always read (another tab may have rotated, replaced or
   * removed the item); when this client already knows the item's document, its release is sent at once and the store
   * read meanwhile, and if the stored document turns out to differ, that open is discarded and the item opened again
   * from the stored one. Either way the key server is asked, and only the stored document's open is returned.
   */
  private async openAsStored(name: string): Promise<OpenedItem> {
    const known = this.vault.items.lastKnown(name);
    const defaultServer = this.vault.state.server;
    // vault.json and the item documents are read at once: neither read needs the other.
    const stored = Promise.all([this.vault.reload(), this.vault.items.find(name)]).then(([, item]) => item);
    if (known === undefined) {
      const item = await stored;
      return this.vault.modes.of(item).open(this.vault, item);
    }
    const early = settle(this.vault.modes.of(known).open(this.vault, known));
    let item: StoredItem;
    try {
      item = await stored;
    } catch (error) {
      await discard(await early);
      throw error;
    }
    const opened = await early;
    // An item that names no server goes to the default one, which vault.json may have changed meanwhile.
    if (sameDocument(item, known) && (item.server !== null || this.vault.state.server === defaultServer)) {
      if ('error' in opened) {
        throw opened.error;
      }
      return opened.value;
    }
    await discard(opened);
    return this.vault.modes.of(item).open(this.vault, item);
  }

  private async rotateItem(item: StoredItem): Promise<void> {
    await this.vault.modes.of(item).rotate(this.vault, item);
  }

  private info(item: StoredItem): ItemInfo {
    const context = contextOf(item);
    return { name: item.name, unitId: item.unitId, keyVersion: context.keyVersion, mode: this.vault.modes.of(item).mode, createdAt: item.createdAt };
  }
}

type Settled<T> = { readonly value: T } | { readonly error: unknown };

function settle<T>(pending: Promise<T>): Promise<Settled<T>> {
  return pending.then((value) => ({ value }), (error: unknown) => ({ error }));
}

/**
 * An open whose document turned out stale: its credential is wiped and its receipt still kept (the release happened);
 * its failure, if it failed, is not the caller's, since the open that counts is made from the stored document.
 */
async function discard(opened: Settled<OpenedItem>): Promise<void> {
  if ('value' in opened) {
    opened.value.credential.wipe();
    await opened.value.receiptsKept.catch(() => undefined);
  }
}

/** A server URL as the client names it (https, or http only to loopback; a trailing `/`). */
export function normalizeServer(server: string): string {
  return serverUrl(server).href;
}
