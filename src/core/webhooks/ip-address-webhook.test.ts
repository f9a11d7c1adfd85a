import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { FakeClient } from '../../controller-runtime/helpers/testing/fake-client.js';
import { API_VERSION } from '../api/ipam/v1beta2/index.js';
import { ipFamily } from './ip-address-webhook.js';
import { CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

const pool = { apiGroup: 'ipam.cluster.x-k8s.io', kind: 'TestPool', name: 'pool' };

const claim: KubeObject = {
  apiVersion: API_VERSION,
  kind: 'IPAddressClaim',
  metadata: { name: 'claim', namespace: 'default' },
  spec: { poolRef: pool },
};

const address = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'IPAddress',
  metadata: { name: 'addr', namespace: 'default' },
  spec: {
    claimRef: { name: 'claim' },
    poolRef: pool,
    address: '10.0.0.1',
    prefix: 24,
    gateway: '10.0.0.254',
    ...spec,
  },
});

const v6 = { address: '42::1', prefix: 64, gateway: '42::ffff' };

describe('IPAddress webhook', () => {
  const reader = new FakeClient();
  reader.seed(claim);
  const hook = webhookFor('IPAddress', { reader });
  const create = (obj: KubeObject) => () => hook.validator.validateCreate?.(obj, CREATE);
  /** The denial's text, after checking it is the 403 controller-runtime answers bare errors with. */
  const refusal = async (fn: () => unknown): Promise<string> => {
    const err = await denial(fn);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    return err.message;
  };

  it('accepts valid IPv4 and IPv6 addresses, with or without a gateway', async () => {
    await create(address())();
    await create(address(v6))();
    await create(address({ gateway: undefined }))();
    await create(address({ address: '::ffff:10.0.0.1', prefix: 120, gateway: 'fe80::1%eth0' }))();
  });

  it('refuses an address that is not an IP', async () => {
    assert.equal(
      await refusal(create(address({ address: '42' }))),
      'spec.address: Invalid value: "42": not a valid IP address',
    );
    assert.equal(
      await refusal(create(address({ address: '10.0.0.1/24' }))),
      'spec.address: Invalid value: "10.0.0.1/24": not a valid IP address',
    );
  });

  it('refuses a negative prefix and one too large for the family', async () => {
    assert.equal(
      await refusal(create(address({ prefix: -1 }))),
      'spec.prefix: Invalid value: -1: prefix cannot be negative',
    );
    assert.equal(
      await refusal(create(address({ prefix: 64 }))),
      'spec.prefix: Invalid value: 64: prefix is too large for an IPv4 address',
    );
    assert.equal(
      await refusal(create(address({ ...v6, prefix: 256 }))),
      'spec.prefix: Invalid value: 256: prefix is too large for an IPv6 address',
    );
    // IPv6 allows what IPv4 does not.
    await create(address({ ...v6, prefix: 128 }))();
  });

  it('refuses an invalid gateway', async () => {
    assert.equal(
      await refusal(create(address({ gateway: '42' }))),
      'spec.gateway: Invalid value: "42": not a valid IP address',
    );
  });

  it('reports every problem at once, as an aggregate', async () => {
    assert.equal(
      await refusal(create(address({ address: '10.0.0.256', gateway: 'gw' }))),
      '[spec.address: Invalid value: "10.0.0.256": not a valid IP address, ' +
        'spec.gateway: Invalid value: "gw": not a valid IP address]',
    );
  });

  it("refuses a pool other than the claim's, and accepts any pool while the claim does not exist", async () => {
    assert.equal(
      await refusal(create(address({ poolRef: { ...pool, name: 'nothing' } }))),
      'spec.poolRef: Invalid value: v1beta2.IPPoolReference{Name:"nothing", Kind:"TestPool", ' +
        'APIGroup:"ipam.cluster.x-k8s.io"}: the referenced pool is different from the pool referenced by the ' +
        'claim this address should fulfill',
    );
    await create(address({ claimRef: { name: 'other' }, poolRef: { ...pool, name: 'nothing' } }))();
    // Without a reader the claim is not looked up.
    const offline = webhookFor('IPAddress');
    await offline.validator.validateCreate?.(address({ poolRef: { ...pool, name: 'nothing' } }), CREATE);
  });

  it('reports a failed claim lookup as an internal error on spec.claimRef', async () => {
    const failing = new FakeClient();
    failing.addReactor(() => {
      throw new Error('connection refused');
    });
    const withFailingReader = webhookFor('IPAddress', { reader: failing });
    assert.equal(
      await refusal(() => withFailingReader.validator.validateCreate?.(address(), CREATE)),
      'spec.claimRef: Internal error: failed to fetch claim: connection refused',
    );
  });

  it('keeps the spec immutable', async () => {
    const old = address();
    await hook.validator.validateUpdate?.(old, address(), updateOf(old));
    const message = await refusal(() =>
      hook.validator.validateUpdate?.(old, address({ address: '10.0.0.2' }), updateOf(old)),
    );
    assert.match(message, /^spec: Forbidden: IPAddress spec is immutable\. Diff: /);
    assert.match(message, /"10\.0\.0\.2"/);
  });
});

describe('ipFamily reads addresses as Go netip.ParseAddr does', () => {
  it('knows IPv4 and IPv6, including mapped, embedded and zoned forms', () => {
    for (const [text, family] of [
      ['10.0.0.1', 4],
      ['0.0.0.0', 4],
      ['255.255.255.255', 4],
      ['::', 6],
      ['::1', 6],
      ['42::ffff', 6],
      ['2001:db8:0:0:0:0:0:1', 6],
      ['2001:DB8::1', 6],
      ['::ffff:10.0.0.1', 6],
      ['1:2:3:4:5:6:1.2.3.4', 6],
      ['fe80::1%eth0', 6],
      ['1::', 6],
    ] as const) {
      assert.equal(ipFamily(text), family, text);
    }
  });

  it('refuses what Go refuses', () => {
    for (const text of [
      '',
      '42',
      '010.0.0.1',
      '10.0.0.256',
      '10.0.0',
      '10.0.0.1.2',
      '10..0.1',
      '10.0.0.1.',
      '.10.0.0.1',
      '10.0.0.1%eth0',
      '10.0.0.1/24',
      '%eth0',
      'fe80::1%',
      ':::',
      '1:::2',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1:2:3:4::5:6:7:8',
      '1:2:3:4:5:1.2.3.4',
      '::1.2.3.04',
      '1:',
      ':1',
      'g::1',
      ' 10.0.0.1',
    ]) {
      assert.equal(ipFamily(text), undefined, text);
    }
  });
});
