// Runs the README's browser example (examples/browser-example.ts, quoted verbatim in README.md) in a page; the test
// bundles this file with esbuild and reads the outcome from #output.
import { example } from '../../examples/browser-example.js';

const parameters = new URLSearchParams(window.location.search);
const output = document.getElementById('output') as HTMLOutputElement;
try {
  output.textContent = await example(
    parameters.get('server') ?? '', parameters.get('username') ?? '', parameters.get('password') ?? '',
    async (user, secret) => `signed in to acme as ${user} with ${secret === 'vendor-secret' ? 'the stored password' : 'a WRONG password'}`);
  output.dataset['state'] = 'done';
} catch (error) {
  output.textContent = String(error);
  output.dataset['state'] = 'failed';
}
