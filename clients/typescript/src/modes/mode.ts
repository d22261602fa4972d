// One item mode: where an item's server share comes from, and so how an item of that mode is added, opened, rotated
// and removed (src/Symbolon.Client/Modes/IItemMode.cs). Each mode is one implementation, listed once in the registry
// (registry.ts); nothing else asks which mode an item has.
import type { ItemMode } from '../crypto/context.js';
import type { Credential } from '../crypto/credential.js';
import type { StoredItem } from '../items.js';
import type { VaultContext } from '../vault-context.js';

/**
 * An opened item: its credential, and the keeping of the release's receipts in the store, which may still be under way
 * (split mode writes the receipt while the item is unsealed and used, instead of before). The server's audit record
 * of the release is durable before it answers either way; the local receipt only lets a later audit check prove it.
 */
export interface OpenedItem {
  readonly credential: Credential;
  /** Settles when every receipt of this open is kept durably; rejects if one could not be. */
  readonly receiptsKept: Promise<void>;
}

/** Opens an item and waits for its receipts, for callers that go on to change it (rotation); wipes on failure. */
export async function openAndKeep(mode: ItemModeHandler, vault: VaultContext, item: StoredItem): Promise<Credential> {
  const { credential, receiptsKept } = await mode.open(vault, item);
  try {
    await receiptsKept;
  } catch (error) {
    credential.wipe();
    throw error;
  }
  return credential;
}

export interface ItemModeHandler {
  /** The mode callers ask for, and that ItemInfo.mode reports. */
  readonly mode: ItemMode;
  /**
   * The item-document format that marks this mode's items: a number of its own, so that a client which does not
   * know the mode refuses its items instead of opening them as another mode's. The same numbers as .NET.
   */
  readonly format: number;
  /** Whether the mode stores items on a named server set (threshold) rather than on the default server. */
  readonly takesSet: boolean;
  /** Whether a document of this mode's format has the members the mode needs (and none it does not). */
  fits(item: StoredItem): boolean;
  /** Creates the server side of a new item, seals `credential` and saves the item durably. */
  add(vault: VaultContext, name: string, credential: Credential, set: string | undefined): Promise<StoredItem>;
  /**
   * Opens the item with a live, audited release of its server share. The caller wipes the credential, and awaits
   * `receiptsKept` before it reports the open as done.
   */
  open(vault: VaultContext, item: StoredItem): Promise<OpenedItem>;
  /** Re-seals the item under a new server share, saves it, and only then lets the old share be destroyed. */
  rotate(vault: VaultContext, item: StoredItem): Promise<void>;
  /** Destroys the item's server side so that no copy of its document can open again, then deletes the document. */
  remove(vault: VaultContext, item: StoredItem): Promise<void>;
}
