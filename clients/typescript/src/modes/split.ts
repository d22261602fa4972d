// Split mode: one random share per unit, drawn, kept and released (once per open, audited) by one key server
// (src/Symbolon.Client/Modes/Split/SplitMode.cs).
import type { ReleaseResponse, ShareResponse } from '../api.js';
import { fromBase64, wipe } from '../crypto/bytes.js';
import { ItemMode, type ItemContext } from '../crypto/context.js';
import type { Credential } from '../crypto/credential.js';
import { ProtocolError } from '../errors.js';
import { contextOf, type StoredItem } from '../items.js';
import type { VaultContext } from '../vault-context.js';
import { openAndKeep, type ItemModeHandler, type OpenedItem } from './mode.js';

export class SplitMode implements ItemModeHandler {
  readonly mode = ItemMode.Split;
  readonly format = 1;
  readonly takesSet = false;

  fits(item: StoredItem): boolean {
    return item.threshold === null;
  }

  async add(vault: VaultContext, name: string, credential: Credential): Promise<StoredItem> {
    const server = vault.defaultServer();
    const created = await vault.server(server).createUnit();
    try {
      const context: ItemContext = { vaultId: vault.vaultId, unitId: created.unitId, keyVersion: created.version, mode: this.mode };
      const sealedItem = await seal(vault, created, context, credential);
      const item: StoredItem = {
        format: this.format, name, unitId: created.unitId, sealedItem, createdAt: new Date(vault.now()).toISOString(), server, threshold: null,
      };
      await vault.items.save(item);
      return item;
    } catch (error) {
      await vault.tryShred(server, created.unitId);
      throw error;
    }
  }

  /**
   * The release, then the unseal. The client share needs nothing from the server, so it is derived while the release
   * is in flight; the receipt is written while the item is unsealed and used (the caller awaits it before reporting
   * the open done), so neither the store nor the derivation waits on the other.
   */
  async open(vault: VaultContext, item: StoredItem): Promise<OpenedItem> {
    const server = vault.serverOf(item);
    const context = contextOf(item);
    const releasing = vault.server(server).release(item.unitId, { version: context.keyVersion });
    // Asked for after the request's proof, so that the derivation does not hold up the signature before it.
    const opening = vault.beginOpen(item, context);
    let released: ReleaseResponse;
    try {
      released = await releasing;
    } catch (error) {
      await opening.cancel();
      throw error;
    }
    const receiptsKept = vault.receipts.keep(server, released.receipt);
    // Awaited by the caller after the callback; a failure meanwhile is not an unhandled rejection.
    receiptsKept.catch(() => undefined);
    let share: Uint8Array | undefined;
    try {
      share = shareBytes(released.share);
      return { credential: await opening.finish(share), receiptsKept };
    } catch (error) {
      await opening.cancel();
      // The open failed, but the release happened: its receipt is still kept, and the open's error is the one reported.
      await receiptsKept.catch(() => undefined);
      throw error;
    } finally {
      wipe(share);
    }
  }

  async rotate(vault: VaultContext, item: StoredItem): Promise<void> {
    const server = vault.serverOf(item);
    const context = contextOf(item);
    const credential = await openAndKeep(this, vault, item);
    try {
      const rotated = await vault.server(server).rotateUnit(item.unitId);
      const next: ItemContext = { ...context, keyVersion: rotated.version };
      await vault.items.save({ ...item, sealedItem: await seal(vault, rotated, next, credential), server });
      // Only now, with the new item durably saved, may the server destroy the old share.
      await vault.server(server).confirmUnit(item.unitId, { version: rotated.version });
    } finally {
      credential.wipe();
    }
  }

  remove(vault: VaultContext, item: StoredItem): Promise<void> {
    return vault.shredAndDelete(item);
  }
}

async function seal(vault: VaultContext, drawn: ShareResponse, context: ItemContext, credential: Credential): Promise<Uint8Array> {
  if (drawn.share === null) {
    throw new ProtocolError('The key server sent no share for a unit it drew.');
  }
  const share = shareBytes(drawn.share);
  try {
    return await vault.seal(share, context, credential);
  } finally {
    wipe(share);
  }
}

/** A share from the wire (base64, 32 bytes); anything else is the server's fault. */
export function shareBytes(base64: string): Uint8Array {
  const share = fromBase64(base64);
  if (share.length !== 32) {
    wipe(share);
    throw new ProtocolError(`The key server sent a share of ${share.length} bytes.`);
  }
  return share;
}
