// Split mode: one random share per unit, drawn, kept and released (once per open, audited) by one key server
// (src/Symbolon.Client/Modes/Split/SplitMode.cs).
import type { ShareResponse } from '../api.js';
import { fromBase64, wipe } from '../crypto/bytes.js';
import { ItemMode, type ItemContext } from '../crypto/context.js';
import type { Credential } from '../crypto/credential.js';
import { ProtocolError } from '../errors.js';
import { contextOf, type StoredItem } from '../items.js';
import type { VaultContext } from '../vault-context.js';
import type { ItemModeHandler } from './mode.js';

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

  async open(vault: VaultContext, item: StoredItem): Promise<Credential> {
    const server = vault.serverOf(item);
    const context = contextOf(item);
    const released = await vault.server(server).release(item.unitId, { version: context.keyVersion });
    await vault.receipts.keep(server, released.receipt);
    const share = shareBytes(released.share);
    try {
      return await vault.open(item, share, context);
    } finally {
      wipe(share);
    }
  }

  async rotate(vault: VaultContext, item: StoredItem): Promise<void> {
    const server = vault.serverOf(item);
    const context = contextOf(item);
    const credential = await this.open(vault, item);
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
