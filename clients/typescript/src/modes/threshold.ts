// Threshold mode (docs/spec.md §5; src/Symbolon.Client/Modes/Threshold/): the item's server secret is split with
// Shamir across a set of n independent key servers, share i stored on server i as an ordinary unit share; any t of
// them must release their shares. The item's unitId is its own id; its members' units are in item.threshold. One slow,
// down or lying member fails alone: opening tries every t-subset of the answers and names a member whose share
// disagrees with the subset that opens the item, whether it answered in time or late.
import type { ReceiptView, RequestOptions, ShareResponse } from '../api.js';
import { constantTimeEqual, toBase64, wipe } from '../crypto/bytes.js';
import { ItemMode, type ItemContext } from '../crypto/context.js';
import type { Credential } from '../crypto/credential.js';
import { combine, MaxShares, MinThreshold, split, type ShamirShare } from '../crypto/shamir.js';
import { bindThresholdSecret, thresholdDigest } from '../crypto/threshold-set.js';
import {
  AccessDeniedError, InvalidOperationError, ItemNotFoundError, ItemTamperedError, NotLoggedInError, ServerUnreachableError,
  SymbolonError,
} from '../errors.js';
import { contextOf, type StoredItem, type ThresholdItem } from '../items.js';
import type { ServerSet, VaultContext } from '../vault-context.js';
import { serverUrl } from '../api.js';
import type { ItemModeHandler, OpenedItem } from './mode.js';
import { shareBytes } from './split.js';

/** One member's answer, or why it has none. */
interface MemberResult<T> {
  readonly server: string;
  readonly value: T | undefined;
  readonly error: SymbolonError | undefined;
}

/** A member's answer to a release: its share and receipt, or its failure. */
interface ReleaseOutcome {
  readonly index: number;
  readonly share?: ShamirShare;
  readonly receipt?: ReceiptView;
  readonly error?: SymbolonError;
}

export class ThresholdMode implements ItemModeHandler {
  readonly mode = ItemMode.Threshold;
  /** Format 2, so that clients from before threshold mode refuse these items. */
  readonly format = 2;
  readonly takesSet = true;

  /**
   * A set that a split could have made, as .NET's ThresholdMode.Fits: 2 ≤ t ≤ n ≤ 255, each member on a server of its
   * own, named by an absolute http(s) URL. Anything else was altered, and would otherwise fail deep inside the set
   * digest or ask servers it should not.
   */
  fits(item: StoredItem): boolean {
    const threshold = item.threshold;
    if (threshold === null) {
      return false;
    }
    const { members } = threshold;
    if (!Number.isInteger(threshold.threshold) || threshold.threshold < MinThreshold || threshold.threshold > members.length
      || members.length > MaxShares) {
      return false;
    }
    const servers = members.map((member) => httpUrl(member.server));
    return servers.every((server) => server !== undefined) && new Set(servers).size === servers.length;
  }

  async add(vault: VaultContext, name: string, credential: Credential, set: string | undefined): Promise<StoredItem> {
    const serverSet = findSet(vault, set ?? '');
    for (const server of serverSet.servers) {
      await vault.sessions.require(server);
    }
    const itemId = crypto.randomUUID();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    try {
      const created = await sendShares(vault, serverSet.servers, secret, serverSet.threshold,
        (server, share, options) => vault.server(server).createUnit({ share }, options));
      const failed = created.filter((result) => result.error !== undefined);
      if (failed.length > 0) {
        await shredCreated(vault, created);
        throw failure(`'${name}' was not added: every server of the set must store its share, and ${failed.length} of ${serverSet.servers.length} did not`, failed);
      }
      const threshold: ThresholdItem = {
        threshold: serverSet.threshold,
        members: created.map((result) => ({ server: result.server, unitId: answered(result).unitId, version: answered(result).version })),
      };
      const context: ItemContext = { vaultId: vault.vaultId, unitId: itemId, keyVersion: 1, mode: this.mode };
      const item: StoredItem = {
        format: this.format, name, unitId: itemId, sealedItem: await seal(vault, secret, threshold, context, credential),
        createdAt: new Date(vault.now()).toISOString(), server: null, threshold,
      };
      try {
        await vault.items.save(item);
      } catch (error) {
        await shredCreated(vault, created);
        throw error;
      }
      return item;
    } finally {
      wipe(secret);
    }
  }

