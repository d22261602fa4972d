// DPoP proof JWTs (RFC 9449 §4.2; docs/spec.md §8): a JWS in compact serialization (RFC 7515 §7.1) signed with
// ES256 (RFC 7518 §3.4, P-256, signature r ‖ s, 64 bytes). Header {"typ":"dpop+jwt","alg":"ES256","jwk":{crv,kty,x,y}};
// claims jti (16 random bytes, base64url), htm, htu (the URL without query and fragment), iat (whole seconds) and,
// with an access token, ath = base64url(SHA-256(ASCII(token))). Byte for byte what Symbolon.Crypto.Dpop.DpopProof
// writes, so the server sees one kind of proof whatever the client.
import { toBase64Url, utf8 } from './crypto/bytes.js';
import type { components } from './wire.js';

/** The public half of a device key, as enrolled with the key server and embedded in every proof. */
export type PublicJwk = components['schemas']['PublicJwk'];

/** Bytes of randomness in a generated `jti` (22 base64url characters), as in the .NET client. */
export const JtiSize = 16;

const signingAlgorithm: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const keyAlgorithm: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/**
 * The device's P-256 key that signs DPoP proofs. The private key is a non-extractable `CryptoKey`: scripts may ask
 * it to sign, but never read it. Its identity on the server is the RFC 7638 thumbprint of {@link publicJwk}.
 */
export class DeviceKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    /** The public key, as the server enrols it. */
    readonly publicJwk: PublicJwk,
    /** RFC 7638 JWK SHA-256 thumbprint, base64url (43 characters): the key's identity on the server. */
    readonly thumbprint: string,
  ) {}

  /** A new key pair whose private key can never be exported. */
  static async generate(): Promise<CryptoKeyPair> {
    return crypto.subtle.generateKey(keyAlgorithm, false, ['sign', 'verify']);
  }

  /**
   * Wraps a stored key pair. The private key must be a non-extractable ECDSA P-256 signing key: an extractable one
   * is refused, so a storage that forgot to import it non-extractable fails loudly instead of exposing it.
   */
  static async fromKeyPair(pair: CryptoKeyPair): Promise<DeviceKey> {
    const { privateKey, publicKey } = pair;
    if (!isP256(privateKey) || !isP256(publicKey) || privateKey.type !== 'private' || !privateKey.usages.includes('sign')) {
      throw new TypeError('`pair` must be an ECDSA P-256 key pair whose private key can sign.');
    }
    if (privateKey.extractable) {
      throw new TypeError('`pair.privateKey` must be non-extractable.');
    }
    const exported = await crypto.subtle.exportKey('jwk', publicKey);
    if (typeof exported.x !== 'string' || typeof exported.y !== 'string') {
      throw new TypeError('`pair.publicKey` has no coordinates.');
    }
    const jwk: PublicJwk = { crv: 'P-256', kty: 'EC', x: exported.x, y: exported.y };
    return new DeviceKey(privateKey, jwk, await jwkThumbprint(jwk));
  }

  /** ES256 over `data`: r ‖ s, 64 bytes (WebCrypto's ECDSA output is already IEEE P1363). */
  async sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await crypto.subtle.sign(signingAlgorithm, this.privateKey, data));
  }

  /** Never the key itself: there is nothing secret to show, and nothing else should look like it. */
  toString(): string {
    return `DeviceKey(${this.thumbprint})`;
  }
}

/** Options of {@link createDpopProof}; tests fix them to build exact proofs. */
export interface DpopProofOptions {
  /** The `iat` in seconds since the epoch; default now. The server compares it with its own clock. */
  readonly issuedAt?: number;
  /** The `jti`; default 16 fresh random bytes. Never reuse one: the server refuses replays. */
  readonly jti?: string;
}

