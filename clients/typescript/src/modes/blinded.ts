// Blinded mode (docs/spec.md §10; src/Symbolon.Client/Modes/Blinded/): the server share is the POPRF output
// (RFC 9497, ristretto255-SHA512) of the account's key on a private input only this device derives, with the unit id
// as public info. The server sees a blinded element and the unit id, never the input, the output or the share. Every
// evaluation carries a proof, checked against the public key pinned when it was first seen, before anything is sealed
// or opened with it. An item's key version is the key epoch it is sealed under.
import { constantTimeEqual, fromBase64, toBase64, wipe } from '../crypto/bytes.js';
import { blind, blindedInfo, blindedShareFromOutput, finalize, type OprfBlindState } from '../crypto/blinded.js';
import { ItemMode, type ItemContext } from '../crypto/context.js';
import type { Credential } from '../crypto/credential.js';
import { OprfError } from '../crypto/errors.js';
import { ProtocolError } from '../errors.js';
import { contextOf, type StoredItem } from '../items.js';
import type { VaultContext, VaultState } from '../vault-context.js';
import type { ItemModeHandler, OpenedItem } from './mode.js';

export class BlindedMode implements ItemModeHandler {
  /** A format of its own, so that clients from before blinded mode refuse these items instead of asking for a release. */
  static readonly fileFormat = 3;
  readonly mode = ItemMode.Blinded;
  readonly format = BlindedMode.fileFormat;
  readonly takesSet = false;

  fits(item: StoredItem): boolean {
    return item.threshold === null;
  }

  async add(vault: VaultContext, name: string, credential: Credential): Promise<StoredItem> {
    const server = vault.defaultServer();
    const epoch = await newestEpoch(vault, server, false);
    const created = await vault.server(server).createUnit({ blinded: true });
    try {
      const context: ItemContext = { vaultId: vault.vaultId, unitId: created.unitId, keyVersion: epoch, mode: this.mode };
      const item: StoredItem = {
        format: this.format, name, unitId: created.unitId, sealedItem: await sealWith(vault, server, context, credential),
        createdAt: new Date(vault.now()).toISOString(), server, threshold: null,
      };
      await vault.items.save(item);
      return item;
    } catch (error) {
      await vault.tryShred(server, created.unitId);
      throw error;
    }
  }

  async open(vault: VaultContext, item: StoredItem): Promise<OpenedItem> {
    return { credential: await this.openKept(vault, item), receiptsKept: Promise.resolve() };
  }

  /** The open, its receipt kept before it returns. */
  async openKept(vault: VaultContext, item: StoredItem): Promise<Credential> {
    const context = contextOf(item);
    const share = await evaluate(vault, vault.serverOf(item), context);
    try {
      return await vault.open(item, share, context);
    } finally {
      wipe(share);
    }
  }

  /** A new unit (so a new POPRF input and share), re-sealed, then the old unit shredded. */
  async rotate(vault: VaultContext, item: StoredItem): Promise<void> {
    const server = vault.serverOf(item);
    const context = contextOf(item);
    const credential = await this.openKept(vault, item);
    try {
      const created = await vault.server(server).createUnit({ blinded: true });
      const next: ItemContext = { ...context, unitId: created.unitId };
      await vault.items.save({ ...item, unitId: created.unitId, sealedItem: await sealWith(vault, server, next, credential), server });
    } finally {
      credential.wipe();
    }
    // Only now, with the new item durably saved, may the old document go and the old unit be shredded.
    await vault.items.delete(item);
    await vault.tryShred(server, item.unitId);
  }

  remove(vault: VaultContext, item: StoredItem): Promise<void> {
    return vault.shredAndDelete(item);
  }
}

async function sealWith(vault: VaultContext, server: string, context: ItemContext, credential: Credential): Promise<Uint8Array> {
  const share = await evaluate(vault, server, context);
  try {
    return await vault.seal(share, context, credential);
  } finally {
    wipe(share);
  }
}

/** The newest key epoch (after starting a new one, with `rotate`), its key pinned. */
async function newestEpoch(vault: VaultContext, server: string, rotate: boolean): Promise<number> {
  const api = vault.server(server);
  const key = rotate ? await api.rotateOprfKey() : await api.oprfKey();
  await pin(vault, server, key.epoch, key.publicKey);
  return key.epoch;
}

/**
 * One POPRF evaluation for the unit in `context` under the epoch in its key version: blind the private input, ask
 * the server, verify its proof against the pinned key, unblind, derive the server share (which the caller wipes).
 */
