namespace Symbolon.Crypto;

/// <summary>
/// Every domain-separation label Symbolon feeds into a derivation. Each appears verbatim in docs/spec.md, and a
/// test holds the two together. A label names its format version, so a v2 derivation can never collide with v1.
/// Public are the labels the server and client apply themselves; those only this library applies are internal.
/// </summary>
public static class Labels
{
    /// <summary>HKDF-SHA256 info prefix for a unit's client share, derived from the device root key.</summary>
    internal const string ClientShare = "symbolon.dev/v1/client-share";

    /// <summary>HKDF-SHA256 info prefix for a unit's data-encryption key, combined from both shares.</summary>
    internal const string DataKey = "symbolon.dev/v1/data-key";

    /// <summary>Associated-data prefix when the key server seals a server share under its key-encryption key.</summary>
    public const string ServerShareAtRest = "symbolon.dev/v1/server-share-at-rest";

    /// <summary>SHA-256 prefix for the public fingerprint that names a key-encryption key.</summary>
    public const string KeyEncryptionKeyId = "symbolon.dev/v1/kek-id";

    /// <summary>SHA-256 prefix of every link of the key server's per-account audit hash chains.</summary>
    public const string AuditChain = "symbolon.dev/v2/audit-chain";

    /// <summary>SHA-256 prefix of the links of the deployment-wide audit chain that preceded per-account chains (still verified).</summary>
    public const string AuditGlobalChain = "symbolon.dev/v1/audit-chain";

    /// <summary>Prefix of the bytes the key server's audit key signs in a release receipt.</summary>
    internal const string AuditReceipt = "symbolon.dev/v1/audit-receipt";

    /// <summary>Prefix of an audit record's leaf in the audit log's Merkle tree.</summary>
    public const string AuditLogLeaf = "symbolon.dev/v1/audit-log-leaf";

    /// <summary>Prefix of the bytes the key server's audit key signs in a checkpoint of the audit log.</summary>
    public const string AuditCheckpoint = "symbolon.dev/v1/audit-checkpoint";

    /// <summary>Associated data when a client wraps its root key under an Argon2id passphrase key.</summary>
    public const string RootKeyWrap = "symbolon.dev/v1/root-key-wrap";

    /// <summary>
    /// HKDF-SHA256 info of the key that wraps the device's other local secrets (device.key, session tokens) when the
    /// root key is passphrase-protected, derived from the root key.
    /// </summary>
    public const string LocalSecretWrap = "symbolon.dev/v1/local-secret-wrap";

    /// <summary>Associated data when device.key is wrapped under the local-secret key.</summary>
    public const string DeviceKeyWrap = "symbolon.dev/v1/local-secret-wrap/device-key";

    /// <summary>Associated-data prefix (followed by the server URL) when a session's tokens are wrapped under the local-secret key.</summary>
    public const string SessionTokensWrap = "symbolon.dev/v1/local-secret-wrap/session-tokens";

    /// <summary>HKDF-SHA256 info of the HMAC-SHA256 key that authenticates item files' fields, derived from the root key.</summary>
    public const string ItemFileMac = "symbolon.dev/v1/item-file-mac";

    /// <summary>
    /// Opens the message whose HMAC under the item-file key (followed by the vault id) is vault.json's itemMacTag: the
    /// authenticated record that every item file of the vault carries its MAC.
    /// </summary>
    public const string ItemMacsComplete = "symbolon.dev/v1/item-macs-complete";

    /// <summary>HKDF-SHA256 info prefix binding a threshold item's reconstructed secret to its server set.</summary>
    internal const string ThresholdSet = "symbolon.dev/v1/threshold-set";

    /// <summary>The four magic bytes that open every sealed item, in ASCII.</summary>
    internal const string SealedItemMagic = "SYMI";

    /// <summary>HKDF-SHA256 info prefix of a blinded item's private POPRF input, derived from the device root key.</summary>
    internal const string BlindedInput = "symbolon.dev/v1/blinded-input";

    /// <summary>HKDF-SHA256 info of a blinded item's server share, derived from the 64-byte POPRF output.</summary>
    internal const string BlindedShare = "symbolon.dev/v1/blinded-share";

    /// <summary>Associated-data prefix when the key server seals a user's POPRF key under its key-encryption key.</summary>
    public const string OprfKeyAtRest = "symbolon.dev/v1/oprf-key-at-rest";

    // RFC 9497 (blinded mode, docs/spec.md §10). Fixed by the RFC, not by us; "OPRFV1-" carries its version.

    /// <summary>RFC 9497 §3.1: contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ suite identifier.</summary>
    internal const string OprfContextPrefix = "OPRFV1-";

    /// <summary>RFC 9497 §4.1: the suite identifier at the end of the context string.</summary>
    internal const string OprfSuite = "ristretto255-SHA512";

    /// <summary>RFC 9497 §4.1: DST prefix of HashToGroup (before the context string).</summary>
    internal const string OprfHashToGroup = "HashToGroup-";

    /// <summary>RFC 9497 §4.1: DST prefix of HashToScalar (before the context string).</summary>
    internal const string OprfHashToScalar = "HashToScalar-";

    /// <summary>RFC 9497 §3.2.1: DST prefix of HashToScalar in DeriveKeyPair (before the context string).</summary>
    internal const string OprfDeriveKeyPair = "DeriveKeyPair";

    /// <summary>RFC 9497 §2.2.1: seedDST prefix of the composite seed (before the context string).</summary>
    internal const string OprfSeed = "Seed-";

    /// <summary>RFC 9497 §2.2.1: closes each composite transcript.</summary>
    internal const string OprfComposite = "Composite";

    /// <summary>RFC 9497 §2.2.1: closes the proof's challenge transcript.</summary>
    internal const string OprfChallenge = "Challenge";

    /// <summary>RFC 9497 §3.3.3: opens POPRF's framed info.</summary>
    internal const string OprfInfo = "Info";

    /// <summary>RFC 9497 §3.3: closes the hash input of Finalize.</summary>
    internal const string OprfFinalize = "Finalize";
}
