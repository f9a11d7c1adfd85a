/**
 * Service-account tokens as kube-apiserver issues and checks them: TokenRequest
 * (`POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`, `pkg/registry/core/serviceaccount/storage/
 * token.go`), the claims of `pkg/serviceaccount/claims.go`, the JWT authenticator of
 * `pkg/serviceaccount/jwt.go` and TokenReview (`pkg/registry/authentication/tokenreview`).
 *
 * Tokens are ES256 JWTs signed with one P-256 key; `kid` is the base64url SHA-256 of the public key's DER
 * (SubjectPublicKeyInfo), as upstream computes it.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
  sign,
  verify as verifySignature,
} from 'node:crypto';
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import { type StatusError, statusErrors } from '../errors/status-error.js';
import type { TokenAuthenticator } from '../http/authentication.js';
import type { SubresourceHandler } from '../http/resource-handler.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { authenticatedUser, serviceAccountUser, type UserInfo } from './user-info.js';

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** `ValidateTokenRequest`: at least 10 minutes, at most 2^32 seconds. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
/** go-jose's `DefaultLeeway`: clock skew allowed on exp/nbf/iat and on deletion of bound objects. */
const LEEWAY_SECONDS = 60;

const AUTHN_GROUP = 'authentication.k8s.io';
const AUTHN_VERSION = `${AUTHN_GROUP}/v1`;
const CRYPTO_ERROR = 'go-jose/go-jose: error in cryptographic primitive';
const INVALIDATED = 'service account token has been invalidated';

/** `user.Info` extra keys of service-account tokens (apiserver `pkg/authentication/serviceaccount`). */
export const ServiceAccountExtraKeys = {
  podName: 'authentication.kubernetes.io/pod-name',
  podUid: 'authentication.kubernetes.io/pod-uid',
  nodeName: 'authentication.kubernetes.io/node-name',
  nodeUid: 'authentication.kubernetes.io/node-uid',
  credentialId: 'authentication.kubernetes.io/credential-id',
} as const;

/** Reads a live object (`registry.tryGet` on core/v1): service accounts, and the objects a token is bound to. */
export type ServiceAccountTokenLookup = (
  resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes',
  namespace: string | undefined,
  name: string,
) => KubeObject | undefined;

export interface ServiceAccountTokensOptions {
  /** PEM private key: ECDSA P-256 (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`). */
  privateKeyPem: string;
  lookup: ServiceAccountTokenLookup;
  /** `--service-account-issuer` (default `https://kubernetes.default.svc.cluster.local`). */
  issuer?: string;
  /** `--api-audiences`: what tokens must be for to authenticate API requests (default: the issuer). */
  apiAudiences?: string[];
  /** `--service-account-max-token-expiration`: longer requests are shortened, with a warning. */
  maxExpirationSeconds?: number;
  now?: () => Date;
}

/** A `kubernetes.io` claim reference. */
export interface TokenClaimRef {
  name: string;
  uid?: string;
}

/** The claims of a TokenRequest token. */
export interface ServiceAccountTokenClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    node?: TokenClaimRef;
    pod?: TokenClaimRef;
    secret?: TokenClaimRef;
    serviceaccount: TokenClaimRef;
  };
  nbf: number;
  sub: string;
}

/**
 * The outcome of checking a bearer token: `undefined` when it is not one of ours (not a JWT, another
 * issuer); otherwise the user and the audiences it was accepted for, or why it was refused.
 */
export type ServiceAccountTokenResult =
  { authenticated: true; user: UserInfo; audiences: string[] } | { authenticated: false; error: string };

interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

interface Bound {
  pod?: KubeObject;
  secret?: KubeObject;
  node?: { name: string; uid?: string };
}

