// A real Symbolon key server process for the tests: the .NET server built from this repository, on 127.0.0.1 only,
// with its own temporary data directory, cheap password hashing and room for many sign-ups. Built once if its DLL is
// missing. Every wait is bounded; stop() kills the process and removes the directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (build/test/support → clients/typescript → repo). */
export const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

const serverDll = join(repoRoot, 'src/Symbolon.Server/bin/Debug/net10.0/Symbolon.Server.dll');
const startTimeoutMs = 60_000;
const buildTimeoutMs = 600_000;

/** Builds a .NET project once per test process when its output is missing. */
export function buildOnce(project: string, output: string): void {
  if (existsSync(output)) {
    return;
  }
  const result = spawnSync('dotnet', ['build', project, '-nologo', '-v', 'q'], { cwd: repoRoot, stdio: 'inherit', timeout: buildTimeoutMs });
  if (result.status !== 0 || !existsSync(output)) {
    throw new Error(`dotnet build ${project} failed (exit ${String(result.status)}).`);
  }
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the server to bind). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export class KeyServerProcess {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(readonly url: string, private readonly port: number, private readonly dataDirectory: string) {}

  /** Starts a server on a free port and waits until /healthz answers. */
  static async start(): Promise<KeyServerProcess> {
    buildOnce('src/Symbolon.Server', serverDll);
    const port = await freePort();
    const server = new KeyServerProcess(`http://127.0.0.1:${port}/`, port, await mkdtemp(join(tmpdir(), 'symbolon-ts-server-')));
    await server.run();
    return server;
  }

  /** Starts the process again (after {@link kill}), on the same port and data. */
  async run(): Promise<void> {
    const child = spawn('dotnet', [
      serverDll, '--urls', `http://127.0.0.1:${this.port}`, `--Symbolon:DataDirectory=${this.dataDirectory}`,
      '--Symbolon:Passwords:MemoryKib=1024', '--Symbolon:Passwords:Passes=1',
      // Every test makes its own accounts, all from 127.0.0.1: more than the default 20 sign-ups an hour.
      '--Symbolon:LoginThrottle:SignUpsPerAddressPerHour=1000',
      // The audit log is checkpointed when a test asks (checkpoint()), never on a timer.
      '--Symbolon:Audit:CheckpointInterval=01:00:00',
    ], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stdout?.on('data', (chunk: Buffer) => { this.output += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { this.output += chunk.toString(); });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`The key server exited with ${child.exitCode}:\n${this.output}`);
      }
      try {
        const response = await fetch(new URL('healthz', this.url), { signal: AbortSignal.timeout(2000) });
        if (response.ok) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.kill();
    throw new Error(`The key server did not become healthy within ${startTimeoutMs / 1000} s:\n${this.output}`);
  }

  /** Has the server checkpoint its audit log now (the operator route); returns the checkpoint as sent. */
  async checkpoint(): Promise<Record<string, unknown>> {
    const token = (await readFile(join(this.dataDirectory, 'operator.token'), 'utf8')).trim();
    const response = await fetch(new URL('v1/audit/checkpoints', this.url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) {
      throw new Error(`The checkpoint failed with ${response.status}: ${await response.text()}`);
    }
    return await response.json() as Record<string, unknown>;
  }

  /** The server's audit signing key (PKCS#8), as a database writer who also stole it would hold it. */
  async auditSigningKey(): Promise<KeyObject> {
    return createPrivateKey({ key: await readFile(join(this.dataDirectory, 'audit-signing.key')), format: 'der', type: 'pkcs8' });
  }

  /** Kills the process (the data directory stays, so {@link run} can bring it back). */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }

  /** Kills the process and removes its data. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dataDirectory, { recursive: true, force: true });
  }
}
