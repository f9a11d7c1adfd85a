import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterClass } from '../../api/v1beta2/cluster-class-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { templateRefsOf } from './cluster-class-reconciler.js';
import {
  CHECK_LOGS_MESSAGE,
  type ClusterClassScope,
  inlineStatusVariables,
  updateClusterClassStatus,
} from './cluster-class-status.js';

const ref = (kind: string, name: string, apiVersion = 'infrastructure.cluster.x-k8s.io/v1beta2') => ({
  apiVersion,
  kind,
  name,
});

const clusterClass = (spec: Partial<ClusterClass['spec']> = {}): Stored<ClusterClass> => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'ClusterClass',
  metadata: { name: 'cc', namespace: 'ns', generation: 3 },
  spec: {
    infrastructure: { templateRef: ref('DevClusterTemplate', 'infra') },
    controlPlane: {
      templateRef: ref('KubeadmControlPlaneTemplate', 'cp', 'controlplane.cluster.x-k8s.io/v1beta2'),
    },
    ...spec,
  },
});

const conditionOf = (cc: Stored<ClusterClass>, type: string) =>
  cc.status?.conditions?.find((c) => c.type === type);

describe('ClusterClass status', () => {
  it('publishes one inline definition per variable, sorted by name, the last definition of a name winning', () => {
    const cc = clusterClass({
      variables: [
        {
          name: 'zone',
          required: true,
          schema: { openAPIV3Schema: { type: 'string' } },
          deprecatedV1Beta1Metadata: { labels: { a: 'b' } },
        },
        { name: 'cpus', required: false, schema: { openAPIV3Schema: { type: 'integer', default: 2 } } },
        { name: 'cpus', required: false, schema: { openAPIV3Schema: { type: 'integer', default: 4 } } },
      ],
    });
    assert.deepEqual(inlineStatusVariables(cc), [
      {
        name: 'cpus',
        definitionsConflict: false,
        definitions: [
          { from: 'inline', required: false, schema: { openAPIV3Schema: { type: 'integer', default: 4 } } },
        ],
      },
      {
        name: 'zone',
        definitionsConflict: false,
        definitions: [
          {
            from: 'inline',
            required: true,
            deprecatedV1Beta1Metadata: { labels: { a: 'b' } },
            schema: { openAPIV3Schema: { type: 'string' } },
          },
        ],
      },
    ]);
    assert.deepEqual(inlineStatusVariables(clusterClass()), []);
  });

  it('names every template once, in upstream order', () => {
    const md = {
      bootstrap: { templateRef: ref('KubeadmConfigTemplate', 'boot', 'bootstrap.cluster.x-k8s.io/v1beta2') },
      infrastructure: { templateRef: ref('DevMachineTemplate', 'workers') },
    };
    const cc = clusterClass({
      controlPlane: {
        templateRef: ref('KubeadmControlPlaneTemplate', 'cp', 'controlplane.cluster.x-k8s.io/v1beta2'),
        machineInfrastructure: { templateRef: ref('DevMachineTemplate', 'cp-machines') },
      },
      workers: {
        machineDeployments: [
          { class: 'a', ...md },
          { class: 'b', ...md },
        ],
        machinePools: [
          { class: 'p', ...md, infrastructure: { templateRef: ref('DevMachinePoolTemplate', 'pool') } },
        ],
      },
    });
    assert.deepEqual(
      templateRefsOf(cc).map((r) => `${r.kind}/${r.name}`),
      [
        'DevClusterTemplate/infra',
        'KubeadmControlPlaneTemplate/cp',
        'DevMachineTemplate/cp-machines',
        'KubeadmConfigTemplate/boot',
        'DevMachineTemplate/workers',
        'DevMachinePoolTemplate/pool',
      ],
    );
  });

  it('reports up-to-date references and ready variables', () => {
    const s: ClusterClassScope = { clusterClass: clusterClass(), outdatedRefs: [] };
    updateClusterClassStatus(s);
    const up = conditionOf(s.clusterClass, 'RefVersionsUpToDate');
    assert.equal(up?.status, 'True');
    assert.equal(up?.reason, 'RefVersionsUpToDate');
    assert.equal(up?.observedGeneration, 3);
    assert.equal(conditionOf(s.clusterClass, 'VariablesReady')?.reason, 'VariablesReady');
    assert.equal(conditionOf(s.clusterClass, 'VariablesReady')?.status, 'True');
  });

  it('lists outdated references as upstream does', () => {
    const s: ClusterClassScope = {
      clusterClass: clusterClass(),
      outdatedRefs: [
        { kind: 'DevClusterTemplate', name: 'infra', current: 'v1beta1', latest: 'v1beta2' },
        { kind: 'DevMachineTemplate', name: 'm', current: 'v1alpha4', latest: 'v1beta2' },
      ],
    };
    updateClusterClassStatus(s);
    const up = conditionOf(s.clusterClass, 'RefVersionsUpToDate');
    assert.equal(up?.status, 'False');
    assert.equal(up?.reason, 'RefVersionsNotUpToDate');
    assert.equal(
      up?.message,
      'The following templateRefs are not using the latest apiVersion:\n' +
        '* DevClusterTemplate infra: current: v1beta1, latest: v1beta2\n' +
        '* DevMachineTemplate m: current: v1alpha4, latest: v1beta2',
    );
  });

  it('names a missing template, and points at the logs for other failures', () => {
    const missing: ClusterClassScope = {
      clusterClass: clusterClass(),
      outdatedRefs: [],
      referencesError: new Error('could not find DevClusterTemplate ns/infra'),
      referencesErrorShown: true,
    };
    updateClusterClassStatus(missing);
    const up = conditionOf(missing.clusterClass, 'RefVersionsUpToDate');
    assert.equal(up?.status, 'Unknown');
    assert.equal(up?.reason, 'InternalError');
    assert.equal(up?.message, 'could not find DevClusterTemplate ns/infra');

    const other: ClusterClassScope = {
      clusterClass: clusterClass(),
      outdatedRefs: [],
      referencesError: new Error('connection refused'),
      referencesErrorShown: false,
    };
    updateClusterClassStatus(other);
    assert.equal(conditionOf(other.clusterClass, 'RefVersionsUpToDate')?.message, CHECK_LOGS_MESSAGE);
  });

  it('reports failed variable discovery', () => {
    const s: ClusterClassScope = {
      clusterClass: clusterClass(),
      outdatedRefs: [],
      variableDiscoveryError: new Error('VariableDiscovery failed: boom'),
    };
    updateClusterClassStatus(s);
    const ready = conditionOf(s.clusterClass, 'VariablesReady');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'VariableDiscoveryFailed');
    assert.equal(ready?.message, 'VariableDiscovery failed: boom');
  });
});
