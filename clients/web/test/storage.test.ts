// What the app leaves in the browser: after a reload the item still opens, with the root and device keys read back
// from IndexedDB as non-extractable CryptoKeys; the vendor password is nowhere in the origin's storage; and another
// user's browser cannot open the item even with a copy of it (its item MAC fails there).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { AppPage, type VendorCredential } from './support/app-page.js';
import { cspProblems, launchChromium, newContext, problemsOf, screenshot, testTimeoutMs } from './support/browser.js';
import { KeyServerProcess } from './support/keyserver.js';
import { dumpStorage, findSecret } from './support/storage-scan.js';

const password = 'correct horse battery staple';
const acme: VendorCredential = {
  name: 'acme', username: 'bot@acme.example', password: 'Vendor-Secret-4711!', url: 'https://portal.acme.example/',
};

let keyServer: KeyServerProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  keyServer = await KeyServerProcess.start();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await keyServer?.stop();
});

function appUrl(): string {
  return `${(keyServer as KeyServerProcess).appUrl}?reveal=2`;
}

test('after a page reload the item still opens; the root and device keys come back from IndexedDB non-extractable', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, appUrl());
    await app.signUp('dora', password);
    await app.add(acme);

    await app.page.reload();
    await app.screen('vault').waitFor();
    assert.deepEqual(await app.page.locator('#item-list h3').allTextContents(), ['acme']);
    assert.equal((await app.reveal('acme')).password, acme.password);

    const keys = await app.page.evaluate(async () => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('symbolon');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const read = (name: string): Promise<unknown> => new Promise((resolve, reject) => {
        const request = database.transaction('keys', 'readonly').objectStore('keys').get(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const root = await read('root') as CryptoKey;
      const device = await read('device') as CryptoKeyPair;
      database.close();
      const exportError = async (format: 'raw' | 'pkcs8' | 'jwk', key: CryptoKey): Promise<string> => {
        try {
          await crypto.subtle.exportKey(format, key);
          return 'exported';
        } catch (error) {
          return (error as DOMException).name;
        }
      };
      return {
        root: { isKey: root instanceof CryptoKey, extractable: root.extractable, algorithm: root.algorithm.name, usages: [...root.usages] as string[] },
        devicePrivate: { isKey: device.privateKey instanceof CryptoKey, extractable: device.privateKey.extractable, algorithm: device.privateKey.algorithm.name },
        exportRoot: await exportError('raw', root),
        exportRootJwk: await exportError('jwk', root),
        exportDevice: await exportError('pkcs8', device.privateKey),
        exportDeviceJwk: await exportError('jwk', device.privateKey),
      };
    });
    assert.deepEqual({ ...keys.root, usages: undefined }, { isKey: true, extractable: false, algorithm: 'HKDF', usages: undefined });
    assert.deepEqual(keys.devicePrivate, { isKey: true, extractable: false, algorithm: 'ECDSA' });
    // WebCrypto never exports an HKDF key at all (NotSupportedError); a non-extractable ECDSA key is refused.
    assert.deepEqual([keys.exportRoot, keys.exportRootJwk], ['NotSupportedError', 'NotSupportedError']);
    assert.deepEqual([keys.exportDevice, keys.exportDeviceJwk], ['InvalidAccessError', 'InvalidAccessError']);
    assert.deepEqual(cspProblems(app.page), []);
    assert.deepEqual(problemsOf(app.page).pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the vendor password is nowhere in IndexedDB, localStorage, sessionStorage, Cache Storage or cookies after adding and opening', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, appUrl());
    await app.signUp('erin', password);
    await app.add(acme);
    await app.reveal('acme');
    await app.runSync('acme');
    await app.revealBox('acme').waitFor({ state: 'hidden', timeout: 10_000 });

    const dump = await dumpStorage(app.page);
    // The scan sees the vault: its database, the item document under its local name, both keys.
    assert.deepEqual(dump.databases, ['symbolon']);
    assert.ok(dump.records >= 4, `only ${dump.records} records`);
    assert.ok(dump.texts.includes('acme'), 'the item\'s local name is stored (the scan reads item documents)');
    assert.equal(dump.keys.length >= 3, true, JSON.stringify(dump.keys));
    assert.deepEqual(dump.keys.filter((key) => key.type !== 'public' && key.extractable), [], 'every secret key is non-extractable');

    assert.deepEqual(await findSecret(dump, context, acme.password), [], 'the vendor password');
    assert.deepEqual(await findSecret(dump, context, acme.username), [], 'the vendor username is sealed too');
    assert.deepEqual(await findSecret(dump, context, password), [], 'the account password');
    assert.equal(dump.localStorageEntries + dump.sessionStorageEntries + dump.cacheEntries, 0, 'the app keeps nothing outside IndexedDB');
    assert.deepEqual(await context.cookies(), [], 'no cookies at all');
  } finally {
    await context.close();
  }
});

const own: VendorCredential = {
  name: 'globex', username: 'mallory@globex.example', password: 'globex-portal-pass-7', url: 'https://portal.globex.example/',
};

test('another user\'s browser cannot open the item, even with a copy of its sealed document', { timeout: testTimeoutMs }, async () => {
  const aliceContext = await newContext(browser as Browser);
  const malloryContext = await newContext(browser as Browser);
  try {
    const alice = await AppPage.open(aliceContext, appUrl());
    await alice.signUp('frank', password);
    await alice.add(acme);
    const items = await alice.documents('items/');
    assert.equal(Object.keys(items).length, 1);

    // Another person, another browser profile: their own account, keys and storage. They get a copy of the item.
    const mallory = await AppPage.open(malloryContext, appUrl());
    await mallory.signUp('mallory', password);
    await mallory.add(own);
    assert.deepEqual(await mallory.page.locator('#item-list h3').allTextContents(), [own.name]);
    for (const [name, document] of Object.entries(items)) {
      await mallory.putDocument(name, document);
    }
    await mallory.page.reload();
    // The copied document carries Alice's item MAC (a key derived from her root key): Mallory's client refuses it as
    // altered before it would ever ask the key server, names it, and still shows and opens her own item.
    const warning = mallory.page.locator('#items-damaged');
    await warning.waitFor();
    const warningText = (await warning.textContent()) ?? '';
    assert.match(warningText, /1 stored credential is damaged or was altered/);
    assert.ok(warningText.includes(Object.keys(items)[0] ?? 'none'), warningText);
    assert.deepEqual(await mallory.page.locator('#item-list h3').allTextContents(), [own.name]);
    assert.equal((await mallory.page.locator('body').innerText()).includes(acme.password), false);
    await screenshot(mallory.page, 'other-user-refused');
    assert.equal((await mallory.reveal(own.name)).password, own.password);

    // The owner still opens it.
    assert.equal((await alice.reveal('acme')).password, acme.password);
    assert.deepEqual([...cspProblems(alice.page), ...cspProblems(mallory.page)], []);
  } finally {
    await aliceContext.close();
    await malloryContext.close();
  }
});
