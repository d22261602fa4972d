// src/wire.ts must be exactly what openapi-typescript makes of docs/openapi/v1.json today.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

interface Generator {
  generateWire(): Promise<string>;
  wireUrl: URL;
}

test('src/wire.ts is current with docs/openapi/v1.json', async () => {
  // build/test → the package root, where scripts/ is not compiled.
  const generator = (await import(new URL('../../scripts/generate-wire.mjs', import.meta.url).href)) as Generator;
  const expected = await generator.generateWire();
  const committed = await readFile(generator.wireUrl, 'utf8');
  assert.ok(committed === expected,
    'src/wire.ts is stale: docs/openapi/v1.json changed. Run `npm run generate` in clients/typescript and commit src/wire.ts.');
});
