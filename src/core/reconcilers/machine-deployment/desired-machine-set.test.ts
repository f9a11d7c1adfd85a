import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import {
  applyConfiguration,
  computeDesiredNewMachineSet,
  computeDesiredOldMachineSet,
  computeRevisionAnnotations,
  newMachineSetName,
} from './desired-machine-set.js';
import { templateHash } from './machine-template.js';

const md = (): Stored<MachineDeployment> => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
  metadata: {
    name: 'md',
    namespace: 'ns',
    uid: 'md-uid',
    annotations: { team: 'a', 'machinedeployment.clusters.x-k8s.io/revision': '7' },
  },
  spec: {
    clusterName: 'c',
    replicas: 3,
    selector: { matchLabels: { 'cluster.x-k8s.io/deployment-name': 'md' } },
    rollout: { strategy: { type: 'OnDelete' } },
    deletion: { order: 'Oldest' },
    template: {
      metadata: { labels: { 'cluster.x-k8s.io/deployment-name': 'md', tier: 'gold' } },
      spec: {
        clusterName: 'c',
        version: 'v1.34.0',
        minReadySeconds: 5,
        bootstrap: { dataSecretName: 'data' },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachineTemplate',
          name: 'b',
        },
      },
    },
  },
});

const rev = (r?: string) => ({
  metadata: r === undefined ? {} : { annotations: { 'machinedeployment.clusters.x-k8s.io/revision': r } },
});

describe('desired MachineSets', () => {
  it('names new MachineSets <md>-<random> within 63 characters', () => {
    assert.deepEqual(newMachineSetName('md', 'abcde'), { name: 'md-abcde', random: 'abcde' });
    assert.equal(newMachineSetName('x'.repeat(80), 'abcde').name.length, 63);
  });

  it('gives the current MachineSet the highest revision, never lowering it, and records the old one', () => {
    assert.equal(computeRevisionAnnotations(undefined, []).revision, '1');
    assert.equal(computeRevisionAnnotations(undefined, [rev('1'), rev('3'), rev('x')]).revision, '4');
    assert.equal(computeRevisionAnnotations(rev('9'), [rev('3')]).revision, '9');
    assert.deepEqual(computeRevisionAnnotations(rev('2'), [rev('3')]).annotations, {
      'machinedeployment.clusters.x-k8s.io/revision-history': '2',
      'machinedeployment.clusters.x-k8s.io/revision': '4',
    });
  });

  it('stamps a new MachineSet from the MachineDeployment template with hash label, annotations and owner', () => {
    const { ms, revision } = computeDesiredNewMachineSet(md(), undefined, [], { random: 'bcdfg' });
    assert.equal(revision, '1');
    const hash = `${templateHash(md().spec.template)}-bcdfg`;
    const intent = applyConfiguration(ms);
    assert.deepEqual(intent.metadata, {
      name: 'md-bcdfg',
      namespace: 'ns',
      labels: {
        'cluster.x-k8s.io/deployment-name': 'md',
        tier: 'gold',
        'machine-template-hash': hash,
      },
      annotations: {
        team: 'a',
        'machinedeployment.clusters.x-k8s.io/desired-replicas': '3',
        'machinedeployment.clusters.x-k8s.io/max-replicas': '3',
        'machinedeployment.clusters.x-k8s.io/revision': '1',
        'cluster.x-k8s.io/disable-machine-create': 'false',
      },
      ownerReferences: [
        {
          apiVersion: 'cluster.x-k8s.io/v1beta2',
          kind: 'MachineDeployment',
          name: 'md',
          uid: 'md-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    assert.equal(intent.status, undefined);
    assert.equal(intent.spec.replicas, 0);
    assert.deepEqual(intent.spec.selector.matchLabels, {
      'cluster.x-k8s.io/deployment-name': 'md',
      'machine-template-hash': hash,
    });
    assert.deepEqual(intent.spec.deletion, { order: 'Oldest' });
    assert.equal(intent.spec.template.spec.version, 'v1.34.0');
  });

  it('keeps an old MachineSet template, replicas and revision; writes in-place fields; disables creation with OnDelete', () => {
    const current: Stored<MachineSet> = {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'MachineSet',
      metadata: {
        name: 'md-old',
        namespace: 'ns',
        uid: 'ms-uid',
        labels: { 'machine-template-hash': '1-old' },
        annotations: { 'machinedeployment.clusters.x-k8s.io/revision': '2' },
      },
      spec: {
        clusterName: 'c',
        replicas: 2,
        selector: {},
        template: {
          spec: {
            clusterName: 'c',
            version: 'v1.33.1',
            readinessGates: [{ conditionType: 'Old' }],
            bootstrap: { dataSecretName: 'data' },
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 'a',
            },
          },
        },
      },
      status: { replicas: 2 },
    };
    const ms = computeDesiredOldMachineSet(md(), current);
    assert.equal(ms.spec.replicas, 2);
    assert.equal(ms.spec.template.spec.version, 'v1.33.1');
    assert.equal(ms.spec.template.spec.infrastructureRef.name, 'a');
    assert.equal(ms.spec.template.spec.minReadySeconds, 5);
    assert.equal(ms.spec.template.spec.readinessGates, undefined);
    assert.equal(ms.spec.template.metadata?.labels?.tier, 'gold');
    assert.equal(ms.metadata.labels?.['machine-template-hash'], '1-old');
    assert.equal(ms.metadata.annotations?.['machinedeployment.clusters.x-k8s.io/revision'], '2');
    assert.equal(ms.metadata.annotations?.['cluster.x-k8s.io/disable-machine-create'], 'true');
    assert.deepEqual(ms.status, { replicas: 2 });
  });
});