/** Issues and verifies service-account tokens; serves TokenRequest and TokenReview. */
export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  /** The JWT `kid`. */
  readonly keyId: string;
  #privateKey: KeyObject;
  #publicKey: KeyObject;
  #lookup: ServiceAccountTokenLookup;
  #maxExpirationSeconds: number | undefined;
  #now: () => Date;

  /** A fresh P-256 key as PKCS#8 PEM, for a data directory that has none yet. */
  static generateKeyPem(): string {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  constructor(options: ServiceAccountTokensOptions) {
    const key = createPrivateKey(options.privateKeyPem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('the service-account signing key must be an ECDSA P-256 private key');
    this.#privateKey = key;
    this.#publicKey = createPublicKey(key);
    this.keyId = createHash('sha256')
      .update(this.#publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
    this.issuer = options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    this.apiAudiences = [...(options.apiAudiences ?? [this.issuer])];
    this.#lookup = options.lookup;
    this.#maxExpirationSeconds = options.maxExpirationSeconds;
    this.#now = options.now ?? (() => new Date());
  }

  /** The public key as a JWK Set (what `/openid/v1/jwks` serves). */
  jwks(): { keys: JsonWebKey[] } {
    const jwk = this.#publicKey.export({ format: 'jwk' });
    return {
      keys: [{ use: 'sig', kty: 'EC', kid: this.keyId, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }],
    };
  }

  /**
   * TokenRequest for the service account `<namespace>/<name>`: the request echoed back with defaults
   * (audiences, expirationSeconds), `creationTimestamp` and `status{token, expirationTimestamp}`. Throws
   * the StatusError kube-apiserver answers with (404 unknown account or bound object, 422 invalid
   * expiration, 400 bad binding, 409 bound uid mismatch).
   */
  requestToken(namespace: string, name: string, request: KubeObject, warnings: string[] = []): KubeObject {
    checkTypeMeta(request);
    const meta = { ...(request.metadata ?? {}) };
    if (meta.name && meta.name !== name)
      throw invalidTokenRequest(name, [
        fieldErrors.invalid('metadata.name', meta.name, 'must match the service account name if specified'),
      ]);
    if (meta.namespace && meta.namespace !== namespace)
      throw invalidTokenRequest(name, [
        fieldErrors.invalid(
          'metadata.namespace',
          meta.namespace,
          'must match the service account namespace if specified',
        ),
      ]);
    const sa = this.#lookup('serviceaccounts', namespace, name);
    if (!sa) throw statusErrors.notFound({ group: '', resource: 'serviceaccounts' }, name);

    const spec = decodeSpec(request.spec);
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [...this.apiAudiences];
    let expirationSeconds = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    const now = this.#now();
    const errors: FieldError[] = [];
    if (expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS)
      errors.push(
        fieldErrors.invalid(
          'spec.expirationSeconds',
          expirationSeconds,
          'may not specify a duration less than 10 minutes',
        ),
      );
    if (expirationSeconds > MAX_TOKEN_EXPIRATION_SECONDS)
      errors.push(
        fieldErrors.invalid(
          'spec.expirationSeconds',
          expirationSeconds,
          'may not specify a duration larger than 2^32 seconds',
        ),
      );
    if (errors.length > 0) throw invalidTokenRequest('', errors);

    const bound = this.#resolveBoundObject(namespace, name, spec.boundObjectRef);
    if (this.#maxExpirationSeconds && expirationSeconds > this.#maxExpirationSeconds) {
      warnings.push(
        `requested expiration of ${expirationSeconds} seconds shortened to ${this.#maxExpirationSeconds} seconds`,
      );
      expirationSeconds = this.#maxExpirationSeconds;
    }

    const token = this.#sign(this.#claims(sa, bound, audiences, expirationSeconds, now));
    return {
      kind: 'TokenRequest',
      apiVersion: AUTHN_VERSION,
      metadata: { ...meta, name, namespace, creationTimestamp: formatTime(now) },
      spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: formatTime(new Date(now.getTime() + expirationSeconds * 1000)) },
    };
  }

  /** The `serviceaccounts/token` subresource (wired as `subresources['serviceaccounts/token']`). */
  readonly tokenRequestHandler: SubresourceHandler = async ({ req, body, scope }) => {
    if (req.verb !== 'create')
      throw statusErrors.methodNotAllowed('the server does not allow this method on the requested resource');
    if (!req.namespace || !req.name) throw statusErrors.badRequest('namespace is required');
    const request = await body();
    return { code: 201, body: this.requestToken(req.namespace, req.name, request, scope.warnings) };
  };

  /**
   * Checks a bearer token as the service-account JWT authenticator does: issuer (else not ours), signature,
   * audiences against `audiences` (default: the API audiences), expiry with a minute of leeway, then that
   * the service account, and any pod, secret or node the token is bound to, still exist with the same uid.
   */
  verify(token: string, audiences?: readonly string[]): ServiceAccountTokenResult | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const claims = decodeSegment(parts[1]!) as Partial<ServiceAccountTokenClaims> | undefined;
    if (!claims || typeof claims !== 'object' || claims.iss !== this.issuer) return undefined;

    const header = decodeSegment(parts[0]!) as { alg?: unknown } | undefined;
    const signature = Buffer.from(parts[2]!, 'base64url');
    if (header?.alg !== 'ES256' || signature.length !== 64) return refused(CRYPTO_ERROR);
    const signed = verifySignature(
      'sha256',
      Buffer.from(`${parts[0]!}.${parts[1]!}`),
      { key: this.#publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    );
    if (!signed) return refused(CRYPTO_ERROR);

    const tokenAudiences =
      typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    const tokenAuds = tokenAudiences.length > 0 ? tokenAudiences : [...this.apiAudiences];
    const requested = audiences && audiences.length > 0 ? audiences : this.apiAudiences;
    const accepted = tokenAuds.filter((a) => requested.includes(a));
    if (accepted.length === 0 && this.apiAudiences.length > 0)
      return refused(
        `token audiences ${goStrings(tokenAuds)} is invalid for the target audiences ${goStrings(requested)}`,
      );

    const now = this.#now().getTime() / 1000;
    if (typeof claims.nbf === 'number' && now + LEEWAY_SECONDS < claims.nbf)
      return refused('service account token is not valid yet');
    if (typeof claims.exp === 'number' && now >= claims.exp + LEEWAY_SECONDS)
      return refused('service account token has expired');
    if (typeof claims.iat === 'number' && now + LEEWAY_SECONDS < claims.iat)
      return refused('service account token is issued in the future');

    const k8s = claims['kubernetes.io'];
    const namespace = k8s?.namespace;
    const saRef = k8s?.serviceaccount;
    if (!namespace || !saRef?.name) return refused('service account token claims could not be validated');
    const invalidIfDeletedBefore = now - LEEWAY_SECONDS;
    const deletedBefore = (obj: KubeObject, seconds: number) => {
      const at = obj.metadata?.deletionTimestamp ? Date.parse(obj.metadata.deletionTimestamp) / 1000 : NaN;
      return !Number.isNaN(at) && at < seconds;
    };

    const sa = this.#lookup('serviceaccounts', namespace, saRef.name);
    if (!sa) return refused(`serviceaccounts "${saRef.name}" not found`);
    if (sa.metadata?.uid !== saRef.uid)
      return refused(
        `service account UID (${sa.metadata?.uid ?? ''}) does not match claim (${saRef.uid ?? ''})`,
      );
    if (deletedBefore(sa, invalidIfDeletedBefore))
      return refused(`service account ${namespace}/${saRef.name} has been deleted`);

    const extra: Record<string, string[]> = {};
    if (k8s.secret) {
      const secret = this.#lookup('secrets', namespace, k8s.secret.name);
      if (!secret) return refused(INVALIDATED);
      if (secret.metadata?.uid !== k8s.secret.uid)
        return refused(
          `secret UID (${secret.metadata?.uid ?? ''}) does not match claim (${k8s.secret.uid ?? ''})`,
        );
      if (deletedBefore(secret, invalidIfDeletedBefore)) return refused(INVALIDATED);
    }
    if (k8s.pod) {
      const pod = this.#lookup('pods', namespace, k8s.pod.name);
      if (!pod) return refused(INVALIDATED);
      if (pod.metadata?.uid !== k8s.pod.uid)
        return refused(`pod UID (${pod.metadata?.uid ?? ''}) does not match claim (${k8s.pod.uid ?? ''})`);
      if (deletedBefore(pod, invalidIfDeletedBefore)) return refused(INVALIDATED);
      extra[ServiceAccountExtraKeys.podName] = [k8s.pod.name];
      extra[ServiceAccountExtraKeys.podUid] = [k8s.pod.uid ?? ''];
    }
    if (k8s.node) {
      if (!k8s.pod) {
        // Bound to the node itself: the node must still be there.
        const node = this.#lookup('nodes', undefined, k8s.node.name);
        if (!node) return refused(INVALIDATED);
        if (node.metadata?.uid !== k8s.node.uid)
          return refused(
            `node UID (${node.metadata?.uid ?? ''}) does not match claim (${k8s.node.uid ?? ''})`,
          );
        if (deletedBefore(node, invalidIfDeletedBefore)) return refused(INVALIDATED);
      }
      extra[ServiceAccountExtraKeys.nodeName] = [k8s.node.name];
      if (k8s.node.uid) extra[ServiceAccountExtraKeys.nodeUid] = [k8s.node.uid];
    }
    if (typeof claims.jti === 'string' && claims.jti)
      extra[ServiceAccountExtraKeys.credentialId] = [`JTI=${claims.jti}`];

    const user = serviceAccountUser(namespace, saRef.name, saRef.uid);
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { authenticated: true, user, audiences: accepted };
  }

  /** The bearer-token authenticator for API requests (`ApiServerOptions.tokens`). */
  readonly authenticate: TokenAuthenticator = (token) => {
    const result = this.verify(token);
    return result?.authenticated ? result.user : undefined;
  };

  /**
   * authentication.k8s.io/v1 TokenReview (wired as the virtual create `authentication.k8s.io/tokenreviews`):
   * the review echoed back with `status{authenticated, user, audiences}` or `status{user: {}, error}`.
   */
  readonly tokenReview = (review: KubeObject): KubeObject => {
    const spec = (review.spec ?? {}) as { token?: unknown; audiences?: unknown };
    if (typeof spec.token !== 'string' || spec.token === '')
      throw statusErrors.badRequest('token is required for TokenReview in authentication');
    const audiences = Array.isArray(spec.audiences)
      ? spec.audiences.filter((a): a is string => typeof a === 'string')
      : [];
    const result = this.verify(spec.token, audiences.length > 0 ? audiences : undefined);
    let status: Record<string, unknown>;
    if (result?.authenticated) {
      const user = authenticatedUser(result.user);
      status = {
        authenticated: true,
        user: {
          username: user.name,
          ...(user.uid ? { uid: user.uid } : {}),
          groups: user.groups,
          ...(user.extra ? { extra: sortedKeys(user.extra) } : {}),
        },
        audiences: result.audiences,
      };
    } else {
      status = {
        user: {},
        error: result ? `[invalid bearer token, ${result.error}]` : 'invalid bearer token',
      };
    }
    // Nothing stores a review, so it has no creation time: Go's ObjectMeta then prints `null`.
    const reviewed: Record<string, unknown> = {
      ...review,
      kind: 'TokenReview',
      apiVersion: AUTHN_VERSION,
      metadata: { ...(review.metadata ?? {}), creationTimestamp: null },
      spec: review.spec ?? {},
      status,
    };
    return reviewed;
  };

  #resolveBoundObject(namespace: string, saName: string, ref: BoundObjectReference | undefined): Bound {
    if (!ref) return {};
    const { group, version } = parseApiVersion(ref.apiVersion ?? '');
    const kind = ref.kind ?? '';
    const refName = ref.name ?? '';
    let uid: string | undefined;
    const bound: Bound = {};
    if (group === '' && kind === 'Pod') {
      const pod = this.#lookup('pods', namespace, refName);
      if (!pod) throw statusErrors.notFound({ group: '', resource: 'pods' }, refName);
      const podSa = (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
      if (podSa !== saName)
        throw statusErrors.badRequest(
          `cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with different serviceaccount name.`,
        );
      uid = pod.metadata?.uid;
      bound.pod = pod;
      const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) {
        // A missing node still puts its name in the claims (upstream ServiceAccountTokenPodNodeInfo).
        const node = this.#lookup('nodes', undefined, nodeName);
        bound.node = node?.metadata?.uid ? { name: nodeName, uid: node.metadata.uid } : { name: nodeName };
      }
    } else if (group === '' && kind === 'Node') {
      const node = this.#lookup('nodes', undefined, refName);
      if (!node) throw statusErrors.notFound({ group: '', resource: 'nodes' }, refName);
      uid = node.metadata?.uid;
      bound.node = { name: refName, ...(uid ? { uid } : {}) };
    } else if (group === '' && kind === 'Secret') {
      const secret = this.#lookup('secrets', namespace, refName);
      if (!secret) throw statusErrors.notFound({ group: '', resource: 'secrets' }, refName);
      uid = secret.metadata?.uid;
      bound.secret = secret;
    } else {
      throw statusErrors.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
    }
    if (ref.uid && ref.uid !== uid)
      throw statusErrors.conflict(
        { group, resource: kind },
        refName,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    return bound;
  }

  #claims(
    sa: KubeObject,
    bound: Bound,
    audiences: string[],
    expirationSeconds: number,
    now: Date,
  ): ServiceAccountTokenClaims {
    const seconds = Math.floor(now.getTime() / 1000);
    const namespace = sa.metadata?.namespace ?? '';
    const name = sa.metadata?.name ?? '';
    const ref = (obj: KubeObject): TokenClaimRef => ({
      name: obj.metadata?.name ?? '',
      uid: obj.metadata?.uid ?? '',
    });
    // Keys in the order Go's encoding of go-jose's merged claim map gives them (sorted).
    return {
      aud: audiences,
      exp: seconds + expirationSeconds,
      iat: seconds,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace,
        ...(bound.node ? { node: bound.node } : {}),
        ...(bound.pod ? { pod: ref(bound.pod) } : {}),
        ...(bound.secret ? { secret: ref(bound.secret) } : {}),
        serviceaccount: ref(sa),
      },
      nbf: seconds,
      sub: serviceAccountUser(namespace, name).name,
    };
  }

  #sign(claims: ServiceAccountTokenClaims): string {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: this.keyId })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
      key: this.#privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }
}

