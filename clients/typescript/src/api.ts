// The /v1 API of one key server (docs/api.md), one method per route the client uses, in the wire types of
// src/wire.ts; the TypeScript twin of src/Symbolon.Client/KeyServer/KeyServerApi.cs and KeyServerProblems.cs.
// Every request carries a fresh DPoP proof from the device key (docs/spec.md §8); session routes add the session's
// access token. A problem answer becomes one of the typed errors of errors.ts, decided by the problem type's slug
// alone; an answer that does not fit its record is a ProtocolError. Nothing is retried and no redirect is followed.
import { Answers, type Guard } from './answers.js';
import { UseChannel } from './channel.js';
import { createDpopProof, type DeviceKey } from './dpop.js';
import {
  AccessDeniedError, InvalidOperationError, ItemNotFoundError, NotLoggedInError, ProtocolError, ServerUnreachableError,
  type SymbolonError,
} from './errors.js';
import { type ConsistencyProofQuery, type InclusionProofQuery, pathOf, Routes } from './routes.js';
import type { components } from './wire.js';

type Schemas = components['schemas'];
export type CreateAccountRequest = Schemas['CreateAccountRequest'];
export type CreateAccountResponse = Schemas['CreateAccountResponse'];
export type LoginRequest = Schemas['LoginRequest'];
export type RefreshRequest = Schemas['RefreshRequest'];
export type SessionResponse = Schemas['SessionResponse'];
export type ShareRequest = Schemas['ShareRequest'];
export type ShareResponse = Schemas['ShareResponse'];
export type ReleaseRequest = Schemas['ReleaseRequest'];
export type ReleaseResponse = Schemas['ReleaseResponse'];
export type ConfirmRequest = Schemas['ConfirmRequest'];
export type EvaluateRequest = Schemas['EvaluateRequest'];
export type EvaluateResponse = Schemas['EvaluateResponse'];
export type OprfKeyResponse = Schemas['OprfKeyResponse'];
export type EpochRequest = Schemas['EpochRequest'];
export type OprfConfirmResponse = Schemas['OprfConfirmResponse'];
export type AuditRecordView = Schemas['AuditRecordView'];
export type AuditKeyView = Schemas['AuditKeyView'];
export type CheckpointView = Schemas['CheckpointView'];
export type ConsistencyProofView = Schemas['ConsistencyProofView'];
export type InclusionProofView = Schemas['InclusionProofView'];
export type DeviceView = Schemas['DeviceView'];
export type ReceiptView = Schemas['ReceiptView'];

/** The prefix of every Symbolon problem type URI; the rest is the slug. */
export const ProblemTypeBase = 'https://symbolon.dev/problems/';

/**
 * The slugs of the problem types the OpenAPI document lists (generated into wire.ts from the server's ProblemTypes):
 * a case below for a slug the server does not have fails to compile.
 */
type ProblemSlug = components['schemas']['ProblemDetails']['type'] extends `${typeof ProblemTypeBase}${infer Slug}` ? Slug : never;

/** The largest audit page the server returns (AuditPage.MaxSize). */
export const AuditPageMaxSize = 500;

/** The session a request is sent with. */
export interface ActiveSession {
  readonly accessToken: string;
}

/**
 * Where session requests get their access token (refreshed first if about to expire) and record use for the idle
 * lock: the client's SessionManager.
 */
export interface SessionSource {
  active(api: KeyServerApi): Promise<ActiveSession>;
  touch(api: KeyServerApi, session: ActiveSession): Promise<void>;
}

/** Settings of {@link KeyServerApi}. */
export interface KeyServerApiOptions {
  /** The fetch to use (default the platform's); apps may wrap it, tests may count calls. */
  readonly fetch?: typeof fetch;
  /** How long to wait for an answer, in milliseconds (default 30 s, as the .NET client). */
  readonly timeoutMs?: number;
  /**
   * Sends releases and evaluations over the server's use channel (one WebSocket) where the platform has WebSocket;
   * by fetch otherwise, and whenever the channel cannot be opened. Default: on, unless `fetch` is given (then every
   * request goes through that fetch, as an app that wraps fetch expects).
   */
  readonly channel?: boolean;
}

/** Per-request options. */
export interface RequestOptions {
  /** Cancels the request (a threshold open stops waiting for slow members with it). */
  readonly signal?: AbortSignal;
}

const defaultTimeoutMs = 30_000;

/**
 * A key server's base URL, checked: https, or http only to a loopback address (a development server on this
 * machine), no credentials, query or fragment, and no path (the routes are absolute, as in the .NET client). Its
 * `href` (scheme and host lower-cased, a trailing `/`, as .NET's `Uri.AbsoluteUri`) is the server's identity.
 */
