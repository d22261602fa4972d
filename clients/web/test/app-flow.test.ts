// The web app's whole flow in Chromium against a real key server, twice: served by the key server at /app/ (same
// origin), and from another origin (a second server on another port) through CORS. Sign up, log out, log in, add,
// list, reveal then hidden again, run sync (password masked), audit with the receipts check, log out; no CSP
// violation, console error or uncaught exception anywhere. Screenshots of each screen go to test-results/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { AppPage, type VendorCredential } from './support/app-page.js';
import { cspProblems, launchChromium, newContext, problemsOf, screenshot, testTimeoutMs } from './support/browser.js';
import { distDirectory, KeyServerProcess } from './support/keyserver.js';
import { crossOriginPolicy, StaticServer } from './support/static-server.js';

const password = 'correct horse battery staple';
const acme: VendorCredential = {
  name: 'acme', username: 'bot@acme.example', password: 'Vendor-Secret-4711!', url: 'https://portal.acme.example/',
};

let keyServer: KeyServerProcess | undefined;
let otherOrigin: StaticServer | undefined;
let browser: Browser | undefined;

before(async () => {
  otherOrigin = await StaticServer.start({ '/': distDirectory }, () => crossOriginPolicy(keyServer?.origin ?? ''));
  keyServer = await KeyServerProcess.start({ corsOrigins: [otherOrigin.origin] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await keyServer?.stop();
  await otherOrigin?.stop();
});

/** The whole flow on the app at `url`; screenshots named `<shots>-…` when `shots` is given. */
async function wholeFlow(url: string, username: string, shots?: string): Promise<void> {
  const server = keyServer as KeyServerProcess;
  const context = await newContext(browser as Browser);
  // Releases go over the key server's use channel (one WebSocket), not as requests (docs/api.md, "The use channel").
  const channelMessages: string[] = [];
  const releaseRequests: string[] = [];
  context.on('page', (opened) => opened.on('websocket', (socket) => {
    socket.on('framesent', (frame) => { channelMessages.push(`${socket.url()} ${String(frame.payload)}`); });
  }));
  context.on('request', (sent) => {
    if (sent.url().endsWith('/release')) {
      releaseRequests.push(sent.url());
    }
  });
  try {
    const app = await AppPage.open(context, url);
    const page = app.page;
    const shot = async (name: string): Promise<void> => {
      if (shots !== undefined) {
        await screenshot(page, `${shots}-${name}`);
      }
    };

    // The login screen names the key server, same origin or from ?server=.
    await app.screen('login').waitFor();
    assert.equal(await app.screen('login').getByLabel('Key server').inputValue(), server.url);
    assert.equal(await page.locator('#server-name').textContent(), server.url);
    await shot('01-login');

    // Sign up: the account is created and this browser logged in as its first device.
    await page.getByRole('button', { name: 'Create an account' }).click();
    const signup = app.screen('signup');
    await signup.getByLabel('Username').fill(username);
    await signup.getByLabel('Password', { exact: true }).fill(password);
    await signup.getByLabel('Password again').fill(password);
    await shot('02-signup');
    await signup.getByLabel('Password again').press('Enter');
    await app.screen('vault').waitFor();
    assert.match((await app.message().textContent()) ?? '', new RegExp(`Logged in as ${username}`));
    assert.equal(await page.locator('#items-empty').isVisible(), true);
    await shot('03-vault-empty');

    // Log out and in again, with the keyboard: Enter submits.
    await app.logOut();
    assert.match((await app.message().textContent()) ?? '', /Logged out/);
    await app.logIn(username, password);
    assert.equal(await page.locator('#session-user').textContent(), username);

    // Add, then list.
    await app.add(acme);
    assert.match((await app.message().textContent()) ?? '', /Added acme/);
    assert.deepEqual(await page.locator('#item-list h3').allTextContents(), ['acme']);
    assert.equal(await page.locator('#add-form').getByLabel('Password at the vendor').inputValue(), '', 'the form forgets the password');
    await shot('04-vault-list');

    // Reveal: shown on click, hidden again after ?reveal= seconds.
    const shown = await app.reveal('acme');
    assert.deepEqual(shown, { username: acme.username, password: acme.password, url: acme.url });
    assert.match((await app.revealBox('acme').locator('.countdown').textContent()) ?? '', /Hidden again in/);
    assert.equal(await page.getByRole('button', { name: 'Hide acme' }).getAttribute('aria-expanded'), 'true');
    await shot('05-revealed');
    await app.revealBox('acme').waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await page.getByRole('button', { name: 'Reveal acme' }).textContent(), 'Reveal');
    assert.equal((await page.locator('body').innerText()).includes(acme.password), false, 'the password is off the page');

    // Run sync: the demo had the credential, the page shows its request with the password masked.
    const request = await app.runSync('acme');
    assert.match(request, /^POST \/login HTTP\/1\.1\nHost: portal\.acme\.example\n/);
    assert.match(request, /username=bot%40acme\.example&password=••••••••$/);
    assert.equal((await page.locator('body').innerText()).includes(acme.password), false, 'the sync preview masks the password');
    await shot('06-sync');

    // Audit: two releases (reveal, sync), and their two receipts match the server's log.
    await page.getByRole('button', { name: 'Show audit log' }).click();
    await page.locator('#audit-table').waitFor();
    const events = await page.locator('#audit-rows td:nth-child(3)').allTextContents();
    assert.equal(events.filter((event) => event === 'unit.released').length, 2, events.join(', '));
    assert.ok(events.includes('unit.created') && events.includes('login.succeeded'), events.join(', '));
    const channel = new URL('/v1/channel', server.url.replace(/^http/, 'ws')).href;
    assert.equal(channelMessages.filter((message) => message.startsWith(`${channel} `) && message.includes('/release"')).length, 2, channelMessages.join('\n'));
    assert.deepEqual(releaseRequests, []);
    await server.checkpoint();
    await page.getByRole('button', { name: 'Check receipts' }).click();
    await page.locator('#audit-result.good').waitFor();
    assert.match((await page.locator('#audit-result').textContent()) ?? '', /Receipts check passed: all 2 receipts match/);
    await shot('07-audit');

    // Log out: back to the login screen, username kept, password not.
    await app.logOut();
    assert.equal(await app.screen('login').getByLabel('Username').inputValue(), username);
    assert.equal(await app.screen('login').getByLabel('Password').inputValue(), '');
    await shot('08-logged-out');

    assert.deepEqual(cspProblems(page), []);
    assert.deepEqual(problemsOf(page).pageErrors, []);
    assert.deepEqual(problemsOf(page).consoleErrors, []);
  } finally {
    await context.close();
  }
}

test('same origin (/app/ on the key server): sign up, log in, add, list, reveal and hide, run sync, audit and receipts, log out', { timeout: testTimeoutMs }, async () => {
  await wholeFlow(`${(keyServer as KeyServerProcess).appUrl}?reveal=2`, 'alice', 'same-origin');
});

test('cross origin (another port, through CORS): the same flow', { timeout: testTimeoutMs }, async () => {
  const server = (keyServer as KeyServerProcess).url;
  await wholeFlow(`${(otherOrigin as StaticServer).url}?server=${encodeURIComponent(server)}&reveal=2`, 'bob', 'cross-origin');
});

test('a ?server= link never overrides the page\'s own key server or the one this browser last used', { timeout: testTimeoutMs }, async () => {
  const server = keyServer as KeyServerProcess;
  const elsewhere = encodeURIComponent('https://keys.attacker.example/');
  const context = await newContext(browser as Browser);
  try {
    // Served by the key server: its own address wins.
    const sameOrigin = await AppPage.open(context, `${server.appUrl}?server=${elsewhere}`);
    await sameOrigin.screen('login').waitFor();
    assert.equal(await sameOrigin.screen('login').getByLabel('Key server').inputValue(), server.url);
    assert.equal(await sameOrigin.page.locator('#server-name').textContent(), server.url);
    assert.match((await sameOrigin.message().textContent()) ?? '', /names the key server https:\/\/keys\.attacker\.example\/; this browser keeps using/);

    // From another origin: the first link chooses, and after that the server this browser logged in to stays.
    const crossOrigin = `${(otherOrigin as StaticServer).url}`;
    const first = await AppPage.open(context, `${crossOrigin}?server=${encodeURIComponent(server.url)}`);
    await first.signUp('dave', password);
    await first.logOut();
    await first.page.close();
    const crafted = await AppPage.open(context, `${crossOrigin}?server=${elsewhere}`);
    await crafted.screen('login').waitFor();
    assert.equal(await crafted.screen('login').getByLabel('Key server').inputValue(), server.url);
    assert.equal(await crafted.page.locator('#server-name').textContent(), server.url);
    assert.deepEqual(cspProblems(crafted.page), []);
  } finally {
    await context.close();
  }
});

test('keyboard: Tab reaches every control of the vault screen in order, each with a visible focus ring', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, (keyServer as KeyServerProcess).appUrl);
    await app.signUp('carol', password);
    await app.add({ ...acme, name: 'globex' });
    const page = app.page;
    await page.locator('#items-title').focus();
    const reached: string[] = [];
    for (let step = 0; step < 9; step++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const active = document.activeElement as HTMLElement | null;
        const style = active === null ? undefined : getComputedStyle(active);
        const label = active?.getAttribute('aria-label') ?? active?.textContent?.trim() ?? '';
        return { name: active instanceof HTMLInputElement ? active.labels?.[0]?.textContent?.trim() ?? '' : label, outline: style?.outlineStyle ?? 'none' };
      });
      assert.notEqual(focused.outline, 'none', `focus on "${focused.name}" is not visible`);
      reached.push(focused.name);
    }
    assert.deepEqual(reached, [
      'Reveal globex', 'Run sync with globex', 'Name', 'Username at the vendor', 'Password at the vendor', 'Portal URL (optional)',
      'Add credential', 'Show audit log', 'Check receipts',
    ]);
    // Backwards from the list: the session bar's buttons.
    await page.locator('#items-title').focus();
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Log out');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Lock now');
    // A button is a button: Space and Enter press it.
    await page.locator('#items-title').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await app.revealBox('globex').locator('dd').first().waitFor();
    assert.deepEqual(await page.evaluate(() => [document.activeElement?.getAttribute('aria-label'), document.activeElement?.textContent]),
      ['Hide globex', 'Hide'], 'focus stays on the button, which now hides');
    await screenshot(page, 'same-origin-09-keyboard-reveal');
    // Space presses it too: hidden again.
    await page.keyboard.press('Space');
    await app.revealBox('globex').waitFor({ state: 'hidden' });
    assert.deepEqual(cspProblems(page), []);
  } finally {
    await context.close();
  }
});

