// @symbolon/client. What an application needs from the crypto core: the credential it stores and gets back, and the
// errors it may catch. Everything else of the core is under './crypto/index.js' for the client's own modules.
export { Credential, type CredentialInit, type SecretText } from './crypto/credential.js';
export { ItemMode, type ItemContext } from './crypto/context.js';
export { TotpFieldName, TotpSecret, hotp, type TotpAlgorithm, type TotpOptions } from './crypto/totp.js';
export {
  ArgumentError, CryptoError, ItemOpenError, OprfDeserializeError, OprfError, OprfInvalidInputError, OprfProofError, WipedError,
} from './crypto/errors.js';

// The client: a vault that opens items only with the key server's consent, its storage, its errors and its wire.
export {
  VaultClient, normalizeServer, type AddOptions, type AuditEntry, type DeviceInfo, type ItemInfo,
  type LoginCredentials, type ServerSet, type SessionStatus, type VaultClientOptions,
} from './vault.js';
export { SecretReference, SecretReferenceError, SecretReferencePrefix, type SecretReferenceSyntax } from './references.js';
export { MemoryStorage, type JsonValue, type VaultStorage } from './storage.js';
export { describeDuration } from './duration.js';
export { IndexedDbStorage } from './indexeddb.js';
export {
  AccessDeniedError, AuditLogError, InvalidOperationError, ItemNotFoundError, ItemTamperedError, NotLoggedInError, ProtocolError,
  ServerUnreachableError, SymbolonError,
} from './errors.js';
export { DeviceKey, createDpopProof, type DpopProofOptions, type PublicJwk } from './dpop.js';
export { KeyServerApi, serverUrl, type KeyServerApiOptions } from './api.js';
export type { components as WireSchemas, paths as WirePaths } from './wire.js';
export type { AuditCheckResult } from './receipts.js';