export function serverUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InvalidOperationError(`'${String(input)}' is not a URL.`, 'Give the key server as https://host[:port]/.');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') {
    throw new InvalidOperationError(`'${url.origin}' must be given without a path, query, fragment or credentials.`,
      'Give the key server as https://host[:port]/.');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) {
    return url;
  }
  throw new InvalidOperationError(
    url.protocol === 'http:'
      ? `Refusing plain http:// to ${url.host}: tokens and shares would cross the network unencrypted.`
      : `'${url.protocol}' is not a key server scheme.`,
    'Use https://, or http:// only to 127.0.0.1, ::1 or localhost.');
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** One key server's /v1 API. */
export class KeyServerApi {
  readonly server: URL;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly channel: UseChannel | undefined;

  constructor(server: string | URL, private readonly device: DeviceKey, private readonly sessions?: SessionSource, options: KeyServerApiOptions = {}) {
    this.server = serverUrl(server);
    // Bound: browsers refuse a fetch called with another `this`.
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.channel = options.channel ?? options.fetch === undefined ? new UseChannel(this.server, this.fetchImpl) : undefined;
  }

  /** Closes the use channel, if open (it also closes itself when idle). */
  close(): void {
    this.channel?.close();
  }

  createAccount(request: CreateAccountRequest): Promise<CreateAccountResponse> {
    return this.anonymous(Routes.createAccount, request, Answers.createAccount);
  }

  /**
   * Logs in; the proof's key becomes the device key of the session (enrolled on first use). With `identityToken`
   * (an OIDC issuer's JWT) the server maps the user from it and `request` carries only the device name.
   */
  login(request: LoginRequest, identityToken?: string): Promise<SessionResponse> {
    return this.read(this.send(Routes.login.method, Routes.login.path, request, undefined, identityToken), Answers.session);
  }

  refresh(request: RefreshRequest): Promise<SessionResponse> {
    return this.anonymous(Routes.refresh, request, Answers.session);
  }

  /** Ends the session of `accessToken` as it is, without refreshing it first. */
  async logout(accessToken: string): Promise<void> {
    await this.send(Routes.logout.method, Routes.logout.path, undefined, accessToken);
  }

  /** Creates a unit; without a request the server draws its share. */
  createUnit(request?: ShareRequest, options?: RequestOptions): Promise<ShareResponse> {
    return this.session(Routes.createUnit.method, Routes.createUnit.path, request, Answers.share, options);
  }

  /** Adds an unconfirmed version to a unit; without a request the server draws its share. */
  rotateUnit(unitId: string, request?: ShareRequest, options?: RequestOptions): Promise<ShareResponse> {
    return this.session(Routes.rotateUnit.method, pathOf(Routes.rotateUnit.path, unitId), request, Answers.share, options);
  }

  async confirmUnit(unitId: string, request: ConfirmRequest, options?: RequestOptions): Promise<void> {
    await this.sessionNoAnswer(Routes.confirmUnit.method, pathOf(Routes.confirmUnit.path, unitId), request, options);
  }

  release(unitId: string, request: ReleaseRequest, options?: RequestOptions): Promise<ReleaseResponse> {
    return this.session(Routes.release.method, pathOf(Routes.release.path, unitId), request, Answers.release, options, this.channel);
  }

  async shredUnit(unitId: string, options?: RequestOptions): Promise<void> {
    await this.sessionNoAnswer(Routes.shredUnit.method, pathOf(Routes.shredUnit.path, unitId), undefined, options);
  }

  evaluate(unitId: string, request: EvaluateRequest, options?: RequestOptions): Promise<EvaluateResponse> {
    return this.session(Routes.evaluate.method, pathOf(Routes.evaluate.path, unitId), request, Answers.evaluate, options, this.channel);
  }

  /** The public key of the blinded-mode key of `epoch`, or of the newest. */
  oprfKey(epoch?: number): Promise<OprfKeyResponse> {
    const query = epoch === undefined ? '' : `?${new URLSearchParams({ epoch: String(epoch) }).toString()}`;
    return this.session(Routes.oprfKey.method, Routes.oprfKey.path + query, undefined, Answers.oprfKey);
  }

  rotateOprfKey(): Promise<OprfKeyResponse> {
    return this.session(Routes.rotateOprfKey.method, Routes.rotateOprfKey.path, undefined, Answers.oprfKey);
  }

  confirmOprfKey(request: EpochRequest): Promise<OprfConfirmResponse> {
    return this.session(Routes.confirmOprfKey.method, Routes.confirmOprfKey.path, request, Answers.oprfConfirm);
  }

