import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInvalidVersionError, isUpgradePlanError } from './errors.js';
import {
  computeUpgradePlans,
  defaultAndValidateUpgradePlans,
  planFromKubernetesVersions,
  planOneMinor,
} from './upgrade-plan.js';

describe('planOneMinor', () => {
  it('is empty when the control plane is at the desired version', () => {
    assert.deepEqual(planOneMinor('v1.31.0', 'v1.31.0'), []);
  });

  it('is the single step to the desired version for a minor or patch upgrade', () => {
    assert.deepEqual(planOneMinor('v1.32.0', 'v1.31.0'), ['v1.32.0']);
    assert.deepEqual(planOneMinor('v1.31.5', 'v1.31.0'), ['v1.31.5']);
    assert.deepEqual(planOneMinor('v1.32.0-alpha.2', 'v1.32.0-alpha.1'), ['v1.32.0-alpha.2']);
  });

  it('cannot plan more than one minor', () => {
    assert.throws(
      () => planOneMinor('v1.33.0', 'v1.31.0'),
      (err) =>
        isUpgradePlanError(err) &&
        /cannot compute an upgrade plan from v1\.31\.0 to v1\.33\.0/.test(err.message),
    );
  });
});

describe('planFromKubernetesVersions', () => {
  it('takes the last listed version of every minor up to the desired version', () => {
    const versions = ['v1.31.0', 'v1.31.1', 'v1.32.0', 'v1.32.2', 'v1.32.3', 'v1.33.0', 'v1.33.1'];
    assert.deepEqual(planFromKubernetesVersions(versions, 'v1.33.1', 'v1.31.0'), ['v1.32.3', 'v1.33.1']);
  });

  it('stops at the desired version even when later patches of its minor are listed', () => {
    assert.deepEqual(planFromKubernetesVersions(['v1.31.0', 'v1.32.0', 'v1.32.1'], 'v1.32.0', 'v1.31.0'), [
      'v1.32.0',
    ]);
  });

  it('is one step for a patch upgrade inside the current minor', () => {
    assert.deepEqual(planFromKubernetesVersions(['v1.35.1', 'v1.35.2', 'v1.35.3'], 'v1.35.3', 'v1.35.1'), [
      'v1.35.3',
    ]);
    assert.deepEqual(planFromKubernetesVersions(['v1.35.1', 'v1.35.2', 'v1.35.3'], 'v1.35.2', 'v1.35.1'), [
      'v1.35.2',
    ]);
  });

  it('orders pre-releases and picks the last one of a minor', () => {
    const versions = ['v1.31.0', 'v1.32.0-alpha.0', 'v1.32.0-alpha.2', 'v1.33.0', 'v1.33.1'];
    assert.deepEqual(planFromKubernetesVersions(versions, 'v1.33.1', 'v1.31.0'), [
      'v1.32.0-alpha.2',
      'v1.33.1',
    ]);
  });

  it('follows list order for versions that differ only in unordered build tags', () => {
    const versions = [
      'v1.31.0+a',
      'v1.31.0+b',
      'v1.31.0+c',
      'v1.31.1+a',
      'v1.32.0+a',
      'v1.32.0+b',
      'v1.32.0+c',
      'v1.33.0+b',
      'v1.33.1+a',
      'v1.33.1+b',
      'v1.33.1+c',
    ];
    assert.deepEqual(planFromKubernetesVersions(versions, 'v1.33.1+b', 'v1.31.0+b'), [
      'v1.32.0+c',
      'v1.33.1+b',
    ]);
  });

  it('plans from a control plane version that is not listed', () => {
    assert.deepEqual(planFromKubernetesVersions(['v1.31.1', 'v1.32.0', 'v1.33.0'], 'v1.33.0', 'v1.31.0'), [
      'v1.32.0',
      'v1.33.0',
    ]);
    assert.deepEqual(planFromKubernetesVersions(['v1.31.0', 'v1.32.0', 'v1.33.0'], 'v1.33.0', 'v1.31.2'), [
      'v1.32.0',
      'v1.33.0',
    ]);
  });

  it('names an unparseable list entry', () => {
    assert.throws(
      () => planFromKubernetesVersions(['v1.31.0', 'v1.x'], 'v1.32.0', 'v1.31.0'),
      (err) => isInvalidVersionError(err) && err.version === 'v1.x' && err.message.includes('"v1.x"'),
    );
  });
});

