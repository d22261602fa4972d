// Items in the store: items/<unit id>.json holding the local name and the sealed item (ciphertext only), in the shape
// of the .NET client's item files (src/Symbolon.Client/Items/ItemStore.cs): format, name, unitId, sealedItem (base64),
// createdAt, server, threshold. A document whose format no mode knows, or that does not fit its mode, is refused as
// tampered: it is never guessed at.
import { fromBase64, toBase64 } from './crypto/bytes.js';
import type { ItemContext } from './crypto/context.js';
import { ArgumentError, ItemOpenError } from './crypto/errors.js';
import { itemMac, verifyItemMac } from './crypto/item-mac.js';
import { readContext } from './crypto/sealed-item.js';
import { InvalidOperationError, ItemNotFoundError, ItemTamperedError } from './errors.js';
import { isObject, readEntries, type JsonValue, type VaultStorage } from './storage.js';

/** Member i of a threshold item's set: the unit on that server holding share i, and its current version. */
export interface ThresholdShareRef {
  readonly server: string;
  readonly unitId: string;
  readonly version: number;
}

/** Where a threshold item's shares live: t, and per member (in share-index order) server, unit and version. */
export interface ThresholdItem {
  readonly threshold: number;
  readonly members: readonly ThresholdShareRef[];
}

/**
 * One item. `format` names its mode; `sealedItem` is the sealed-item v1 bytes of docs/spec.md §3. A split or
 * blinded item names the server holding its unit; a threshold item names its set's members, and `unitId` is its own
 * item id.
 */
export interface StoredItem {
  readonly format: number;
  readonly name: string;
  readonly unitId: string;
  readonly sealedItem: Uint8Array;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly server: string | null;
  readonly threshold: ThresholdItem | null;
  /** The MAC of the fields above (docs/spec.md §3.1), as read from the store; an item about to be saved has none yet. */
  readonly mac?: Uint8Array;
}

/** The header's context, checked structurally (authenticated only when the item opens). */
export function contextOf(item: StoredItem): ItemContext {
  try {
    return readContext(item.sealedItem);
  } catch (error) {
    if (error instanceof ItemOpenError) {
      throw new ItemTamperedError(`The item '${item.name}' is damaged or was altered.`);
    }
    throw error;
  }
}

const namePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** 1-64 of a-z 0-9 . _ -, starting with a letter or digit, as the .NET client. */
export function isValidItemName(name: string): boolean {
  return namePattern.test(name);
}

/** What the store asks of the mode registry: whether a document of some format is one it knows. */
export interface FormatCheck {
  fits(item: StoredItem): boolean;
}

export class ItemStore {
  /**
   * The item documents as this client last read or wrote them, by name: what the store holds (ciphertext and
   * metadata), never a key, a share or a credential. An open may send its release from here while the store is read,
   * but only ever finishes with the document the store holds (VaultClient.use), so another tab's change is never missed.
   */
  private known = new Map<string, StoredItem>();

  /**
   * @param macKey The item-file MAC key (crypto/item-mac.ts): every document read must carry its MAC (from the vault's
   *   migration on, see {@link addMissingMacs}), every document saved gets one.
   */
  constructor(private readonly storage: VaultStorage, private readonly modes: FormatCheck, private readonly macKey: CryptoKey) {}

  /**
   * True when some item document carries a MAC that verifies: a client with item MACs has written to this vault, so
   * it is no longer one from before them (docs/spec.md §3.1).
   */
  async anyWithMac(): Promise<boolean> {
    // A damaged document proves nothing either way; it is refused when listed or opened.
    return (await this.readAll(false)).some(([, item]) => item?.mac !== undefined);
  }

  /**
   * Gives every item document written before item MACs its MAC, as it is (once per vault: vault.json's itemMacTag
   * records it, and from then on a document without one is tampered).
   */
  async addMissingMacs(): Promise<void> {
    // A document already damaged is left as it is, refused as tampered when listed or opened (not here, where it would
    // keep the whole vault from opening).
    for (const [, item] of await this.readAll(false)) {
      if (item !== undefined && item.mac === undefined) {
        await this.save(item);
      }
    }
  }

  /** Every item, by name; a damaged or altered document fails the whole call (see {@link survey}). */
  async all(): Promise<StoredItem[]> {
    const { items, damaged } = await this.survey();
    if (damaged[0] !== undefined) {
      throw tampered(damaged[0]);
    }
    return items;
  }

