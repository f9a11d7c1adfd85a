import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import {
  computeDesiredMachine,
  generateMachineName,
  machineLabelsFromMachineSet,
} from './machine-set-machines.js';
import { machineNeedsApply } from './machine-set-sync.js';
import { generateFromTemplate, groupKindString, randomString } from '../../util/index.js';

const LONG_NAME =
  'machineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetNamemachineSetName';

function machineSet(name: string, extra: Partial<Stored<MachineSet>['spec']> = {}): Stored<MachineSet> {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'MachineSet',
    metadata: { name, namespace: 'ns', uid: 'ms-uid', labels: {} },
    spec: {
      clusterName: 'c1',
      replicas: 1,
      selector: { matchLabels: { pool: 'a' } },
      template: {
        metadata: { labels: { pool: 'a', 'node-role.kubernetes.io/worker': '' }, annotations: { note: 'x' } },
        spec: {
          clusterName: 'c1',
          version: 'v1.33.1',
          bootstrap: { dataSecretName: 'shared-bootstrap' },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 'tpl',
          },
          minReadySeconds: 5,
          readinessGates: [{ conditionType: 'Custom' }],
          deletion: { nodeDrainTimeoutSeconds: 30 },
        },
      },
      ...extra,
    },
  };
}

describe('Machines of a MachineSet', () => {
  it('labels them with the set name, hashed like upstream MustFormatValue when it is no valid label value', () => {
    assert.equal(machineLabelsFromMachineSet(machineSet('ms-1'))['cluster.x-k8s.io/set-name'], 'ms-1');
    // upstream util/labels/format test vector
    assert.equal(
      machineLabelsFromMachineSet(machineSet(LONG_NAME))['cluster.x-k8s.io/set-name'],
      'hash_FR_ghQ_z',
    );
    const md = machineSet('md-1-abcde');
    md.metadata.labels = { 'cluster.x-k8s.io/deployment-name': 'md-1' };
    assert.deepEqual(machineLabelsFromMachineSet(md), {
      pool: 'a',
      'node-role.kubernetes.io/worker': '',
      'cluster.x-k8s.io/set-name': 'md-1-abcde',
      'cluster.x-k8s.io/deployment-name': 'md-1',
    });
  });

  it('names them <set>-<5 random chars>, and cuts overlong names to 58 characters plus 5 random ones', () => {
    const random = randomString();
    assert.match(random, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(
      generateMachineName(machineSet('ms-1'), () => 'abcde'),
      'ms-1-abcde',
    );
    const long = generateMachineName(machineSet('m'.repeat(70)), () => 'qqqqq');
    assert.equal(long.length, 63);
    assert.equal(long, `${'m'.repeat(58)}qqqqq`);
    const custom = machineSet('ms-1', { machineNaming: { template: '{{ .cluster.name }}-w-{{ .random }}' } });
    assert.equal(
      generateMachineName(custom, () => 'zzzzz'),
      'c1-w-zzzzz',
    );
    const bad = machineSet('ms-1', { machineNaming: { template: '{{ .cluster.name }}-w' } });
    assert.throws(() => generateMachineName(bad), /\{\{ \.random \}\} is missing/);
  });

  it('builds a new Machine from the template, owned by the MachineSet, without the template references', () => {
    const m = computeDesiredMachine(machineSet('ms-1'), undefined, () => 'abcde');
    assert.equal(m.metadata.name, 'ms-1-abcde');
    assert.deepEqual(m.metadata.ownerReferences, [
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'MachineSet',
        name: 'ms-1',
        uid: 'ms-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(m.metadata.finalizers, ['machine.cluster.x-k8s.io']);
    assert.deepEqual(m.metadata.annotations, { note: 'x' });
    assert.deepEqual(m.spec.bootstrap, { dataSecretName: 'shared-bootstrap' });
    assert.equal(m.spec.infrastructureRef.name, '');
    assert.equal(m.spec.version, 'v1.33.1');
    assert.equal(m.spec.minReadySeconds, 5);
    assert.deepEqual(m.spec.deletion, { nodeDrainTimeoutSeconds: 30 });
  });

  it('keeps what an existing Machine cannot change in place, and applies only when something differs', () => {
    const ms = machineSet('ms-1');
    const existing = {
      ...computeDesiredMachine(ms, undefined, () => 'abcde'),
      metadata: {
        ...computeDesiredMachine(ms, undefined, () => 'abcde').metadata,
        uid: 'm-uid',
        labels: { ...machineLabelsFromMachineSet(ms), extra: 'user' },
      },
    } as Stored<Machine>;
    existing.spec = {
      ...existing.spec,
      version: 'v1.32.0',
      infrastructureRef: {
        apiGroup: 'infrastructure.cluster.x-k8s.io',
        kind: 'DevMachine',
        name: 'ms-1-abcde',
      },
      providerID: 'in-memory://ms-1-abcde',
    };
    const desired = computeDesiredMachine(ms, existing);
    assert.equal(desired.metadata.name, 'ms-1-abcde');
    assert.equal(desired.metadata.uid, 'm-uid');
    assert.equal(desired.spec.version, 'v1.32.0');
    assert.equal(desired.spec.infrastructureRef.name, 'ms-1-abcde');
    assert.equal(machineNeedsApply(existing, desired), false, 'a label someone else set is left alone');

    ms.spec.template.spec.minReadySeconds = 10;
    assert.equal(machineNeedsApply(existing, computeDesiredMachine(ms, existing)), true);
    ms.spec.template.spec.minReadySeconds = 5;
    ms.spec.template.metadata!.labels = { ...ms.spec.template.metadata!.labels, tier: 'gold' };
    assert.equal(machineNeedsApply(existing, computeDesiredMachine(ms, existing)), true);
  });

  it('applies again to drop a label it applied before once the template loses it', () => {
    const ms = machineSet('ms-1');
    const existing = computeDesiredMachine(ms, undefined, () => 'abcde');
    existing.metadata.labels = { ...existing.metadata.labels, gone: 'yes' };
    existing.metadata.managedFields = [
      {
        manager: 'capi-machineset',
        operation: 'Apply',
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:gone': {}, 'f:pool': {} } } },
      },
    ];
    assert.equal(machineNeedsApply(existing, computeDesiredMachine(ms, existing)), true);
    existing.metadata.managedFields[0]!.manager = 'kubectl';
    assert.equal(machineNeedsApply(existing, computeDesiredMachine(ms, existing)), false);
  });
});

describe('objects cloned from templates', () => {
  it('turns spec.template into the object, with labels, annotations, cloned-from marks and the owner', () => {
    const template = {
      apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
      kind: 'KubeadmConfigTemplate',
      metadata: { name: 'workers', namespace: 'ns', uid: 't-uid', resourceVersion: '7' },
      spec: {
        template: {
          metadata: { labels: { from: 'template' }, annotations: { a: 'template' } },
          spec: { joinConfiguration: { nodeRegistration: { name: 'x' } } },
        },
      },
    };
    const obj = generateFromTemplate({
      template,
      namespace: 'ns',
      name: 'ms-1-abcde',
      clusterName: 'c1',
      ownerReference: { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet', name: 'ms-1', uid: 'u' },
      labels: { pool: 'a' },
      annotations: { a: 'machine' },
    });
    assert.deepEqual(obj, {
      apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
      kind: 'KubeadmConfig',
      metadata: {
        name: 'ms-1-abcde',
        namespace: 'ns',
        labels: { from: 'template', pool: 'a', 'cluster.x-k8s.io/cluster-name': 'c1' },
        annotations: {
          a: 'machine',
          'cluster.x-k8s.io/cloned-from-name': 'workers',
          'cluster.x-k8s.io/cloned-from-groupkind': 'KubeadmConfigTemplate.bootstrap.cluster.x-k8s.io',
        },
        ownerReferences: [
          { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet', name: 'ms-1', uid: 'u' },
        ],
      },
      spec: { joinConfiguration: { nodeRegistration: { name: 'x' } } },
    });
    // The template itself is not touched.
    assert.equal(template.spec.template.metadata.labels.from, 'template');
    assert.equal(groupKindString('v1', 'ConfigMap'), 'ConfigMap');
  });
});
