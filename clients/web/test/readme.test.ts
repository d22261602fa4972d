// The README's browser example: README.md quotes examples/browser-example.ts verbatim, and that file, bundled as
// an app would bundle it, runs in Chromium against a real key server (from another origin, through CORS).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { cspProblems, launchChromium, newContext, problemsOf, testTimeoutMs } from './support/browser.js';
import { KeyServerProcess, repoRoot, webRoot } from './support/keyserver.js';
import { crossOriginPolicy, StaticServer } from './support/static-server.js';

const exampleFile = join(webRoot, 'examples/browser-example.ts');

let keyServer: KeyServerProcess | undefined;
let pages: StaticServer | undefined;
let browser: Browser | undefined;
let pageDirectory: string | undefined;

before(async () => {
  pageDirectory = await mkdtemp(join(tmpdir(), 'symbolon-web-example-'));
  await build({
    absWorkingDir: webRoot,
    entryPoints: [join(webRoot, 'test/pages/run-example.ts')],
    outfile: join(pageDirectory, 'run-example.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    tsconfig: join(webRoot, 'tsconfig.json'),
    nodePaths: [join(webRoot, 'node_modules')],
    logLevel: 'warning',
  });
  await copyFile(join(webRoot, 'test/pages/example.html'), join(pageDirectory, 'index.html'));
  pages = await StaticServer.start({ '/': pageDirectory }, () => crossOriginPolicy(keyServer?.origin ?? ''));
  keyServer = await KeyServerProcess.start({ corsOrigins: [pages.origin] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await keyServer?.stop();
  await pages?.stop();
  if (pageDirectory !== undefined) {
    await rm(pageDirectory, { recursive: true, force: true });
  }
});

test('README.md quotes the browser example verbatim, and it is ten lines', { timeout: testTimeoutMs }, async () => {
  const example = await readFile(exampleFile, 'utf8');
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  assert.ok(readme.includes('```ts\n' + example + '```\n'), 'README.md must contain clients/web/examples/browser-example.ts in a ```ts block, unchanged');
  assert.equal(example.trimEnd().split('\n').length, 10);
});

test('the README browser example runs in Chromium: signs up, stores a credential and hands it to the caller', { timeout: testTimeoutMs }, async () => {
  const context = await newContext(browser as Browser);
  try {
    const page = await context.newPage();
    const query = new URLSearchParams({ server: (keyServer as KeyServerProcess).url, username: 'readme', password: 'correct horse battery staple' });
    await page.goto(`${(pages as StaticServer).url}?${query.toString()}`);
    const output = page.locator('#output[data-state]');
    await output.waitFor();
    assert.equal(await output.getAttribute('data-state'), 'done', (await output.textContent()) ?? '');
    assert.equal(await output.textContent(), 'signed in to acme as bot@acme.example with the stored password');
    assert.deepEqual(cspProblems(page), []);
    assert.deepEqual(problemsOf(page).pageErrors, []);
  } finally {
    await context.close();
  }
});
