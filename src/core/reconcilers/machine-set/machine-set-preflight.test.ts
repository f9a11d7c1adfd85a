import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import {
  parseSkippedChecks,
  PreflightCheckError,
  type PreflightInput,
  runPreflightChecks,
  skipAnnotation,
} from './machine-set-preflight.js';

const controlPlane = (spec: string, status?: { version?: string; versions?: string[] }): KubeObject => ({
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
  metadata: { name: 'cp', namespace: 'ns' },
  spec: { version: spec },
  ...(status
    ? {
        status: {
          ...(status.version ? { version: status.version } : {}),
          ...(status.versions
            ? { versions: status.versions.map((version) => ({ version, replicas: 1 })) }
            : {}),
        },
      }
    : {}),
});

const cluster = (topologyVersion?: string, annotations?: Record<string, string>): Stored<Cluster> => ({
  metadata: { name: 'c', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: {
    controlPlaneRef: { apiGroup: 'controlplane.cluster.x-k8s.io', kind: 'KubeadmControlPlane', name: 'cp' },
    ...(topologyVersion ? { topology: { classRef: { name: 'cc' }, version: topologyVersion } } : {}),
  },
});

const machineSet = (version: string | undefined, kubeadm = false): Stored<MachineSet> => ({
  metadata: { name: 'ms', namespace: 'ns' },
  spec: {
    clusterName: 'c',
    selector: {},
    template: {
      spec: {
        clusterName: 'c',
        ...(version ? { version } : {}),
        bootstrap: kubeadm
          ? {
              configRef: {
                apiGroup: 'bootstrap.cluster.x-k8s.io',
                kind: 'KubeadmConfigTemplate',
                name: 't',
              },
            }
          : { dataSecretName: 's' },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachineTemplate',
          name: 't',
        },
      },
    },
  },
});

const input = (o: Partial<PreflightInput>): PreflightInput => ({
  cluster: cluster(),
  ms: machineSet('v1.33.1'),
  controlPlane: controlPlane('v1.33.1', { version: 'v1.33.1' }),
  enabled: new Set(['All']),
  skipped: new Set(),
  clusterTopology: true,
  action: 'Scale up',
  ...o,
});

const STABLE = '"ControlPlaneIsStable" preflight check failed';

