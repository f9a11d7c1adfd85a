import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type IPAddress,
  type IPAddressClaim,
  ipAddressClaimCrd,
  IPAddressClaimConditionType,
  IPAddressClaimReadyReason,
  ipAddressCrd,
} from './index.js';

const poolRef = { apiGroup: 'ipam.cluster.x-k8s.io', kind: 'InClusterIPPool', name: 'pool' };

describe('ipam.cluster.x-k8s.io/v1beta2 types', () => {
  it('accepts a claim and the address allocated for it', () => {
    const claim: IPAddressClaim = {
      apiVersion: API_VERSION,
      kind: 'IPAddressClaim',
      metadata: { name: 'm-1-eth0', namespace: 'default' },
      spec: { clusterName: 'c-1', poolRef },
      status: {
        addressRef: { name: 'm-1-eth0' },
        conditions: [
          {
            type: IPAddressClaimConditionType.Ready,
            status: 'True',
            reason: 'Ready',
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    };
    const address: IPAddress = {
      apiVersion: API_VERSION,
      kind: 'IPAddress',
      metadata: { name: 'm-1-eth0', namespace: 'default' },
      spec: { address: '10.0.0.5', prefix: 24, gateway: '10.0.0.1', claimRef: { name: 'm-1-eth0' }, poolRef },
    };
    assert.equal(claim.status?.addressRef?.name, address.metadata?.name);

    // @ts-expect-error a pool reference needs its API group
    const noGroup: IPAddressClaim['spec'] = { poolRef: { kind: 'InClusterIPPool', name: 'pool' } };
    const noClaimName: IPAddress['spec'] = {
      address: '10.0.0.5',
      // @ts-expect-error the claim reference needs a name
      claimRef: {},
      poolRef,
      prefix: 24,
    };
    // @ts-expect-error prefix is required
    const missing: IPAddress['spec'] = { address: '10.0.0.5', claimRef: { name: 'c' }, poolRef };
    assert.ok(noGroup && noClaimName && missing);
  });

  it('serves both kinds as v1beta2 only, in the cluster-api category, status only on the claim', () => {
    const claim = ipAddressClaimCrd();
    const address = ipAddressCrd();
    assert.equal(claim.metadata.name, 'ipaddressclaims.ipam.cluster.x-k8s.io');
    assert.equal(address.metadata.name, 'ipaddresses.ipam.cluster.x-k8s.io');
    for (const crd of [claim, address]) {
      assert.deepEqual(crd.spec.names.categories, ['cluster-api']);
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.deepEqual(
        crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
        [['v1beta2', true, true]],
      );
      assert.deepEqual(crd.spec.versions[0]?.schema.openAPIV3Schema.required, ['spec']);
    }
    assert.deepEqual(claim.spec.versions[0]?.subresources, { status: {} });
    assert.equal(address.spec.versions[0]?.subresources, undefined);
    assert.deepEqual(
      claim.spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name),
      ['Pool Name', 'Pool Kind', 'Age'],
    );
    assert.deepEqual(
      address.spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name),
      ['Address', 'Pool Name', 'Pool Kind', 'Age'],
    );
  });

  it('bounds and requires the fields as upstream does', () => {
    const spec = ipAddressCrd().spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    assert.deepEqual(spec?.required, ['address', 'claimRef', 'poolRef', 'prefix']);
    const prefix = spec?.properties?.prefix;
    assert.deepEqual([prefix?.format, prefix?.minimum, prefix?.maximum], ['int32', 0, 128]);
    assert.equal(spec?.properties?.address?.maxLength, 39);
    assert.deepEqual(spec?.properties?.poolRef?.required, ['apiGroup', 'kind', 'name']);
    const status = ipAddressClaimCrd().spec.versions[0]?.schema.openAPIV3Schema.properties?.status;
    assert.equal(status?.minProperties, 1);
    assert.deepEqual(status?.properties?.conditions?.['x-kubernetes-list-map-keys'], ['type']);
    assert.ok(status?.properties?.deprecated?.properties?.v1beta1?.properties?.conditions);
  });

  it('names the Ready condition reasons as upstream does', () => {
    assert.deepEqual(Object.values(IPAddressClaimReadyReason), [
      'AllocationFailed',
      'PoolNotReady',
      'PoolExhausted',
    ]);
  });
});