  /** One page of the caller's audit records after `after`, oldest first. */
  auditPage(after: number, limit: number): Promise<AuditRecordView[]> {
    const query = new URLSearchParams({ after: String(after), limit: String(limit) }).toString();
    return this.session(Routes.audit.method, `${Routes.audit.path}?${query}`, undefined, Answers.auditPage);
  }

  /** The server's audit key (a public JWK) for checking receipts; anonymous. */
  auditKey(): Promise<AuditKeyView> {
    return this.anonymous(Routes.auditKey, undefined, Answers.auditKey);
  }

  /** The newest signed checkpoint of the audit log; anonymous. A server that has logged nothing yet answers not found. */
  latestCheckpoint(): Promise<CheckpointView> {
    return this.anonymous(Routes.latestCheckpoint, undefined, Answers.checkpoint);
  }

  /** The consistency proof between two tree sizes of the audit log; anonymous. */
  consistencyProof(from: number, to: number): Promise<ConsistencyProofView> {
    const query: ConsistencyProofQuery = { from, to };
    const path = `${Routes.consistencyProof.path}?${new URLSearchParams({ from: String(query.from), to: String(query.to) }).toString()}`;
    return this.read(this.send(Routes.consistencyProof.method, path, undefined, undefined), Answers.consistencyProof);
  }

  /** The inclusion proof of one of the caller's records in the tree of `treeSize` leaves (not found: not in it). */
  inclusionProof(sequence: number, treeSize: number): Promise<InclusionProofView> {
    const query: InclusionProofQuery = { sequence, treeSize };
    const path = `${Routes.inclusionProof.path}?${new URLSearchParams({ sequence: String(query.sequence), treeSize: String(query.treeSize) }).toString()}`;
    return this.session(Routes.inclusionProof.method, path, undefined, Answers.inclusionProof);
  }

  devices(): Promise<DeviceView[]> {
    return this.session(Routes.devices.method, Routes.devices.path, undefined, Answers.devices);
  }

  async revokeDevice(deviceId: string): Promise<void> {
    await this.sessionNoAnswer(Routes.revokeDevice.method, pathOf(Routes.revokeDevice.path, deviceId), undefined);
  }

  private anonymous<T>(route: { method: string; path: string }, body: unknown, answer: Guard<T>): Promise<T> {
    return this.read(this.send(route.method, route.path, body, undefined), answer);
  }

  private session<T>(method: string, path: string, body: unknown, answer: Guard<T>, options?: RequestOptions, channel?: UseChannel): Promise<T> {
    return this.read(this.sendWithSession(method, path, body, options, channel), answer);
  }

  private async sessionNoAnswer(method: string, path: string, body: unknown, options?: RequestOptions): Promise<void> {
    const response = await this.sendWithSession(method, path, body, options);
    await response.body?.cancel();
  }

  /** Sends with the server's session (refreshed first if needed) and records the use for the idle lock. */
  private async sendWithSession(method: string, path: string, body: unknown, options?: RequestOptions, channel?: UseChannel): Promise<Response> {
    if (this.sessions === undefined) {
      throw new NotLoggedInError(`Not logged in to ${this.server.href}.`);
    }
    const session = await this.sessions.active(this);
    const response = await this.send(method, path, body, session.accessToken, undefined, options, channel);
    await this.sessions.touch(this, session);
    return response;
  }