describe('defaultAndValidateUpgradePlans', () => {
  const plan = (cp: string, workers: string | undefined, controlPlanePlan: string[], desired = 'v1.34.1') =>
    defaultAndValidateUpgradePlans({
      desiredVersion: desired,
      controlPlaneVersion: cp,
      minWorkersVersion: workers,
      controlPlanePlan,
    });

  it('upgrades workers only at the end when the skew stays within three minors', () => {
    assert.deepEqual(plan('v1.31.1', 'v1.31.1', ['v1.32.0', 'v1.33.1', 'v1.34.1']), ['v1.34.1']);
  });

  it('adds a worker step every third minor to respect the version skew policy', () => {
    const cpPlan = ['v1.31.1', 'v1.32.0', 'v1.33.1', 'v1.34.1'];
    assert.deepEqual(plan('v1.30.0', 'v1.30.0', cpPlan), ['v1.33.1', 'v1.34.1']);
    // The plan keeps its first worker step until the workers reached it.
    assert.deepEqual(plan('v1.32.0', 'v1.30.0', ['v1.33.1', 'v1.34.1']), ['v1.33.1', 'v1.34.1']);
    assert.deepEqual(plan('v1.33.1', 'v1.30.0', ['v1.34.1']), ['v1.33.1', 'v1.34.1']);
    assert.deepEqual(plan('v1.33.1', 'v1.33.1', ['v1.34.1']), ['v1.34.1']);
    assert.deepEqual(plan('v1.34.1', 'v1.33.1', []), ['v1.34.1']);
  });

  it('uses the last step of a minor the control plane goes through more than once', () => {
    const cpPlan = ['v1.31.1', 'v1.31.2', 'v1.32.0', 'v1.33.1', 'v1.33.2', 'v1.34.1'];
    assert.deepEqual(plan('v1.30.0', 'v1.30.0', cpPlan), ['v1.33.2', 'v1.34.1']);
  });

  it('is empty without workers or when workers are at the desired version', () => {
    assert.deepEqual(plan('v1.33.1', undefined, ['v1.34.1']), []);
    assert.deepEqual(plan('v1.34.1', 'v1.34.1', []), []);
  });

  it('rejects a control plane plan that goes down, skips a minor or misses the target', () => {
    assert.throws(
      () => plan('v1.31.0', 'v1.31.0', ['v1.30.0'], 'v1.30.0'),
      /invalid ControlPlane upgrade plan: item 0; version v1\.30\.0 must be greater than v1\.31\.0/,
    );
    assert.throws(
      () => plan('v1.31.0', 'v1.31.0', ['v1.33.0'], 'v1.33.0'),
      /expecting a version with minor 31 or 32, found version v1\.33\.0/,
    );
    assert.throws(
      () => plan('v1.31.0', 'v1.31.0', ['v1.32.0'], 'v1.33.0'),
      /control plane upgrade plan must end with version v1\.33\.0, ends with v1\.32\.0 instead/,
    );
    assert.throws(() => plan('v1.33.0', 'v1.33.0', ['v1.33.0'], 'v1.33.0'), /already at the desired version/);
  });

  it('validates a given workers plan', () => {
    const validate = (
      workersPlan: string[],
      controlPlanePlan = ['v1.31.1', 'v1.32.0', 'v1.33.1', 'v1.34.1'],
    ) =>
      defaultAndValidateUpgradePlans({
        desiredVersion: 'v1.34.1',
        controlPlaneVersion: 'v1.30.0',
        minWorkersVersion: 'v1.30.0',
        controlPlanePlan,
        workersPlan,
      });
    assert.deepEqual(validate(['v1.32.0', 'v1.34.1']), ['v1.32.0', 'v1.34.1']);
    assert.throws(() => validate(['v1.32.5', 'v1.34.1']), /versions v1\.32\.5 doesn't match any versions/);
    assert.throws(() => validate(['v1.34.1']), /workers cannot go from minor 30 \(v1\.30\.0\) to minor 34/);
    assert.throws(
      () => validate(['v1.33.1', 'v1.32.0', 'v1.34.1']),
      /item 1; version v1\.32\.0 must be greater/,
    );
    assert.throws(
      () => validate(['v1.32.0', 'v1.33.1']),
      /workers upgrade plan must end with version v1\.34\.1/,
    );
  });

  it('requires build-tag-only differences in the workers plan to follow the control plane order', () => {
    const cpPlan = ['v1.31.1+foo.1-bar.1', 'v1.31.1+foo.2-bar.1', 'v1.32.1+foo.1-bar.1'];
    const validate = (workersPlan: string[]) =>
      defaultAndValidateUpgradePlans({
        desiredVersion: 'v1.32.1+foo.1-bar.1',
        controlPlaneVersion: 'v1.30.0+foo.1-bar.1',
        minWorkersVersion: 'v1.30.0+foo.1-bar.1',
        controlPlanePlan: cpPlan,
        workersPlan,
      });
    assert.deepEqual(validate(cpPlan), cpPlan);
    assert.throws(
      () => validate(['v1.31.1+foo.2-bar.1', 'v1.31.1+foo.1-bar.1', 'v1.32.1+foo.1-bar.1']),
      /item 1; version v1\.31\.1\+foo\.1-bar\.1 must be before v1\.31\.1\+foo\.2-bar\.1/,
    );
  });

  it('fails clearly when workers lag too far behind the control plane for a skew step', () => {
    assert.throws(
      () => plan('v1.33.0', 'v1.29.0', ['v1.34.0', 'v1.35.0'], 'v1.35.0'),
      (err) => isUpgradePlanError(err) && /unable to identify version for minor 32/.test(err.message),
    );
  });
});

describe('computeUpgradePlans', () => {
  it('is empty when everything is at the topology version', () => {
    assert.deepEqual(
      computeUpgradePlans({
        topologyVersion: 'v1.33.1',
        controlPlaneVersion: 'v1.33.1',
        workers: [{ name: 'md-0', version: 'v1.33.1' }],
      }),
      { controlPlane: [], workers: [], minWorkersVersion: 'v1.33.1' },
    );
  });

  it('keeps a workers plan after the control plane finished', () => {
    assert.deepEqual(
      computeUpgradePlans({
        topologyVersion: 'v1.32.0',
        controlPlaneVersion: 'v1.32.0',
        workers: [
          { name: 'md-0', version: 'v1.32.0' },
          { name: 'md-1', version: 'v1.31.0' },
        ],
      }),
      { controlPlane: [], workers: ['v1.32.0'], minWorkersVersion: 'v1.31.0' },
    );
  });

  it('chains through ClusterClass kubernetesVersions', () => {
    assert.deepEqual(
      computeUpgradePlans({
        topologyVersion: 'v1.34.1',
        controlPlaneVersion: 'v1.31.2',
        workers: [{ name: 'md-0', version: 'v1.31.2' }],
        kubernetesVersions: ['v1.31.2', 'v1.32.0', 'v1.32.4', 'v1.33.1', 'v1.33.3', 'v1.34.0', 'v1.34.1'],
      }),
      { controlPlane: ['v1.32.4', 'v1.33.3', 'v1.34.1'], workers: ['v1.34.1'], minWorkersVersion: 'v1.31.2' },
    );
  });

  it('fails when the topology version is not in kubernetesVersions', () => {
    assert.throws(
      () =>
        computeUpgradePlans({
          topologyVersion: 'v1.33.2',
          controlPlaneVersion: 'v1.31.2',
          workers: [],
          kubernetesVersions: ['v1.31.2', 'v1.32.4', 'v1.33.1', 'v1.34.0'],
        }),
      /must end with version v1\.33\.2, ends with v1\.33\.1 instead/,
    );
  });

  it('names unparseable versions and whose they are', () => {
    assert.throws(
      () => computeUpgradePlans({ topologyVersion: 'latest', controlPlaneVersion: 'v1.31.0', workers: [] }),
      (err) =>
        isInvalidVersionError(err) &&
        err.subject === 'Cluster' &&
        err.message.startsWith('failed to parse Cluster spec.topology.version "latest"'),
    );
    assert.throws(
      () =>
        computeUpgradePlans({
          topologyVersion: 'v1.32.0',
          controlPlaneVersion: 'v1.31.0',
          workers: [{ name: 'c1-md-0-x7k2p', version: 'v1.31.0-' }],
        }),
      (err) =>
        isInvalidVersionError(err) &&
        err.message.includes('MachineDeployment c1-md-0-x7k2p') &&
        err.message.includes('"v1.31.0-"'),
    );
  });
});