/**
 * A signed DPoP proof for one HTTP request, for the `DPoP` header. Make a new one for every request.
 * @param method the request method exactly as sent (e.g. `POST`); the server compares it case-sensitively.
 * @param url the absolute http(s) request URL; query and fragment are left out of `htu`.
 * @param accessToken the access token sent with the request, bound through `ath`; undefined when there is none.
 */
export async function createDpopProof(
  key: DeviceKey, method: string, url: URL, accessToken: string | undefined, options: DpopProofOptions = {},
): Promise<string> {
  if (!/^[A-Z]+$/.test(method)) {
    throw new TypeError('`method` must be an HTTP method in capitals.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('`url` must be an absolute http or https URL.');
  }
  const jti = options.jti ?? toBase64Url(crypto.getRandomValues(new Uint8Array(JtiSize)));
  if (jti.length === 0 || jti.length > 64) {
    throw new TypeError('`jti.length` must be 1 to 64.');
  }
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(issuedAt)) {
    throw new TypeError('`issuedAt` must be whole seconds.');
  }

  const claims: Record<string, string | number> = { jti, htm: method, htu: targetUri(url), iat: issuedAt };
  if (accessToken !== undefined) {
    claims['ath'] = await cachedAccessTokenHash(accessToken);
  }
  const signingInput = `${encodedHeader(key)}.${toBase64Url(utf8(JSON.stringify(claims)))}`;
  const signature = await key.sign(utf8(signingInput));
  return `${signingInput}.${toBase64Url(signature)}`;
}

/** The encoded header of each key's proofs: the same for every proof it signs, so it is built once. */
const encodedHeaders = new WeakMap<DeviceKey, string>();

function encodedHeader(key: DeviceKey): string {
  let encoded = encodedHeaders.get(key);
  if (encoded === undefined) {
    // Member order as Symbolon.Crypto writes it; JSON.stringify escapes nothing the .NET relaxed encoder keeps.
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { crv: key.publicJwk.crv, kty: key.publicJwk.kty, x: key.publicJwk.x, y: key.publicJwk.y } };
    encoded = toBase64Url(utf8(JSON.stringify(header)));
    encodedHeaders.set(key, encoded);
  }
  return encoded;
}

/**
 * The `ath` of the token last used: a session sends the same access token for minutes, so its hash is computed once
 * per token rather than once per request (a digest is one more hop to WebCrypto on every request's path).
 */
let lastAccessTokenHash: { readonly accessToken: string; readonly hash: Promise<string> } | undefined;

function cachedAccessTokenHash(accessToken: string): Promise<string> {
  if (lastAccessTokenHash?.accessToken !== accessToken) {
    const hash = accessTokenHash(accessToken);
    lastAccessTokenHash = { accessToken, hash };
    // A refused token is not remembered: the next proof with it fails the same way, from scratch.
    hash.catch(() => {
      if (lastAccessTokenHash?.hash === hash) {
        lastAccessTokenHash = undefined;
      }
    });
  }
  return lastAccessTokenHash.hash;
}

/** The `htu` of a request URL: scheme, host, non-default port and path (RFC 9449 §4.2), as .NET's Uri writes it. */
export function targetUri(url: URL): string {
  return url.origin + url.pathname;
}

/** `ath`: base64url(SHA-256(ASCII(access token))). A token that is empty or not ASCII is refused, as in .NET. */
export async function accessTokenHash(accessToken: string): Promise<string> {
  if (accessToken.length === 0 || !/^[\x20-\x7e]+$/.test(accessToken)) {
    throw new TypeError('`accessToken` must be non-empty printable ASCII.');
  }
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(accessToken))));
}

/** RFC 7638 thumbprint of a P-256 public JWK: SHA-256 of its required members in lexicographic order, base64url. */
export async function jwkThumbprint(jwk: PublicJwk): Promise<string> {
  const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(canonical))));
}

function isP256(key: CryptoKey): boolean {
  const algorithm = key.algorithm as Partial<EcKeyAlgorithm>;
  return algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256';
}
