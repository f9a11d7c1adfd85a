import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineTemplateSpec } from '../../api/v1beta2/machine-types.js';
import {
  findNewAndOldMachineSets,
  machineTemplateUpToDate,
  rolloutFields,
  type TemplatedMachineSet,
  templateHash,
} from './machine-template.js';
import { machineUpToDateCondition } from './machine-up-to-date.js';

const template = (): MachineTemplateSpec => ({
  metadata: { labels: { l1: 'v1' }, annotations: { a1: 'v1' } },
  spec: {
    clusterName: 'cluster1',
    version: 'v1.33.1',
    failureDomain: 'fd1',
    minReadySeconds: 10,
    deletion: {
      nodeDrainTimeoutSeconds: 10,
      nodeDeletionTimeoutSeconds: 10,
      nodeVolumeDetachTimeoutSeconds: 10,
    },
    readinessGates: [{ conditionType: 'Gate' }],
    infrastructureRef: {
      apiGroup: 'infrastructure.cluster.x-k8s.io',
      kind: 'DevMachineTemplate',
      name: 'infra1',
    },
    bootstrap: {
      configRef: {
        apiGroup: 'bootstrap.cluster.x-k8s.io',
        kind: 'KubeadmConfigTemplate',
        name: 'bootstrap1',
      },
    },
  },
});

const ms = (
  name: string,
  t: MachineTemplateSpec,
  options: { replicas?: number; created?: string } = {},
): TemplatedMachineSet => ({
  metadata: { name, creationTimestamp: options.created ?? '2026-01-01T00:00:00Z' },
  spec: { replicas: options.replicas ?? 1, template: t },
});

describe('machine template comparison', () => {
  it('ignores in-place fields: metadata, minReadySeconds, readinessGates, deletion timeouts, taints', () => {
    const changed = template();
    changed.metadata = { labels: { other: 'x' } };
    changed.spec.minReadySeconds = 99;
    changed.spec.readinessGates = [];
    changed.spec.deletion = { nodeDrainTimeoutSeconds: 1 };
    changed.spec.taints = [{ key: 'k', effect: 'NoSchedule', propagation: 'Always' }];
    changed.spec.clusterName = 'renamed';
    const result = machineTemplateUpToDate(template(), changed);
    assert.deepEqual(result, { upToDate: true, logMessages: [], conditionMessages: [] });
    assert.equal(templateHash(template()), templateHash(changed));
    assert.equal(rolloutFields(changed).metadata, undefined);
  });

  it('reports version, bootstrap, infrastructure and failure domain changes in upstream words', () => {
    const desired = template();
    desired.spec.version = 'v1.34.0';
    desired.spec.infrastructureRef = { ...desired.spec.infrastructureRef, name: 'infra2' };
    desired.spec.bootstrap = { configRef: { ...desired.spec.bootstrap.configRef!, name: 'bootstrap2' } };
    desired.spec.failureDomain = 'fd2';
    const result = machineTemplateUpToDate(template(), desired);
    assert.equal(result.upToDate, false);
    assert.deepEqual(result.conditionMessages, [
      'Version v1.33.1, v1.34.0 required',
      'KubeadmConfig is not up-to-date',
      'DevMachine is not up-to-date',
      'Failure domain fd1, fd2 required',
    ]);
    assert.deepEqual(result.logMessages, [
      'spec.version v1.33.1, v1.34.0 required',
      'spec.bootstrap.configRef KubeadmConfigTemplate bootstrap1, KubeadmConfigTemplate bootstrap2 required',
      'spec.infrastructureRef DevMachineTemplate infra1, DevMachineTemplate infra2 required',
      'spec.failureDomain fd1, fd2 required',
    ]);
    assert.notEqual(templateHash(template()), templateHash(desired));
  });

  it('names dataSecretName changes when there is no configRef', () => {
    const current = template();
    current.spec.bootstrap = { dataSecretName: 'a' };
    const desired = template();
    desired.spec.bootstrap = { dataSecretName: 'b' };
    assert.deepEqual(machineTemplateUpToDate(current, desired).conditionMessages, [
      'spec.bootstrap.dataSecretName a, b required',
    ]);
  });

  it('hashes key order independently and as an unsigned 32-bit number', () => {
    const a = template();
    const b: MachineTemplateSpec = JSON.parse(JSON.stringify({ spec: { ...a.spec } })) as MachineTemplateSpec;
    const reordered = Object.fromEntries(Object.entries(b.spec).reverse()) as MachineTemplateSpec['spec'];
    assert.equal(templateHash(a), templateHash({ spec: reordered }));
    assert.ok(Number.isInteger(templateHash(a)) && templateHash(a) >= 0 && templateHash(a) < 2 ** 32);
  });
});

