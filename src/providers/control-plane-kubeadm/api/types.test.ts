import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type KubeadmControlPlane,
  kubeadmControlPlaneCrd,
  type KubeadmControlPlaneTemplate,
  kubeadmControlPlaneTemplateCrd,
} from './index.js';

describe('controlplane.cluster.x-k8s.io/v1beta2 types', () => {
  it('accepts a typical KubeadmControlPlane, embedding the bootstrap KubeadmConfigSpec', () => {
    const kcp: KubeadmControlPlane = {
      apiVersion: API_VERSION,
      kind: 'KubeadmControlPlane',
      metadata: { name: 'cp', namespace: 'default' },
      spec: {
        replicas: 3,
        version: 'v1.33.1',
        machineTemplate: {
          metadata: { labels: { tier: 'control-plane' } },
          spec: {
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 'cp',
            },
            deletion: { nodeDrainTimeoutSeconds: 60 },
            taints: [{ key: 'dedicated', value: 'cp', effect: 'NoSchedule', propagation: 'Always' }],
          },
        },
        kubeadmConfigSpec: {
          clusterConfiguration: { apiServer: { certSANs: ['localhost'] } },
          initConfiguration: { nodeRegistration: { criSocket: 'unix:///run/containerd/containerd.sock' } },
        },
        rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
        remediation: { maxRetry: 3 },
      },
      status: { replicas: 3, selector: 'cluster.x-k8s.io/control-plane', versions: [{ version: 'v1.33.1' }] },
    };
    assert.equal(kcp.spec.machineTemplate.spec.infrastructureRef.kind, 'DevMachineTemplate');

    const wrong: KubeadmControlPlane = {
      // @ts-expect-error version and machineTemplate are required
      spec: { replicas: 1 },
    };
    const wrongStrategy: KubeadmControlPlane['spec']['rollout'] = {
      // @ts-expect-error the only rollout strategy is RollingUpdate
      strategy: { type: 'OnDelete' },
    };
    assert.ok(wrong && wrongStrategy);
  });

  it('accepts a KubeadmControlPlaneTemplate without version, replicas or infrastructureRef', () => {
    const template: KubeadmControlPlaneTemplate = {
      spec: {
        template: { spec: { machineTemplate: { spec: { deletion: { nodeDeletionTimeoutSeconds: 10 } } } } },
      },
    };
    assert.equal(
      template.spec?.template.spec?.machineTemplate?.spec?.deletion?.nodeDeletionTimeoutSeconds,
      10,
    );
  });

  it('serves the scale subresource so kubectl scale and autoscalers can resize the control plane', () => {
    const version = kubeadmControlPlaneCrd().spec.versions[0];
    assert.deepEqual(version?.subresources, {
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
    assert.deepEqual(kubeadmControlPlaneCrd().spec.names.shortNames, ['kcp']);
  });

  it('declares the v1beta2 contract label on both CRDs', () => {
    for (const crd of [kubeadmControlPlaneCrd(), kubeadmControlPlaneTemplateCrd()]) {
      assert.equal(crd.metadata.labels?.['cluster.x-k8s.io/v1beta2'], 'v1beta2');
    }
  });
});
