import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation } from '../../api/v1beta2/well-known.js';
import { decideUpgrade, type MachineDeploymentUpgradeState, type UpgradeDecision } from './decide-upgrade.js';
import { nameList, topologyReconciledProgress } from './topology-reconciled-progress.js';

/** A decision as the tracker would hold it; only what the message reads. */
const decision = (d: {
  cpVersion: string;
  cp?: Partial<UpgradeDecision['controlPlane']>;
  cpPlan?: string[];
  workersPlan?: string[];
  upgrading?: string[];
  pendingUpgrade?: string[];
  deferred?: string[];
  pendingCreate?: string[];
}): UpgradeDecision => ({
  controlPlaneVersion: d.cpVersion,
  machineDeploymentVersions: new Map(),
  upgradePlan: { controlPlane: d.cpPlan ?? [], workers: d.workersPlan ?? [] },
  controlPlane: {
    isPendingUpgrade: false,
    isUpgrading: false,
    isProvisioning: false,
    isStartingUpgrade: false,
    isWaitingForWorkersUpgrade: false,
    ...d.cp,
  },
  machineDeployments: {
    upgrading: d.upgrading ?? [],
    pendingUpgrade: d.pendingUpgrade ?? [],
    deferred: d.deferred ?? [],
    pendingCreate: d.pendingCreate ?? [],
    objectNames: new Map(),
  },
  controlPlaneKind: 'GenericControlPlane',
});