/** The key server's policy for /app/ (docs/operations.md, "Browser clients"). */
const appPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
  + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

test('CSP: both origins send the strict policy, and script or style injected into the page is blocked and reported', { timeout: testTimeoutMs }, async () => {
  const server = keyServer as KeyServerProcess;
  const response = await fetch(server.appUrl, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.headers.get('content-security-policy'), appPolicy);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');

  const context = await newContext(browser as Browser);
  try {
    for (const url of [server.appUrl, `${(otherOrigin as StaticServer).url}?server=${encodeURIComponent(server.url)}`]) {
      const app = await AppPage.open(context, url);
      await app.screen('login').waitFor();
      assert.deepEqual(cspProblems(app.page), [], 'the app itself violates nothing');
      // What an XSS payload would try first: inline script and inline style.
      await app.page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.injectedScriptRan = true;';
        document.body.append(script);
        document.body.setAttribute('style', 'background: red');
      });
      const deadline = Date.now() + 5_000;
      while (problemsOf(app.page).cspViolations.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const seen = problemsOf(app.page).cspViolations;
      assert.ok(seen.some((text) => text.startsWith('script-src')), `${url}: ${seen.join('; ')}`);
      assert.ok(seen.some((text) => text.startsWith('style-src')), `${url}: ${seen.join('; ')}`);
      assert.equal(await app.page.evaluate(() => (window as unknown as { injectedScriptRan?: boolean }).injectedScriptRan), undefined);
      assert.notEqual(await app.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 0, 0)');
      await app.page.close();
    }
  } finally {
    await context.close();
  }
});