  /**
   * Asks every member at once and opens with the first t shares. If those do not open the item, the other answers
   * are awaited (bounded by the threshold timeout) and every t-subset is tried. Fewer than t answers: an error naming
   * the members that failed, and why.
   */
  async open(vault: VaultContext, item: StoredItem): Promise<OpenedItem> {
    return { credential: await this.openKept(vault, item), receiptsKept: Promise.resolve() };
  }

  /** The open, every receipt of the releases used kept before it returns. */
  private async openKept(vault: VaultContext, item: StoredItem): Promise<Credential> {
    const threshold = thresholdOf(item);
    const context = contextOf(item);
    const digest = await setDigest(threshold);
    const timeout = AbortSignal.timeout(vault.thresholdTimeoutMs);
    const answers: ShamirShare[] = [];
    const failures: MemberResult<unknown>[] = [];
    const receipts: { server: string; receipt: ReceiptView }[] = [];
    const pending = new Map<number, Promise<ReleaseOutcome>>();
    threshold.members.forEach((member, index) => {
      pending.set(index, (async (): Promise<ReleaseOutcome> => {
        try {
          const released = await vault.server(member.server).release(member.unitId, { version: member.version }, { signal: timeout });
          return { index, share: { threshold: threshold.threshold, index: index + 1, value: shareBytes(released.share) }, receipt: released.receipt };
        } catch (error) {
          // A member's refusal, absence or garbled answer is that member's failure: the others may still open the item.
          return { index, error: asMemberError(vault, member.server, error) };
        }
      })());
    });

    let opened: Credential | undefined;
    try {
      while (pending.size > 0 && opened === undefined) {
        const outcome = await Promise.race(pending.values());
        pending.delete(outcome.index);
        const server = threshold.members[outcome.index]?.server ?? '';
        if (outcome.share === undefined || outcome.receipt === undefined) {
          failures.push({ server, value: undefined, error: outcome.error });
          continue;
        }
        answers.push(outcome.share);
        receipts.push({ server, receipt: outcome.receipt });
        if (answers.length === threshold.threshold) {
          opened = await tryOpenWith(vault, item, context, digest, answers);
        }
      }
      if (opened === undefined) {
        if (answers.length < threshold.threshold) {
          throw failure(`'${item.name}' cannot be opened: ${answers.length} of ${threshold.members.length} key servers released a share and ${threshold.threshold} are needed`, failures);
        }
        opened = await searchSubsets(vault, item, context, digest, threshold, answers);
      }
    } catch (error) {
      // The releases happened, so their receipts are kept; the open's own failure is what is reported.
      await keepReceipts(vault, receipts).catch(() => undefined);
      throw error;
    } finally {
      // Requests still running finish in the background (cancelling them would only make those servers do more
      // work): each late share is checked against the shares that opened the item, then wiped, its receipt kept.
      settleLateAnswers(vault, item, threshold, opened === undefined ? undefined : answers, pending.values());
      wipe(...answers.map((share) => share.value));
    }
    // The releases used are receipted before the credential is handed out; if that fails, the credential is wiped.
    try {
      await keepReceipts(vault, receipts);
    } catch (error) {
      opened.wipe();
      throw error;
    }
    return opened;
  }

  async rotate(vault: VaultContext, item: StoredItem): Promise<void> {
    const threshold = thresholdOf(item);
    const context = contextOf(item);
    const credential = await this.openKept(vault, item);
    const secret = crypto.getRandomValues(new Uint8Array(32));
    try {
      const servers = threshold.members.map((m) => m.server);
      const rotated = await sendShares(vault, servers, secret, threshold.threshold,
        (server, share, options) => vault.server(server).rotateUnit(unitOf(item, server), { share }, options));
      const failed = rotated.filter((result) => result.error !== undefined);
      if (failed.length > 0) {
        // The members that did rotate hold an unconfirmed version; the item stays under the old one, which they keep.
        throw failure(`'${item.name}' was not rotated: every server of the set must take its new share, and ${failed.length} of ${servers.length} did not`, failed);
      }
      const next: ThresholdItem = {
        threshold: threshold.threshold,
        members: threshold.members.map((member, index) => ({ ...member, version: answered(rotated[index]).version })),
      };
      const nextContext: ItemContext = { ...context, keyVersion: context.keyVersion + 1 };
      await vault.items.save({ ...item, sealedItem: await seal(vault, secret, next, nextContext, credential), threshold: next });

      // Only now, with the new item durably saved, may the servers destroy the old shares.
      const confirmed = await onEveryMember(vault, servers, next.members.map((m) => m.version), async (server, version, options) => {
        await vault.server(server).confirmUnit(unitOf(item, server), { version }, options);
        return version;
      });
      for (const miss of confirmed.filter((result) => result.error !== undefined)) {
        vault.warn(`The key server at ${miss.server} did not confirm the rotation of '${item.name}' (${miss.error?.message ?? ''}); it keeps the old share until the next rotation.`);
      }
    } finally {
      wipe(secret);
      credential.wipe();
    }
  }

