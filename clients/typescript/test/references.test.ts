// The reference grammar (docs/spec.md §4.2) on testdata/vectors/secret-references.json, which the .NET tests read too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Credential, SecretReference, SecretReferenceError } from '../src/index.js';

interface Valid { reference: string; item: string; field: string }
interface Invalid { reference: string; error: string }
const vectors = JSON.parse(readFileSync(new URL('../../../../testdata/vectors/secret-references.json', import.meta.url), 'utf8')) as { valid: Valid[]; invalid: Invalid[] };

describe('secret references', () => {
  for (const vector of vectors.valid) {
    it(`parses ${vector.reference}`, () => {
      const reference = SecretReference.parse(vector.reference);
      assert.deepEqual([reference.item, reference.field], [vector.item, vector.field]);
      assert.equal(String(reference), vector.reference);
    });
  }

  for (const vector of vectors.invalid) {
    it(`refuses ${JSON.stringify(vector.reference)} (${vector.error})`, () => {
      assert.equal(SecretReference.tryParse(vector.reference), vector.error);
      assert.throws(() => SecretReference.parse(vector.reference), (error: unknown) => error instanceof SecretReferenceError && error.reason === vector.error);
    });
  }

  it('reads each field kind; totp gives the code, not the secret', async () => {
    const credential = new Credential({
      username: 'bot', password: 'pass-1', url: 'https://acme.example', notes: 'note-1',
      fields: { api_key: 'key-1', totp: 'otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8' },
    });
    const bare = new Credential({ username: 'bot', password: 'pass-1' });
    const read = (text: string, from = credential) => SecretReference.parse(text).valueIn(from, 59);

    assert.equal(await read('symbolon://acme/username'), 'bot');
    assert.equal(await read('symbolon://acme/password'), 'pass-1');
    assert.equal(await read('symbolon://acme/url'), 'https://acme.example');
    assert.equal(await read('symbolon://acme/notes'), 'note-1');
    assert.equal(await read('symbolon://acme/api_key'), 'key-1');
    assert.equal(await read('symbolon://acme/totp'), '94287082');
    for (const field of ['url', 'notes', 'totp', 'api_key']) {
      await assert.rejects(read(`symbolon://acme/${field}`, bare), (error: unknown) => error instanceof SecretReferenceError && error.reason === 'missing');
    }
  });
});
