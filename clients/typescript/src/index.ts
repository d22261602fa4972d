// @symbolon/client. What an application needs from the crypto core: the credential it stores and gets back, and the
// errors it may catch. Everything else of the core is under './crypto/index.js' for the client's own modules.
export { Credential, type CredentialInit, type SecretText } from './crypto/credential.js';
export { ItemMode, type ItemContext } from './crypto/context.js';
export {
  ArgumentError, CryptoError, ItemOpenError, OprfDeserializeError, OprfError, OprfInvalidInputError, OprfProofError, WipedError,
} from './crypto/errors.js';
