// This vault's sessions, one per key server: login and logout, refresh of an access token about to expire, and the
// idle lock — the TypeScript twin of src/Symbolon.Client/Sessions/SessionManager.cs. The stored session document is
// the truth; this class only caches what it last read or wrote.
//
// Refresh tokens are single-use and the server revokes the whole session when one is presented twice, so refreshes
// must never race: within this process one refresh per server is in flight at a time, across tabs of one browser
// origin a Web Lock serialises them, and under the lock a refresh that finds the token already rotated by another
// tab simply uses the new one. The idle lock ends the server's session too (DELETE /v1/sessions/current), so the
// tokens left behind are worthless, not merely forgotten.
import type { ActiveSession, KeyServerApi, SessionResponse, SessionSource } from './api.js';
import { describeDuration } from './duration.js';
import { NotLoggedInError, SymbolonError } from './errors.js';
import { serverHash } from './server-hash.js';
import { isObject, withStorageLock, type JsonValue, type VaultStorage } from './storage.js';

/** An access token this close to expiry is refreshed before use, so it cannot expire in flight. */
const refreshMarginMs = 30_000;

/** What a session stored before servers named their idle timeout locks after. */
const defaultIdleTimeoutSeconds = 600;

/** The persisted login on one key server. Tokens are useless without this device's key. */
export interface SessionState extends ActiveSession {
  readonly server: string;
  readonly username: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Milliseconds since the epoch, on the client's clock. */
  readonly accessExpiresAt: number;
  readonly lastActivity: number;
  /** The server's idle timeout, learned at login and refresh; 0 when the session predates it (10 minutes then). */
  readonly idleTimeoutSeconds: number;
}

/** Who is logged in to a server, and when the session locks itself if unused. */
export interface SessionStatus {
  readonly loggedIn: boolean;
  readonly server: string | undefined;
  readonly username: string | undefined;
  readonly deviceId: string | undefined;
  /** Milliseconds since the epoch. */
  readonly locksAt: number | undefined;
}

export interface SessionOptions {
  /** Locks after this long without use when that is shorter than the server's idle timeout (never longer). */
  readonly idleTimeoutMs: number | undefined;
  readonly now: () => number;
  /** Told when the idle lock ended the sessions (an app shows its lock screen). */
  readonly onLock: (() => void) | undefined;
  /** Told when a session could not be ended on its server (logout or lock went ahead locally). */
  readonly onWarning: ((message: string) => void) | undefined;
}

export class SessionManager implements SessionSource {
  private readonly cache = new Map<string, SessionState | undefined>();
  private readonly refreshing = new Map<string, Promise<SessionState>>();
  private timer: unknown;

  constructor(
    private readonly storage: VaultStorage,
    private readonly options: SessionOptions,
    private readonly apiFor: (server: string) => KeyServerApi,
  ) {}

  /** Logs in (the server enrols this device's key on first use) and saves the session. */
  async login(api: KeyServerApi, login: { username: string; password: string } | { identityToken: string }, deviceName: string): Promise<SessionState> {
    const response = 'identityToken' in login
      ? await api.login({ deviceName }, login.identityToken)
      : await api.login({ username: login.username, password: login.password, deviceName });
    const session = this.fromResponse(api.server.href, 'username' in login ? login.username : '', response);
    await this.save(session.server, session);
    this.arm();
    return session;
  }

  /**
   * Ends every session on its server and forgets them locally, whether or not the server could be reached: the tokens
   * are deleted here either way. Resolves to the servers whose session could not be ended (unreachable, or an error
   * answer); each is also reported to onWarning. Such a session ends on its server once it goes unused.
   */
  async endAll(): Promise<string[]> {
    this.disarm();
    const notEnded: string[] = [];
    for (const session of await this.all()) {
      if (!(await this.endRemotely(session))) {
        notEnded.push(session.server);
      }
      await this.save(session.server, undefined);
    }
    return notEnded;
  }

  /** Logs out of every server: {@link endAll}; resolves to the servers whose session could not be ended there. */
  logout(): Promise<string[]> {
    return this.endAll();
  }

  /**
   * The idle lock, now: every session is ended on its server (so the tokens left behind are refused) and forgotten
   * here, as {@link endAll}. The device's keys and items stay; logging in again unlocks.
   */
  async lock(): Promise<string[]> {
    const notEnded = await this.endAll();
    this.options.onLock?.();
    return notEnded;
  }

  /**
   * Arms the idle lock for sessions found in the store (a page reloaded, a process started) that are still live, so
   * they lock on time even if nothing is used; idle ones lock on first use (or at status).
   */
  async resume(): Promise<void> {
    const sessions = await this.all();
    if (sessions.some((session) => !this.isIdle(session))) {
      this.arm();
    }
  }

  async status(server: string | undefined): Promise<SessionStatus> {
    const session = server === undefined ? undefined : await this.latest(server);
    if (session === undefined || this.isIdle(session)) {
      return { loggedIn: false, server, username: session?.username, deviceId: session?.deviceId, locksAt: undefined };
    }
    if (this.timer === undefined) {
      this.arm();
    }
    return {
      loggedIn: true, server, username: session.username, deviceId: session.deviceId,
      locksAt: session.lastActivity + this.idleMs(session),
    };
  }

