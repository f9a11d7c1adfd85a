import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { KubeadmControlPlaneMetrics } from './metrics.js';

const kcp = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
  metadata: {
    name: 'cp',
    namespace: 'ns',
    uid: 'u-cp',
    ownerReferences: [{ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', name: 'c1', uid: 'u-c1' }],
  },
  spec: { replicas: 3, version: 'v1.31.0' },
  status: {
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 2,
    conditions: [{ type: 'Available', status: 'True', reason: 'Available' }],
  },
} as unknown as KubeObject;

async function lines(registry: Registry, name: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));
}

describe('KubeadmControlPlane state metrics', () => {
  it('exposes nothing until told where the objects are, then upstream-named series per object', async () => {
    const registry = new Registry();
    const metrics = new KubeadmControlPlaneMetrics(registry);
    assert.deepEqual(await lines(registry, 'capi_kubeadmcontrolplane_spec_replicas'), []);
    const objects = [kcp];
    metrics.readObjectsFrom(() => objects);
    const own = 'cluster_name="c1",name="cp",namespace="ns",uid="u-cp"';
    assert.deepEqual(
      [
        ...(await lines(registry, 'capi_kubeadmcontrolplane_info')),
        ...(await lines(registry, 'capi_kubeadmcontrolplane_spec_replicas')),
        ...(await lines(registry, 'capi_kubeadmcontrolplane_status_replicas')),
        ...(await lines(registry, 'capi_kubeadmcontrolplane_status_replicas_ready')),
        ...(await lines(registry, 'capi_kubeadmcontrolplane_status_replicas_available')),
        ...(await lines(registry, 'capi_kubeadmcontrolplane_status_replicas_uptodate')),
        ...(await lines(registry, 'capi_kubeadmcontrolplane_status_condition')),
      ],
      [
        `capi_kubeadmcontrolplane_info{${own},version="v1.31.0"} 1`,
        `capi_kubeadmcontrolplane_spec_replicas{${own}} 3`,
        `capi_kubeadmcontrolplane_status_replicas{${own}} 3`,
        `capi_kubeadmcontrolplane_status_replicas_ready{${own}} 3`,
        `capi_kubeadmcontrolplane_status_replicas_available{${own}} 2`,
        `capi_kubeadmcontrolplane_status_replicas_uptodate{${own}} 0`,
        `capi_kubeadmcontrolplane_status_condition{${own},type="Available",status="True"} 1`,
        `capi_kubeadmcontrolplane_status_condition{${own},type="Available",status="False"} 0`,
        `capi_kubeadmcontrolplane_status_condition{${own},type="Available",status="Unknown"} 0`,
      ],
    );
    objects.length = 0;
    assert.deepEqual(await lines(registry, 'capi_kubeadmcontrolplane_info'), []);
  });
});
