import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Labels } from '../src/crypto/labels.js';

const root = new URL('../../../../', import.meta.url);

describe('labels', () => {
  it('are exactly the constants of src/Symbolon.Crypto/Labels.cs, by name and value', () => {
    const source = readFileSync(new URL('src/Symbolon.Crypto/Labels.cs', root), 'utf8');
    const inCSharp = Object.fromEntries([...source.matchAll(/const string (\w+) = "([^"]*)";/g)].map((match) => [match[1], match[2]]));
    assert.ok(Object.keys(inCSharp).length >= 20);
    assert.deepEqual({ ...Labels }, inCSharp);
  });

  it('each appears verbatim, in quotes, in docs/spec.md', () => {
    const spec = readFileSync(new URL('docs/spec.md', root), 'utf8');
    for (const [name, label] of Object.entries(Labels)) {
      assert.ok(spec.includes(`"${label}"`), `${name} = "${label}" is not in the spec`);
    }
  });

  it('match the ones recorded in sealed-item.json', () => {
    const vectors = JSON.parse(readFileSync(new URL('testdata/vectors/sealed-item.json', root), 'utf8')) as { labels: Record<string, string> };
    assert.equal(vectors.labels['clientShare'], Labels.ClientShare);
    assert.equal(vectors.labels['dataKey'], Labels.DataKey);
    assert.equal(vectors.labels['magic'], Labels.SealedItemMagic);
  });
});
