import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation } from '../../api/v1beta2/well-known.js';
import {
  decideUpgrade,
  type ControlPlaneUpgradeState,
  type MachineDeploymentUpgradeState,
  type UpgradeDecision,
  type UpgradeInput,
} from './decide-upgrade.js';
import { isInvalidVersionError, isUpgradePlanError } from './errors.js';
import { topologyReconciledProgress } from './topology-reconciled-progress.js';

const DEFER = { [Annotation.ClusterTopologyDeferUpgrade]: '' };
const HOLD = { [Annotation.ClusterTopologyHoldUpgradeSequence]: '' };

const controlPlane = (
  spec: string,
  status: string | null = spec,
  extra: Partial<ControlPlaneUpgradeState> = {},
): ControlPlaneUpgradeState => ({
  exists: true,
  specVersion: spec,
  statusVersion: status ?? undefined,
  isScaling: false,
  kind: 'KubeadmControlPlane',
  ...extra,
});

const md = (
  topologyName: string,
  spec: string,
  extra: Partial<MachineDeploymentUpgradeState> = {},
): MachineDeploymentUpgradeState => ({
  topologyName,
  exists: true,
  name: `c1-${topologyName}-x7k2p`,
  specVersion: spec,
  machineVersions: [spec, spec],
  annotations: {},
  ...extra,
});

const newMd = (topologyName: string): MachineDeploymentUpgradeState => ({
  topologyName,
  exists: false,
  machineVersions: [],
  annotations: {},
});

const input = (
  topologyVersion: string,
  cp: ControlPlaneUpgradeState,
  mds: MachineDeploymentUpgradeState[],
  extra: Partial<UpgradeInput> = {},
): UpgradeInput => ({
  topologyVersion,
  clusterAnnotations: {},
  controlPlane: cp,
  machineDeployments: mds,
  ...extra,
});

const versions = (d: UpgradeDecision): Record<string, string> => ({
  cp: d.controlPlaneVersion,
  ...Object.fromEntries(d.machineDeploymentVersions),
});

/**
 * A Cluster whose control plane and MachineDeployments roll out instantly between reconciles: each reconcile
 * applies the decided versions to the specs, then every Machine (and the control plane status) catches up.
 * Returns, per reconcile, what changed version, and the decision of the reconcile where nothing moved any more.
 */
function rollOutTo(start: UpgradeInput, maxReconciles = 20): { trace: string[][]; last: UpgradeDecision } {
  let state = start;
  const trace: string[][] = [];
  for (let i = 0; i < maxReconciles; i++) {
    const d = decideUpgrade(state);
    const changed: string[] = [];
    if (d.controlPlaneVersion !== state.controlPlane.specVersion) changed.push(`cp ${d.controlPlaneVersion}`);
    for (const m of state.machineDeployments) {
      if (d.machineDeployments.pendingCreate.includes(m.topologyName)) continue;
      const v = d.machineDeploymentVersions.get(m.topologyName);
      if (v !== m.specVersion) changed.push(`${m.topologyName} ${v}`);
    }
    if (changed.length === 0) return { trace, last: d };
    trace.push(changed);
    state = {
      ...state,
      controlPlane: {
        ...state.controlPlane,
        specVersion: d.controlPlaneVersion,
        statusVersion: d.controlPlaneVersion,
      },
      machineDeployments: state.machineDeployments.map((m) => {
        if (d.machineDeployments.pendingCreate.includes(m.topologyName)) return m;
        const v = d.machineDeploymentVersions.get(m.topologyName) ?? '';
        return { ...m, exists: true, specVersion: v, machineVersions: [v, v] };
      }),
    };
  }
  assert.fail(`no steady state after ${maxReconciles} reconciles: ${JSON.stringify(trace)}`);
}

/** The trace of a roll-out that ends with nothing left to do. */
function rollOut(start: UpgradeInput): string[][] {
  const { trace, last } = rollOutTo(start);
  assert.deepEqual(last.upgradePlan, { controlPlane: [], workers: [] }, 'nothing moves but a plan is left');
  assert.equal(topologyReconciledProgress(last, start.topologyVersion), undefined);
  return trace;
}

