// Opening a split item in Chromium against the .NET client's open, on the same key server in the same run
// (docs/performance.md, "TypeScript client in the browser"). Goal: browser p50 ≤ 1.5 × .NET p50.
//
//   dotnet build -c Release src/Symbolon.Server && dotnet build -c Release benchmarks/Symbolon.LoadTest
//   (cd clients/web && npm ci)
//   node benchmarks/browser/open-latency.mjs [--iterations 200] [--rounds 4]
//
// One Release key server on 127.0.0.1 (SQLite, durability on; release and sign-up limits raised so they do not
// throttle the run) also serves the benchmark page at /app/, so the browser talks to it same-origin, as the .NET
// client does directly. The opens run in rounds, alternating which side goes first, so both see the same machine:
// each round the page (Debian's Chromium through playwright-core, headless) does iterations/rounds opens and a fresh
// `Symbolon.LoadTest split-open` process does as many (each after its own 50 unmeasured opens).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const web = join(repo, 'clients/web');
const fromWeb = createRequire(join(web, 'package.json'));
const { build } = await import(pathToFileURL(fromWeb.resolve('esbuild')).href);
const playwright = await import(pathToFileURL(fromWeb.resolve('playwright-core')).href);
const chromium = playwright.chromium ?? playwright.default.chromium;

const option = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const iterations = option('--iterations', 200);
const rounds = option('--rounds', 4);
const perRound = Math.ceil(iterations / rounds);

const serverDll = join(repo, 'src/Symbolon.Server/bin/Release/net10.0/Symbolon.Server.dll');
const loadTestDll = join(repo, 'benchmarks/Symbolon.LoadTest/bin/Release/net10.0/Symbolon.LoadTest.dll');
// Built every time (incremental), so the run never measures a stale server.
for (const project of ['src/Symbolon.Server', 'benchmarks/Symbolon.LoadTest']) {
  const built = spawnSync('dotnet', ['build', '-c', 'Release', project, '-nologo', '-v', 'q'], { cwd: repo, stdio: 'inherit', timeout: 600_000 });
  if (built.status !== 0) {
    throw new Error(`dotnet build -c Release ${project} failed.`);
  }
}
if (!existsSync('/usr/bin/chromium')) {
  throw new Error('/usr/bin/chromium is missing (apt-get install chromium).');
}

const freePort = () => new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