  /** Succeeds once n − t + 1 members destroyed their shares: the t needed can then never be gathered again. */
  async remove(vault: VaultContext, item: StoredItem): Promise<void> {
    const threshold = thresholdOf(item);
    const servers = threshold.members.map((m) => m.server);
    const removed = await onEveryMember(vault, servers, threshold.members.map((m) => m.unitId), async (server, unitId, options) => {
      await vault.server(server).shredUnit(unitId, options);
      return unitId;
    });
    const missed = removed.filter((result) => result.error !== undefined && !(result.error instanceof ItemNotFoundError));
    const needed = servers.length - threshold.threshold + 1;
    if (servers.length - missed.length < needed) {
      throw failure(`'${item.name}' was kept: ${servers.length - missed.length} of ${servers.length} key servers destroyed their shares and ${needed} must, so that it can never open again`, missed);
    }
    await vault.items.delete(item);
    if (missed.length > 0) {
      vault.warn(`'${item.name}' can never open again (${servers.length - missed.length} of ${servers.length} shares destroyed), but these servers still hold theirs: `
        + missed.map((m) => `${m.server} (${m.error?.message ?? ''})`).join('; '));
    }
  }
}

/** Defines (or redefines) a set after checking it could hold a t-of-n split at all. */
export async function defineSet(vault: VaultContext, name: string, threshold: number, servers: readonly string[]): Promise<void> {
  if (!/^[a-z0-9][a-z0-9._-]{0,31}$/.test(name)) {
    throw new InvalidOperationError(`'${name}' is not a valid set name: use 1-32 of a-z 0-9 . _ -, starting with a letter or digit.`);
  }
  if (servers.length < MinThreshold || servers.length > MaxShares) {
    throw new InvalidOperationError(`A server set needs ${MinThreshold} to ${MaxShares} servers; ${servers.length} given.`);
  }
  if (!Number.isInteger(threshold) || threshold < MinThreshold || threshold > servers.length) {
    throw new InvalidOperationError(`The threshold must be between ${MinThreshold} and the number of servers (${servers.length}); ${threshold} given.`);
  }
  const urls = servers.map((server) => serverUrl(server).href);
  if (new Set(urls).size !== urls.length) {
    throw new InvalidOperationError('A server appears twice in the set: each share must be on a different server.');
  }
  const set: ServerSet = { name, threshold, servers: urls };
  await vault.updateState((state) => ({ ...state, sets: [...state.sets.filter((s) => s.name !== name), set] }));
}

function findSet(vault: VaultContext, name: string): ServerSet {
  const set = vault.state.sets.find((s) => s.name === name);
  if (set === undefined) {
    throw new InvalidOperationError(`No server set named '${name}'.`, 'Define it first (defineSet).');
  }
  return set;
}

function thresholdOf(item: StoredItem): ThresholdItem {
  if (item.threshold === null) {
    throw new ItemTamperedError(`The item '${item.name}' is damaged or was altered.`);
  }
  return item.threshold;
}

function unitOf(item: StoredItem, server: string): string {
  const member = thresholdOf(item).members.find((m) => m.server === server);
  if (member === undefined) {
    throw new ItemTamperedError(`The item '${item.name}' is damaged or was altered.`);
  }
  return member.unitId;
}

function answered<T>(result: MemberResult<T> | undefined): T {
  if (result?.value === undefined) {
    throw new InvalidOperationError(`The key server at ${result?.server ?? '(none)'} gave no answer, but its answer was needed.`);
  }
  return result.value;
}

