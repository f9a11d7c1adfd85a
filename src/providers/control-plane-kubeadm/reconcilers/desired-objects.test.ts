import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { kcp as kcpOf, machine } from '../internal/test-helpers.js';
import {
  deletingMachinePatch,
  desiredInfraMachine,
  desiredKubeadmConfig,
  desiredMachine,
  desiredMetadata,
  FieldManager,
  machineNeedsApply,
} from './desired-objects.js';

const HOOK = 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/kcp-cleanup';

function kcpWith(template: { labels?: Record<string, string>; annotations?: Record<string, string> }) {
  const k = kcpOf();
  k.spec.machineTemplate = {
    metadata: template,
    spec: {
      ...k.spec.machineTemplate.spec,
      deletion: { nodeDrainTimeoutSeconds: 30 },
      readinessGates: [{ conditionType: 'Custom' }, { conditionType: 'APIServerPodHealthy' }],
    },
  };
  return k;
}

/** What the server returns after KCP applied `desired`: the object plus KCP's managed fields. */
function applied<T extends KubeObject>(desired: T, fields: Record<string, unknown>): T {
  return {
    ...structuredClone(desired),
    metadata: {
      ...structuredClone(desired.metadata),
      managedFields: [
        { manager: FieldManager.ControlPlane, operation: 'Apply', apiVersion: 'v1', fieldsV1: fields },
      ],
    },
  };
}