describe('decideUpgrade: creation', () => {
  it('creates the control plane and MachineDeployments at the topology version', () => {
    const d = decideUpgrade(
      input('v1.33.0', { exists: false, isScaling: false }, [newMd('md-0'), newMd('md-1')], {
        kubernetesVersions: ['v1.31.0', 'v1.32.0', 'v1.33.0'],
      }),
    );
    assert.equal(d.controlPlaneVersion, 'v1.33.0');
    assert.deepEqual(versions(d), { cp: 'v1.33.0', 'md-0': 'v1.33.0', 'md-1': 'v1.33.0' });
    assert.deepEqual(d.machineDeployments.pendingCreate, []);
    assert.deepEqual(d.upgradePlan, { controlPlane: [], workers: [] });
    assert.equal(d.upgradeStep, undefined);
  });

  it('holds new MachineDeployments back while the control plane is provisioning', () => {
    const d = decideUpgrade(
      input('v1.33.0', controlPlane('v1.33.0', null), [md('md-0', 'v1.33.0'), newMd('md-1')]),
    );
    assert.equal(d.controlPlane.isProvisioning, true);
    assert.equal(d.controlPlane.isPendingUpgrade, false);
    assert.deepEqual(d.machineDeployments.pendingCreate, ['md-1']);
    assert.equal(d.machineDeploymentVersions.get('md-1'), 'v1.33.0');
  });

  it('reads provisioning from status.versions when the control plane reports them', () => {
    const provisioning = decideUpgrade(
      input('v1.33.0', controlPlane('v1.33.0', null, { statusVersions: [] }), [newMd('md-0')]),
    );
    assert.equal(provisioning.controlPlane.isProvisioning, true);
    const up = decideUpgrade(
      input('v1.33.0', controlPlane('v1.33.0', null, { statusVersions: ['v1.33.0'] }), [newMd('md-0')]),
    );
    assert.equal(up.controlPlane.isProvisioning, false);
    assert.deepEqual(up.machineDeployments.pendingCreate, []);
  });
});

