// A second origin for the app: a tiny static file server on 127.0.0.1 serving dist/ (and, for the README example,
// one more directory) under the same Content-Security-Policy as the key server's /app/, except that connect-src
// also allows the key server, which the page reaches through CORS.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The key server's policy (docs/operations.md, "Browser clients"), with connect-src widened to `keyServerOrigin` and its
 * WebSocket form (the use channel: CSP's http source does not cover ws).
 */
export function crossOriginPolicy(keyServerOrigin: string): string {
  const channelOrigin = keyServerOrigin.replace(/^http/, 'ws');
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ${keyServerOrigin} ${channelOrigin}; `
    + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

export class StaticServer {
  private constructor(private readonly server: Server, readonly url: string) {}

  /** http://127.0.0.1:PORT, as a browser sends it in Origin. */
  get origin(): string {
    return new URL(this.url).origin;
  }

  /**
   * Serves each directory under its URL prefix (e.g. `{ '/': dist, '/example/': pages }`), known file types only,
   * nothing outside the directories.
   */
  static async start(mounts: Readonly<Record<string, string>>, policy: () => string, port = 0): Promise<StaticServer> {
    const server = createServer((request, response) => {
      void (async () => {
        const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
        const prefix = Object.keys(mounts).filter((candidate) => path.startsWith(candidate)).sort((a, b) => b.length - a.length)[0];
        const root = prefix === undefined ? undefined : mounts[prefix];
        const relative = prefix === undefined ? '' : path.slice(prefix.length) || 'index.html';
        const file = root === undefined ? undefined : normalize(join(root, relative));
        const type = contentTypes[extname(relative)];
        if (request.method !== 'GET' || root === undefined || file === undefined || type === undefined || !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
          response.writeHead(404).end();
          return;
        }
        try {
          const body = await readFile(file);
          response.writeHead(200, {
            'Content-Type': type,
            'Content-Security-Policy': policy(),
            'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer',
            'Cache-Control': 'no-store',
          }).end(body);
        } catch {
          response.writeHead(404).end();
        }
      })();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : 0;
    return new StaticServer(server, `http://127.0.0.1:${bound}/`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