describe('desired control plane objects', () => {
  it('builds a new Machine with the template metadata, KCP labels, the cleanup hook and readiness gates', () => {
    const k = kcpWith({
      labels: { tier: 'cp', 'cluster.x-k8s.io/cluster-name': 'spoofed' },
      annotations: { a: 'b' },
    });
    k.metadata.annotations = { 'controlplane.cluster.x-k8s.io/remediation-in-progress': '{"machine":"m0"}' };
    const m = desiredMachine({ kcp: k, clusterName: 'c', name: 'kcp-abcde', failureDomain: 'fd2' });
    assert.deepEqual(m.metadata.labels, {
      tier: 'cp',
      'cluster.x-k8s.io/cluster-name': 'c',
      'cluster.x-k8s.io/control-plane': '',
      'cluster.x-k8s.io/control-plane-name': 'kcp',
    });
    assert.deepEqual(m.metadata.annotations, {
      a: 'b',
      'controlplane.cluster.x-k8s.io/remediation-for': '{"machine":"m0"}',
      [HOOK]: '',
    });
    assert.deepEqual(m.metadata.ownerReferences, [
      {
        apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
        kind: 'KubeadmControlPlane',
        name: 'kcp',
        uid: 'kcp-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(m.spec.version, 'v1.33.0');
    assert.equal(m.spec.failureDomain, 'fd2');
    assert.deepEqual(m.spec.deletion, { nodeDrainTimeoutSeconds: 30 });
    assert.deepEqual(
      m.spec.readinessGates?.map((g) => g.conditionType),
      [
        'NodeKubeadmLabelsAndTaintsSet',
        'APIServerPodHealthy',
        'ControllerManagerPodHealthy',
        'SchedulerPodHealthy',
        'EtcdPodHealthy',
        'EtcdMemberHealthy',
        'Custom',
      ],
    );
  });

  it('keeps an existing Machine its name, version, references and remediation data', () => {
    const k = kcpWith({});
    k.spec.version = 'v1.34.0';
    const existing = machine('m1', {
      annotations: { 'controlplane.cluster.x-k8s.io/remediation-for': '{"machine":"old"}' },
    });
    existing.spec.version = 'v1.33.0';
    existing.spec.bootstrap = {
      configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'm1' },
    };
    const m = desiredMachine({ kcp: k, clusterName: 'c', name: 'ignored', failureDomain: '', existing });
    assert.equal(m.metadata.name, 'm1');
    assert.equal(m.spec.version, 'v1.33.0', 'a version change is a rollout, not an in-place update');
    assert.equal(m.spec.bootstrap.configRef?.name, 'm1');
    assert.deepEqual(m.spec.infrastructureRef, existing.spec.infrastructureRef);
    assert.equal(
      m.metadata.annotations?.['controlplane.cluster.x-k8s.io/remediation-for'],
      '{"machine":"old"}',
    );
  });

  it('applies again only when something KCP owns would change', () => {
    const k = kcpWith({ labels: { tier: 'cp' } });
    const desired = desiredMachine({ kcp: k, clusterName: 'c', name: 'm1', failureDomain: 'fd1' });
    const current = applied(desired, {
      'f:metadata': { 'f:labels': { 'f:tier': {}, 'f:cluster.x-k8s.io/cluster-name': {} } },
      'f:spec': { 'f:deletion': { 'f:nodeDrainTimeoutSeconds': {} } },
    });
    // The Machine webhook's default is not KCP's business.
    current.spec.deletion = { ...current.spec.deletion, nodeDeletionTimeoutSeconds: 10 };
    assert.equal(machineNeedsApply(current, desired), false);

    const dropped = kcpWith({});
    const withoutTier = desiredMachine({ kcp: dropped, clusterName: 'c', name: 'm1', failureDomain: 'fd1' });
    assert.equal(machineNeedsApply(current, withoutTier), true, 'a label KCP applied and no longer wants');

    const noDrain = kcpWith({ labels: { tier: 'cp' } });
    noDrain.spec.machineTemplate.spec.deletion = {};
    assert.equal(
      machineNeedsApply(
        current,
        desiredMachine({ kcp: noDrain, clusterName: 'c', name: 'm1', failureDomain: 'fd1' }),
      ),
      true,
      'a timeout KCP set and the template dropped',
    );
  });

  it('patches only the teardown fields of a deleting Machine', () => {
    const k = kcpWith({});
    const m = machine('m1', { deleting: 1 });
    m.spec.deletion = { nodeDrainTimeoutSeconds: 5, nodeDeletionTimeoutSeconds: 10 };
    assert.deepEqual(deletingMachinePatch(m, k), {
      spec: { deletion: { nodeDrainTimeoutSeconds: 30 } },
    });
    m.spec.deletion = { nodeDrainTimeoutSeconds: 30, nodeDeletionTimeoutSeconds: 10 };
    assert.equal(deletingMachinePatch(m, k), undefined);
  });

  it('builds the KubeadmConfig (init or join) and the InfraMachine cloned from the template', () => {
    const k = kcpWith({ annotations: { a: 'b' } });
    k.spec.kubeadmConfigSpec = {
      initConfiguration: { nodeRegistration: { name: 'n' } },
      joinConfiguration: { nodeRegistration: { name: 'n' } },
    };
    const init = desiredKubeadmConfig(k, 'c', 'kcp-1', false);
    assert.ok(init.spec?.initConfiguration);
    assert.equal(init.spec?.joinConfiguration, undefined);
    assert.deepEqual(
      init.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
      [['KubeadmControlPlane', 'kcp', undefined]],
    );
    const join = desiredKubeadmConfig(k, 'c', 'kcp-2', true);
    assert.equal(join.spec?.initConfiguration, undefined);
    assert.deepEqual(join.spec?.joinConfiguration?.controlPlane, {});

    const template: KubeObject = {
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachineTemplate',
      metadata: { name: 'cp-template', namespace: 'default', uid: 't', resourceVersion: '5' },
      spec: { template: { metadata: { labels: { from: 'template' } }, spec: { backend: { inMemory: {} } } } },
    };
    const infra = desiredInfraMachine(k, 'c', 'kcp-1', template);
    assert.equal(infra.kind, 'DevMachine');
    assert.equal(infra.metadata.name, 'kcp-1');
    assert.equal(infra.metadata.labels?.from, 'template');
    assert.equal(infra.metadata.labels?.['cluster.x-k8s.io/control-plane-name'], 'kcp');
    assert.equal(infra.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'cp-template');
    assert.equal(
      infra.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
      'DevMachineTemplate.infrastructure.cluster.x-k8s.io',
    );
    assert.equal(infra.metadata.annotations?.a, 'b');
    assert.deepEqual(infra['spec'], { backend: { inMemory: {} } });

    // Labels and annotations kept in line later: nothing to do when they already match.
    assert.equal(desiredMetadata({ ...infra, metadata: { ...infra.metadata } }, k, 'c'), undefined);
    const changed = kcpWith({ annotations: { a: 'c' } });
    assert.equal(desiredMetadata(infra, changed, 'c')?.metadata.annotations?.a, 'c');
  });
});