  /**
   * Every intact item, by name, and the names of the documents that are damaged or were altered: those are left out
   * (never opened) instead of hiding every other item. For showing the vault; anything that acts on all items uses
   * {@link all}, which refuses to go on past a damaged document.
   */
  async survey(): Promise<{ items: StoredItem[]; damaged: string[] }> {
    const items: StoredItem[] = [];
    const damaged: string[] = [];
    for (const [name, item] of await this.readAll(true)) {
      if (item === undefined) {
        damaged.push(name);
      } else {
        items.push(item);
      }
    }
    // A name held by two documents (two adds raced) is not known: `find` reports it from the store.
    const counts = new Map<string, number>();
    items.forEach((item) => counts.set(item.name, (counts.get(item.name) ?? 0) + 1));
    this.known = new Map(items.filter((item) => counts.get(item.name) === 1).map((item) => [item.name, item]));
    return { items: items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), damaged: damaged.sort() };
  }

  /**
   * The intact item of that name. A damaged or altered document is never opened, and does not keep the others from
   * opening; when no intact item has the name, the damaged documents are named, as the item may be among them.
   */
  async find(name: string): Promise<StoredItem> {
    const { items, damaged } = await this.survey();
    const matches = items.filter((item) => item.name === name);
    const [first, second] = matches;
    if (first === undefined) {
      throw damaged[0] === undefined
        ? new ItemNotFoundError(`No item named '${name}'.`, 'List the stored items to see their names.')
        : tampered(damaged[0]);
    }
    if (second !== undefined) {
      throw new InvalidOperationError(`${matches.length} items are named '${name}' (two adds ran at once).`,
        `Remove the extra item documents: ${matches.slice(1).map((item) => documentOf(item.unitId)).join(', ')}.`);
    }
    return first;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.survey()).items.some((item) => item.name === name);
  }

  /** The item's document as this client last read or wrote it, if it knows one; see {@link known}. */
  lastKnown(name: string): StoredItem | undefined {
    return this.known.get(name);
  }

  async save(item: StoredItem): Promise<void> {
    this.known.delete(item.name);
    const saved: StoredItem = { ...item, mac: await itemMac(this.macKey, item) };
    await this.storage.put(documentOf(item.unitId), toDocument(saved));
    this.known.set(item.name, saved);
  }

  async delete(item: StoredItem): Promise<void> {
    if (this.known.get(item.name)?.unitId === item.unitId) {
      this.known.delete(item.name);
    }
    await this.storage.delete(documentOf(item.unitId));
  }

  /** Every item document, parsed; undefined for one that is damaged or was altered. */
  private async readAll(requireMac: boolean): Promise<[string, StoredItem | undefined][]> {
    const documents: [string, StoredItem | undefined][] = [];
    for (const [name, value] of await readEntries(this.storage, 'items/')) {
      if (name.endsWith('.json')) {
        documents.push([name, await this.parse(name, value, requireMac).catch((error: unknown) => {
          if (error instanceof ItemTamperedError) {
            return undefined;
          }
          throw error;
        })]);
      }
    }
    return documents;
  }

  private async parse(document: string, value: JsonValue | undefined, requireMac: boolean): Promise<StoredItem> {
    const item = fromDocument(value);
    if (item === undefined || !this.modes.fits(item) || !isValidItemName(item.name) || document !== documentOf(item.unitId)
      || ((requireMac || item.mac !== undefined) && !(item.mac !== undefined && await this.verify(item, item.mac)))) {
      throw tampered(document);
    }
    return item;
  }

  private async verify(item: StoredItem, mac: Uint8Array): Promise<boolean> {
    try {
      return await verifyItemMac(this.macKey, item, mac);
    } catch (error) {
      if (error instanceof RangeError || error instanceof ArgumentError) {
        return false;
      }
      throw error;
    }
  }
}

function tampered(document: string): ItemTamperedError {
  return new ItemTamperedError(`The item document '${document}' is damaged or was altered.`);
}

/** Whether two items are the same document: any difference (another tab rotated, replaced or altered it) counts. */
export function sameDocument(a: StoredItem, b: StoredItem): boolean {
  return a === b || JSON.stringify(toDocument(a)) === JSON.stringify(toDocument(b));
}

/** items/<unit id>.json, the id lower-case as .NET writes a Guid. */
export function documentOf(unitId: string): string {
  return `items/${unitId.toLowerCase()}.json`;
}

/** The item as its document: the .NET item file's members and spelling. */
export function toDocument(item: StoredItem): JsonValue {
  return {
    format: item.format,
    name: item.name,
    unitId: item.unitId,
    sealedItem: toBase64(item.sealedItem),
    createdAt: item.createdAt,
    server: item.server,
    threshold: item.threshold === null ? null : {
      threshold: item.threshold.threshold,
      members: item.threshold.members.map((member) => ({ server: member.server, unitId: member.unitId, version: member.version })),
    },
    ...(item.mac === undefined ? {} : { mac: toBase64(item.mac) }),
  };
}

/** An item document (the TypeScript client's, or a .NET item file) as an item; undefined if it is not one. */
function fromDocument(value: JsonValue | undefined): StoredItem | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const { format, name, unitId, sealedItem, createdAt } = value;
  const server = value['server'] ?? null;
  const threshold = value['threshold'] ?? null;
  if (typeof format !== 'number' || !Number.isSafeInteger(format) || typeof name !== 'string' || typeof unitId !== 'string'
    || !uuidPattern.test(unitId) || typeof sealedItem !== 'string' || typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))
    || (server !== null && typeof server !== 'string')) {
    return undefined;
  }
  const parsedThreshold = threshold === null ? null : parseThreshold(threshold);
  if (parsedThreshold === undefined) {
    return undefined;
  }
  const mac = value['mac'] ?? null;
  if (mac !== null && typeof mac !== 'string') {
    return undefined;
  }
  let bytes: Uint8Array;
  let macBytes: Uint8Array | undefined;
  try {
    bytes = fromBase64(sealedItem);
    macBytes = mac === null ? undefined : fromBase64(mac);
  } catch {
    return undefined;
  }
  return { format, name, unitId, sealedItem: bytes, createdAt, server, threshold: parsedThreshold, ...(macBytes === undefined ? {} : { mac: macBytes }) };
}

function parseThreshold(value: JsonValue): ThresholdItem | undefined {
  if (!isObject(value) || typeof value['threshold'] !== 'number' || !Array.isArray(value['members'])) {
    return undefined;
  }
  const members: ThresholdShareRef[] = [];
  for (const member of value['members']) {
    if (!isObject(member) || typeof member['server'] !== 'string' || typeof member['unitId'] !== 'string'
      || !uuidPattern.test(member['unitId']) || typeof member['version'] !== 'number' || !Number.isSafeInteger(member['version'])) {
      return undefined;
    }
    members.push({ server: member['server'], unitId: member['unitId'], version: member['version'] });
  }
  return { threshold: value['threshold'], members };
}
