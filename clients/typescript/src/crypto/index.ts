// The crypto core of @symbolon/client: docs/spec.md §1–§5, §7 and §10 in WebCrypto and @noble/curves, byte for
// byte as src/Symbolon.Crypto. No I/O. Test-only variants (fixed nonces, fixed blinds, raw data key bytes) live in
// their modules and are deliberately not re-exported here.
export {
  type Bytes, NilUuid, UuidSize, bytesToUuid, concat, constantTimeEqual, fromBase64, fromBase64Url, fromHex, fromUtf8,
  isUtf8, isUuid, toBase64, toBase64Url, toHex, tryFromUtf8, utf8, uuidToBytes, wipe,
} from './bytes.js';
export { ArgumentError, CryptoError, ItemOpenError, OprfDeserializeError, OprfError, OprfInvalidInputError, OprfProofError, WipedError } from './errors.js';
export { type LabelName, Labels } from './labels.js';
export { EncodedContextSize, type ItemContext, ItemMode, MaxKeyVersion, encodeContext, isItemMode, validateContext } from './context.js';
export { BlindedInputSize, ClientShareSize, RootKeySize, deriveBlindedInput, deriveClientShare, generateRootKey, importRootKey } from './root-key.js';
export { DataKeySize, ServerShareSize, deriveDataKey } from './data-key.js';
export {
  FormatVersion, HeaderSize, MaxSealedSize, MinSealedSize, NonceSize, TagSize, openCredential, openItem, readContext,
  sealCredential, sealItem,
} from './sealed-item.js';
export {
  Credential, type CredentialInit, MaxFieldNameLength, MaxPaddedSize, MinPaddedSize, PayloadVersion, ReservedFieldNames,
  type SecretText, isPaddedSize, isValidFieldName, paddedSizeFor,
} from './credential.js';
export {
  EncodedShareSize, MaxShares, MinThreshold, type RandomSource, SecretSize, type ShamirShare, combine, decodeShare,
  encodeShare, split,
} from './shamir.js';
export { ThresholdDigestSize, type ThresholdMember, bindThresholdSecret, normalizeServerUrl, thresholdDigest } from './threshold-set.js';
export {
  BlindedInfoSize, type BlindResult, ElementSize, MaxInputLength, OprfBlindState, OutputSize, ProofSize, ScalarSize,
  blind, blindedInfo, blindedShareFromOutput, finalize, finalizeBatch,
} from './blinded.js';
export { type AuditKey, ChainHashSize, type Receipt, SignatureSize, importAuditKey, receiptSignedBytes, utcTicks, verifyReceipt } from './receipt.js';
export { type Checkpoint, MerkleHashSize, auditLeafHash, checkpointSignedBytes, verifyCheckpoint, verifyConsistency, verifyInclusion } from './merkle.js';