  /** A successful answer, or the typed error for the failure; by `channel` when given (the routes it carries). */
  private async send(
    method: string, path: string, body: unknown, accessToken: string | undefined, identityToken?: string, options?: RequestOptions,
    channel?: UseChannel,
  ): Promise<Response> {
    const url = new URL(path, this.server);
    const headers = new Headers({ DPoP: await createDpopProof(this.device, method, url, accessToken) });
    if (accessToken !== undefined) {
      headers.set('Authorization', `DPoP ${accessToken}`);
    } else if (identityToken !== undefined) {
      headers.set('Authorization', `Bearer ${identityToken}`);
    }
    if (body !== undefined) {
      headers.set('Content-Type', 'application/json');
    }

    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options?.signal === undefined ? timeout : anySignal([timeout, options.signal]);
    let response: Response;
    try {
      const transport = channel === undefined ? this.fetchImpl : channel.fetch.bind(channel);
      response = await transport(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        // A redirect could carry the proof and token elsewhere; the API never redirects, so one is an error.
        redirect: 'error',
        // No cookies: the session is the DPoP-bound token, never ambient browser state.
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      throw this.transportError(error, timeout, options?.signal);
    }

    if (response.ok) {
      return response;
    }
    throw await problemError(response, this.server);
  }

  private transportError(error: unknown, timeout: AbortSignal, caller: AbortSignal | undefined): unknown {
    if (caller?.aborted === true) {
      // The caller's own cancellation is not a server failure: it goes back as the caller's reason.
      return caller.reason;
    }
    if (timeout.aborted) {
      return new ServerUnreachableError(`The key server at ${this.server.href} did not answer within ${this.timeoutMs / 1000} s.`, { cause: error });
    }
    if (isRedirectError(error)) {
      return new ProtocolError(`The key server at ${this.server.href} answered with a redirect, which the client never follows.`);
    }
    return new ServerUnreachableError(`The key server at ${this.server.href} is unreachable.`, { cause: error });
  }

  /** The answer as T; one that is not JSON or does not fit T is the server's fault. */
  private async read<T>(pending: Promise<Response>, answer: Guard<T>): Promise<T> {
    const response = await pending;
    let value: unknown;
    try {
      value = await response.json();
    } catch (error) {
      // A timeout or cancellation while the body streams in is the connection's failure, not a malformed answer.
      if (error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
        throw new ServerUnreachableError(`The key server at ${this.server.href} did not finish its answer.`, { cause: error });
      }
      throw new ProtocolError(`The key server at ${this.server.href} sent a malformed answer.`);
    }
    if (!answer(value)) {
      throw new ProtocolError(`The key server at ${this.server.href} sent an answer that does not fit the protocol.`);
    }
    return value;
  }
}

/**
 * A key server's refusal as the SDK's typed error, decided by the RFC 9457 problem type's slug alone (never by its
 * title or detail, which only fill a message where no better one is known). Mirrors KeyServerProblems.cs.
 */
async function problemError(response: Response, server: URL): Promise<SymbolonError> {
  const problem = await readProblem(response);
  const slug = problem?.type?.startsWith(ProblemTypeBase) === true ? problem.type.slice(ProblemTypeBase.length) as ProblemSlug : undefined;
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  const detail = problem?.detail ?? `The key server at ${server.href} answered ${response.status} ${response.statusText}.`.replace(' .', '.');
  switch (slug) {
    case 'unauthorized':
    case 'invalid-refresh-token':
      return new NotLoggedInError('The session has expired or was revoked.');
    case 'invalid-credentials':
      return new AccessDeniedError(slug, 'The username or password is wrong.');
    case 'device-revoked':
      return new AccessDeniedError(slug, 'This device was revoked by its account.', 'Reset the device key and log in again to enrol a new one.');
    case 'device-locked':
      return new AccessDeniedError(slug, 'This device is locked: it released too many distinct items in an hour.', 'Log in again to unlock it.');
    case 'reauthentication-required':
      return new AccessDeniedError(slug, 'This request destroys data and needs a recent login.', 'Log in again, then retry.');
    case 'device-pending-approval':
      return new AccessDeniedError(slug, 'This device awaits approval by one of the account\'s other devices.', 'Approve it from an existing device (`symbolon devices approve ID`).');
    case 'local-accounts-disabled':
      return new AccessDeniedError(slug, 'This key server accepts logins from its identity provider only.', 'Log in with an identity token.');
    case 'rate-limited':
    case 'quota-exceeded':
    case 'login-throttled':
    case 'signup-throttled':
      return new AccessDeniedError(slug, detail, retryAfter === undefined ? undefined : `Try again in ${retryAfter} s.`, retryAfter);
    case 'not-found':
      return new ItemNotFoundError('The key server has no such unit for this account (it may have been removed).');
    default:
      return response.status >= 500
        ? new ProtocolError(`The key server at ${server.href} failed: ${detail}`)
        : new InvalidOperationError(detail);
  }
}

/** The problem, if the answer is one; a garbled one counts as none, so the status code decides. */
async function readProblem(response: Response): Promise<Omit<Partial<Schemas['ProblemDetails']>, 'type'> & { type?: string | undefined } | undefined> {
  const mediaType = response.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/problem+json') {
    await response.body?.cancel();
    return undefined;
  }
  try {
    const value: unknown = await response.json();
    return Answers.problem(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in whole seconds: delta-seconds, or an HTTP date from now. */
function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) {
    return undefined;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number.parseInt(header.trim(), 10);
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Node's undici and browsers reject a `redirect: 'error'` fetch with a TypeError whose cause (undici) says so. */
function isRedirectError(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && /redirect/i.test(cause.message);
}

/** AbortSignal.any where the platform has it (Node 20.3+, current browsers), else a small equivalent. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  const withAny = AbortSignal as typeof AbortSignal & { any?: (signals: AbortSignal[]) => AbortSignal };
  if (typeof withAny.any === 'function') {
    return withAny.any(signals);
  }
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
