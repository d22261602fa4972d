// A real Symbolon key server process: the .NET server built from this repository (built once when its DLL is
// missing), on 127.0.0.1 only, with its own temporary data directory, cheap password hashing, and the web app from
// dist/ at /app/. Every wait is bounded; stop() kills the process and removes the directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** clients/web (the tests run from build/test/support). */
export const webRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
/** The built app (npm run build). */
export const distDirectory = join(webRoot, 'dist');

const serverDll = join(repoRoot, 'src/Symbolon.Server/bin/Debug/net10.0/Symbolon.Server.dll');
const startTimeoutMs = 60_000;
const buildTimeoutMs = 600_000;

function buildServerOnce(): void {
  if (existsSync(serverDll)) {
    return;
  }
  const result = spawnSync('dotnet', ['build', 'src/Symbolon.Server', '-nologo', '-v', 'q'], { cwd: repoRoot, stdio: 'inherit', timeout: buildTimeoutMs });
  if (result.status !== 0 || !existsSync(serverDll)) {
    throw new Error(`dotnet build src/Symbolon.Server failed (exit ${String(result.status)}).`);
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

export interface KeyServerOptions {
  /** Origins allowed through CORS (Symbolon:Cors:AllowedOrigins). */
  readonly corsOrigins?: readonly string[];
  /** More settings, e.g. `--Symbolon:Limits:DeviceBurst=3`. */
  readonly extraArguments?: readonly string[];
}

export class KeyServerProcess {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    /** http://127.0.0.1:PORT/ */
    readonly url: string,
    readonly port: number,
    private readonly dataDirectory: string,
    private readonly options: KeyServerOptions,
  ) {}

  /** The app as the key server serves it. */
  get appUrl(): string {
    return `${this.url}app/`;
  }

  /** http://127.0.0.1:PORT, as a browser sends it in Origin. */
  get origin(): string {
    return new URL(this.url).origin;
  }

  static async start(options: KeyServerOptions = {}): Promise<KeyServerProcess> {
    if (!existsSync(join(distDirectory, 'index.html'))) {
      throw new Error(`${distDirectory} has no index.html: run \`npm run build\` in clients/web first.`);
    }
    buildServerOnce();
    const port = await freePort();
    const server = new KeyServerProcess(`http://127.0.0.1:${port}/`, port, await mkdtemp(join(tmpdir(), 'symbolon-web-server-')), options);
    await server.run();
    return server;
  }

  /** Starts the process (again, after {@link kill}) on the same port and data, and waits until /healthz answers. */
  async run(): Promise<void> {
    const cors = (this.options.corsOrigins ?? []).map((origin, index) => `--Symbolon:Cors:AllowedOrigins:${index}=${origin}`);
    const child = spawn('dotnet', [
      serverDll, '--urls', `http://127.0.0.1:${this.port}`, `--Symbolon:DataDirectory=${this.dataDirectory}`,
      '--Symbolon:Passwords:MemoryKib=1024', '--Symbolon:Passwords:Passes=1', `--Symbolon:WebApp:Path=${distDirectory}`,
      ...cors, ...(this.options.extraArguments ?? []),
    ], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    this.output = '';
    // Should the test process end without running `after` (an uncaught error), the server still goes with it.
    const killOnExit = (): void => { child.kill('SIGKILL'); };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
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

  /**
   * Has the server checkpoint its audit log now (the operator route), so a receipts check right after a release finds
   * its record in a checkpoint instead of asking for a proof the server cannot give yet (a 404 the page would log).
   */
  async checkpoint(): Promise<void> {
    const token = (await readFile(join(this.dataDirectory, 'operator.token'), 'utf8')).trim();
    const response = await fetch(new URL('v1/audit/checkpoints', this.url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) {
      throw new Error(`The checkpoint failed with ${response.status}: ${await response.text()}`);
    }
  }

  /** Kills the process; the data directory stays, so {@link run} can bring it back. */
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
