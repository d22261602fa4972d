// Every domain-separation label Symbolon feeds into a derivation, named and spelled exactly as in
// src/Symbolon.Crypto/Labels.cs and docs/spec.md (a test holds the three together).

/** The labels of docs/spec.md, verbatim. Each names its format version, so a v2 derivation never collides with v1. */
export const Labels = Object.freeze({
  /** HKDF-SHA256 info prefix for a unit's client share, derived from the device root key (§2). */
  ClientShare: 'symbolon.dev/v1/client-share',
  /** HKDF-SHA256 info prefix for a unit's data-encryption key, combined from both shares (§2). */
  DataKey: 'symbolon.dev/v1/data-key',
  /** Associated-data prefix when the key server seals a server share under its key-encryption key (§6). */
  ServerShareAtRest: 'symbolon.dev/v1/server-share-at-rest',
  /** SHA-256 prefix for the public fingerprint that names a key-encryption key (§6). */
  KeyEncryptionKeyId: 'symbolon.dev/v1/kek-id',
  /** SHA-256 prefix of every link of the key server's per-account audit hash chains (§7). */
  AuditChain: 'symbolon.dev/v2/audit-chain',
  /** SHA-256 prefix of the links of the deployment-wide audit chain that preceded per-account chains (§7). */
  AuditGlobalChain: 'symbolon.dev/v1/audit-chain',
  /** Prefix of the bytes the key server's audit key signs in a release receipt (§7). */
  AuditReceipt: 'symbolon.dev/v1/audit-receipt',
  /** Prefix of an audit record's leaf in the audit log's Merkle tree (§7.1). */
  AuditLogLeaf: 'symbolon.dev/v1/audit-log-leaf',
  /** Prefix of the bytes the key server's audit key signs in a checkpoint of the audit log (§7.1). */
  AuditCheckpoint: 'symbolon.dev/v1/audit-checkpoint',
  /** Associated data when a client wraps its root key under an Argon2id passphrase key (§1). */
  RootKeyWrap: 'symbolon.dev/v1/root-key-wrap',
  /** HKDF-SHA256 info of the key that wraps device.key and session tokens in a passphrase-protected .NET home (§1.1). */
  LocalSecretWrap: 'symbolon.dev/v1/local-secret-wrap',
  /** Associated data when device.key is wrapped under the local-secret key (§1.1). */
  DeviceKeyWrap: 'symbolon.dev/v1/local-secret-wrap/device-key',
  /** Associated-data prefix (followed by the server URL) when a session's tokens are wrapped under the local-secret key (§1.1). */
  SessionTokensWrap: 'symbolon.dev/v1/local-secret-wrap/session-tokens',
  /** HKDF-SHA256 info of the HMAC-SHA256 key that authenticates item files' fields, derived from the root key (§3.1). */
  ItemFileMac: 'symbolon.dev/v1/item-file-mac',
  /** Opens the message (followed by the vault id) whose HMAC under the item-file key is vault.json's itemMacTag (§3.1). */
  ItemMacsComplete: 'symbolon.dev/v1/item-macs-complete',
  /** HKDF-SHA256 info prefix binding a threshold item's reconstructed secret to its server set (§5). */
  ThresholdSet: 'symbolon.dev/v1/threshold-set',
  /** The four magic bytes that open every sealed item, in ASCII (§3). */
  SealedItemMagic: 'SYMI',
  /** HKDF-SHA256 info prefix of a blinded item's private POPRF input, derived from the device root key (§10). */
  BlindedInput: 'symbolon.dev/v1/blinded-input',
  /** HKDF-SHA256 info of a blinded item's server share, derived from the 64-byte POPRF output (§10). */
  BlindedShare: 'symbolon.dev/v1/blinded-share',
  /** Associated-data prefix when the key server seals a user's POPRF key under its key-encryption key (§10). */
  OprfKeyAtRest: 'symbolon.dev/v1/oprf-key-at-rest',

  // RFC 9497 (blinded mode, §10), fixed by the RFC. @noble/curves applies these itself; they are listed so that the
  // set matches Labels.cs and the tests can check noble's transcripts against them.
  /** RFC 9497 §3.1: contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ suite identifier. */
  OprfContextPrefix: 'OPRFV1-',
  /** RFC 9497 §4.1: the suite identifier at the end of the context string. */
  OprfSuite: 'ristretto255-SHA512',
  /** RFC 9497 §4.1: DST prefix of HashToGroup. */
  OprfHashToGroup: 'HashToGroup-',
  /** RFC 9497 §4.1: DST prefix of HashToScalar. */
  OprfHashToScalar: 'HashToScalar-',
  /** RFC 9497 §3.2.1: DST prefix of HashToScalar in DeriveKeyPair. */
  OprfDeriveKeyPair: 'DeriveKeyPair',
  /** RFC 9497 §2.2.1: seedDST prefix of the composite seed. */
  OprfSeed: 'Seed-',
  /** RFC 9497 §2.2.1: closes each composite transcript. */
  OprfComposite: 'Composite',
  /** RFC 9497 §2.2.1: closes the proof's challenge transcript. */
  OprfChallenge: 'Challenge',
  /** RFC 9497 §3.3.3: opens POPRF's framed info. */
  OprfInfo: 'Info',
  /** RFC 9497 §3.3: closes the hash input of Finalize. */
  OprfFinalize: 'Finalize',
} as const);

/** The name of one label. */
export type LabelName = keyof typeof Labels;
