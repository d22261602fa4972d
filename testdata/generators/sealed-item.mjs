// Independent implementation of docs/spec.md §1-§4 in plain Node (node:crypto only), used to generate
// testdata/vectors/sealed-item.json. It shares no code with Symbolon.Crypto, so the C# tests that read the file
// check our implementation against the written spec, not against itself.
//
//   node testdata/generators/sealed-item.mjs > testdata/vectors/sealed-item.json
import { createCipheriv, createHash, hkdfSync } from "node:crypto";

const CLIENT_SHARE_LABEL = "symbolon.dev/v1/client-share";
const DATA_KEY_LABEL = "symbolon.dev/v1/data-key";
const MAGIC = Buffer.from("SYMI", "ascii");
const MODES = { split: 1, threshold: 2, blinded: 3 };

// Fixed, reproducible "random" bytes: SHA-256(label ‖ counter), truncated.
const fixed = (label, length) => {
  const out = [];
  for (let counter = 0; Buffer.concat(out).length < length; counter++) {
    out.push(createHash("sha256").update(`${label}/${counter}`).digest());
  }
  return Buffer.concat(out).subarray(0, length);
};

const uuidBytes = (uuid) => Buffer.from(uuid.replaceAll("-", ""), "hex");
const u32 = (value) => { const b = Buffer.alloc(4); b.writeUInt32BE(value); return b; };
const u16 = (value) => { const b = Buffer.alloc(2); b.writeUInt16BE(value); return b; };
const str = (bytes) => Buffer.concat([u32(bytes.length), bytes]);
const utf8 = (text) => Buffer.from(text, "utf8");
const hkdf = (ikm, info) => Buffer.from(hkdfSync("sha256", ikm, Buffer.alloc(0), info, 32));

function clientShare(rootKey, vaultId, unitId) {
  return hkdf(rootKey, Buffer.concat([utf8(CLIENT_SHARE_LABEL), uuidBytes(vaultId), uuidBytes(unitId)]));
}

function dataKey(client, server, c) {
  const context = Buffer.concat([uuidBytes(c.vaultId), uuidBytes(c.unitId), u32(c.keyVersion), Buffer.from([MODES[c.mode]])]);
  return hkdf(Buffer.concat([client, server]), Buffer.concat([utf8(DATA_KEY_LABEL), context]));
}

function content(credential) {
  const optional = (text) => (text ? Buffer.concat([Buffer.from([1]), str(utf8(text))]) : Buffer.from([0]));
  const names = Object.keys(credential.fields ?? {}).sort((a, b) => Buffer.compare(utf8(a), utf8(b)));
  return Buffer.concat([
    Buffer.from([1]),
    str(utf8(credential.username)),
    str(utf8(credential.password)),
    optional(credential.url),
    optional(credential.notes),
    u16(names.length),
    ...names.flatMap((name) => [str(utf8(name)), str(utf8(credential.fields[name]))]),
  ]);
}

function bucket(length) {
  let size = 256;
  while (size < length) size *= 2;
  return size;
}

function pad(body, size = bucket(body.length + 4)) {
  const padded = Buffer.alloc(size);
  padded.writeUInt32BE(body.length);
  body.copy(padded, 4);
  return padded;
}

function header(c, nonce) {
  return Buffer.concat([MAGIC, Buffer.from([1, MODES[c.mode]]), uuidBytes(c.vaultId), uuidBytes(c.unitId), u32(c.keyVersion), nonce]);
}

