// Generates src/wire.ts, the TypeScript client's wire types, from the committed OpenAPI document
// (docs/openapi/v1.json, itself generated from Symbolon.Protocol). Run `npm run generate` after the document
// changes; test/wire.test.ts regenerates in memory and fails while the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const packageRoot = new URL('../', import.meta.url);

/** Where the document and the generated file live. */
export const documentUrl = new URL('../../docs/openapi/v1.json', packageRoot);
export const wireUrl = new URL('src/wire.ts', packageRoot);

const header =
  '// GENERATED from docs/openapi/v1.json by `npm run generate` (scripts/generate-wire.mjs, openapi-typescript).\n' +
  '// Do not edit: change Symbolon.Protocol, regenerate the OpenAPI document, then run `npm run generate`.\n' +
  '/* eslint-disable */\n\n';

/** The text src/wire.ts must hold for the current document. */
export async function generateWire() {
  const document = JSON.parse(await readFile(documentUrl, 'utf8'));
  const ast = await openapiTS(document, { exportType: false, defaultNonNullable: false });
  return header + astToString(ast);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(wireUrl, await generateWire());
  console.log(`wrote ${fileURLToPath(wireUrl)}`);
}
