// The same vault, byte for byte, in both clients: with one fixed root key and vault id (written into both homes, the
// test-only import), an item the TypeScript client seals opens with the .NET CLI, and the reverse, against one real
// key server — for split and blinded items. The item documents are copied between the homes unchanged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toBase64 } from '../src/crypto/bytes.js';
import { ItemMode } from '../src/crypto/context.js';
import { FileStore } from '../src/node/file-store.js';
import type { JsonValue } from '../src/storage.js';
import { VaultClient } from '../src/vault.js';
import { buildOnce, KeyServerProcess, repoRoot } from './support/server.js';
import { accountPassword, username, vendorPassword } from './support/vault.js';

const cliDll = join(repoRoot, 'src/Symbolon.Cli/bin/Debug/net10.0/symbolon.dll');
const rootKey = new Uint8Array(32).map((_, index) => 0xa0 ^ index);
const vaultId = '5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const cliTimeoutMs = 60_000;

let server: KeyServerProcess;
let scratch: string;
before(async () => {
  buildOnce('src/Symbolon.Cli', cliDll);
  server = await KeyServerProcess.start();
  scratch = await mkdtemp(join(tmpdir(), 'symbolon-ts-cross-'));
});
after(async () => {
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `symbolon ARGS --home HOME` with `input` on stdin, nothing of the developer's environment leaking in. */
async function cli(home: string, args: string[], input = ''): Promise<CliResult> {
  const environment = { ...process.env };
  delete environment['SYMBOLON_HOME'];
  delete environment['SYMBOLON_PASSPHRASE'];
  delete environment['SYMBOLON_IDLE_TIMEOUT'];
  const child = spawn('dotnet', [cliDll, ...args, '--home', home], { cwd: scratch, env: environment, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), cliTimeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function ok(result: CliResult, what: string): CliResult {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A home with the fixed root key (root.key, the .NET format) and vault id; both clients read these files. */
async function fixedHome(name: string): Promise<string> {
  const home = join(scratch, name);
  await mkdir(join(home, 'items'), { recursive: true, mode: 0o700 });
  await writeFile(join(home, 'root.key'), JSON.stringify({ version: 1, protection: 'none', key: toBase64(rootKey) }), { mode: 0o600 });
  await writeFile(join(home, 'vault.json'), JSON.stringify({ vaultId, server: null }), { mode: 0o600 });
  return home;
}

test('split and blinded items sealed by the TypeScript client open with the .NET CLI, and the reverse', async () => {
  const account = username('cross');
  const dotnetHome = await fixedHome('dotnet');
  const typescriptHome = await fixedHome('typescript');
  const storage = await FileStore.open(typescriptHome);
  const client = await VaultClient.open({ storage });
  assert.equal(client.vaultId, vaultId);
  await client.createAccount(server.url, account, accountPassword);
  await client.login(server.url, { username: account, password: accountPassword });
  ok(await cli(dotnetHome, ['login', '--server', server.url, '--username', account, '--password-stdin'], `${accountPassword}\n`), 'symbolon login');

  for (const [mode, cliMode] of [[ItemMode.Split, 'split'], [ItemMode.Blinded, 'blinded']] as const) {
    // TypeScript seals, .NET opens: the item document is copied into the .NET home as it is.
    const fromTs = `from-ts-${cliMode}`;
    const added = await client.add(fromTs, { username: 'bot@acme.example', password: vendorPassword, url: 'https://portal.acme.example' }, { mode });
    const document = `${added.unitId}.json`;
    await writeFile(join(dotnetHome, 'items', document), await readFile(join(typescriptHome, 'items', document)), { mode: 0o600 });
    const shown = ok(await cli(dotnetHome, ['show', fromTs, '--reveal', '--json']), 'symbolon show');
    assert.deepEqual(JSON.parse(shown.stdout), { username: 'bot@acme.example', password: vendorPassword, url: 'https://portal.acme.example' });

    // .NET seals, TypeScript opens: the CLI's item file goes into the TypeScript store unchanged.
    const fromNet = `from-net-${cliMode}`;
    const before = new Set(await readdir(join(dotnetHome, 'items')));
    ok(await cli(dotnetHome, ['add', fromNet, '--username', 'sync@beta.example', '--mode', cliMode, '--password-stdin'], `${vendorPassword} (.NET)\n`), 'symbolon add');
    const [written] = (await readdir(join(dotnetHome, 'items'))).filter((file) => !before.has(file) && file.endsWith('.json'));
    assert.ok(written !== undefined);
    await storage.put(`items/${written}`, JSON.parse(await readFile(join(dotnetHome, 'items', written), 'utf8')) as JsonValue);
    const opened = await client.use(fromNet, (credential) => ({ username: credential.username, password: credential.revealPassword() }));
    assert.deepEqual(opened, { username: 'sync@beta.example', password: `${vendorPassword} (.NET)` });
  }

  // Everything the TypeScript client wrote in its home (sessions, items, receipts) is 0600 in 0700 directories.
  const files = await readdir(typescriptHome, { recursive: true });
  assert.ok(files.some((file) => file.startsWith('session-')) && files.some((file) => file.startsWith('receipts')));
  for (const file of files) {
    const entry = await stat(join(typescriptHome, file));
    assert.equal(entry.mode & 0o777, entry.isDirectory() ? 0o700 : 0o600, file);
  }
  client.close();
});
