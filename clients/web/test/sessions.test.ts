// Sessions as the key server sees them: the idle lock and logout end the server's session (the token the page held
// is refused even with a valid DPoP proof from the device key); a refusal for rate limiting says how long to wait;
// a stopped server is reported as unreachable. The key server here lets each device release only two shares
// before rate-limiting it, so the rate-limit test needs no flood of requests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { AppPage, type VendorCredential } from './support/app-page.js';
import { cspProblems, launchChromium, newContext, problemsOf, screenshot, testTimeoutMs } from './support/browser.js';
import { KeyServerProcess } from './support/keyserver.js';

const password = 'correct horse battery staple';
const acme: VendorCredential = {
  name: 'acme', username: 'bot@acme.example', password: 'Vendor-Secret-4711!', url: 'https://portal.acme.example/',
};
/** Releases each device may make before the limiter answers 429 (and it refills very slowly). */
const deviceBurst = 2;

let keyServer: KeyServerProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  keyServer = await KeyServerProcess.start({
    extraArguments: [`--Symbolon:Limits:DeviceBurst=${deviceBurst}`, '--Symbolon:Limits:DeviceRefillPerMinute=0.5'],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await keyServer?.stop();
});

function server(): KeyServerProcess {
  return keyServer as KeyServerProcess;
}

test('the idle lock shows the lock screen and ends the server session: the old token is refused', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, `${server().appUrl}?idle=4`);
    await app.signUp('grace', password);
    const { accessToken, server: url } = await app.sessionTokens();
    assert.equal(await app.rawAuthenticatedGet(url, accessToken), 200, 'the token and a proof from the device key work while the session lives');

    await app.screen('locked').waitFor({ timeout: 20_000 });
    assert.match((await app.page.locator('#locked-reason').textContent()) ?? '', /locked itself after 4 seconds without use/);
    assert.equal(await app.screen('locked').getByLabel('Username').inputValue(), 'grace');
    assert.equal(await app.message().textContent(), '', 'no stale message over the lock screen');
    assert.equal(await app.page.evaluate(() => document.activeElement?.id), 'unlock-password', 'focus waits in the password field');
    await screenshot(app.page, 'idle-locked');
    assert.equal(await app.rawAuthenticatedGet(url, accessToken), 401, 'the key server ended the session');

    // Logging in again unlocks, with a new session.
    await app.screen('locked').getByLabel('Password').fill(password);
    await app.screen('locked').getByLabel('Password').press('Enter');
    await app.screen('vault').waitFor();
    assert.notEqual((await app.sessionTokens()).accessToken, accessToken);
    assert.deepEqual(cspProblems(app.page), []);
    assert.deepEqual(problemsOf(app.page).pageErrors, []);
  } finally {
    await context.close();
  }
});

test('logout, and Lock now, end the server session: the old token is refused', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, server().appUrl);
    await app.signUp('heidi', password);
    const first = await app.sessionTokens();
    assert.equal(await app.rawAuthenticatedGet(first.server, first.accessToken), 200);
    await app.logOut();
    assert.equal(await app.rawAuthenticatedGet(first.server, first.accessToken), 401);

    await app.logIn('heidi', password);
    const second = await app.sessionTokens();
    assert.equal(await app.rawAuthenticatedGet(second.server, second.accessToken), 200);
    await app.page.getByRole('button', { name: 'Lock now' }).click();
    await app.screen('locked').waitFor();
    assert.match((await app.page.locator('#locked-reason').textContent()) ?? '', /You locked the vault/);
    assert.equal(await app.rawAuthenticatedGet(second.server, second.accessToken), 401);
    assert.deepEqual(cspProblems(app.page), []);
  } finally {
    await context.close();
  }
});

test('rate limited: the app says the key server refused and how long to wait (Retry-After)', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, `${server().appUrl}?reveal=1`);
    await app.signUp('ivan', password);
    await app.add(acme);
    for (let open = 0; open < deviceBurst; open++) {
      await app.runSync('acme');
    }
    await app.page.getByRole('button', { name: 'Reveal acme' }).click();
    await app.page.locator('#message.warning').waitFor();
    const message = (await app.message().textContent()) ?? '';
    assert.match(message, /Too many requests: the key server is rate-limiting this browser\./);
    const wait = /Try again in (\d+) (seconds|minutes?)\./.exec(message);
    assert.ok(wait !== null, message);
    assert.equal(await app.revealBox('acme').isVisible(), false);
    assert.equal(await app.page.getByRole('button', { name: 'Reveal acme' }).isEnabled(), true, 'the button is usable again');
    await screenshot(app.page, 'rate-limited');
    assert.deepEqual(cspProblems(app.page), []);
  } finally {
    await context.close();
  }
});

// Stops the server (and starts it again).
test('logout and Lock now with the key server down: the app says the session was not ended there, and when it ends', { timeout: testTimeoutMs }, async () => {
  const out = await newContext(browser as Browser);
  const locked = await newContext(browser as Browser);
  try {
    const leaving = await AppPage.open(out, server().appUrl);
    await leaving.signUp('kim', password);
    const locking = await AppPage.open(locked, server().appUrl);
    await locking.signUp('lee', password);
    await server().kill();
    try {
      await leaving.logOut();
      const message = (await leaving.message().textContent()) ?? '';
      assert.match(message, /Logged out of this browser, but it could not reach the key server to end the session\./);
      assert.match(message, /ends by itself after 30 minutes without use/);
      assert.doesNotMatch(message, /The key server ended/);
      await screenshot(leaving.page, 'logout-server-unreachable');

      await locking.page.getByRole('button', { name: 'Lock now' }).click();
      await locking.screen('locked').waitFor();
      const detail = (await locking.page.locator('#locked-session').textContent()) ?? '';
      assert.match(detail, /could not reach the key server to end the session/);
      assert.match(detail, /ends by itself after 30 minutes without use/);
    } finally {
      await server().run();
    }
    assert.deepEqual(problemsOf(leaving.page).pageErrors, []);
    assert.deepEqual(problemsOf(locking.page).pageErrors, []);
  } finally {
    await out.close();
    await locked.close();
  }
});

// Last: it stops the server (and starts it again).
test('server stopped: the app says the key server cannot be reached, and works again once it is back', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const app = await AppPage.open(context, server().appUrl);
    await app.signUp('judy', password);
    await app.add(acme);
    await server().kill();

    await app.page.getByRole('button', { name: 'Reveal acme' }).click();
    await app.page.locator('#message.error').waitFor({ timeout: 30_000 });
    assert.match((await app.message().textContent()) ?? '', new RegExp(`The key server at ${server().url} cannot be reached\\.`));
    assert.equal(await app.revealBox('acme').isVisible(), false, 'nothing opens offline');
    await screenshot(app.page, 'server-unreachable');

    await server().run();
    assert.equal((await app.reveal('acme')).password, acme.password);
    assert.deepEqual(cspProblems(app.page), []);
  } finally {
    await context.close();
  }
});
