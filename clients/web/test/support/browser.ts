// Debian's Chromium driven by playwright-core (never a downloaded browser), with a fresh profile per launch, and
// pages that record every Content-Security-Policy violation, console error and uncaught exception.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { webRoot } from './keyserver.js';

export const chromiumPath = '/usr/bin/chromium';

/** Screenshots of the main screens: test artefacts, never committed (clients/web/.gitignore). */
export const resultsDirectory = join(webRoot, 'test-results');

const chromiumArguments = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/**
 * Launches Chromium. Playwright gives every launch a new temporary user-data directory and removes it on close, so
 * no state survives from one run (or one test file) to the next.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: the browser tests need Debian's Chromium (apt-get install chromium). `
      + 'They never download a browser.');
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArguments, timeout: 60_000 });
}

/** What a page reported that a test may want to assert never happened. */
export interface PageProblems {
  /** securitypolicyviolation events: "directive blocked-uri". */
  readonly cspViolations: string[];
  /** console.error messages (including the browser's own, e.g. failed loads). */
  readonly consoleErrors: string[];
  /** Uncaught exceptions and unhandled rejections. */
  readonly pageErrors: string[];
}

const recorded = new WeakMap<Page, PageProblems>();

/** A new context whose pages all report CSP violations to the test. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(15_000);
  await context.exposeBinding('__symbolonTestCspViolation', ({ page }, text: string) => {
    problemsOf(page).cspViolations.push(text);
  });
  // Runs before the page's own scripts, through the DevTools protocol (not subject to the page's CSP).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __symbolonTestCspViolation: (text: string) => void }).__symbolonTestCspViolation;
      void report(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  context.on('page', (page) => watch(page));
  return context;
}

function watch(page: Page): PageProblems {
  let problems = recorded.get(page);
  if (problems === undefined) {
    const created: PageProblems = { cspViolations: [], consoleErrors: [], pageErrors: [] };
    page.on('console', (message) => {
      if (message.type() === 'error') {
        created.consoleErrors.push(message.text());
      }
    });
    page.on('pageerror', (error) => created.pageErrors.push(String(error)));
    recorded.set(page, created);
    problems = created;
  }
  return problems;
}

/** What the page reported so far. */
export function problemsOf(page: Page): PageProblems {
  return watch(page);
}

/** CSP violations, whether seen as events or as the browser's console messages about the policy. */
export function cspProblems(page: Page): string[] {
  const problems = problemsOf(page);
  return [...problems.cspViolations, ...problems.consoleErrors.filter((text) => /Content Security Policy/i.test(text))];
}

/** Saves a full-page screenshot as test-results/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(resultsDirectory, { recursive: true });
  await page.screenshot({ path: join(resultsDirectory, `${name}.png`), fullPage: true });
}

/** Every browser test ends within this, whatever hangs (page.evaluate itself has no timeout). */
export const testTimeoutMs = 180_000;