function refused(error: string): ServiceAccountTokenResult {
  return { authenticated: false, error };
}

function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Go's `%q` of a `[]string`: `["a" "b"]`. */
function goStrings(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

function sortedKeys(extra: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(extra)
      .sort()
      .map((k) => [k, [...extra[k]!]]),
  );
}

function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { group: '', version: '' };
}

function invalidTokenRequest(name: string, errors: FieldError[]): StatusError {
  return statusErrors.invalid(AUTHN_GROUP, 'TokenRequest', name, errors);
}

function checkTypeMeta(request: KubeObject): void {
  if (request.apiVersion !== undefined && request.apiVersion !== AUTHN_VERSION)
    throw statusErrors.badRequest(
      `the API version in the data (${String(request.apiVersion)}) does not match the expected API version (${AUTHN_VERSION})`,
    );
  if (request.kind !== undefined && request.kind !== 'TokenRequest')
    throw statusErrors.badRequest(
      `the kind in the data (${String(request.kind)}) does not match the expected kind (TokenRequest)`,
    );
}

/** The TokenRequest spec as its Go type would decode it; a wrongly typed field is a 400. */
function decodeSpec(raw: unknown): {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: BoundObjectReference;
} {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw decodeError('spec', 'an object');
  const spec = raw as Record<string, unknown>;
  const out: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectReference } = {};
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || !spec.audiences.every((a) => typeof a === 'string'))
      throw decodeError('spec.audiences', 'a list of strings');
    out.audiences = spec.audiences;
  }
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
    if (typeof spec.expirationSeconds !== 'number' || !Number.isInteger(spec.expirationSeconds))
      throw decodeError('spec.expirationSeconds', 'an integer');
    out.expirationSeconds = spec.expirationSeconds;
  }
  if (spec.boundObjectRef !== undefined && spec.boundObjectRef !== null) {
    const ref = spec.boundObjectRef as Record<string, unknown>;
    if (typeof ref !== 'object' || Array.isArray(ref)) throw decodeError('spec.boundObjectRef', 'an object');
    const bound: BoundObjectReference = {};
    for (const field of ['kind', 'apiVersion', 'name', 'uid'] as const) {
      const value = ref[field];
      if (value === undefined || value === null || value === '') continue;
      if (typeof value !== 'string') throw decodeError(`spec.boundObjectRef.${field}`, 'a string');
      bound[field] = value;
    }
    out.boundObjectRef = bound;
  }
  return out;
}

function decodeError(field: string, expected: string): StatusError {
  return statusErrors.badRequest(
    `TokenRequest in version "v1" cannot be handled as a TokenRequest: ${field} must be ${expected}`,
  );
}