describe('decideUpgrade: one minor', () => {
  const start = (annotations: Record<string, string> = {}) =>
    input(
      'v1.32.0',
      controlPlane('v1.31.0'),
      [md('md-0', 'v1.31.0'), md('md-1', 'v1.31.0'), md('md-2', 'v1.31.0')],
      {
        clusterAnnotations: annotations,
      },
    );

  it('upgrades the control plane first, then one MachineDeployment at a time in topology order', () => {
    assert.deepEqual(rollOut(start()), [
      ['cp v1.32.0'],
      ['md-0 v1.32.0'],
      ['md-1 v1.32.0'],
      ['md-2 v1.32.0'],
    ]);
  });

  it('upgrades as many MachineDeployments at once as upgrade-concurrency allows', () => {
    const concurrency = (value: string) => ({ [Annotation.ClusterTopologyUpgradeConcurrency]: value });
    assert.deepEqual(rollOut(start(concurrency('2'))), [
      ['cp v1.32.0'],
      ['md-0 v1.32.0', 'md-1 v1.32.0'],
      ['md-2 v1.32.0'],
    ]);
    assert.deepEqual(rollOut(start(concurrency('10'))), [
      ['cp v1.32.0'],
      ['md-0 v1.32.0', 'md-1 v1.32.0', 'md-2 v1.32.0'],
    ]);
    // Values the webhook would reject fall back to 1, as upstream's Atoi-and-clamp does.
    for (const value of ['0', '-3', 'two', '']) {
      assert.deepEqual(rollOut(start(concurrency(value))).length, 4, value);
    }
  });

  it('reports each reconcile of the sequence', () => {
    // Reconcile 1: the control plane takes the new version; MachineDeployments wait.
    const first = decideUpgrade(start());
    assert.equal(first.controlPlaneVersion, 'v1.32.0');
    assert.deepEqual(first.controlPlane, {
      isPendingUpgrade: false,
      isUpgrading: false,
      isProvisioning: false,
      isStartingUpgrade: true,
      isWaitingForWorkersUpgrade: false,
    });
    assert.deepEqual(first.machineDeployments.pendingUpgrade, ['md-0', 'md-1', 'md-2']);
    assert.deepEqual(first.upgradePlan, { controlPlane: ['v1.32.0'], workers: ['v1.32.0'] });
    assert.equal(first.upgradeStep, 'v1.32.0');
    assert.equal(first.minWorkersVersion, 'v1.31.0');

    // Reconcile 2: the control plane rolls out (status behind spec); MachineDeployments still wait.
    const mds = [md('md-0', 'v1.31.0'), md('md-1', 'v1.31.0'), md('md-2', 'v1.31.0')];
    const second = decideUpgrade(input('v1.32.0', controlPlane('v1.32.0', 'v1.31.0'), mds));
    assert.equal(second.controlPlane.isUpgrading, true);
    assert.equal(second.controlPlane.isPendingUpgrade, false);
    assert.deepEqual(second.machineDeployments.pendingUpgrade, ['md-0', 'md-1', 'md-2']);
    assert.deepEqual(second.upgradePlan, { controlPlane: [], workers: ['v1.32.0'] });

    // Reconcile 3: the control plane is done; md-0 starts.
    const third = decideUpgrade(input('v1.32.0', controlPlane('v1.32.0'), mds));
    assert.equal(third.controlPlane.isWaitingForWorkersUpgrade, true);
    assert.deepEqual(versions(third), {
      cp: 'v1.32.0',
      'md-0': 'v1.32.0',
      'md-1': 'v1.31.0',
      'md-2': 'v1.31.0',
    });
    assert.deepEqual(third.machineDeployments.upgrading, ['md-0']);
    assert.deepEqual(third.machineDeployments.pendingUpgrade, ['md-1', 'md-2']);

    // Reconcile 4: md-0 rolls out (one Machine still old): md-1 waits for it.
    const rolling = [md('md-0', 'v1.32.0', { machineVersions: ['v1.32.0', 'v1.31.0'] }), ...mds.slice(1)];
    const fourth = decideUpgrade(input('v1.32.0', controlPlane('v1.32.0'), rolling));
    assert.deepEqual(fourth.machineDeployments.upgrading, ['md-0']);
    assert.deepEqual(fourth.machineDeployments.pendingUpgrade, ['md-1', 'md-2']);
    assert.equal(fourth.machineDeploymentVersions.get('md-1'), 'v1.31.0');

    // Last: everything is at the version; nothing pending, the annotation goes.
    const done = decideUpgrade(
      input('v1.32.0', controlPlane('v1.32.0'), [
        md('md-0', 'v1.32.0'),
        md('md-1', 'v1.32.0'),
        md('md-2', 'v1.32.0'),
      ]),
    );
    assert.deepEqual(done.upgradePlan, { controlPlane: [], workers: [] });
    assert.equal(done.upgradeStep, undefined);
    assert.deepEqual(done.machineDeployments, {
      upgrading: [],
      pendingUpgrade: [],
      deferred: [],
      pendingCreate: [],
      objectNames: new Map([
        ['md-0', 'c1-md-0-x7k2p'],
        ['md-1', 'c1-md-1-x7k2p'],
        ['md-2', 'c1-md-2-x7k2p'],
      ]),
    });
  });

  it('counts a MachineDeployment as upgrading while a kubelet reports another version', () => {
    const d = decideUpgrade(
      input('v1.32.0', controlPlane('v1.32.0'), [
        md('md-0', 'v1.32.0', { kubeletVersions: ['v1.31.0', ''] }),
        md('md-1', 'v1.31.0'),
      ]),
    );
    assert.deepEqual(d.machineDeployments.upgrading, ['md-0']);
    assert.equal(d.machineDeploymentVersions.get('md-1'), 'v1.31.0');
  });

  it('fails for a Machine without a version, naming the MachineDeployment', () => {
    assert.throws(
      () =>
        decideUpgrade(
          input('v1.32.0', controlPlane('v1.32.0'), [md('md-0', 'v1.32.0', { machineVersions: [''] })]),
        ),
      (err) => isUpgradePlanError(err) && err.message.includes('c1-md-0-x7k2p'),
    );
  });
});

