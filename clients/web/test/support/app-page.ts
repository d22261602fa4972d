// The web app as a person uses it: labelled fields, buttons by their names, Enter to submit. Each helper waits for
// the screen it leads to, within the context's default timeout.
import { type BrowserContext, type Locator, type Page } from 'playwright-core';

export interface VendorCredential {
  readonly name: string;
  readonly username: string;
  readonly password: string;
  readonly url: string;
}

export class AppPage {
  private constructor(readonly page: Page) {}

  /** Opens the app at `url` in a new page of `context` and waits until it shows a screen. */
  static async open(context: BrowserContext, url: string): Promise<AppPage> {
    const app = new AppPage(await context.newPage());
    await app.page.goto(url);
    await app.page.locator('#screen-loading').waitFor({ state: 'hidden' });
    return app;
  }

  screen(name: 'login' | 'signup' | 'locked' | 'vault'): Locator {
    return this.page.locator(`#screen-${name}`);
  }

  message(): Locator {
    return this.page.locator('#message');
  }

  async signUp(username: string, password: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Create an account' }).click();
    const form = this.screen('signup');
    await form.getByLabel('Username', { exact: true }).fill(username);
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByLabel('Password again').fill(password);
    await form.getByLabel('Password again').press('Enter');
    await this.screen('vault').waitFor();
  }

  async logIn(username: string, password: string): Promise<void> {
    const form = this.screen('login');
    await form.getByLabel('Username', { exact: true }).fill(username);
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByLabel('Password', { exact: true }).press('Enter');
    await this.screen('vault').waitFor();
  }

  async add(credential: VendorCredential): Promise<void> {
    const form = this.page.locator('#add-form');
    await form.getByLabel('Name', { exact: true }).fill(credential.name);
    await form.getByLabel('Username at the vendor').fill(credential.username);
    await form.getByLabel('Password at the vendor').fill(credential.password);
    await form.getByLabel('Portal URL').fill(credential.url);
    await form.getByRole('button', { name: 'Add credential' }).click();
    await this.item(credential.name).waitFor();
  }

  item(name: string): Locator {
    return this.page.locator(`li[data-item="${name}"]`);
  }

  revealBox(name: string): Locator {
    return this.page.locator(`[id="reveal-${name}"]`);
  }

  /** Clicks Reveal and returns what the app shows (username, password, portal). */
  async reveal(name: string): Promise<{ username: string; password: string; url: string }> {
    await this.page.getByRole('button', { name: `Reveal ${name}` }).click();
    const box = this.revealBox(name);
    await box.locator('dd').first().waitFor();
    const values = await box.locator('dd').allTextContents();
    return { username: values[0] ?? '', password: values[1] ?? '', url: values[2] ?? '' };
  }

  /** Clicks Run sync and returns the request text the demo shows. */
  async runSync(name: string): Promise<string> {
    await this.page.getByRole('button', { name: `Run sync with ${name}` }).click();
    const pre = this.page.locator(`[id="sync-${name}"] pre`);
    await pre.waitFor();
    return (await pre.textContent()) ?? '';
  }

  async logOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Log out' }).click();
    await this.screen('login').waitFor();
  }

  /** The session document the client keeps in IndexedDB (tokens; useless without the device key). */
  async sessionTokens(): Promise<{ accessToken: string; server: string }> {
    return this.page.evaluate(async () => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('symbolon');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const store = database.transaction('documents', 'readonly').objectStore('documents');
      const [names, values] = await Promise.all([store.getAllKeys(), store.getAll()].map((request) => new Promise<unknown[]>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result as unknown[]);
        request.onerror = () => reject(request.error);
      })));
      database.close();
      const index = (names ?? []).findIndex((name) => String(name).startsWith('session-'));
      const session = (values ?? [])[index] as { accessToken: string; server: string } | undefined;
      if (session === undefined) {
        throw new Error('No session document in IndexedDB.');
      }
      return { accessToken: session.accessToken, server: session.server };
    });
  }

  /**
   * A raw GET /v1/devices with `accessToken` and a fresh DPoP proof signed in the page by this browser's device key
   * (read from IndexedDB; it cannot be exported, only used): the request the real client would make. Returns the
   * HTTP status.
   */
  async rawAuthenticatedGet(server: string, accessToken: string): Promise<number> {
    return this.page.evaluate(async ({ server, accessToken }) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('symbolon');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const keys = await new Promise<CryptoKeyPair>((resolve, reject) => {
        const request = database.transaction('keys', 'readonly').objectStore('keys').get('device');
        request.onsuccess = () => resolve(request.result as CryptoKeyPair);
        request.onerror = () => reject(request.error);
      });
      database.close();
      const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const text = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));
      const publicJwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
      const url = new URL('v1/devices', server).href;
      const ath = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))));
      const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y } };
      const payload = { jti: crypto.randomUUID(), htm: 'GET', htu: url, iat: Math.floor(Date.now() / 1000), ath };
      const signingInput = `${text(header)}.${text(payload)}`;
      const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, new TextEncoder().encode(signingInput)));
      const response = await fetch(url, { headers: { Authorization: `DPoP ${accessToken}`, DPoP: `${signingInput}.${base64url(signature)}` } });
      return response.status;
    }, { server, accessToken });
  }

  /** The client's documents in IndexedDB whose names start with `prefix`. */
  async documents(prefix: string): Promise<Record<string, unknown>> {
    return this.page.evaluate(async (prefix) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('symbolon');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const store = database.transaction('documents', 'readonly').objectStore('documents');
      const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
      const read = <T>(request: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const [names, values] = await Promise.all([read(store.getAllKeys(range)), read(store.getAll(range))]);
      database.close();
      return Object.fromEntries(names.map((name, index) => [String(name), values[index] as unknown]));
    }, prefix);
  }

  /** Writes a document into the client's IndexedDB store, as a copied file would arrive. */
  async putDocument(name: string, value: unknown): Promise<void> {
    await this.page.evaluate(async ({ name, value }) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('symbolon');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const transaction = database.transaction('documents', 'readwrite');
      transaction.objectStore('documents').put(value, name);
      await new Promise<void>((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
      });
      database.close();
    }, { name, value });
  }
}
