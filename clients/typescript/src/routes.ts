// Every /v1 route the client uses, spelled once and checked against the OpenAPI paths (src/wire.ts): a route the
// document does not have, or has under another method, fails to compile.
import { isUuid } from './crypto/bytes.js';
import { InvalidOperationError } from './errors.js';
import type { paths } from './wire.js';

type Method = 'get' | 'post' | 'delete';

/** Routes of `paths` that answer `method`. */
type RouteOf<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined ? never : P }[keyof paths];

/** A route and the method the client calls it with. */
interface Route<M extends Method, P extends RouteOf<M>> {
  readonly method: Uppercase<M>;
  readonly path: P;
}

function route<M extends Method, P extends RouteOf<M>>(method: M, path: P): Route<M, P> {
  return { method: method.toUpperCase() as Uppercase<M>, path };
}

export const Routes = {
  createAccount: route('post', '/v1/accounts'),
  login: route('post', '/v1/sessions'),
  refresh: route('post', '/v1/sessions/refresh'),
  logout: route('delete', '/v1/sessions/current'),
  devices: route('get', '/v1/devices'),
  revokeDevice: route('delete', '/v1/devices/{id}'),
  createUnit: route('post', '/v1/units'),
  shredUnit: route('delete', '/v1/units/{id}'),
  release: route('post', '/v1/units/{id}/release'),
  rotateUnit: route('post', '/v1/units/{id}/rotate'),
  confirmUnit: route('post', '/v1/units/{id}/confirm'),
  evaluate: route('post', '/v1/units/{id}/evaluate'),
  oprfKey: route('get', '/v1/oprf/key'),
  rotateOprfKey: route('post', '/v1/oprf/rotate'),
  confirmOprfKey: route('post', '/v1/oprf/confirm'),
  audit: route('get', '/v1/audit'),
  auditKey: route('get', '/v1/audit/key'),
  latestCheckpoint: route('get', '/v1/audit/checkpoints/latest'),
  consistencyProof: route('get', '/v1/audit/proofs/consistency'),
  inclusionProof: route('get', '/v1/audit/proofs/inclusion'),
} as const;

/** The path of a route with its `{id}` filled in (a UUID, checked so nothing else can reach the path). */
export function pathOf(path: string, id?: string): string {
  if (!path.includes('{id}')) {
    return path;
  }
  if (id === undefined || !isUuid(id)) {
    throw new InvalidOperationError(`'${String(id)}' is not a UUID, so it cannot name a unit or device.`);
  }
  return path.replace('{id}', id.toLowerCase());
}

/** Query parameter names of the OpenAPI document, typed from it. */
export type OprfKeyQuery = NonNullable<paths['/v1/oprf/key']['get']['parameters']['query']>;
export type AuditQuery = NonNullable<paths['/v1/audit']['get']['parameters']['query']>;
export type ConsistencyProofQuery = NonNullable<paths['/v1/audit/proofs/consistency']['get']['parameters']['query']>;
export type InclusionProofQuery = NonNullable<paths['/v1/audit/proofs/inclusion']['get']['parameters']['query']>;
