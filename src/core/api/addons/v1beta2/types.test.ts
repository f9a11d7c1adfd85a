import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type ClusterResourceSet,
  type ClusterResourceSetBinding,
  clusterResourceSetBindingCrd,
  clusterResourceSetCrd,
  ClusterResourceSetSecretType,
  ClusterResourceSetStrategy,
} from './index.js';

describe('addons.cluster.x-k8s.io/v1beta2 types', () => {
  it('accepts a typical ClusterResourceSet that installs a CNI from a ConfigMap', () => {
    const crs: ClusterResourceSet = {
      apiVersion: API_VERSION,
      kind: 'ClusterResourceSet',
      metadata: { name: 'calico', namespace: 'default' },
      spec: {
        clusterSelector: { matchLabels: { cni: 'calico' } },
        resources: [
          { kind: 'ConfigMap', name: 'calico-manifests' },
          { kind: 'Secret', name: 'cloud-credentials' },
        ],
        strategy: ClusterResourceSetStrategy.Reconcile,
      },
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'ResourcesApplied',
            status: 'True',
            reason: 'Applied',
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    };
    assert.equal(crs.spec.resources.length, 2);

    const wrongKind: ClusterResourceSet = {
      spec: {
        clusterSelector: {},
        // @ts-expect-error only Secrets and ConfigMaps can be listed
        resources: [{ kind: 'Deployment', name: 'x' }],
      },
    };
    // @ts-expect-error spec.clusterSelector is required
    const noSelector: ClusterResourceSet = { spec: { resources: [{ kind: 'Secret', name: 'x' }] } };
    assert.ok(wrongKind && noSelector);
  });

  it('accepts a ClusterResourceSetBinding recording what was applied', () => {
    const binding: ClusterResourceSetBinding = {
      metadata: { name: 'workload-1', namespace: 'default' },
      spec: {
        clusterName: 'workload-1',
        bindings: [
          {
            clusterResourceSetName: 'calico',
            resources: [
              {
                kind: 'ConfigMap',
                name: 'calico-manifests',
                applied: true,
                hash: 'sha256:0123',
                lastAppliedTime: '2026-01-01T00:00:00Z',
              },
            ],
          },
        ],
      },
    };
    assert.equal(binding.spec.bindings?.[0]?.resources?.[0]?.applied, true);
    const missing: ClusterResourceSetBinding['spec'] = {
      clusterName: 'c',
      bindings: [
        {
          clusterResourceSetName: 'a',
          // @ts-expect-error applied is required on every resource
          resources: [{ kind: 'Secret', name: 's' }],
        },
      ],
    };
    assert.ok(missing);
  });

  it('serves both kinds in the cluster-api category, status only on ClusterResourceSet', () => {
    const crs = clusterResourceSetCrd();
    const binding = clusterResourceSetBindingCrd();
    assert.equal(crs.metadata.name, 'clusterresourcesets.addons.cluster.x-k8s.io');
    assert.equal(binding.metadata.name, 'clusterresourcesetbindings.addons.cluster.x-k8s.io');
    for (const crd of [crs, binding]) assert.deepEqual(crd.spec.names.categories, ['cluster-api']);
    assert.deepEqual(crs.spec.versions[0]?.subresources, { status: {} });
    assert.equal(binding.spec.versions[0]?.subresources, undefined);
    assert.deepEqual(crs.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec?.required, [
      'clusterSelector',
      'resources',
    ]);
  });

  it('names the Secret type a ClusterResourceSet accepts as upstream does', () => {
    assert.equal(ClusterResourceSetSecretType, 'addons.cluster.x-k8s.io/resource-set');
  });
});
