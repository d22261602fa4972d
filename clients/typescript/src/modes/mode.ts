// One item mode: where an item's server share comes from, and so how an item of that mode is added, opened, rotated
// and removed (src/Symbolon.Client/Modes/IItemMode.cs). Each mode is one implementation, listed once in the registry
// (registry.ts); nothing else asks which mode an item has.
import type { ItemMode } from '../crypto/context.js';
import type { Credential } from '../crypto/credential.js';
import type { StoredItem } from '../items.js';
import type { VaultContext } from '../vault-context.js';

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
  /** Opens the item with a live, audited release of its server share. The caller wipes the credential. */
  open(vault: VaultContext, item: StoredItem): Promise<Credential>;
  /** Re-seals the item under a new server share, saves it, and only then lets the old share be destroyed. */
  rotate(vault: VaultContext, item: StoredItem): Promise<void>;
  /** Destroys the item's server side so that no copy of its document can open again, then deletes the document. */
  remove(vault: VaultContext, item: StoredItem): Promise<void>;
}
