// What the vault tests share: a client over a memory store with a clock the test moves, and raw requests that show
// what the server itself thinks of a token.
import { createDpopProof, DeviceKey } from '../../src/dpop.js';
import { MemoryStorage, type JsonValue, type VaultStorage } from '../../src/storage.js';
import { VaultClient } from '../../src/vault.js';
import type { VaultClientOptions } from '../../src/vault-context.js';

export const accountPassword = 'a long enough account password';
export const vendorPassword = 'the vendor portal password';

/** Real time plus an offset the test moves: the idle lock and token expiry read it; DPoP proofs use real time. */
export class Clock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface TestVault {
  client: VaultClient;
  storage: VaultStorage;
  clock: Clock;
  warnings: string[];
  locks: number;
}

let counter = 0;

/** A fresh username, so tests on one server never share an account. */
export function username(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}-${Math.floor(Math.random() * 1e6)}`;
}

/** A client over its own memory store, with an account on `server` and logged in to it. */
export async function loggedIn(server: string, options: Partial<VaultClientOptions> = {}): Promise<TestVault & { username: string }> {
  const vault = await openVault(options.storage ?? new MemoryStorage(), options);
  const name = username('user');
  await vault.client.createAccount(server, name, accountPassword);
  await vault.client.login(server, { username: name, password: accountPassword });
  return Object.assign(vault, { username: name });
}

export async function openVault(storage: VaultStorage, options: Partial<VaultClientOptions> = {}): Promise<TestVault> {
  const clock = new Clock();
  const warnings: string[] = [];
  const vault: TestVault = { client: undefined as unknown as VaultClient, storage, clock, warnings, locks: 0 };
  vault.client = await VaultClient.open({
    now: clock.now, onWarning: (message) => warnings.push(message), onLock: () => { vault.locks += 1; }, ...options, storage,
  });
  return vault;
}

/** The stored session document of the (only) server, as the client wrote it. */
export async function sessionDocument(storage: VaultStorage): Promise<{ accessToken: string; refreshToken: string }> {
  const [name] = await storage.list('session-');
  const value: JsonValue | undefined = name === undefined ? undefined : await storage.get(name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)
    || typeof value['accessToken'] !== 'string' || typeof value['refreshToken'] !== 'string') {
    throw new Error('no session document');
  }
  return { accessToken: value['accessToken'], refreshToken: value['refreshToken'] };
}

/** GET /v1/devices with `accessToken` and a valid proof from this store's device key: the server's own verdict. */
export async function rawDevicesStatus(storage: VaultStorage, server: string, accessToken: string): Promise<number> {
  const device = await DeviceKey.fromKeyPair(await storage.deviceKey());
  const url = new URL('/v1/devices', server);
  const response = await fetch(url, {
    headers: { Authorization: `DPoP ${accessToken}`, DPoP: await createDpopProof(device, 'GET', url, accessToken) },
  });
  await response.body?.cancel();
  return response.status;
}

/** A memory store whose receipt writes fail while `failing` is set (a full disk, say). */
export class FailingReceipts extends MemoryStorage {
  failing = false;

  override async put(name: string, value: JsonValue): Promise<void> {
    if (this.failing && name.startsWith('receipts/')) {
      throw new Error('disk full');
    }
    await super.put(name, value);
  }
}
