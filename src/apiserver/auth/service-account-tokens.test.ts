import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isStatusError } from '../errors/status-error.js';
import { internalScope } from '../registry/generic-registry.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import {
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  ServiceAccountTokens,
  type ServiceAccountTokenLookup,
  type ServiceAccountTokensOptions,
} from './service-account-tokens.js';

const ISSUER = DEFAULT_SERVICE_ACCOUNT_ISSUER;
const KEY = ServiceAccountTokens.generateKeyPem();

/** A tiny object world: `<resource>/<namespace>/<name>` → object. */
class World {
  objects = new Map<string, KubeObject>();
  #uids = 0;
  put(
    resource: string,
    namespace: string | undefined,
    name: string,
    extra: Record<string, unknown> = {},
  ): KubeObject {
    const obj: KubeObject = {
      metadata: { name, ...(namespace ? { namespace } : {}), uid: `uid-${name}-${++this.#uids}` },
      ...extra,
    };
    this.objects.set(`${resource}/${namespace ?? ''}/${name}`, obj);
    return obj;
  }
  remove(resource: string, namespace: string | undefined, name: string): void {
    this.objects.delete(`${resource}/${namespace ?? ''}/${name}`);
  }
  lookup: ServiceAccountTokenLookup = (resource, namespace, name) =>
    this.objects.get(`${resource}/${namespace ?? ''}/${name}`);
}

function setup(options: Partial<ServiceAccountTokensOptions> = {}) {
  const world = new World();
  const sa = world.put('serviceaccounts', 'default', 'builder');
  const tokens = new ServiceAccountTokens({ privateKeyPem: KEY, lookup: world.lookup, ...options });
  return { world, sa, tokens };
}

/** Our own JWT decoder: the three parts, decoded. */
function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.').map((p) => Buffer.from(p, 'base64url').toString('utf8'));
  return {
    header: JSON.parse(header!) as Record<string, unknown>,
    claims: JSON.parse(claims!) as Record<string, unknown>,
  };
}

const tokenOf = (response: KubeObject) => (response.status as { token: string }).token;

/** Replaces one claim and keeps the original signature. */
function tamper(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, , signature] = token.split('.');
  const { claims } = decodeJwt(token);
  change(claims);
  return `${header!}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature!}`;
}