  /** The live session on `server`; none, or one idle too long (which locks every session now), is an error. */
  async require(server: string): Promise<SessionState> {
    const session = await this.latest(server);
    if (session === undefined) {
      throw new NotLoggedInError(`Not logged in to ${server}.`, `Log in to ${server}.`);
    }
    if (this.isIdle(session)) {
      await this.endRemotely(session);
      await this.save(server, undefined);
      if ((await this.all()).length === 0) {
        this.disarm();
        this.options.onLock?.();
      }
      throw new NotLoggedInError(`The session locked itself after ${describeDuration(this.idleMs(session) / 1000)} without use.`, `Log in to ${server} again.`);
    }
    return session;
  }

  async active(api: KeyServerApi): Promise<SessionState> {
    const session = await this.require(api.server.href);
    return session.accessExpiresAt - this.options.now() < refreshMarginMs ? this.refresh(api, session) : session;
  }

  /**
   * Records use for the idle lock, at most every tenth of the idle timeout (the lock may come that much early, but
   * a burst of requests does not rewrite the session each time), without overwriting tokens rotated meanwhile.
   */
  async touch(api: KeyServerApi, used: ActiveSession): Promise<void> {
    const server = api.server.href;
    const now = this.options.now();
    const current = await this.session(server);
    if (current === undefined || current.accessToken !== used.accessToken) {
      // Logged out or rotated meanwhile: the use is recorded by whoever holds the session now.
      return;
    }
    if (now - current.lastActivity >= this.idleMs(current) / 10) {
      // Under the session's lock: a read-change-write racing another client's refresh would otherwise write back the
      // spent refresh token, and the next refresh with it would end the session.
      await this.locked(server, async () => {
        const latest = await this.read(server);
        if (latest !== undefined && latest.userId === current.userId) {
          await this.save(server, { ...latest, lastActivity: now });
        }
      });
    }
    this.arm();
  }

  /** Stops the idle timer (the client is closing); sessions stay as they are. */
  close(): void {
    this.disarm();
  }

  /** One refresh per server at a time in this process; across tabs, under a Web Lock. */
  private refresh(api: KeyServerApi, session: SessionState): Promise<SessionState> {
    const server = api.server.href;
    let pending = this.refreshing.get(server);
    if (pending === undefined) {
      pending = this.locked(server, () => this.refreshLocked(api, session))
        .finally(() => this.refreshing.delete(server));
      this.refreshing.set(server, pending);
    }
    return pending;
  }

  private async refreshLocked(api: KeyServerApi, session: SessionState): Promise<SessionState> {
    const server = api.server.href;
    const latest = await this.read(server);
    if (latest !== undefined && latest.refreshToken !== session.refreshToken
      && latest.accessExpiresAt - this.options.now() >= refreshMarginMs) {
      // Another tab (or process sharing the store) rotated the tokens already: use theirs, never the spent one.
      this.cache.set(server, latest);
      return latest;
    }
    // The stored session is the newest. If another tab rotated the tokens and its access token is about to expire
    // too, its refresh token is the one to present: ours is spent, and presenting it again ends the session for all.
    const current = latest ?? session;
    try {
      const response = await api.refresh({ refreshToken: current.refreshToken });
      const refreshed = {
        ...this.fromResponse(server, current.username, response), lastActivity: Math.max(current.lastActivity, session.lastActivity),
      };
      await this.save(server, refreshed);
      return refreshed;
    } catch (error) {
      if (error instanceof NotLoggedInError) {
        await this.save(server, undefined);
      }
      throw error;
    }
  }

  /**
   * Ends a session on its server; false (and a warning) if it could not. After the idle timeout the access token has
   * usually expired (it lives 5 minutes), so it is refreshed first. A server that no longer knows the session has
   * nothing left to end; one that cannot be reached or fails keeps it until it goes unused long enough, and this
   * device can do no more (its copy of the tokens is deleted by the caller).
   */
  private async endRemotely(session: SessionState): Promise<boolean> {
    const api = this.apiFor(session.server);
    try {
      let accessToken = session.accessToken;
      if (session.accessExpiresAt - this.options.now() < refreshMarginMs) {
        accessToken = (await this.locked(session.server, async () => {
          const latest = (await this.read(session.server)) ?? session;
          return api.refresh({ refreshToken: latest.refreshToken });
        })).accessToken;
      }
      await api.logout(accessToken);
      return true;
    } catch (error) {
      if (!(error instanceof SymbolonError)) {
        throw error;
      }
      if (error instanceof NotLoggedInError) {
        return true;
      }
      this.options.onWarning?.(`The session on the key server at ${session.server} could not be ended (${error.message}). `
        + 'Its tokens were deleted here; the server ends the session by itself once it goes unused.');
      return false;
    }
  }

  /** Runs `work` holding the lock of `server`'s session (its own, so a hung server does not hold up the others). */
  private async locked<T>(server: string, work: () => Promise<T>): Promise<T> {
    return withStorageLock(this.storage, `session-${await serverHash(server)}`, work);
  }