/** The URL as the set digest hashes it, if it is an absolute http(s) URL. */
function httpUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}

async function keepReceipts(vault: VaultContext, receipts: readonly { server: string; receipt: ReceiptView }[]): Promise<void> {
  for (const { server, receipt } of receipts) {
    await vault.receipts.keep(server, receipt);
  }
}

/**
 * The answers that came after the item opened (or failed to): each share is checked against `used`, the t shares
 * that opened the item (combined with t − 1 of them it must give the same secret), and a member whose share
 * disagrees is named; then the share is wiped and the release's receipt kept. Copies of the used shares are held
 * until the last late answer settles, which the threshold timeout bounds.
 */
function settleLateAnswers(
  vault: VaultContext, item: StoredItem, threshold: ThresholdItem, used: readonly ShamirShare[] | undefined, late: Iterable<Promise<ReleaseOutcome>>,
): void {
  const answers = [...late];
  if (answers.length === 0) {
    return;
  }
  const shares = used?.map((share) => ({ ...share, value: share.value.slice() }));
  const secret = shares === undefined ? undefined : combine(shares);
  const settled = answers.map((answer) => answer.then(async (outcome) => {
    if (outcome.share === undefined || outcome.receipt === undefined) {
      return;
    }
    const server = threshold.members[outcome.index]?.server ?? '';
    try {
      if (shares !== undefined && secret !== undefined) {
        if (!sharesAgree(secret, shares, outcome.share)) {
          vault.warn(`The key server at ${server} returned a bad share for '${item.name}' (it answered after the item had opened with the shares of others). Tell that server's operator.`);
        }
      }
    } finally {
      wipe(outcome.share.value);
    }
    await vault.receipts.keep(server, outcome.receipt);
  }).catch(() => undefined));
  void Promise.all(settled).then(() => wipe(secret, ...(shares ?? []).map((share) => share.value)));
}

async function seal(vault: VaultContext, secret: Uint8Array, threshold: ThresholdItem, context: ItemContext, credential: Credential): Promise<Uint8Array> {
  const bound = await bindThresholdSecret(secret, await setDigest(threshold));
  try {
    return await vault.seal(bound, context, credential);
  } finally {
    wipe(bound);
  }
}

/** The digest binding an item to its set: t, and each member's server and unit in share-index order. */
function setDigest(threshold: ThresholdItem): Promise<Uint8Array> {
  return thresholdDigest(threshold.threshold, threshold.members.map((m) => ({ server: m.server, unitId: m.unitId })));
}

/** Whether `other` lies on the same polynomial as `chosen` (all but the first of them, plus `other`, give `secret`). */
function sharesAgree(secret: Uint8Array, chosen: readonly ShamirShare[], other: ShamirShare): boolean {
  const check = combine([...chosen.slice(1), other]);
  try {
    return constantTimeEqual(secret, check);
  } finally {
    wipe(check);
  }
}

/** The item opened with the secret these shares combine to, bound to its set; undefined if it does not open. */
async function tryOpenWith(vault: VaultContext, item: StoredItem, context: ItemContext, digest: Uint8Array, shares: readonly ShamirShare[]): Promise<Credential | undefined> {
  const secret = combine(shares);
  let bound: Uint8Array | undefined;
  try {
    bound = await bindThresholdSecret(secret, digest);
    return await vault.tryOpen(item, bound, context);
  } finally {
    wipe(secret, bound);
  }
}

/** The first t shares did not open the item: find a t-subset that does and warn about the members outside it that disagree. */
async function searchSubsets(
  vault: VaultContext, item: StoredItem, context: ItemContext, digest: Uint8Array, threshold: ThresholdItem, answers: readonly ShamirShare[],
): Promise<Credential> {
  for (const subset of subsets(answers.length, threshold.threshold)) {
    const chosen = subset.map((i) => answers[i]).filter((share): share is ShamirShare => share !== undefined);
    const opened = await tryOpenWith(vault, item, context, digest, chosen);
    if (opened === undefined) {
      continue;
    }
    const secret = combine(chosen);
    try {
      for (const other of answers.filter((share) => !chosen.includes(share))) {
        if (!sharesAgree(secret, chosen, other)) {
          const server = threshold.members[other.index - 1]?.server ?? '';
          vault.warn(`The key server at ${server} returned a bad share for '${item.name}'; it opened with the shares of the others. Tell that server's operator.`);
        }
      }
    } finally {
      wipe(secret);
    }
    return opened;
  }
  throw new ItemTamperedError(
    `The item '${item.name}' could not be opened with any ${threshold.threshold} of the ${answers.length} shares released: the item is damaged or was altered, or too many servers returned bad shares.`);
}