/** ECDSA signature r||s (JWS) → DER SEQUENCE { INTEGER r, INTEGER s } (what openssl takes). */
function derSignature(raw: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let b = bytes;
    while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
    if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('ServiceAccountTokens: TokenRequest', () => {
  it('issues a signed JWT with upstream’s claims and echoes the request with status', () => {
    const { sa, tokens } = setup();
    const before = Math.floor(Date.now() / 1000);
    const response = tokens.requestToken('default', 'builder', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    assert.equal(response.kind, 'TokenRequest');
    assert.equal(response.apiVersion, 'authentication.k8s.io/v1');
    assert.equal(response.metadata?.name, 'builder');
    assert.equal(response.metadata?.namespace, 'default');
    assert.match(response.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(response.spec, { audiences: [ISSUER], expirationSeconds: 3600, boundObjectRef: null });
    const status = response.status as { token: string; expirationTimestamp: string };
    assert.equal(
      Date.parse(status.expirationTimestamp) - Date.parse(response.metadata.creationTimestamp!),
      3600_000,
    );

    const { header, claims } = decodeJwt(status.token);
    assert.deepEqual(header, { alg: 'ES256', kid: tokens.keyId });
    assert.deepEqual(Object.keys(claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.sub, 'system:serviceaccount:default:builder');
    assert.deepEqual(claims.aud, [ISSUER]);
    assert.ok((claims.iat as number) >= before);
    assert.equal(claims.nbf, claims.iat);
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
    assert.equal(claims.exp, Date.parse(status.expirationTimestamp) / 1000);
    assert.match(claims.jti as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(claims['kubernetes.io'], {
      namespace: 'default',
      serviceaccount: { name: 'builder', uid: sa.metadata!.uid },
    });
  });

  it('signs what an independent ECDSA implementation (openssl) verifies', { skip: !hasOpenssl() }, () => {
    const { tokens } = setup();
    const token = tokenOf(tokens.requestToken('default', 'builder', {}));
    const [header, payload, signature] = token.split('.');
    const dir = mkdtempSync(path.join(tmpdir(), 'capi-sa-jwt-'));
    try {
      const publicPem = createPublicKey(KEY).export({ type: 'spki', format: 'pem' }).toString();
      writeFileSync(path.join(dir, 'pub.pem'), publicPem);
      writeFileSync(path.join(dir, 'input'), `${header!}.${payload!}`);
      writeFileSync(path.join(dir, 'sig.der'), derSignature(Buffer.from(signature!, 'base64url')));
      const out = execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'input'],
        { cwd: dir, encoding: 'utf8' },
      );
      assert.match(out, /Verified OK/);
      // And the same tool refuses a different payload under that signature.
      writeFileSync(path.join(dir, 'input'), `${header!}.${payload!}x`);
      assert.throws(() =>
        execFileSync('openssl', ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'input'], {
          cwd: dir,
          stdio: 'pipe',
        }),
      );
      // kid: base64url SHA-256 of the DER public key, computed by openssl too.
      const der = execFileSync('openssl', ['pkey', '-pubin', '-in', 'pub.pem', '-outform', 'DER'], {
        cwd: dir,
      });
      const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
      assert.equal(tokens.keyId, digest.toString('base64url'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes audiences and expirationSeconds from the spec, within 10 minutes and 2^32 seconds', () => {
    const { tokens } = setup();
    const response = tokens.requestToken('default', 'builder', {
      spec: { audiences: ['vault', 'other'], expirationSeconds: 600 },
    });
    const { claims } = decodeJwt(tokenOf(response));
    assert.deepEqual(claims.aud, ['vault', 'other']);
    assert.equal((claims.exp as number) - (claims.iat as number), 600);
    assert.ok(tokens.requestToken('default', 'builder', { spec: { expirationSeconds: 2 ** 32 } }));

    const invalid = (expirationSeconds: number, message: string) =>
      assert.throws(
        () => tokens.requestToken('default', 'builder', { spec: { expirationSeconds } }),
        (err) => isStatusError(err) && err.code === 422 && err.message === message,
      );
    invalid(
      60,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    invalid(
      2 ** 32 + 1,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
    );
  });

  it('answers 404 for a missing service account and 422 for a mismatched name', () => {
    const { tokens } = setup();
    assert.throws(
      () => tokens.requestToken('default', 'nope', {}),
      (err) => isStatusError(err) && err.code === 404 && err.message === 'serviceaccounts "nope" not found',
    );
    assert.throws(
      () => tokens.requestToken('default', 'builder', { metadata: { name: 'other' } }),
      (err) =>
        isStatusError(err) &&
        err.code === 422 &&
        err.message ===
          'TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
    );
  });

  it('binds a token to a pod (and its node), and refuses wrong bindings', () => {
    const { world, tokens } = setup();
    const node = world.put('nodes', undefined, 'node-1');
    const pod = world.put('pods', 'default', 'runner', {
      spec: { serviceAccountName: 'builder', nodeName: 'node-1' },
    });
    world.put('pods', 'default', 'foreign', { spec: { serviceAccountName: 'default' } });
    const response = tokens.requestToken('default', 'builder', {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner', uid: pod.metadata!.uid } },
    });
    assert.deepEqual((response.spec as { boundObjectRef: unknown }).boundObjectRef, {
      kind: 'Pod',
      apiVersion: 'v1',
      name: 'runner',
      uid: pod.metadata!.uid,
    });
    const token = tokenOf(response);
    const k8s = decodeJwt(token).claims['kubernetes.io'] as Record<string, unknown>;
    assert.deepEqual(k8s.pod, { name: 'runner', uid: pod.metadata!.uid });
    assert.deepEqual(k8s.node, { name: 'node-1', uid: node.metadata!.uid });
    const result = tokens.verify(token);
    assert.ok(result?.authenticated);
    assert.deepEqual(result.user.extra, {
      'authentication.kubernetes.io/pod-name': ['runner'],
      'authentication.kubernetes.io/pod-uid': [pod.metadata!.uid!],
      'authentication.kubernetes.io/node-name': ['node-1'],
      'authentication.kubernetes.io/node-uid': [node.metadata!.uid!],
      'authentication.kubernetes.io/credential-id': [`JTI=${decodeJwt(token).claims.jti as string}`],
    });

    // The pod going away invalidates the token.
    world.remove('pods', 'default', 'runner');
    assert.deepEqual(tokens.verify(token), {
      authenticated: false,
      error: 'service account token has been invalidated',
    });

    const refused = (ref: Record<string, unknown>, code: number, message: string) =>
      assert.throws(
        () => tokens.requestToken('default', 'builder', { spec: { boundObjectRef: ref } }),
        (err) => isStatusError(err) && err.code === code && err.message === message,
      );
    refused(
      { kind: 'Pod', apiVersion: 'v1', name: 'foreign' },
      400,
      'cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.',
    );
    refused({ kind: 'Pod', apiVersion: 'v1', name: 'runner' }, 404, 'pods "runner" not found');
    refused(
      { kind: 'Node', apiVersion: 'v1', name: 'node-1', uid: 'stale' },
      409,
      'Operation cannot be fulfilled on Node "node-1": the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated',
    );
    refused(
      { kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' },
      400,
      'cannot bind token to object of type apps/v1, Kind=Deployment',
    );
  });

  it('serves the serviceaccounts/token subresource: 201 on create, 405 otherwise', async () => {
    const { tokens } = setup();
    const def = { plural: 'serviceaccounts' } as ResourceDefinition;
    const req = (verb: string) => ({
      verb,
      namespace: 'default',
      name: 'builder',
      subresource: 'token',
      query: new URLSearchParams(),
      user: { name: 'admin', groups: ['system:masters'] },
      userAgent: 'kubectl/v1.33.0',
    });
    const body = () => Promise.resolve({ spec: { audiences: ['vault'] } } as KubeObject);
    const out = await tokens.tokenRequestHandler({
      def,
      req: req('create'),
      body,
      scope: internalScope('kubectl'),
    });
    assert.equal(out.code, 201);
    assert.deepEqual(((out.body as KubeObject).spec as { audiences: string[] }).audiences, ['vault']);
    await assert.rejects(
      tokens.tokenRequestHandler({ def, req: req('get'), body, scope: internalScope('kubectl') }),
      (err) => isStatusError(err) && err.code === 405,
    );
  });
});

describe('ServiceAccountTokens: authentication', () => {
  it('authenticates a token as its service account', () => {
    const { sa, tokens } = setup();
    const token = tokenOf(tokens.requestToken('default', 'builder', {}));
    const user = tokens.authenticate(token);
    assert.deepEqual(user, {
      name: 'system:serviceaccount:default:builder',
      uid: sa.metadata!.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${decodeJwt(token).claims.jti as string}`],
      },
    });
  });

  it('rejects an expired token, allowing a minute of clock skew', () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const { tokens } = setup({ now: () => now });
    const token = tokenOf(tokens.requestToken('default', 'builder', { spec: { expirationSeconds: 600 } }));
    now = new Date('2030-01-01T00:10:30Z');
    assert.ok(tokens.authenticate(token), 'within the leeway');
    now = new Date('2030-01-01T00:11:01Z');
    assert.equal(tokens.authenticate(token), undefined);
    assert.deepEqual(tokens.verify(token), {
      authenticated: false,
      error: 'service account token has expired',
    });
    now = new Date('2029-12-31T23:58:00Z');
    assert.deepEqual(tokens.verify(token), {
      authenticated: false,
      error: 'service account token is not valid yet',
    });
  });

  it('rejects a token for another audience unless that audience is asked for', () => {
    const { tokens } = setup();
    const token = tokenOf(tokens.requestToken('default', 'builder', { spec: { audiences: ['vault'] } }));
    assert.equal(tokens.authenticate(token), undefined);
    assert.deepEqual(tokens.verify(token), {
      authenticated: false,
      error: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`,
    });
    const forVault = tokens.verify(token, ['vault', 'other']);
    assert.ok(forVault?.authenticated);
    assert.deepEqual(forVault.audiences, ['vault']);
  });

  it('rejects a token whose service account was deleted or recreated', () => {
    const { world, tokens } = setup();
    const token = tokenOf(tokens.requestToken('default', 'builder', {}));
    assert.ok(tokens.authenticate(token));
    world.remove('serviceaccounts', 'default', 'builder');
    assert.equal(tokens.authenticate(token), undefined);
    assert.deepEqual(tokens.verify(token), {
      authenticated: false,
      error: 'serviceaccounts "builder" not found',
    });
    const again = world.put('serviceaccounts', 'default', 'builder');
    assert.equal(tokens.authenticate(token), undefined);
    const result = tokens.verify(token);
    assert.ok(result && !result.authenticated);
    assert.match(
      result.error,
      new RegExp(`service account UID \\(${again.metadata!.uid!}\\) does not match claim`),
    );
  });

  it('rejects tampered tokens and tokens signed with another key', () => {
    const { tokens, world } = setup();
    world.put('serviceaccounts', 'kube-system', 'admin');
    const token = tokenOf(tokens.requestToken('default', 'builder', {}));
    const [header, payload, signature] = token.split('.');
    const sig = Buffer.from(signature!, 'base64url');
    sig[10] = sig[10]! ^ 0x01;
    const flipped = `${header!}.${payload!}.${sig.toString('base64url')}`;
    assert.equal(tokens.authenticate(flipped), undefined);
    assert.deepEqual(tokens.verify(flipped), {
      authenticated: false,
      error: 'go-jose/go-jose: error in cryptographic primitive',
    });
    const escalated = tamper(token, (claims) => {
      claims.sub = 'system:serviceaccount:kube-system:admin';
      claims['kubernetes.io'] = { namespace: 'kube-system', serviceaccount: { name: 'admin' } };
    });
    assert.equal(tokens.authenticate(escalated), undefined);
    assert.equal(tokens.authenticate(`${header!}.${payload!}.`), undefined);

    const other = new ServiceAccountTokens({
      privateKeyPem: ServiceAccountTokens.generateKeyPem(),
      lookup: world.lookup,
    });
    const forged = tokenOf(other.requestToken('default', 'builder', {}));
    assert.equal(tokens.authenticate(forged), undefined);
  });

  it('does not claim tokens of other issuers or non-JWTs', () => {
    const { tokens } = setup();
    const foreign = new ServiceAccountTokens({
      privateKeyPem: KEY,
      lookup: setup().world.lookup,
      issuer: 'https://elsewhere',
    });
    assert.equal(tokens.verify(tokenOf(foreign.requestToken('default', 'builder', {}))), undefined);
    assert.equal(tokens.verify('static-token'), undefined);
    assert.equal(tokens.verify('a.b.c'), undefined);
  });

  it('accepts only ECDSA P-256 signing keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
      type: 'sec1',
      format: 'pem',
    });
    const sec1 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'sec1',
      format: 'pem',
    });
    const lookup: ServiceAccountTokenLookup = () => undefined;
    assert.throws(() => new ServiceAccountTokens({ privateKeyPem: rsa.toString(), lookup }), /P-256/);
    assert.throws(() => new ServiceAccountTokens({ privateKeyPem: p384.toString(), lookup }), /P-256/);
    assert.ok(new ServiceAccountTokens({ privateKeyPem: sec1.toString(), lookup }));
  });

  it('publishes the verification key as a JWK set', () => {
    const { tokens } = setup();
    const [key] = tokens.jwks().keys;
    assert.equal(key?.kid, tokens.keyId);
    assert.equal(key?.kty, 'EC');
    assert.equal(key?.crv, 'P-256');
    assert.equal(key?.alg, 'ES256');
    const fromJwk = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: key.x, y: key.y },
      format: 'jwk',
    });
    assert.ok(fromJwk.equals(createPublicKey(KEY)));
  });
});