describe('topologyReconciledProgress', () => {
  it('is undefined when nothing is pending', () => {
    assert.equal(topologyReconciledProgress(decision({ cpVersion: 'v1.22.0' }), 'v1.22.0'), undefined);
  });

  it('reports the control plane upgrading with the rest of its plan, and MachineDeployments pending', () => {
    const progress = topologyReconciledProgress(
      decision({
        cpVersion: 'v1.22.0',
        cp: { isStartingUpgrade: true },
        cpPlan: ['v1.22.0', 'v1.23.0'],
        workersPlan: ['v1.23.0'],
        pendingUpgrade: ['md4', 'md1', 'md3', 'md2'],
      }),
      'v1.23.0',
    );
    assert.deepEqual(progress, {
      reason: 'ClusterUpgrading',
      message:
        'Cluster is upgrading to v1.23.0\n' +
        '  * GenericControlPlane upgrading to version v1.22.0 (v1.23.0 pending)\n' +
        '  * MachineDeployments md1, md2, md3, ... (1 more) pending upgrade to version v1.23.0',
    });
  });

  it('reports the control plane pending upgrade with the whole plan', () => {
    const progress = topologyReconciledProgress(
      decision({
        cpVersion: 'v1.21.2',
        cp: { isPendingUpgrade: true },
        cpPlan: ['v1.22.0', 'v1.23.0'],
        workersPlan: ['v1.23.0'],
        upgrading: ['md1'],
        pendingUpgrade: ['md1', 'md2'],
      }),
      'v1.23.0',
    );
    assert.equal(
      progress?.message,
      'Cluster is upgrading to v1.23.0\n' +
        '  * GenericControlPlane pending upgrade to version v1.22.0, v1.23.0\n' +
        '  * MachineDeployment md1 upgrading to version v1.21.2 (v1.23.0 pending)\n' +
        '  * MachineDeployment md2 pending upgrade to version v1.23.0',
    );
  });

  it('drops the version being taken from the pending list of upgrading MachineDeployments', () => {
    const progress = topologyReconciledProgress(
      decision({
        cpVersion: 'v1.22.0',
        workersPlan: ['v1.22.0', 'v1.23.0'],
        upgrading: ['md1'],
        pendingUpgrade: ['md2', 'md3', 'md4'],
      }),
      'v1.23.0',
    );
    assert.equal(
      progress?.message,
      'Cluster is upgrading to v1.23.0\n' +
        '  * MachineDeployment md1 upgrading to version v1.22.0 (v1.23.0 pending)\n' +
        '  * MachineDeployments md2, md3, md4 pending upgrade to version v1.22.0, v1.23.0',
    );
  });

  it('reports deferred MachineDeployments, and says so in the reason once only they are left', () => {
    const withOthers = topologyReconciledProgress(
      decision({
        cpVersion: 'v1.22.0',
        workersPlan: ['v1.22.0'],
        deferred: ['md3'],
        pendingUpgrade: ['md3', 'md4'],
      }),
      'v1.22.0',
    );
    assert.deepEqual(withOthers, {
      reason: 'ClusterUpgrading',
      message:
        'Cluster is upgrading to v1.22.0\n' +
        '  * MachineDeployment md4 pending upgrade to version v1.22.0\n' +
        '  * MachineDeployment md3 upgrade to version v1.22.0 deferred using defer-upgrade or ' +
        'hold-upgrade-sequence annotations',
    });
    const alone = topologyReconciledProgress(
      decision({
        cpVersion: 'v1.22.0',
        workersPlan: ['v1.22.0'],
        deferred: ['md2'],
        pendingUpgrade: ['md2'],
      }),
      'v1.22.0',
    );
    assert.deepEqual(alone, {
      reason: 'MachineDeploymentsUpgradeDeferred',
      message:
        'Cluster is upgrading to v1.22.0\n' +
        '  * MachineDeployment md2 upgrade to version v1.22.0 deferred using defer-upgrade or ' +
        'hold-upgrade-sequence annotations',
    });
  });

  it('reports MachineDeployments whose creation waits for the control plane', () => {
    const progress = topologyReconciledProgress(
      decision({
        cpVersion: 'v1.22.0',
        cp: { isUpgrading: true },
        workersPlan: ['v1.22.0'],
        pendingUpgrade: ['md1', 'md2', 'md3', 'md4'],
        pendingCreate: ['md5'],
      }),
      'v1.22.0',
    );
    assert.equal(
      progress?.message,
      'Cluster is upgrading to v1.22.0\n' +
        '  * GenericControlPlane upgrading to version v1.22.0\n' +
        '  * MachineDeployments md1, md2, md3, ... (1 more) pending upgrade to version v1.22.0\n' +
        '  * MachineDeployment md5 creation deferred while control plane upgrade is in progress',
    );
  });

  it('names existing MachineDeployments by object name and new ones by topology name', () => {
    const md = (topologyName: string, spec: string, extra: Partial<MachineDeploymentUpgradeState> = {}) => ({
      topologyName,
      exists: true,
      name: `c1-${topologyName}-x7k2p`,
      specVersion: spec,
      machineVersions: [spec],
      annotations: {},
      ...extra,
    });
    const d = decideUpgrade({
      topologyVersion: 'v1.34.1',
      clusterAnnotations: {},
      kubernetesVersions: ['v1.31.2', 'v1.32.4', 'v1.33.3', 'v1.34.1'],
      controlPlane: {
        exists: true,
        specVersion: 'v1.31.2',
        statusVersion: 'v1.31.2',
        isScaling: false,
        kind: 'KubeadmControlPlane',
      },
      machineDeployments: [
        md('md-0', 'v1.31.2'),
        md('md-1', 'v1.31.2', { annotations: { [Annotation.ClusterTopologyDeferUpgrade]: 'true' } }),
        { topologyName: 'md-2', exists: false, machineVersions: [], annotations: {} },
      ],
    });
    assert.deepEqual(topologyReconciledProgress(d, 'v1.34.1'), {
      reason: 'ClusterUpgrading',
      message:
        'Cluster is upgrading to v1.34.1\n' +
        '  * KubeadmControlPlane upgrading to version v1.32.4 (v1.33.3, v1.34.1 pending)\n' +
        '  * MachineDeployment c1-md-0-x7k2p pending upgrade to version v1.34.1\n' +
        '  * MachineDeployment c1-md-1-x7k2p upgrade to version v1.32.4 deferred using defer-upgrade or ' +
        'hold-upgrade-sequence annotations\n' +
        '  * MachineDeployment md-2 creation deferred while control plane upgrade is in progress',
    });
  });
});

describe('nameList', () => {
  it('shortens long lists', () => {
    assert.equal(nameList('MachineDeployment', 'MachineDeployments', ['b']), 'MachineDeployment b');
    assert.equal(nameList('MachineDeployment', 'MachineDeployments', ['b', 'a']), 'MachineDeployments a, b');
    assert.equal(
      nameList('MachineDeployment', 'MachineDeployments', ['e', 'd', 'c', 'b', 'a']),
      'MachineDeployments a, b, c, ... (2 more)',
    );
  });
});
