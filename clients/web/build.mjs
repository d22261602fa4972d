// Builds the app into dist/: index.html, app.js (one ES module: the app and @symbolon/client, minified) and
// app.css. No inline script or style, so the key server's Content-Security-Policy (script-src 'self';
// style-src 'self') holds. @symbolon/client is bundled from its sources (tsconfig.json "paths"); @noble/curves is
// found in ../typescript/node_modules or, when that package is not installed, in this package's node_modules.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = `${here}dist/`;

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  nodePaths: [`${here}node_modules`],
  logLevel: 'warning',
});
await build({
  absWorkingDir: here,
  entryPoints: { app: 'src/app.css' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
await copyFile(`${here}src/index.html`, `${dist}index.html`);
await copyFile(`${here}src/icon.svg`, `${dist}icon.svg`);
