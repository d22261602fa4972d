// Per-evaluation time of @noble/curves' RFC 9497 ristretto255-SHA512 server, to set beside OprfBenchmarks
// (docs/performance.md, "Blinded mode"). Uses the copy the Crypto tests' build installs (pinned by its lock file):
//
//   dotnet build tests/Symbolon.Crypto.Tests && node benchmarks/oprf-noble.mjs [seconds per measurement, default 5]
import { randomBytes } from 'node:crypto';

const noble = new URL('../tests/Symbolon.Crypto.Tests/interop/node_modules/@noble/curves/ed25519.js', import.meta.url);
const { ristretto255_oprf: suite } = await import(noble.href);
const seconds = Number(process.argv[2] ?? 5);

const info = randomBytes(16);
const poprf = suite.poprf(info);
const { secretKey, publicKey } = poprf.deriveKeyPair(randomBytes(32), new TextEncoder().encode('bench'));
const { blinded } = poprf.blind(randomBytes(32), publicKey);

function measure(name, work) {
  for (let i = 0; i < 50; i++) work();
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    work();
    calls++;
  }
  const perCall = ((performance.now() - started) * 1000) / calls;
  console.log(`| ${name} | ${calls} | ${perCall.toFixed(1)} µs |`);
}

console.log(`@noble/curves ${(await import(new URL('../tests/Symbolon.Crypto.Tests/interop/node_modules/@noble/curves/package.json', import.meta.url).href, { with: { type: 'json' } })).default.version}, Node ${process.version}, ${seconds} s each`);
console.log('| call | calls | per call |');
console.log('|---|---:|---:|');
measure('POPRF blindEvaluate (no proof)', () => poprf.blindEvaluate(secretKey, blinded));
measure('POPRF blindEvaluateBatch, one element, with proof', () => poprf.blindEvaluateBatch(secretKey, [blinded]));
