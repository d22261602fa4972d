// Bundle size of @symbolon/client (docs/performance.md, "TypeScript client in the browser"): the package entry
// (clients/typescript/src/index.ts, everything it exports, blinded mode's OPRF included) bundled and minified by
// esbuild for browsers, then gzip -9; and the same with the audit-log check (`@symbolon/client/audit`) added. Prints the sizes and what the minified bytes are made of (esbuild's metafile,
// grouped by package and by folder of the client). Needs `npm ci` in clients/web (esbuild, @noble/curves).
//
//   node benchmarks/browser/bundle-size.mjs [--analyze]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const web = join(repo, 'clients/web');
const fromWeb = createRequire(join(web, 'package.json'));
const { build, analyzeMetafile } = await import(pathToFileURL(fromWeb.resolve('esbuild')).href);

const result = await build({
  absWorkingDir: repo,
  entryPoints: [join(repo, 'clients/typescript/src/index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  nodePaths: [join(web, 'node_modules')],
  metafile: true,
  write: false,
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 }).length;

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`@symbolon/client, minified: ${kb(code.length)} (${code.length} bytes); minified + gzip -9: ${kb(gzipped)} (${gzipped} bytes); goal ≤ 40 KB gzipped`);

// What the minified output is made of: bytes each input contributes, grouped.
const output = Object.values(result.metafile.outputs)[0];
const groups = new Map();
for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
  const group = input.includes('node_modules/')
    ? input.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/(.*)$/, (_, name, _scope, rest) => `${name}/${rest.split('/')[0]}`)
    : input.replace(/^clients\/typescript\/src\//, 'client: ').replace(/\/[^/]+$/, '/');
  groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
}
const packages = new Map();
for (const [group, bytes] of groups) {
  const name = group.startsWith('client: ') ? '@symbolon/client (our code)' : group.replace(/^((@[^/]+\/)?[^/]+)\/.*$/, '$1');
  packages.set(name, (packages.get(name) ?? 0) + bytes);
}
console.log('\n| package | minified bytes | share |\n|---|---:|---:|');
for (const [name, bytes] of [...packages].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${name} | ${bytes} | ${((100 * bytes) / code.length).toFixed(1)} % |`);
}
console.log('\n| part | minified bytes | share |\n|---|---:|---:|');
for (const [group, bytes] of [...groups].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${group} | ${bytes} | ${((100 * bytes) / code.length).toFixed(1)} % |`);
}
if (process.argv.includes('--analyze')) {
  console.log(await analyzeMetafile(result.metafile, { verbose: false }));
}

// An app that also checks the audit log imports the subpath too.
const withAudit = await build({
  absWorkingDir: repo,
  stdin: { contents: "export * from './src/index.ts'; export * from './src/audit.ts';", resolveDir: join(repo, 'clients/typescript'), loader: 'ts' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  nodePaths: [join(web, 'node_modules')],
  write: false,
  logLevel: 'warning',
});
const withAuditCode = withAudit.outputFiles[0].contents;
console.log('');
console.log(`With @symbolon/client/audit as well: minified ${withAuditCode.length} bytes; minified + gzip -9: ${gzipSync(withAuditCode, { level: 9 }).length} bytes`);