describe('findNewAndOldMachineSets', () => {
  const md = (after?: string) => ({
    spec: { template: template(), ...(after ? { rollout: { after } } : {}) },
  });
  const oldT = template();
  oldT.spec.infrastructureRef = { ...oldT.spec.infrastructureRef, name: 'old' };
  const now = Date.parse('2026-06-01T12:00:00Z');

  it('creates when there is none, with upstream reasons', () => {
    assert.equal(
      findNewAndOldMachineSets(md(), [], now).createReason,
      'no MachineSets exist for the MachineDeployment',
    );
    const found = findNewAndOldMachineSets(md(), [ms('old', oldT)], now);
    assert.equal(found.newMS, undefined);
    assert.equal(
      found.createReason,
      "couldn't find MachineSet matching MachineDeployment spec template: MachineSet old needs rollout: spec.infrastructureRef DevMachineTemplate old, DevMachineTemplate infra1 required",
    );
  });

  it('picks the matching MachineSet with the most replicas; the rest is old', () => {
    const inPlace = template();
    inPlace.spec.taints = [{ key: 'k', effect: 'NoSchedule', propagation: 'Always' }];
    const found = findNewAndOldMachineSets(
      md(),
      [ms('a', template(), { replicas: 1 }), ms('b', inPlace, { replicas: 2 }), ms('old', oldT)],
      now,
    );
    assert.equal(found.newMS?.metadata.name, 'b');
    assert.deepEqual(found.oldMSs.map((m) => m.metadata.name).sort(), ['a', 'old']);
  });

  it('honours rollout.after: before it nothing changes, after it only a MachineSet created since counts', () => {
    const before = ms('before', template(), { created: '2026-06-01T10:00:00Z' });
    const future = findNewAndOldMachineSets(md('2026-06-01T13:00:00Z'), [before], now);
    assert.equal(future.newMS?.metadata.name, 'before');
    const past = findNewAndOldMachineSets(md('2026-06-01T11:00:00Z'), [before], now);
    assert.equal(past.newMS, undefined);
    assert.equal(
      past.createReason,
      'spec.rollout.after on MachineDeployment set to 2026-06-01T11:00:00Z, no MachineSet has been created afterwards',
    );
    const after = ms('after', template(), { created: '2026-06-01T11:00:00Z' });
    const both = findNewAndOldMachineSets(md('2026-06-01T11:00:00.400Z'), [before, after], now);
    // metav1.Time has whole seconds: a MachineSet created in the same second as rollout.after is new.
    assert.equal(both.newMS?.metadata.name, 'after');
    assert.deepEqual(
      both.oldMSs.map((m) => m.metadata.name),
      ['before'],
    );
  });
});

describe('Machine UpToDate condition', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const machine = { spec: template().spec, status: {} };

  it('is True for a Machine of a MachineSet with the MachineDeployment template', () => {
    const c = machineUpToDateCondition(machine, ms('a', template()), { spec: { template: template() } }, now);
    assert.deepEqual(c, { type: 'UpToDate', status: 'True', reason: 'UpToDate' });
  });

  it('is False/NotUpToDate with `* ` lines when the MachineSet template is outdated or rollout.after expired', () => {
    const desired = template();
    desired.spec.version = 'v1.34.0';
    const c = machineUpToDateCondition(
      machine,
      ms('a', template(), { created: '2026-06-01T10:00:00Z' }),
      { spec: { template: desired, rollout: { after: '2026-06-01T11:00:00Z' } } },
      now,
    );
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'NotUpToDate');
    assert.equal(
      c.message,
      '* Version v1.33.1, v1.34.0 required\n* MachineDeployment spec.rolloutAfter expired',
    );
  });

  it('is False/Updating while the kubelet runs another version', () => {
    const c = machineUpToDateCondition(
      { spec: template().spec, status: { nodeInfo: { kubeletVersion: 'v1.32.0' } as never } },
      ms('a', template()),
      { spec: { template: template() } },
      now,
    );
    assert.deepEqual(c, {
      type: 'UpToDate',
      status: 'False',
      reason: 'Updating',
      message: '* Node.status.nodeInfo.kubeletVersion v1.32.0, v1.33.1 required',
    });
  });
});
