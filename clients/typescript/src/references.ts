// Secret references, symbolon://ITEM/FIELD: the grammar is in docs/spec.md §4.2 ("Secret references"), the shared
// cases in testdata/vectors/secret-references.json (the .NET client parses the same ones).
import type { Credential } from './crypto/credential.js';
import { TotpFieldName, TotpSecret } from './crypto/totp.js';
import { SymbolonError } from './errors.js';
import { isValidItemName } from './items.js';

/** Why a string is not a secret reference: the part at fault. */
export type SecretReferenceSyntax = 'scheme' | 'shape' | 'item' | 'field';

/** The scheme and separator every reference starts with. */
export const SecretReferencePrefix = 'symbolon://';

const fieldPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** A string that is not a reference (`reason` names the part), or a reference to a field the item does not have (`missing`). */
export class SecretReferenceError extends SymbolonError {
  readonly reason: SecretReferenceSyntax | 'missing';

  constructor(reason: SecretReferenceSyntax | 'missing', message: string, hint?: string) {
    super(message, hint);
    this.reason = reason;
  }
}

/**
 * A reference to one value of one item: `symbolon://ITEM/FIELD`, FIELD being username, password, url, notes, totp
 * (the current code, never the secret) or an extra field's name. Parsing is strict: exactly one form per reference.
 */
export class SecretReference {
  private constructor(
    readonly item: string,
    readonly field: string,
  ) {}

  /** Parses `symbolon://ITEM/FIELD`, or returns the part at fault. */
  static tryParse(text: string): SecretReference | SecretReferenceSyntax {
    if (typeof text !== 'string' || !text.startsWith(SecretReferencePrefix)) {
      return 'scheme';
    }

    const parts = text.slice(SecretReferencePrefix.length).split('/');
    if (parts.length !== 2 || /[?#]/.test(text)) {
      return 'shape';
    }

    if (!isValidItemName(parts[0]!)) {
      return 'item';
    }

    return fieldPattern.test(parts[1]!) ? new SecretReference(parts[0]!, parts[1]!) : 'field';
  }

  /**
   * Parses `symbolon://ITEM/FIELD`.
   * @throws {SecretReferenceError} Not a valid reference; `reason` names the part at fault.
   */
  static parse(text: string): SecretReference {
    const parsed = SecretReference.tryParse(text);
    if (typeof parsed !== 'string') {
      return parsed;
    }

    throw new SecretReferenceError(parsed, `'${text}' is not a valid secret reference (${parsed})`, 'Use symbolon://ITEM/FIELD, e.g. symbolon://acme/password.');
  }

  /**
   * The value this reference names in an opened credential; totp gives the code current at `time`.
   * @throws {SecretReferenceError} The item has no such field (reason `missing`).
   */
  async valueIn(credential: Credential, time: Date | number = new Date()): Promise<string> {
    switch (this.field) {
      case 'username':
        return credential.username;
      case 'password':
        return credential.revealPassword();
      case 'url':
        return credential.url ?? this.missing('has no url');
      case 'notes':
        return credential.revealNotes() ?? this.missing('has no notes');
      case TotpFieldName: {
        if (!credential.fieldNames.includes(TotpFieldName)) {
          return this.missing('has no TOTP secret');
        }

        const secret = TotpSecret.parse(credential.revealField(TotpFieldName));
        try {
          return await secret.code(time);
        } finally {
          secret.wipe();
        }
      }
      default:
        return credential.fieldNames.includes(this.field) ? credential.revealField(this.field) : this.missing(`has no field '${this.field}'`);
    }
  }

  toString(): string {
    return `${SecretReferencePrefix}${this.item}/${this.field}`;
  }

  private missing(what: string): never {
    throw new SecretReferenceError('missing', `item '${this.item}' ${what}`, 'Fields: username, password, url, notes, totp, or an extra field\'s name.');
  }
}
