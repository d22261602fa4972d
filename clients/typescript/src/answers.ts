// Runtime checks of the key server's answers against the wire types of src/wire.ts. The compiler checks that each
// shape below names every member of its record with a guard of exactly that member's type, so a member added to the
// OpenAPI document (and to wire.ts) fails to compile here until it is checked too. An answer that does not fit is the
// server's fault (ProtocolError), as in the .NET client's ReadAsync.
import { isUuid } from './crypto/bytes.js';
import type { components } from './wire.js';

type Schemas = components['schemas'];

/** A type guard for one member. */
export type Guard<V> = (value: unknown) => value is V;

/** One guard per member of T, optional members included. */
export type Shape<T> = { readonly [K in keyof T]-?: Guard<T[K]> };

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const string: Guard<string> = (value): value is string => typeof value === 'string';
export const integer: Guard<number> = (value): value is number => typeof value === 'number' && Number.isSafeInteger(value);
export const boolean: Guard<boolean> = (value): value is boolean => typeof value === 'boolean';
/** format: uuid. */
export const uuid: Guard<string> = (value): value is string => typeof value === 'string' && isUuid(value);
/** format: byte (standard base64, padded). */
export const base64: Guard<string> = (value): value is string => typeof value === 'string' && base64Pattern.test(value);
/** format: date-time. */
export const dateTime: Guard<string> = (value): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

export function nullable<V>(guard: Guard<V>): Guard<V | null> {
  return (value): value is V | null => value === null || guard(value);
}

export function optional<V>(guard: Guard<V>): Guard<V | undefined> {
  return (value): value is V | undefined => value === undefined || guard(value);
}

export function literal<const L extends string>(expected: L): Guard<L> {
  return (value): value is L => value === expected;
}

export function arrayOf<V>(guard: Guard<V>): Guard<V[]> {
  return (value): value is V[] => Array.isArray(value) && value.every((element) => guard(element));
}

export function object<T>(shape: Shape<T>): Guard<T> {
  return (value): value is T => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return false;
    }
    const record = value as Record<string, unknown>;
    for (const member of Object.keys(shape) as (keyof T & string)[]) {
      if (!shape[member](record[member])) {
        return false;
      }
    }
    return true;
  };
}

const receipt = object<Schemas['ReceiptView']>({
  sequence: integer, chainHash: base64, unitId: uuid, deviceId: uuid, time: dateTime, signature: base64,
});

/** The guard of every answer the client reads. */
export const Answers = {
  createAccount: object<Schemas['CreateAccountResponse']>({ userId: uuid, username: string }),
  session: object<Schemas['SessionResponse']>({
    accessToken: string, tokenType: literal('DPoP') as Guard<string>, expiresIn: integer, refreshToken: string,
    sessionId: uuid, userId: uuid, deviceId: uuid, idleTimeoutSeconds: integer,
  }),
  share: object<Schemas['ShareResponse']>({ unitId: uuid, version: integer, share: nullable(base64) }),
  release: object<Schemas['ReleaseResponse']>({ unitId: uuid, version: integer, share: base64, receipt }),
  evaluate: object<Schemas['EvaluateResponse']>({
    unitId: uuid, epoch: integer, evaluatedElement: base64, proof: base64, receipt,
  }),
  oprfKey: object<Schemas['OprfKeyResponse']>({ epoch: integer, publicKey: base64 }),
  oprfConfirm: object<Schemas['OprfConfirmResponse']>({ retired: arrayOf(integer), pendingUnits: integer }),
  auditPage: arrayOf(object<Schemas['AuditRecordView']>({
    sequence: integer, time: dateTime, event: string, deviceId: nullable(uuid), unitId: nullable(uuid),
    unitVersion: nullable(integer), detail: string, hash: base64,
  })),
  auditKey: object<Schemas['AuditKeyView']>({ kty: literal('EC'), crv: literal('P-256'), x: string, y: string }),
  checkpoint: object<Schemas['CheckpointView']>({ treeSize: integer, rootHash: base64, time: dateTime, signature: base64 }),
  consistencyProof: object<Schemas['ConsistencyProofView']>({ from: integer, to: integer, proof: arrayOf(base64) }),
  inclusionProof: object<Schemas['InclusionProofView']>({ sequence: integer, leafIndex: integer, treeSize: integer, path: arrayOf(base64) }),
  devices: arrayOf(object<Schemas['DeviceView']>({
    id: uuid, name: string, thumbprint: string, createdAt: dateTime, revokedAt: nullable(dateTime),
    lockedAt: nullable(dateTime), current: boolean, pendingApproval: optional(boolean),
  })),
  // Any server (or a proxy in front of it) may answer a problem of a type the contract does not list.
  problem: object<Omit<Partial<Schemas['ProblemDetails']>, 'type'> & { type?: string | undefined }>({
    type: optional(string), title: optional(string), status: optional(integer), detail: optional(string),
  }),
} as const;