/** Every k-element subset of 0..n−1, in lexicographic order. */
function* subsets(n: number, k: number): Generator<number[]> {
  const chosen = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield [...chosen];
    let i = k - 1;
    while (i >= 0 && chosen[i] === n - k + i) {
      i--;
    }
    if (i < 0) {
      return;
    }
    chosen[i] = (chosen[i] ?? 0) + 1;
    for (let j = i + 1; j < k; j++) {
      chosen[j] = (chosen[j - 1] ?? 0) + 1;
    }
  }
}

/** Splits the secret and sends share i's value to member i (create or rotate); the values are wiped once sent. */
async function sendShares(
  vault: VaultContext, servers: readonly string[], secret: Uint8Array, threshold: number,
  send: (server: string, share: string, options: RequestOptions) => Promise<ShareResponse>,
): Promise<MemberResult<ShareResponse>[]> {
  const shares = split(secret, threshold, servers.length);
  try {
    return await onEveryMember(vault, servers, shares, (server, share, options) => send(server, toBase64(share.value), options));
  } finally {
    wipe(...shares.map((share) => share.value));
  }
}

/** One request per member in parallel, bounded by the threshold timeout, collecting each result or error. */
async function onEveryMember<I, R>(
  vault: VaultContext, servers: readonly string[], inputs: readonly I[], request: (server: string, input: I, options: RequestOptions) => Promise<R>,
): Promise<MemberResult<R>[]> {
  const signal = AbortSignal.timeout(vault.thresholdTimeoutMs);
  return Promise.all(servers.map(async (server, index): Promise<MemberResult<R>> => {
    try {
      return { server, value: await request(server, inputs[index] as I, { signal }), error: undefined };
    } catch (error) {
      return { server, value: undefined, error: asMemberError(vault, server, error) };
    }
  }));
}

/** A member's failure as a SymbolonError: its own, or "did not answer" when the threshold timeout cut it off. */
function asMemberError(vault: VaultContext, server: string, error: unknown): SymbolonError {
  if (error instanceof SymbolonError) {
    return error;
  }
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ServerUnreachableError(`The key server at ${server} did not answer within ${vault.thresholdTimeoutMs / 1000} s.`);
  }
  throw error;
}

/** Shreds the units the members that answered created (an add that cannot complete). */
async function shredCreated(vault: VaultContext, created: readonly MemberResult<ShareResponse>[]): Promise<void> {
  for (const result of created) {
    if (result.value !== undefined) {
      await vault.tryShred(result.server, result.value.unitId);
    }
  }
}

/**
 * One error for several members' failures, naming each. Its kind follows the most telling failure: a refusal
 * (revoked, locked, rate-limited) over a removed unit over a missing session over an unreachable server.
 */
function failure(summary: string, failures: readonly MemberResult<unknown>[]): SymbolonError {
  const message = `${summary}: ${failures.map((f) => `${f.server}: ${f.error?.message ?? 'no answer'}`).join('; ')}.`;
  const errors = failures.map((f) => f.error).filter((e): e is SymbolonError => e !== undefined);
  const denied = errors.find((e): e is AccessDeniedError => e instanceof AccessDeniedError);
  if (denied !== undefined) {
    return new AccessDeniedError(denied.reason, message, denied.hint, denied.retryAfter);
  }
  if (errors.some((e) => e instanceof ItemNotFoundError)) {
    return new ItemNotFoundError(message, 'An item whose shares were destroyed on enough servers can never open again.');
  }
  const notLoggedIn = errors.find((e) => e instanceof NotLoggedInError);
  if (notLoggedIn !== undefined) {
    return new NotLoggedInError(message, notLoggedIn.hint);
  }
  return errors.every((e) => e instanceof ServerUnreachableError) ? new ServerUnreachableError(message) : new InvalidOperationError(message);
}