function seal(key, c, nonce, payload) {
  const aad = header(c, nonce);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Buffer.concat([aad, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
}

const base = {
  vaultId: "8f2d3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  unitId: "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809",
  keyVersion: 1,
};

const cases = [
  { name: "split, username and password", mode: "split", credential: { username: "alice@example.com", password: "correct horse battery staple" } },
  { name: "threshold, all optional parts", mode: "threshold", keyVersion: 7, credential: {
    username: "ops-bot", password: "p@55w0rd!", url: "https://portal.vendor.example/login",
    notes: "recovery codes: 1111-2222 3333-4444", fields: { totp_seed: "JBSWY3DPEHPK3PXP", "api-key": "ak_live_0123456789", Region: "eu-west" } } },
  { name: "blinded, non-ASCII text", mode: "blinded", keyVersion: 4294967295, credential: {
    username: "zoë.müller", password: "пароль-密码-🔑", notes: "ünïcödé" } },
  { name: "split, empty password", mode: "split", credential: { username: "token-only", password: "" } },
  { name: "split, password that needs the 512-byte bucket", mode: "split", keyVersion: 2, credential: {
    username: "long", password: "x".repeat(300) } },
  { name: "split, content exactly fills the 256-byte bucket", mode: "split", credential: {
    username: "u", password: "y".repeat(256 - 4 - (1 + 5 + 4 + 1 + 1 + 2)) } },
].map((entry, index) => ({ ...base, ...entry, keyVersion: entry.keyVersion ?? base.keyVersion, unitId: index === 0 ? base.unitId : fixedUuid(`unit/${index}`) }));

function fixedUuid(label) {
  const b = fixed(label, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const vectors = cases.map((c, index) => {
  const rootKey = fixed(`root-key/${index}`, 32);
  const serverShare = fixed(`server-share/${index}`, 32);
  const nonce = fixed(`nonce/${index}`, 12);
  const client = clientShare(rootKey, c.vaultId, c.unitId);
  const key = dataKey(client, serverShare, c);
  const payload = pad(content(c.credential));
  return {
    name: c.name, mode: c.mode, vaultId: c.vaultId, unitId: c.unitId, keyVersion: c.keyVersion,
    rootKey: rootKey.toString("hex"), serverShare: serverShare.toString("hex"), nonce: nonce.toString("hex"),
    credential: c.credential,
    clientShare: client.toString("hex"), dataKey: key.toString("hex"),
    payload: payload.toString("hex"), sealedItem: seal(key, c, nonce, payload).toString("hex"),
  };
});

// Items that are correctly encrypted under the first vector's key but must still be rejected: the header or the
// payload is not the one canonical encoding. Each must fail with the single "could not be opened" error.
const first = { ...cases[0] };
const firstKey = Buffer.from(vectors[0].dataKey, "hex");
const rejectNonce = fixed("reject-nonce", 12);
const goodContent = content(first.credential);
const withByte = (buffer, offset, value) => { const copy = Buffer.from(buffer); copy[offset] = value; return copy; };
const payloadWithNonZeroPadding = withByte(pad(goodContent), 255, 1);
const unsorted = Buffer.concat([Buffer.from([1]), str(utf8("u")), str(utf8("p")), Buffer.from([0, 0]), u16(2),
  str(utf8("b")), str(utf8("1")), str(utf8("a")), str(utf8("2"))]);
const reservedName = Buffer.concat([Buffer.from([1]), str(utf8("u")), str(utf8("p")), Buffer.from([0, 0]), u16(1),
  str(utf8("password")), str(utf8("1"))]);
const emptyOptional = Buffer.concat([Buffer.from([1]), str(utf8("u")), str(utf8("p")), Buffer.from([1]), str(Buffer.alloc(0)), Buffer.from([0]), u16(0)]);
const badUtf8 = Buffer.concat([Buffer.from([1]), str(Buffer.from([0xc3, 0x28])), str(utf8("p")), Buffer.from([0, 0]), u16(0)]);
const trailing = Buffer.concat([goodContent, Buffer.from([0])]);
const wrongPayloadVersion = withByte(goodContent, 0, 2);
const sealWith = (payload) => seal(firstKey, first, rejectNonce, payload).toString("hex");
const sealedGood = Buffer.from(sealWith(pad(goodContent)), "hex");

const rejects = [
  { name: "payload padding is not all zero", sealedItem: sealWith(payloadWithNonZeroPadding) },
  { name: "payload in a larger bucket than needed", sealedItem: sealWith(pad(goodContent, 512)) },
  { name: "extra fields not in ascending order", sealedItem: sealWith(pad(unsorted)) },
  { name: "extra field uses a reserved name", sealedItem: sealWith(pad(reservedName)) },
  { name: "optional part present but empty", sealedItem: sealWith(pad(emptyOptional)) },
  { name: "username is not valid UTF-8", sealedItem: sealWith(pad(badUtf8)) },
  { name: "trailing byte after the content", sealedItem: sealWith(pad(trailing)) },
  { name: "unknown payload version", sealedItem: sealWith(pad(wrongPayloadVersion)) },
  { name: "unknown format version", sealedItem: withByte(sealedGood, 4, 2).toString("hex") },
  { name: "unknown mode", sealedItem: withByte(sealedGood, 5, 4).toString("hex") },
  { name: "truncated by one byte", sealedItem: sealedGood.subarray(0, sealedGood.length - 1).toString("hex") },
  { name: "one byte appended", sealedItem: Buffer.concat([sealedGood, Buffer.from([0])]).toString("hex") },
];

const document = {
  source: "Generated by `node testdata/generators/sealed-item.mjs` from docs/spec.md alone (node:crypto HKDF and AES-256-GCM); shares no code with Symbolon.Crypto.",
  labels: { clientShare: CLIENT_SHARE_LABEL, dataKey: DATA_KEY_LABEL, magic: "SYMI" },
  vectors,
  rejects: { keyFromVector: 0, note: "open each with vector 0's data key and context; every one must fail", cases: rejects },
};
process.stdout.write(JSON.stringify(document, null, 2) + "\n");
