// The receipts the key server signed for every release and evaluation (docs/spec.md §7), kept to check later that
// the server's audit log still holds those records unchanged; the twin of src/Symbolon.Client/ReceiptLog.cs. One
// document per receipt (receipts/<server hash>-<sequence>.json), so keeping one never rewrites the others and two
// tabs keeping receipts at once cannot lose each other's.
import type { ReceiptView } from './api.js';
import { ProtocolError } from './errors.js';
import { serverHash } from './server-hash.js';
import { isObject, type JsonValue, type VaultStorage } from './storage.js';

/** A kept receipt, and the server that signed it. */
export interface StoredReceipt extends ReceiptView {
  readonly server: string;
}

/** The result of checking kept receipts against the server's log. */
export interface AuditCheckResult {
  /** Receipts checked. */
  readonly checked: number;
  /** Sequences of receipts whose record the server no longer holds (or holds changed). */
  readonly missing: readonly number[];
  /** True when every receipt's record is still in the server's log, unchanged. */
  readonly passed: boolean;
  /** Receipts whose record an inclusion proof shows in the verified checkpoint (docs/spec.md §7.1). */
  readonly included?: number;
  /** Sequences of receipts younger than the grace period whose record no checkpoint includes yet. */
  readonly pending?: readonly number[];
  /** The size of the checkpoint verified (signature, and consistency with the one pinned before); absent when the server has none. */
  readonly treeSize?: number;
}

export class ReceiptLog {
  constructor(private readonly storage: VaultStorage) {}

  async keep(server: string, receipt: ReceiptView): Promise<void> {
    const document: JsonValue = {
      sequence: receipt.sequence, chainHash: receipt.chainHash, unitId: receipt.unitId, deviceId: receipt.deviceId,
      time: receipt.time, signature: receipt.signature, server,
    };
    await this.storage.put(`${await prefixOf(server)}${receipt.sequence}.json`, document);
  }

  /** The receipts kept from `server`, oldest first. */
  async read(server: string): Promise<StoredReceipt[]> {
    const receipts: StoredReceipt[] = [];
    for (const name of await this.storage.list(await prefixOf(server))) {
      const receipt = parse(await this.storage.get(name));
      if (receipt !== undefined && receipt.server === server) {
        receipts.push(receipt);
      }
    }
    return receipts.sort((a, b) => a.sequence - b.sequence);
  }
}

async function prefixOf(server: string): Promise<string> {
  return `receipts/${await serverHash(server)}-`;
}

function parse(value: JsonValue | undefined): StoredReceipt | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const { sequence, chainHash, unitId, deviceId, time, signature, server } = value;
  return typeof sequence === 'number' && typeof chainHash === 'string' && typeof unitId === 'string' && typeof deviceId === 'string'
    && typeof time === 'string' && typeof signature === 'string' && typeof server === 'string'
    ? { sequence, chainHash, unitId, deviceId, time, signature, server }
    : undefined;
}
