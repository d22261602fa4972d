// The client's check of a key server's audit log (docs/spec.md §7.1), the twin of src/Symbolon.Client/AuditLogCheck.cs:
// the audit key pinned on first use, the newest checkpoint's signature, consistency with the checkpoint this device
// verified last, and an inclusion proof for each kept receipt whose record is checkpointed. A log rewound, truncated or
// rewritten since then is an AuditLogError; a receipt's record that is only missing is reported in the result.
import type { AuditKeyView, CheckpointView, InclusionProofView } from './api.js';
import { constantTimeEqual, fromBase64 } from './crypto/bytes.js';
import { auditLeafHash, verifyCheckpoint, verifyConsistency, verifyInclusion } from './crypto/merkle.js';
import { importAuditKey, verifyReceipt } from './crypto/receipt.js';
import { AuditLogError, ItemNotFoundError, ProtocolError } from './errors.js';
import type { AuditCheckResult, StoredReceipt } from './receipts.js';
import type { PinnedAuditLog, VaultContext, VaultState } from './vault-context.js';

/** How long a receipt's record may stay out of every checkpoint (pending) before it counts as missing. */
export const AuditGracePeriodMs = 5 * 60_000;

export async function checkAuditLog(
  vault: VaultContext, server: string, receipts: readonly StoredReceipt[], records: ReadonlyMap<number, string>,
): Promise<AuditCheckResult> {
  const api = vault.server(server);
  const key = await api.auditKey();
  const pinned = pinnedOf(vault.state, server);
  requireSameKey(pinned, key, server);
  let auditKey: CryptoKey;
  try {
    auditKey = await importAuditKey(key);
  } catch {
    throw new ProtocolError("The key server's audit key is malformed: receipts cannot be checked against it.");
  }
  const listed = await checkReceipts(receipts, auditKey, records);
  const missing = new Set(listed.missing);
  const unproven = receipts.filter((receipt) => !missing.has(receipt.sequence));

  let latest: CheckpointView | undefined;
  try {
    latest = await api.latestCheckpoint();
  } catch (error) {
    if (!(error instanceof ItemNotFoundError)) {
      throw error;
    }
  }

  if (latest === undefined) {
    if (pinned !== undefined && pinned.treeSize > 0) {
      throw new AuditLogError(`The key server at ${server} publishes no audit checkpoint, but this device verified one of ${pinned.treeSize} records: its log was removed.`);
    }
    await pin(vault, server, key, undefined);
    return result(vault, receipts.length, listed.missing, 0, unproven, undefined);
  }

  if (!(await verifyCheckpoint(auditKey, latest))) {
    throw new AuditLogError(`The key server at ${server} published an audit checkpoint of ${latest.treeSize} records that its audit key did not sign.`);
  }

  const root = fromBase64(latest.rootHash);
  if (pinned !== undefined && pinned.treeSize > 0) {
    if (latest.treeSize < pinned.treeSize) {
      throw new AuditLogError(
        `The key server at ${server} rewound its audit log: this device verified a checkpoint of ${pinned.treeSize} records, and the newest the server publishes holds ${latest.treeSize}.`);
    }
    const proof = latest.treeSize === pinned.treeSize ? [] : (await api.consistencyProof(pinned.treeSize, latest.treeSize)).proof;
    if (!(await verifyConsistency(pinned.treeSize, latest.treeSize, fromBase64(pinned.rootHash), root, proof.map(fromBase64)))) {
      throw new AuditLogError(
        `The key server at ${server} rewrote its audit log: its checkpoint of ${latest.treeSize} records does not extend the checkpoint of ${pinned.treeSize} records this device verified.`);
    }
  }

  let included = 0;
  const pending: StoredReceipt[] = [];
  for (const receipt of unproven) {
    let inclusion: InclusionProofView;
    try {
      inclusion = await api.inclusionProof(receipt.sequence, latest.treeSize);
    } catch (error) {
      if (error instanceof ItemNotFoundError) {
        pending.push(receipt);
        continue;
      }
      throw error;
    }
    const leaf = await auditLeafHash(receipt.sequence, receipt.chainHash);
    if (!(await verifyInclusion(inclusion.leafIndex, latest.treeSize, leaf, inclusion.path.map(fromBase64), root))) {
      throw new AuditLogError(
        `The key server at ${server} has no proof that its checkpoint of ${latest.treeSize} records includes record ${receipt.sequence} as its receipt names it.`);
    }
    included++;
  }

  await pin(vault, server, key, latest);
  return result(vault, receipts.length, listed.missing, included, pending, latest.treeSize);
}

/** Receipts not yet in a checkpoint are pending within the grace period and missing after it. */
function result(
  vault: VaultContext, checked: number, missing: readonly number[], included: number, notCheckpointed: readonly StoredReceipt[], treeSize: number | undefined,
): AuditCheckResult {
  const cutoff = vault.now() - AuditGracePeriodMs;
  const young = notCheckpointed.filter((receipt) => Date.parse(receipt.time) > cutoff).map((receipt) => receipt.sequence);
  const overdue = notCheckpointed.filter((receipt) => Date.parse(receipt.time) <= cutoff).map((receipt) => receipt.sequence);
  const allMissing = [...missing, ...overdue];
  return { checked, missing: allMissing, passed: allMissing.length === 0, included, pending: young, ...(treeSize === undefined ? {} : { treeSize }) };
}

function requireSameKey(pinned: PinnedAuditLog | undefined, key: AuditKeyView, server: string): void {
  if (pinned !== undefined && (pinned.keyX !== key.x || pinned.keyY !== key.y)) {
    throw new AuditLogError(`The key server at ${server} now presents a different audit key than the one pinned on this device; its receipts and checkpoints are not trusted.`);
  }
}

/** Pins the key (first use) and the newest verified checkpoint; never moves a pin back to a smaller tree. */
async function pin(vault: VaultContext, server: string, key: AuditKeyView, checkpoint: CheckpointView | undefined): Promise<void> {
  await vault.updateState((state) => {
    const current = pinnedOf(state, server);
    requireSameKey(current, key, server);
    if (current !== undefined && (checkpoint === undefined || checkpoint.treeSize <= current.treeSize)) {
      return state;
    }
    const entry: PinnedAuditLog = { server, keyX: key.x, keyY: key.y, treeSize: checkpoint?.treeSize ?? 0, rootHash: checkpoint?.rootHash ?? '' };
    return { ...state, auditLogs: [...state.auditLogs.filter((log) => log.server !== server), entry] };
  });
}

function pinnedOf(state: VaultState, server: string): PinnedAuditLog | undefined {
  return state.auditLogs.find((log) => log.server === server);
}

/**
 * Checks each receipt's signature against the server's audit key, and that the server's log (sequence → chain
 * hash) still holds its record. A receipt that does not verify means the server (or this store) is not what it
 * claims, and is an error rather than a finding.
 */
async function checkReceipts(receipts: readonly StoredReceipt[], auditKey: CryptoKey, log: ReadonlyMap<number, string>): Promise<AuditCheckResult> {
  const missing: number[] = [];
  for (const receipt of receipts) {
    if (!(await verifyReceipt(auditKey, receipt))) {
      throw new ProtocolError(`The receipt for record ${receipt.sequence} does not verify against the server's audit key.`);
    }
    const hash = log.get(receipt.sequence);
    if (hash === undefined || !constantTimeEqual(fromBase64(hash), fromBase64(receipt.chainHash))) {
      missing.push(receipt.sequence);
    }
  }
  return { checked: receipts.length, missing, passed: missing.length === 0 };
}