  /** Schedules the idle lock for when the most recently used session would go idle. */
  private arm(): void {
    this.disarm();
    const sessions = [...this.cache.values()].filter((session): session is SessionState => session !== undefined);
    if (sessions.length === 0) {
      return;
    }
    const last = Math.max(...sessions.map((session) => session.lastActivity + this.idleMs(session)));
    const delay = Math.max(0, last - this.options.now());
    const handle: unknown = setTimeout(() => {
      void this.lockIfIdle();
    }, Math.min(delay, 2 ** 31 - 1));
    // In Node a pending lock must not keep a finished script alive; the next run locks an idle session on first use.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') {
      handle.unref();
    }
    this.timer = handle;
  }

  private disarm(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as Parameters<typeof clearTimeout>[0]);
      this.timer = undefined;
    }
  }

  private async lockIfIdle(): Promise<void> {
    this.timer = undefined;
    const sessions = await this.all();
    if (sessions.length > 0 && sessions.every((session) => this.isIdle(session))) {
      await this.lock().catch(() => undefined);
    } else {
      this.arm();
    }
  }

  private async all(): Promise<SessionState[]> {
    const sessions: SessionState[] = [];
    for (const name of await this.storage.list('session-')) {
      const session = parseSession(await this.storage.get(name));
      if (session !== undefined) {
        sessions.push(session);
        this.cache.set(session.server, session);
      }
    }
    return sessions;
  }

  private async session(server: string): Promise<SessionState | undefined> {
    if (!this.cache.has(server)) {
      this.cache.set(server, await this.read(server));
    }
    return this.cache.get(server);
  }

  /**
   * The session, read again from the store when the cached copy looks idle: another tab or process sharing the store
   * may have used it since, and ending a session someone is using would lock them out.
   */
  private async latest(server: string): Promise<SessionState | undefined> {
    const cached = await this.session(server);
    if (cached === undefined || !this.isIdle(cached)) {
      return cached;
    }
    const stored = await this.read(server);
    this.cache.set(server, stored);
    return stored;
  }

  private async read(server: string): Promise<SessionState | undefined> {
    return parseSession(await this.storage.get(await sessionDocument(server)));
  }

  private async save(server: string, session: SessionState | undefined): Promise<void> {
    const name = await sessionDocument(server);
    if (session === undefined) {
      await this.storage.delete(name);
    } else {
      await this.storage.put(name, toDocument(session));
    }
    this.cache.set(server, session);
  }

  private fromResponse(server: string, username: string, response: SessionResponse): SessionState {
    const now = this.options.now();
    return {
      server, username, userId: response.userId, deviceId: response.deviceId, accessToken: response.accessToken,
      refreshToken: response.refreshToken, accessExpiresAt: now + response.expiresIn * 1000, lastActivity: now,
      idleTimeoutSeconds: response.idleTimeoutSeconds,
    };
  }

  /** The server's idle timeout, or the client's own when that is shorter (never longer). */
  private idleMs(session: SessionState): number {
    const server = (session.idleTimeoutSeconds > 0 ? session.idleTimeoutSeconds : defaultIdleTimeoutSeconds) * 1000;
    return this.options.idleTimeoutMs !== undefined && this.options.idleTimeoutMs < server ? this.options.idleTimeoutMs : server;
  }

  private isIdle(session: SessionState): boolean {
    return this.options.now() - session.lastActivity >= this.idleMs(session);
  }
}

/** session-<server hash>.json, as the .NET client names its session files. */
export async function sessionDocument(server: string): Promise<string> {
  return `session-${await serverHash(server)}.json`;
}

function toDocument(session: SessionState): JsonValue {
  return {
    server: session.server, username: session.username, userId: session.userId, deviceId: session.deviceId,
    accessToken: session.accessToken, refreshToken: session.refreshToken,
    accessExpiresAt: new Date(session.accessExpiresAt).toISOString(), lastActivity: new Date(session.lastActivity).toISOString(),
    idleTimeoutSeconds: session.idleTimeoutSeconds,
  };
}

function parseSession(value: JsonValue | undefined): SessionState | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const { server, username, userId, deviceId, accessToken, refreshToken, accessExpiresAt, lastActivity } = value;
  if (typeof server !== 'string' || typeof username !== 'string' || typeof userId !== 'string' || typeof deviceId !== 'string'
    || typeof accessToken !== 'string' || typeof refreshToken !== 'string'
    || typeof accessExpiresAt !== 'string' || typeof lastActivity !== 'string') {
    return undefined;
  }
  const expires = Date.parse(accessExpiresAt);
  const active = Date.parse(lastActivity);
  return Number.isNaN(expires) || Number.isNaN(active)
    ? undefined
    : {
      server, username, userId, deviceId, accessToken, refreshToken, accessExpiresAt: expires, lastActivity: active,
      idleTimeoutSeconds: typeof value['idleTimeoutSeconds'] === 'number' && Number.isSafeInteger(value['idleTimeoutSeconds']) ? value['idleTimeoutSeconds'] : 0,
    };
}