describe('decideUpgrade: what holds the control plane back', () => {
  const mds = () => [md('md-0', 'v1.31.0'), md('md-1', 'v1.31.0')];

  it('waits while the control plane is still rolling out a previous version', () => {
    const d = decideUpgrade(input('v1.32.0', controlPlane('v1.31.0', 'v1.30.0'), mds()));
    assert.equal(d.controlPlaneVersion, 'v1.31.0');
    assert.equal(d.controlPlane.isUpgrading, true);
    assert.equal(d.controlPlane.isPendingUpgrade, true);
    assert.deepEqual(d.upgradePlan.controlPlane, ['v1.32.0']);
  });

  it('reads upgrading from status.versions and from machinesUpToDate', () => {
    const fromVersions = decideUpgrade(
      input('v1.32.0', controlPlane('v1.31.0', 'v1.31.0', { statusVersions: ['v1.30.0', 'v1.31.0'] }), mds()),
    );
    assert.equal(fromVersions.controlPlane.isUpgrading, true);
    assert.equal(fromVersions.controlPlaneVersion, 'v1.31.0');
    const fromMachines = decideUpgrade(
      input('v1.32.0', controlPlane('v1.31.0', 'v1.31.0', { machinesUpToDate: false }), mds()),
    );
    assert.equal(fromMachines.controlPlane.isUpgrading, true);
    // A build-tag-only difference counts as upgrading too.
    const buildTag = decideUpgrade(input('v1.31.0+b', controlPlane('v1.31.0+b', 'v1.31.0+a'), []));
    assert.equal(buildTag.controlPlane.isUpgrading, true);
  });

  it('does not wait for the control plane to finish scaling (upstream dropped that check)', () => {
    const d = decideUpgrade(input('v1.32.0', controlPlane('v1.31.0', 'v1.31.0', { isScaling: true }), mds()));
    assert.equal(d.controlPlaneVersion, 'v1.32.0');
    assert.equal(d.controlPlane.isStartingUpgrade, true);
  });

  it('waits for MachineDeployments still rolling out a previous upgrade', () => {
    const previous = [
      md('md-0', 'v1.32.0', { machineVersions: ['v1.31.0', 'v1.32.0'] }),
      md('md-1', 'v1.32.0'),
      newMd('md-2'),
    ];
    const d = decideUpgrade(input('v1.33.0', controlPlane('v1.32.0'), previous));
    assert.equal(d.controlPlaneVersion, 'v1.32.0');
    assert.equal(d.controlPlane.isPendingUpgrade, true);
    assert.equal(d.controlPlane.isStartingUpgrade, false);
    assert.deepEqual(d.machineDeployments.upgrading, ['md-0']);
    // Neither can take v1.33.0 before the control plane (md-0 is in both lists, as upstream tracks it); the new
    // md-2 waits for a stable control plane.
    assert.deepEqual(d.machineDeployments.pendingUpgrade, ['md-0', 'md-1']);
    assert.deepEqual(versions(d), { cp: 'v1.32.0', 'md-0': 'v1.32.0', 'md-1': 'v1.32.0', 'md-2': 'v1.33.0' });
    assert.deepEqual(d.machineDeployments.pendingCreate, ['md-2']);
    assert.deepEqual(d.upgradePlan, { controlPlane: ['v1.33.0'], workers: ['v1.33.0'] });
  });
});