async function evaluate(vault: VaultContext, server: string, context: ItemContext): Promise<Uint8Array> {
  const epoch = context.keyVersion;
  const publicKey = fromBase64(await pinnedKey(vault, server, epoch));
  const input = await vault.deriveBlindedInput(context);
  let state: OprfBlindState | undefined;
  let output: Uint8Array | undefined;
  try {
    const blinded = blind(input, blindedInfo(context.unitId), publicKey);
    state = blinded.state;
    wipe(input);
    const response = await vault.server(server).evaluate(context.unitId, { blindedElement: toBase64(blinded.blindedElement), epoch });
    await vault.receipts.keep(server, response.receipt);
    try {
      output = finalize(state, fromBase64(response.evaluatedElement), fromBase64(response.proof));
    } catch (error) {
      if (error instanceof OprfError) {
        throw new ProtocolError(
          `The key server at ${server} answered a blinded evaluation with a proof that does not verify against its key for epoch ${epoch} pinned on this device: it evaluated with another key (or the answer was altered). Nothing was sealed or opened with it.`);
      }
      throw error;
    }
    return await blindedShareFromOutput(output);
  } finally {
    // finalize wipes the state; every path that does not reach it (a failed request, a receipt not kept) wipes it here.
    state?.wipe();
    wipe(input, output);
  }
}

/** The pinned public key (base64) for (server, account, epoch), fetched and pinned on first use. */
async function pinnedKey(vault: VaultContext, server: string, epoch: number): Promise<string> {
  const userId = (await vault.sessions.require(server)).userId;
  const pinned = findPinned(vault.state, server, userId, epoch);
  if (pinned !== undefined) {
    return pinned;
  }
  const key = await vault.server(server).oprfKey(epoch);
  if (key.epoch !== epoch) {
    throw new ProtocolError(`The key server at ${server} answered for key epoch ${key.epoch} when asked for ${epoch}.`);
  }
  await pin(vault, server, epoch, key.publicKey);
  return key.publicKey;
}

/** Pins a public key the server presented; one that differs from the key already pinned for the epoch is refused. */
async function pin(vault: VaultContext, server: string, epoch: number, publicKey: string): Promise<void> {
  const userId = (await vault.sessions.require(server)).userId;
  await vault.updateState((state) => {
    const pinned = findPinned(state, server, userId, epoch);
    if (pinned === undefined) {
      return { ...state, oprfKeys: [...state.oprfKeys, { server, userId, epoch, publicKey }] };
    }
    if (!constantTimeEqual(fromBase64(pinned), fromBase64(publicKey))) {
      throw new ProtocolError(
        `The key server at ${server} now presents a different blinded-mode key for epoch ${epoch} than the one pinned on this device; refusing to use it.`);
    }
    return state;
  });
}

function findPinned(state: VaultState, server: string, userId: string, epoch: number): string | undefined {
  return state.oprfKeys.find((key) => key.server === server && key.userId === userId && key.epoch === epoch)?.publicKey;
}

/**
 * Moves every blinded item of the default server to a new key epoch (VaultClient.rotateBlindedKey; .NET's
 * BlindedKeyRotation): starts a new epoch if every item is under the newest (otherwise finishes the rotation in
 * progress), re-seals each item behind it, then confirms; the server says how many items elsewhere still lag.
 */
export async function rotateBlindedKey(vault: VaultContext, progress?: (done: number, total: number) => void): Promise<number> {
  const server = vault.defaultServer();
  const items = async (): Promise<StoredItem[]> =>
    (await vault.items.all()).filter((item) => item.format === BlindedMode.fileFormat && vault.serverOf(item) === server);
  let epoch = await newestEpoch(vault, server, false);
  if ((await items()).every((item) => contextOf(item).keyVersion === epoch)) {
    epoch = await newestEpoch(vault, server, true);
  }
  const mode = new BlindedMode();
  let resealed = 0;
  for (let behind = await lagging(); behind.length > 0; behind = await lagging()) {
    for (const [index, item] of behind.entries()) {
      const credential = await mode.openKept(vault, item);
      try {
        const next: ItemContext = { ...contextOf(item), keyVersion: epoch };
        await vault.items.save({ ...item, sealedItem: await sealWith(vault, server, next, credential), server });
      } finally {
        credential.wipe();
      }
      resealed++;
      progress?.(index + 1, behind.length);
    }
  }
  const confirmed = await vault.server(server).confirmOprfKey({ epoch });
  if (confirmed.pendingUnits > 0) {
    vault.warn(`${confirmed.pendingUnits} blinded items of this account on other devices are not under key epoch ${epoch} yet, so the server keeps the older keys: rotate there too.`);
  }
  return resealed;

  async function lagging(): Promise<StoredItem[]> {
    return (await items()).filter((item) => contextOf(item).keyVersion < epoch);
  }
}