describe('ServiceAccountTokens: TokenReview', () => {
  it('reports the user and audiences of a valid token', () => {
    const { sa, tokens } = setup();
    const token = tokenOf(tokens.requestToken('default', 'builder', {}));
    const review = tokens.tokenReview({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    assert.equal(review.kind, 'TokenReview');
    assert.deepEqual(review.metadata, { creationTimestamp: null });
    assert.deepEqual(review.spec, { token });
    assert.deepEqual(review.status, {
      authenticated: true,
      user: {
        username: 'system:serviceaccount:default:builder',
        uid: sa.metadata!.uid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        extra: {
          'authentication.kubernetes.io/credential-id': [`JTI=${decodeJwt(token).claims.jti as string}`],
        },
      },
      audiences: [ISSUER],
    });
  });

  it('checks the audiences the review asks for', () => {
    const { tokens } = setup();
    const token = tokenOf(tokens.requestToken('default', 'builder', { spec: { audiences: ['vault'] } }));
    const ok = tokens.tokenReview({ spec: { token, audiences: ['vault'] } });
    assert.equal((ok.status as { authenticated?: boolean }).authenticated, true);
    assert.deepEqual((ok.status as { audiences?: string[] }).audiences, ['vault']);
    const refused = tokens.tokenReview({ spec: { token } });
    assert.deepEqual(refused.status, {
      user: {},
      error: `[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]]`,
    });
  });

  it('answers unknown tokens with an error and requires a token', () => {
    const { tokens } = setup();
    assert.deepEqual(tokens.tokenReview({ spec: { token: 'nonsense' } }).status, {
      user: {},
      error: 'invalid bearer token',
    });
    assert.throws(
      () => tokens.tokenReview({ spec: {} }),
      (err) =>
        isStatusError(err) &&
        err.code === 400 &&
        err.message === 'token is required for TokenReview in authentication',
    );
  });
});