describe('decideUpgrade: defer-upgrade and hold-upgrade-sequence', () => {
  it('skips a MachineDeployment with defer-upgrade', () => {
    const start = input('v1.32.0', controlPlane('v1.31.0'), [
      md('md-0', 'v1.31.0', { annotations: DEFER }),
      md('md-1', 'v1.31.0'),
    ]);
    const { trace, last } = rollOutTo(start);
    assert.deepEqual(trace, [['cp v1.32.0'], ['md-1 v1.32.0']]);
    assert.deepEqual(
      topologyReconciledProgress(last, 'v1.32.0')?.reason,
      'MachineDeploymentsUpgradeDeferred',
    );

    const d = decideUpgrade(
      input('v1.32.0', controlPlane('v1.32.0'), [
        md('md-0', 'v1.31.0', { annotations: DEFER }),
        md('md-1', 'v1.32.0'),
      ]),
    );
    assert.deepEqual(d.machineDeployments.deferred, ['md-0']);
    assert.deepEqual(d.machineDeployments.pendingUpgrade, ['md-0']);
    assert.deepEqual(d.upgradePlan.workers, ['v1.32.0']);
  });

  it('holds the annotated MachineDeployment and all after it', () => {
    const d = decideUpgrade(
      input(
        'v1.32.0',
        controlPlane('v1.32.0'),
        [md('md-0', 'v1.31.0'), md('md-1', 'v1.31.0', { annotations: HOLD }), md('md-2', 'v1.31.0')],
        { clusterAnnotations: { [Annotation.ClusterTopologyUpgradeConcurrency]: '3' } },
      ),
    );
    assert.deepEqual(versions(d), { cp: 'v1.32.0', 'md-0': 'v1.32.0', 'md-1': 'v1.31.0', 'md-2': 'v1.31.0' });
    assert.deepEqual(d.machineDeployments.deferred, ['md-1', 'md-2']);
    assert.deepEqual(d.machineDeployments.upgrading, ['md-0']);
  });

  it('does not hold MachineDeployments already at the topology version', () => {
    const d = decideUpgrade(
      input('v1.32.0', controlPlane('v1.32.0'), [
        md('md-0', 'v1.32.0', { annotations: HOLD }),
        md('md-1', 'v1.32.0'),
      ]),
    );
    assert.deepEqual(d.machineDeployments.deferred, []);
  });
});

describe('decideUpgrade: chained upgrades with kubernetesVersions', () => {
  const kubernetesVersions = [
    'v1.30.0',
    'v1.31.0',
    'v1.31.2',
    'v1.32.0',
    'v1.32.4',
    'v1.33.1',
    'v1.33.3',
    'v1.34.0',
    'v1.34.1',
  ];

  it('walks the control plane through the latest patch of each minor, then the workers once', () => {
    const start = input('v1.34.1', controlPlane('v1.31.2'), [md('md-0', 'v1.31.2'), md('md-1', 'v1.31.2')], {
      kubernetesVersions,
    });
    const first = decideUpgrade(start);
    assert.deepEqual(first.upgradePlan, {
      controlPlane: ['v1.32.4', 'v1.33.3', 'v1.34.1'],
      workers: ['v1.34.1'],
    });
    assert.deepEqual(rollOut(start), [
      ['cp v1.32.4'],
      ['cp v1.33.3'],
      ['cp v1.34.1'],
      ['md-0 v1.34.1'],
      ['md-1 v1.34.1'],
    ]);
  });

  it('reports the remaining plan between steps', () => {
    const mds = [md('md-0', 'v1.31.2'), md('md-1', 'v1.31.2')];
    const upgrading = decideUpgrade(
      input('v1.34.1', controlPlane('v1.32.4', 'v1.31.2'), mds, { kubernetesVersions }),
    );
    assert.equal(upgrading.controlPlane.isUpgrading, true);
    assert.deepEqual(upgrading.upgradePlan, { controlPlane: ['v1.33.3', 'v1.34.1'], workers: ['v1.34.1'] });
    assert.equal(upgrading.upgradeStep, 'v1.32.4');
    // MachineDeployments stay where they are while the control plane is mid-plan.
    assert.deepEqual(upgrading.machineDeployments.pendingUpgrade, ['md-0', 'md-1']);

    const next = decideUpgrade(input('v1.34.1', controlPlane('v1.32.4'), mds, { kubernetesVersions }));
    assert.equal(next.controlPlaneVersion, 'v1.33.3');
    assert.equal(next.upgradeStep, 'v1.33.3');
  });

  it('upgrades workers in between when they would fall more than three minors behind', () => {
    const start = input('v1.34.1', controlPlane('v1.30.0'), [md('md-0', 'v1.30.0'), md('md-1', 'v1.30.0')], {
      kubernetesVersions,
    });
    assert.deepEqual(decideUpgrade(start).upgradePlan.workers, ['v1.33.3', 'v1.34.1']);
    assert.deepEqual(rollOut(start), [
      ['cp v1.31.2'],
      ['cp v1.32.4'],
      ['cp v1.33.3'],
      ['md-0 v1.33.3'],
      ['md-1 v1.33.3'],
      ['cp v1.34.1'],
      ['md-0 v1.34.1'],
      ['md-1 v1.34.1'],
    ]);
  });

  it('keeps the control plane waiting at a skew step while a MachineDeployment is deferred', () => {
    const d = decideUpgrade(
      input(
        'v1.34.1',
        controlPlane('v1.33.3'),
        [md('md-0', 'v1.33.3'), md('md-1', 'v1.30.0', { annotations: DEFER })],
        { kubernetesVersions },
      ),
    );
    assert.equal(d.controlPlaneVersion, 'v1.33.3');
    assert.equal(d.controlPlane.isWaitingForWorkersUpgrade, true);
    assert.equal(d.controlPlane.isPendingUpgrade, true);
    assert.deepEqual(d.machineDeployments.deferred, ['md-1']);
  });

  it('creates new MachineDeployments only once the whole plan is through the control plane', () => {
    const mid = decideUpgrade(
      input('v1.34.1', controlPlane('v1.33.3'), [md('md-0', 'v1.31.2'), newMd('md-new')], {
        kubernetesVersions,
      }),
    );
    assert.equal(mid.controlPlaneVersion, 'v1.34.1');
    assert.deepEqual(mid.machineDeployments.pendingCreate, ['md-new']);

    const end = decideUpgrade(
      input('v1.34.1', controlPlane('v1.34.1'), [md('md-0', 'v1.31.2'), newMd('md-new')], {
        kubernetesVersions,
      }),
    );
    assert.deepEqual(end.machineDeployments.pendingCreate, []);
    assert.equal(end.machineDeploymentVersions.get('md-new'), end.controlPlaneVersion);
  });

  it('chains one minor at a time only through kubernetesVersions', () => {
    assert.throws(
      () => decideUpgrade(input('v1.34.1', controlPlane('v1.31.2'), [md('md-0', 'v1.31.2')])),
      (err) => isUpgradePlanError(err) && err.message.includes('from v1.31.2 to v1.34.1'),
    );
  });
});