const work = await mkdtemp(join(tmpdir(), 'symbolon-browser-bench-'));
let server;
let browser;
try {
  // The page: open-bench.ts bundled as the web app is (esbuild, @symbolon/client from its sources, minified).
  const page = join(work, 'page');
  await build({
    absWorkingDir: repo, entryPoints: [join(repo, 'benchmarks/browser/open-bench.ts')], outfile: join(page, 'bench.js'),
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: ['es2022'],
    tsconfig: join(web, 'tsconfig.json'), nodePaths: [join(web, 'node_modules')], logLevel: 'warning',
  });
  await writeFile(join(page, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>open latency</title><script type="module" src="bench.js"></script></head><body><p id="state">loading</p></body></html>');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  server = spawn('dotnet', [
    serverDll, '--urls', `http://127.0.0.1:${port}`, `--Symbolon:DataDirectory=${join(work, 'data')}`, `--Symbolon:WebApp:Path=${page}`,
    '--Symbolon:Passwords:MemoryKib=1024', '--Symbolon:Passwords:Passes=1',
    '--Symbolon:Limits:DeviceBurst=1000000', '--Symbolon:Limits:DeviceRefillPerMinute=1000000',
    '--Symbolon:Limits:UserBurst=1000000', '--Symbolon:Limits:UserRefillPerMinute=1000000',
    '--Symbolon:LoginThrottle:SignUpsPerAddressPerHour=1000',
  ], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) })).ok) {
        break;
      }
    } catch {
      // not yet
    }
    if (Date.now() > deadline || server.exitCode !== null) {
      throw new Error('The key server did not start.');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true, timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const tab = await browser.newPage();
  tab.setDefaultTimeout(600_000);
  await tab.goto(`${url}app/`);
  await tab.locator('#state', { hasText: 'ready' }).waitFor();
  await tab.evaluate(({ server }) => window.symbolonBench.setup(server, 'browser'), { server: url });

  const inPage = { channel: { opens: [], releases: [], phases: [] }, fetch: { opens: [], releases: [], phases: [] } };
  const dotnetOpens = [];
  const runBrowser = async (round) => {
    for (const transport of round % 2 === 0 ? ['channel', 'fetch'] : ['fetch', 'channel']) {
      const measured = await tab.evaluate(({ transport, count, warmup }) => window.symbolonBench.opens(transport, count, warmup),
        { transport, count: perRound, warmup: round === 0 ? 50 : 10 });
      inPage[transport].opens.push(...measured.opens);
      inPage[transport].releases.push(...measured.releases);
      inPage[transport].phases.push(...measured.phases);
    }
  };
  const runDotnet = async (round) => {
    const run = spawnSync('dotnet', [loadTestDll, 'split-open', '--server', url, '--username', `dotnet-${round}`, '--iterations', String(perRound), '--warmup', '50'],
      { cwd: repo, encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) {
      throw new Error(`split-open failed: ${run.stderr}`);
    }
    dotnetOpens.push(...run.stdout.trim().split(',').map(Number));
  };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      await runBrowser(round);
      await runDotnet(round);
    } else {
      await runDotnet(round);
      await runBrowser(round);
    }
  }

  const parts = await tab.evaluate(() => window.symbolonBench.breakdown(100));
  // The same bare round trip from outside the browser (Node's fetch), for scale.
  const nodeStarted = performance.now();
  for (let index = 0; index < 100; index++) {
    await (await fetch(`${url}healthz`)).text();
  }
  parts.healthzRoundTripFromNodeMs = (performance.now() - nodeStarted) / 100;

  const summary = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return { n: sorted.length, p50: rank(50), p90: rank(90), p99: rank(99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
  };
  const channelSummary = summary(inPage.channel.opens);
  const fetchSummary = summary(inPage.fetch.opens);
  const dotnetSummary = summary(dotnetOpens);
  const row = (name, s) => `| ${name} | ${s.n} | ${s.p50.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.mean.toFixed(2)} |`;
  console.log(`Split open latency, same key server (Release, SQLite, durability on), ${rounds} alternating rounds; ${cpus().length} CPUs, load average before: ${loadavg()[0].toFixed(2)}`);
  console.log(`Chromium ${browser.version()}, Node ${process.versions.node}`);
  console.log('');
  console.log('| client | opens | p50 ms | p90 ms | p99 ms | mean ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(row('Chromium, @symbolon/client (VaultClient.use), releases over the use channel (the default)', channelSummary));
  console.log(row('Chromium, @symbolon/client (VaultClient.use), every request by fetch', fetchSummary));
  console.log(row('.NET, Symbolon.Client (VaultClient.UseAsync)', dotnetSummary));
  console.log(row('Chromium, the release request alone (fetch, resource timing)', summary(inPage.fetch.releases)));
  console.log('');
  const ratio = (s) => `p50 ${(s.p50 / dotnetSummary.p50).toFixed(2)}×, mean ${(s.mean / dotnetSummary.mean).toFixed(2)}×`;
  console.log(`browser (channel) / .NET: ${ratio(channelSummary)} (goal ≤ 1.5× at p50)`);
  console.log(`browser (fetch) / .NET: ${ratio(fetchSummary)}`);
  console.log('');
  console.log('Where the browser\'s opens spend their time (ms, p50 of each phase over the same opens):');
  const phaseNames = ['use() called → release sent', 'release: sent → answered', 'answer → callback (unseal)', 'callback → use() resolved'];
  for (const transport of ['channel', 'fetch']) {
    phaseNames.forEach((name, index) => {
      const phase = summary(inPage[transport].phases.map((phases) => phases[index]));
      console.log(`  ${transport}: ${name}: p50 ${phase.p50.toFixed(2)}, mean ${phase.mean.toFixed(2)}`);
    });
  }
  console.log('');
  console.log('Parts of an open, means of 100 back to back (ms; in the browser unless named):');
  for (const [name, ms] of Object.entries(parts)) {
    console.log(`  ${name}: ${ms.toFixed(2)}`);
  }
} finally {
  await browser?.close();
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  await rm(work, { recursive: true, force: true });
}
