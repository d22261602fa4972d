// What the API-level tests share: a session source holding one token, and a fresh device key.
import type { ActiveSession, SessionSource } from '../../src/api.js';
import { DeviceKey } from '../../src/dpop.js';

/** A session source holding one token, as the tests set it. */
export class FixedSession implements SessionSource {
  token = '';
  async active(): Promise<ActiveSession> { return { accessToken: this.token }; }
  async touch(): Promise<void> {}
}

export async function device(): Promise<DeviceKey> {
  return DeviceKey.fromKeyPair(await DeviceKey.generate());
}
