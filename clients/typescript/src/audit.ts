// @symbolon/client/audit: the check of a key server's audit log (docs/spec.md §7.1). A subpath of its own, like
// @symbolon/client/node, so that the Merkle proofs it verifies are shipped only by apps that check the log; the
// package entry stays small for every page that only opens items.
import { checkAuditLog } from './audit-log.js';
import type { AuditCheckResult } from './receipts.js';
import { auditInputs, type VaultClient } from './vault.js';

export { AuditGracePeriodMs } from './audit-log.js';
export { AuditLogError } from './errors.js';
export type { AuditCheckResult } from './receipts.js';

/**
 * Checks the default server's audit log against what this device holds: the audit key pinned on first use, the
 * newest checkpoint's signature, its consistency with the checkpoint verified last time (then pinned in its place),
 * and for every kept receipt its signature, that the server still lists its record, and an inclusion proof in the
 * checkpoint (pending for five minutes after the release).
 * @throws {AuditLogError} The key changed, a checkpoint is not signed, or the log shrank or was rewritten.
 */
export async function checkAudit(client: VaultClient): Promise<AuditCheckResult> {
  const { vault, server, receipts, records } = await client[auditInputs]();
  return checkAuditLog(vault, server, receipts, records);
}
