// The crypto core's errors, one class per kind, each with a fixed message that names no secret. Callers branch on
// the class (`instanceof`), never on the message.

/** Base class of every error the crypto core throws on purpose. */
export class CryptoError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A caller passed an invalid argument (wrong length, out of range, malformed identifier): a programming error. */
export class ArgumentError extends CryptoError {
  /** The parameter that was invalid. */
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super(message);
    this.parameter = parameter;
  }
}

/** An object whose secrets were wiped (a {@link Credential} after `wipe()`, a consumed blind state) was used again. */
export class WipedError extends CryptoError {
  constructor(what: string) {
    super(`The ${what} was wiped and can no longer be used.`);
  }
}

/**
 * The only failure opening a sealed item reports (docs/spec.md §3): the item is malformed, was altered, or the key
 * does not match it. The message is the same in every case, so no caller learns which check failed.
 */
export class ItemOpenError extends CryptoError {
  static readonly message = 'The item could not be opened: it is damaged, was altered, or the key does not match it.';

  constructor(options?: ErrorOptions) {
    super(ItemOpenError.message, options);
  }
}

/** An RFC 9497 failure (docs/spec.md §10); the subclasses are the RFC's errors, one fixed message each. */
export class OprfError extends CryptoError {}

/** DeserializeError: a received element is not a canonical non-identity ristretto255 encoding, or a scalar is not below ℓ. */
export class OprfDeserializeError extends OprfError {
  constructor() {
    super('An OPRF message could not be decoded: it holds an invalid ristretto255 element or scalar, or has the wrong shape.');
  }
}

/** InvalidInputError: the input, or POPRF's tweaked key, is the identity element. */
export class OprfInvalidInputError extends OprfError {
  constructor() {
    super('The OPRF input (or, in POPRF, the info) maps to the identity element and cannot be used.');
  }
}

/** VerifyError: the server's proof does not hold for the pinned public key and the blinded element. */
export class OprfProofError extends OprfError {
  constructor() {
    super('The OPRF evaluation could not be verified: the proof does not match the server\'s key and the blinded inputs.');
  }
}
