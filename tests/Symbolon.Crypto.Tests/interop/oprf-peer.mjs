// RFC 9497 ristretto255-SHA512 peer for OprfInteropTests, on @noble/curves (an implementation independent of ours).
// One JSON request per line on stdin, one JSON answer per line on stdout: {"ok":true,...} or {"ok":false,"error":"..."}.
// Bytes travel as lowercase hex; `mode` is 0 (OPRF), 1 (VOPRF) or 2 (POPRF); `info` is used in POPRF only.
import { createInterface } from 'node:readline';
import { ristretto255_oprf as suite } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';

const hex = (value) => (Array.isArray(value) ? value.map(bytesToHex) : bytesToHex(value));
const bytes = (value) => (Array.isArray(value) ? value.map(hexToBytes) : hexToBytes(value));

// noble names the modes `oprf`, `voprf` and `poprf(info)`; POPRF binds the info when the variant is made.
function variant(request) {
  switch (request.mode) {
    case 0: return suite.oprf;
    case 1: return suite.voprf;
    case 2: return suite.poprf(bytes(request.info));
    default: throw new Error(`unknown mode ${request.mode}`);
  }
}

const operations = {
  deriveKeyPair(request) {
    const { secretKey, publicKey } = variant(request).deriveKeyPair(bytes(request.seed), bytes(request.keyInfo));
    return { secretKey: hex(secretKey), publicKey: hex(publicKey) };
  },

  // Client, step 1: blind each input (POPRF also returns the tweaked key the proof is checked against).
  blind(request) {
    const oprf = variant(request);
    const items = bytes(request.inputs).map((input) =>
      request.mode === 2 ? oprf.blind(input, bytes(request.publicKey)) : oprf.blind(input));
    return { blinds: items.map((i) => hex(i.blind)), blinded: items.map((i) => hex(i.blinded)), tweakedKey: items[0].tweakedKey ? hex(items[0].tweakedKey) : '' };
  },

  // Server: evaluate a batch; one proof for all of it in VOPRF and POPRF (noble has no OPRF batch call).
  blindEvaluate(request) {
    const oprf = variant(request);
    const [secretKey, blinded] = [bytes(request.secretKey), bytes(request.blinded)];
    switch (request.mode) {
      case 0: return { evaluated: hex(blinded.map((b) => oprf.blindEvaluate(secretKey, b))), proof: '' };
      case 1: { const r = oprf.blindEvaluateBatch(secretKey, bytes(request.publicKey), blinded); return { evaluated: hex(r.evaluated), proof: hex(r.proof) }; }
      default: { const r = oprf.blindEvaluateBatch(secretKey, blinded); return { evaluated: hex(r.evaluated), proof: hex(r.proof) }; }
    }
  },

  // Client, step 2: verify the batch proof (VOPRF, POPRF), then unblind every input.
  finalize(request) {
    const oprf = variant(request);
    const items = bytes(request.inputs).map((input, i) => ({
      input, blind: bytes(request.blinds[i]), evaluated: bytes(request.evaluated[i]), blinded: bytes(request.blinded[i]),
    }));
    switch (request.mode) {
      case 0: return { outputs: hex(items.map((i) => oprf.finalize(i.input, i.blind, i.evaluated))) };
      case 1: return { outputs: hex(oprf.finalizeBatch(items, bytes(request.publicKey), bytes(request.proof))) };
      default: return { outputs: hex(oprf.finalizeBatch(items, bytes(request.proof), bytes(request.tweakedKey))) };
    }
  },

  // The server's non-interactive Evaluate: the output a client must reach for this input.
  evaluate(request) {
    return { output: hex(variant(request).evaluate(bytes(request.secretKey), bytes(request.input))) };
  },
};

for await (const line of createInterface({ input: process.stdin })) {
  let answer;
  try {
    const request = JSON.parse(line);
    if (!Object.hasOwn(operations, request.op)) throw new Error(`unknown op ${request.op}`);
    answer = { ok: true, ...operations[request.op](request) };
  } catch (error) {
    answer = { ok: false, error: String(error?.message ?? error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