describe('MachineSet preflight checks', () => {
  it('pass for a stable control plane at the same version', () => {
    assert.deepEqual(runPreflightChecks(input({})), []);
  });

  it('find a provisioning control plane (no version in status) and an upgrading one', () => {
    assert.deepEqual(runPreflightChecks(input({ controlPlane: controlPlane('v1.33.1') })), [
      `KubeadmControlPlane ns/cp is provisioning (${STABLE})`,
    ]);
    assert.deepEqual(
      runPreflightChecks(
        input({ controlPlane: controlPlane('v1.33.1', { versions: ['v1.32.4', 'v1.33.1'] }) }),
      ),
      [`KubeadmControlPlane ns/cp is upgrading (${STABLE})`],
    );
    assert.deepEqual(
      runPreflightChecks(input({ controlPlane: controlPlane('v1.33.1', { version: 'v1.32.0' }) })),
      [`KubeadmControlPlane ns/cp is upgrading (${STABLE})`],
    );
  });

  it('hold Machines of a topology cluster until the control plane has the topology version', () => {
    assert.deepEqual(runPreflightChecks(input({ cluster: cluster('v1.34.0'), ms: machineSet('v1.33.1') })), [
      `KubeadmControlPlane ns/cp has a pending version upgrade to v1.34.0 (${STABLE})`,
    ]);
    // During a multi-step upgrade, the current step counts.
    const stepping = cluster('v1.35.0', { 'topology.internal.cluster.x-k8s.io/upgrade-step': 'v1.33.1' });
    assert.deepEqual(runPreflightChecks(input({ cluster: stepping })), []);
    // Without the ClusterTopology gate the topology is not looked at.
    assert.deepEqual(runPreflightChecks(input({ cluster: cluster('v1.34.0'), clusterTopology: false })), []);
  });

  it('enforce the kubelet skew, the kubeadm skew for kubeadm bootstrap, and the topology version', () => {
    assert.deepEqual(runPreflightChecks(input({ ms: machineSet('v1.34.0') })), [
      'MachineSet version (1.34.0) and ControlPlane version (1.33.1) do not conform to the kubernetes version skew policy as MachineSet version is higher than ControlPlane version ("KubernetesVersionSkew" preflight check failed)',
    ]);
    assert.deepEqual(runPreflightChecks(input({ ms: machineSet('v1.29.0') })), [
      'MachineSet version (1.29.0) and ControlPlane version (1.33.1) do not conform to the kubernetes version skew policy as MachineSet version is more than 3 minor versions older than the ControlPlane version ("KubernetesVersionSkew" preflight check failed)',
    ]);
    assert.deepEqual(runPreflightChecks(input({ ms: machineSet('v1.30.0') })), []);
    assert.deepEqual(runPreflightChecks(input({ ms: machineSet('v1.32.0', true) })), [
      'MachineSet version (1.32.0) and ControlPlane version (1.33.1) do not conform to kubeadm version skew policy as kubeadm only supports joining with the same major+minor version as the control plane ("KubeadmVersionSkew" preflight check failed)',
    ]);
    assert.deepEqual(runPreflightChecks(input({ cluster: cluster('v1.33.1'), ms: machineSet('v1.33.0') })), [
      'MachineSet version (v1.33.0) is not yet the same as the ControlPlane version (v1.33.1), waiting for version to be propagated to the MachineSet ("ControlPlaneVersionSkew" preflight check failed)',
    ]);
    // No version on the MachineSet: only the stability check applies.
    assert.deepEqual(runPreflightChecks(input({ ms: machineSet(undefined) })), []);
  });

  it('run only the enabled checks and skip the ones the annotation names', () => {
    const unstable = controlPlane('v1.33.1');
    const skewed = machineSet('v1.34.0');
    assert.equal(runPreflightChecks(input({ controlPlane: unstable, ms: skewed })).length, 2);
    assert.equal(
      runPreflightChecks(
        input({ controlPlane: unstable, ms: skewed, enabled: new Set(['KubernetesVersionSkew']) }),
      ).length,
      1,
    );
    assert.deepEqual(
      runPreflightChecks(input({ controlPlane: unstable, ms: skewed, enabled: new Set() })),
      [],
    );
    const skipped = parseSkippedChecks('ControlPlaneIsStable, KubernetesVersionSkew');
    assert.deepEqual([...skipped], ['ControlPlaneIsStable', 'KubernetesVersionSkew']);
    assert.deepEqual(runPreflightChecks(input({ controlPlane: unstable, ms: skewed, skipped })), []);
    assert.deepEqual(
      runPreflightChecks(input({ controlPlane: unstable, skipped: parseSkippedChecks('All') })),
      [],
    );
  });

  it('read the skip annotation from the MachineSet, else from its bootstrap template', () => {
    const key = 'machineset.cluster.x-k8s.io/skip-preflight-checks';
    const ms = { metadata: { annotations: { [key]: 'All' } } } as KubeObject;
    const template = { metadata: { annotations: { [key]: 'KubeadmVersionSkew' } } } as KubeObject;
    assert.equal(skipAnnotation(ms, template), 'All');
    assert.equal(skipAnnotation({ metadata: {} }, template), 'KubeadmVersionSkew');
    assert.equal(skipAnnotation({ metadata: {} }, undefined), undefined);
  });

  it('have nothing to check without a control plane object or its version, and fail on unparsable versions', () => {
    assert.deepEqual(runPreflightChecks(input({ controlPlane: undefined })), []);
    const noVersion = controlPlane('v1.33.1');
    delete (noVersion.spec as Record<string, unknown>)['version'];
    assert.deepEqual(runPreflightChecks(input({ controlPlane: noVersion })), []);
    assert.throws(
      () => runPreflightChecks(input({ ms: machineSet('latest') })),
      (err: unknown) =>
        err instanceof PreflightCheckError && /failed to parse version "latest"/.test(err.message),
    );
  });
});
