// README.md's examples are code, not prose: the Node example runs against a real key server exactly as written
// (importing the built package by its own name), and the keystore sketch type-checks against the package.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { KeyServerApi } from '../src/api.js';
import { DeviceKey } from '../src/dpop.js';
import { KeyServerProcess } from './support/server.js';
import { accountPassword, username, vendorPassword } from './support/vault.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const readme = await readFile(join(packageRoot, 'README.md'), 'utf8');

/** The first fenced block of `language` after `marker`. */
function block(marker: string, language: string): string {
  const start = readme.indexOf(marker);
  assert.ok(start >= 0, `README.md has no ${marker}`);
  const open = readme.indexOf('```' + language + '\n', start);
  const close = readme.indexOf('\n```', open);
  return readme.slice(open + language.length + 4, close + 1);
}

async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

let server: KeyServerProcess;
let scratch: string;
before(async () => {
  server = await KeyServerProcess.start();
  scratch = await mkdtemp(join(tmpdir(), 'symbolon-ts-readme-'));
});
after(async () => {
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

test("the README's Node example runs as written", async () => {
  const example = block('<!-- example: node', 'js');
  assert.ok(example.split('\n').filter((line) => line.trim() !== '').length <= 10, 'the example is at most ten lines');
  // Inside the package, so `@symbolon/client` resolves to the package itself (its built dist/).
  const file = join(packageRoot, 'build', 'readme', 'node-example.mjs');
  await mkdir(join(packageRoot, 'build', 'readme'), { recursive: true });
  await writeFile(file, example);
  const account = username('readme');
  await new KeyServerApi(server.url, await DeviceKey.fromKeyPair(await DeviceKey.generate())).createAccount({ username: account, password: accountPassword });

  const result = await run(process.execPath, [file], scratch, {
    PATH: process.env['PATH'], SYMBOLON_SERVER: server.url, SYMBOLON_USER: account, SYMBOLON_PASSWORD: accountPassword, VENDOR_PASSWORD: vendorPassword,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `signed in to acme as bot@acme.example (${vendorPassword.length} characters)\n`);
  assert.ok(!result.stdout.includes(vendorPassword) && !result.stderr.includes(vendorPassword));
});

test("the README's keystore sketch type-checks against the package", async () => {
  const sketch = block('## Plugging a platform keystore', 'ts').replaceAll("'@symbolon/client'", "'../../src/index.js'");
  const directory = join(packageRoot, 'build', 'readme');
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'keystore-sketch.ts'), sketch);
  await writeFile(join(directory, 'tsconfig.json'), JSON.stringify({
    extends: '../../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '../..' }, include: ['keystore-sketch.ts'], exclude: [],
  }));
  const result = await run(process.execPath, [join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', directory], packageRoot, { PATH: process.env['PATH'] });
  assert.equal(result.code, 0, result.stdout + result.stderr);
});
