import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../../controller-runtime/client/errors.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import {
  BOOTSTRAP_TOKEN_DESCRIPTION,
  BOOTSTRAP_TOKEN_GROUP,
  type BootstrapTokenSecret,
  createBootstrapToken,
  DEFAULT_TOKEN_TTL_MS,
  formatExpiration,
  generateBootstrapToken,
  InvalidBootstrapTokenError,
  InvalidBootstrapTokenSecretError,
  parseBootstrapToken,
  refreshBootstrapToken,
  tokenCheckIntervalMs,
  tokenNeedsRefresh,
} from './bootstrap-token.js';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');
const text = (secret: BootstrapTokenSecret, key: string): string =>
  Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

describe('bootstrap tokens', () => {
  it('generates kubeadm-shaped tokens and rejects anything else', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => generateBootstrapToken()));
    assert.equal(tokens.size, 50);
    for (const t of tokens) assert.match(t, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), {
      id: 'abcdef',
      secret: '0123456789abcdef',
    });
    for (const bad of ['', 'ABCDEF.0123456789abcdef', 'abcde.0123456789abcdef', 'abcdef-0123456789abcdef'])
      assert.throws(() => parseBootstrapToken(bad), InvalidBootstrapTokenError);
  });

  it('refreshes only within 5/6 of the TTL and asks to be checked every TTL/3 (15 min: 5 min)', () => {
    const ttl = DEFAULT_TOKEN_TTL_MS;
    assert.equal(tokenCheckIntervalMs(ttl), 5 * MIN);
    // A fresh token (15 min left) and one with 12.5 min + 1 s left need nothing.
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 + 15 * MIN), T0, ttl), false);
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 + 12.5 * MIN + 1000), T0, ttl), false);
    // From 12.5 min left on (the next two checks, 5 min apart, would otherwise be the last chances): refresh.
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 + 12.5 * MIN), T0, ttl), true);
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 + 10 * MIN), T0, ttl), true);
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 - MIN), T0, ttl), true);
    // No expiration: gets one.
    assert.equal(tokenNeedsRefresh(undefined, T0, ttl), true);
    assert.throws(() => tokenNeedsRefresh('tomorrow', T0, ttl), InvalidBootstrapTokenSecretError);
    // Other TTLs scale the same way.
    assert.equal(tokenCheckIntervalMs(6 * MIN), 2 * MIN);
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 + 5 * MIN + 1000), T0, 6 * MIN), false);
    assert.equal(tokenNeedsRefresh(formatExpiration(T0 + 5 * MIN), T0, 6 * MIN), true);
  });

  it('creates the Secret kubeadm and the API server expect, and pushes its expiration out when due', async () => {
    const wl = new FakeClient();
    const token = await createBootstrapToken(wl, { ttlMs: DEFAULT_TOKEN_TTL_MS, nowMs: T0 });
    const { id, secret: tokenSecret } = parseBootstrapToken(token);
    const secret = await wl.get<BootstrapTokenSecret>(SECRET, {
      namespace: 'kube-system',
      name: `bootstrap-token-${id}`,
    });
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    assert.deepEqual(Object.fromEntries(Object.keys(secret.data ?? {}).map((k) => [k, text(secret, k)])), {
      'token-id': id,
      'token-secret': tokenSecret,
      expiration: '2026-03-01T12:15:00Z',
      'usage-bootstrap-signing': 'true',
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': BOOTSTRAP_TOKEN_GROUP,
      description: BOOTSTRAP_TOKEN_DESCRIPTION,
    });

    // 2 minutes later: 13 minutes left, nothing written.
    const early = await refreshBootstrapToken(wl, token, {
      ttlMs: DEFAULT_TOKEN_TTL_MS,
      nowMs: T0 + 2 * MIN,
    });
    assert.equal(early.refreshed, false);
    assert.equal(wl.requests.filter((r) => r.verb === 'update').length, 0);

    // 5 minutes later: 10 minutes left, pushed to now + 15 min; the other fields stay.
    const due = await refreshBootstrapToken(wl, token, { ttlMs: DEFAULT_TOKEN_TTL_MS, nowMs: T0 + 5 * MIN });
    assert.deepEqual(due, {
      refreshed: true,
      previousExpiration: '2026-03-01T12:15:00Z',
      expiration: '2026-03-01T12:20:00Z',
    });
    const after = await wl.get<BootstrapTokenSecret>(SECRET, {
      namespace: 'kube-system',
      name: `bootstrap-token-${id}`,
    });
    assert.equal(text(after, 'expiration'), '2026-03-01T12:20:00Z');
    assert.equal(text(after, 'token-secret'), tokenSecret);

    // A token whose Secret is gone (expired and cleaned up) cannot be refreshed.
    await assert.rejects(
      refreshBootstrapToken(wl, 'zzzzzz.0123456789abcdef', { ttlMs: DEFAULT_TOKEN_TTL_MS, nowMs: T0 }),
      NotFoundError,
    );
  });
});