describe('decideUpgrade: invalid input', () => {
  it('names an unparseable topology version', () => {
    assert.throws(
      () => decideUpgrade(input('v1.3x.0', { exists: false, isScaling: false }, [])),
      (err) => isInvalidVersionError(err) && err.version === 'v1.3x.0' && err.message.includes('"v1.3x.0"'),
    );
  });

  it('names an unparseable control plane or MachineDeployment version', () => {
    assert.throws(
      () => decideUpgrade(input('v1.32.0', controlPlane('banana'), [])),
      (err) =>
        isInvalidVersionError(err) && err.subject === 'ControlPlane' && err.message.includes('"banana"'),
    );
    assert.throws(
      () => decideUpgrade(input('v1.32.0', controlPlane('v1.32.0'), [md('md-0', 'v1.31.0.1')])),
      (err) => isInvalidVersionError(err) && err.message.includes('MachineDeployment c1-md-0-x7k2p'),
    );
    assert.throws(
      () =>
        decideUpgrade(
          input('v1.32.0', controlPlane('v1.31.0'), [], {
            kubernetesVersions: ['v1.31.0', 'one.thirty-two'],
          }),
        ),
      (err) => isInvalidVersionError(err) && err.message.includes('"one.thirty-two"'),
    );
  });

  it('refuses downgrades', () => {
    assert.throws(
      () => decideUpgrade(input('v1.31.0', controlPlane('v1.32.0'), [md('md-0', 'v1.32.0')])),
      (err) => isUpgradePlanError(err) && /v1\.31\.0 must be greater than v1\.32\.0/.test(err.message),
    );
  });

  it('requires the version of an existing control plane', () => {
    assert.throws(
      () => decideUpgrade(input('v1.32.0', { exists: true, isScaling: false }, [])),
      (err) => isUpgradePlanError(err) && err.message.includes('spec.version'),
    );
  });
});
