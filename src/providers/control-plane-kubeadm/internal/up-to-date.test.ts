import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeadmConfigSpec } from '../../bootstrap-kubeadm/api/index.js';
import type { KubeadmControlPlaneSpec } from '../api/index.js';
import { desiredKubeadmConfigSpec, machineReadinessGates } from './desired-state.js';
import {
  DAY,
  HOUR,
  infraMachine,
  iso,
  kcp,
  kubeadmConfig,
  machine,
  type MachineOptions,
  NOW,
} from './test-helpers.js';
import { machineUpToDateCondition, upToDate } from './up-to-date.js';

const BASE: KubeadmConfigSpec = {
  clusterConfiguration: { apiServer: { certSANs: ['cp.example.com'] } },
  initConfiguration: { nodeRegistration: { kubeletExtraArgs: [{ name: 'v', value: '2' }] } },
  joinConfiguration: { nodeRegistration: { kubeletExtraArgs: [{ name: 'v', value: '2' }] } },
  preKubeadmCommands: ['echo hi'],
};

const DEV_MACHINE_TEMPLATE = 'DevMachineTemplate.infrastructure.cluster.x-k8s.io';

function verdict(o: {
  spec?: Partial<KubeadmControlPlaneSpec>;
  machine?: MachineOptions;
  current?: KubeadmConfigSpec;
  init?: boolean;
  clonedFrom?: { name: string; groupKind: string } | null;
}) {
  const k = kcp({ spec: { kubeadmConfigSpec: BASE, ...o.spec } });
  const m = machine('m1', o.machine);
  const current = o.current ?? desiredKubeadmConfigSpec(k, !o.init);
  return upToDate({
    kcp: k,
    machine: m,
    kubeadmConfig: kubeadmConfig('m1', current, o.init),
    infraMachine: infraMachine(
      'm1',
      o.clonedFrom === null
        ? undefined
        : (o.clonedFrom ?? { name: 'cp-template', groupKind: DEV_MACHINE_TEMPLATE }),
    ),
    now: NOW,
  });
}

describe('upToDate', () => {
  const cases: {
    name: string;
    input: Parameters<typeof verdict>[0];
    conditionMessages: string[];
  }[] = [
    { name: 'a Machine made from the current spec is up to date', input: {}, conditionMessages: [] },
    {
      name: 'a version upgrade outdates every Machine',
      input: { spec: { version: 'v1.34.0' } },
      conditionMessages: ['Version v1.33.0, v1.34.0 required'],
    },
    {
      name: 'a new infrastructure template outdates the Machines cloned from the old one',
      input: { clonedFrom: { name: 'old-template', groupKind: DEV_MACHINE_TEMPLATE } },
      conditionMessages: ['DevMachine is not up-to-date'],
    },
    {
      name: 'InfraMachines without clone annotations (adopted Machines) are not replaced for it',
      input: { clonedFrom: null },
      conditionMessages: [],
    },
    {
      name: 'a changed KubeadmConfig spec outdates the Machine',
      input: { current: { ...BASE, preKubeadmCommands: ['echo old'], initConfiguration: undefined } },
      conditionMessages: ['KubeadmConfig is not up-to-date'],
    },
    {
      name: 'the first Machine (kubeadm init) matches when init and join settings agree',
      input: { init: true },
      conditionMessages: [],
    },
    {
      name: 'controlPlaneEndpoint (set by the bootstrap provider), DNS and discovery do not count',
      input: {
        current: {
          ...desiredKubeadmConfigSpec(kcp({ spec: { kubeadmConfigSpec: BASE } }), true),
          clusterConfiguration: {
            apiServer: { certSANs: ['cp.example.com'] },
            featureGates: { ControlPlaneKubeletLocalMode: true },
            controlPlaneEndpoint: '10.0.0.1:6443',
            dns: { imageTag: 'v1.11.1' },
          },
          joinConfiguration: {
            controlPlane: {},
            nodeRegistration: { kubeletExtraArgs: [{ name: 'v', value: '2' }] },
            discovery: { bootstrapToken: { token: 'abcdef.0123456789abcdef' } },
          },
        },
      },
      conditionMessages: [],
    },
    {
      name: 'rollout.after passed since the Machine was created',
      input: { spec: { rollout: { after: iso(NOW - HOUR) } } },
      conditionMessages: ['KubeadmControlPlane spec.rolloutAfter expired'],
    },
    {
      name: 'rollout.after in the future changes nothing yet',
      input: { spec: { rollout: { after: iso(NOW + HOUR) } } },
      conditionMessages: [],
    },
    {
      name: 'rollout.after before the Machine was created changes nothing',
      input: { spec: { rollout: { after: iso(NOW - 2 * DAY) } } },
      conditionMessages: [],
    },
    {
      name: 'certificates expiring within rollout.before.certificatesExpiryDays',
      input: {
        spec: { rollout: { before: { certificatesExpiryDays: 21 } } },
        machine: { certificatesExpiry: iso(NOW + 20 * DAY) },
      },
      conditionMessages: ['Certificates will expire soon'],
    },
    {
      name: 'certificates valid beyond rollout.before.certificatesExpiryDays',
      input: {
        spec: { rollout: { before: { certificatesExpiryDays: 21 } } },
        machine: { certificatesExpiry: iso(NOW + 30 * DAY) },
      },
      conditionMessages: [],
    },
    {
      name: 'several reasons are all reported, in upstream order',
      input: {
        spec: { version: 'v1.34.0', rollout: { after: iso(NOW - HOUR) } },
        clonedFrom: { name: 'old', groupKind: DEV_MACHINE_TEMPLATE },
      },
      conditionMessages: [
        'KubeadmControlPlane spec.rolloutAfter expired',
        'Version v1.33.0, v1.34.0 required',
        'DevMachine is not up-to-date',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = verdict(c.input);
      assert.deepEqual(r.conditionMessages, c.conditionMessages);
      assert.equal(r.upToDate, c.conditionMessages.length === 0);
    });
  }

  it('explains a KubeadmConfig difference in the log message', () => {
    const current = desiredKubeadmConfigSpec(kcp({ spec: { kubeadmConfigSpec: BASE } }), true);
    current.preKubeadmCommands = ['echo old'];
    const r = verdict({ current });
    assert.deepEqual(r.logMessages, ['Machine KubeadmConfig is outdated: diff: spec.preKubeadmCommands']);
    assert.deepEqual(verdict({ spec: { version: 'v1.34.0' } }).logMessages, [
      'Machine version "v1.33.0" is not equal to KCP version "v1.34.0"',
    ]);
  });

  it('tells an explicitly empty taint list ("no taints") from an unset one (kubeadm default)', () => {
    const k = kcp({ spec: { kubeadmConfigSpec: BASE } });
    const current = desiredKubeadmConfigSpec(k, true);
    current.joinConfiguration!.nodeRegistration!.taints = [];
    const r = upToDate({
      kcp: k,
      machine: machine('m1'),
      kubeadmConfig: kubeadmConfig('m1', current),
      now: NOW,
    });
    assert.equal(r.upToDate, false);
  });

  it('compares the first Machine with KCP init settings when join settings differ', () => {
    const k = kcp({
      spec: {
        kubeadmConfigSpec: {
          ...BASE,
          joinConfiguration: { nodeRegistration: { kubeletExtraArgs: [{ name: 'v', value: '4' }] } },
        },
      },
    });
    const initCurrent = desiredKubeadmConfigSpec(k, false);
    const r = upToDate({
      kcp: k,
      machine: machine('m1'),
      kubeadmConfig: kubeadmConfig('m1', initCurrent, true),
      now: NOW,
    });
    assert.equal(r.upToDate, true);
  });

  it('never replaces a Machine whose KubeadmConfig or bootstrap reference is missing', () => {
    const k = kcp({ spec: { version: 'v1.33.0', kubeadmConfigSpec: BASE } });
    assert.equal(upToDate({ kcp: k, machine: machine('m1'), now: NOW }).upToDate, true);
  });

  it('is not eligible for in-place update with the delete-machine annotation or when up to date', () => {
    assert.equal(verdict({}).eligibleForInPlaceUpdate, false);
    assert.equal(verdict({ spec: { version: 'v1.34.0' } }).eligibleForInPlaceUpdate, true);
    assert.equal(
      verdict({
        spec: { version: 'v1.34.0' },
        machine: { annotations: { 'cluster.x-k8s.io/delete-machine': '' } },
      }).eligibleForInPlaceUpdate,
      false,
    );
  });
});

describe('desiredKubeadmConfigSpec', () => {
  it('keeps clusterConfiguration, drops the other node kind, marks join configs', () => {
    const k = kcp({ spec: { kubeadmConfigSpec: BASE } });
    const join = desiredKubeadmConfigSpec(k, true);
    assert.equal(join.initConfiguration, undefined);
    assert.deepEqual(join.joinConfiguration?.controlPlane, {});
    const init = desiredKubeadmConfigSpec(k, false);
    assert.equal(init.joinConfiguration, undefined);
    assert.deepEqual(init.clusterConfiguration?.apiServer, BASE.clusterConfiguration?.apiServer);
  });

  it('turns on ControlPlaneKubeletLocalMode from Kubernetes 1.31 until 1.36, unless set', () => {
    const gates = (version: string, featureGates?: Record<string, boolean>) =>
      desiredKubeadmConfigSpec(
        kcp({ spec: { version, kubeadmConfigSpec: { clusterConfiguration: { featureGates } } } }),
        true,
      ).clusterConfiguration?.featureGates;
    assert.equal(gates('v1.30.5'), undefined);
    assert.deepEqual(gates('v1.31.0-rc.1'), { ControlPlaneKubeletLocalMode: true });
    assert.deepEqual(gates('v1.35.2'), { ControlPlaneKubeletLocalMode: true });
    assert.equal(gates('v1.36.0'), undefined);
    assert.deepEqual(gates('v1.33.0', { ControlPlaneKubeletLocalMode: false }), {
      ControlPlaneKubeletLocalMode: false,
    });
  });

  it('puts KCP readiness gates first, etcd ones only with stacked etcd, then the user ones', () => {
    const gates = machineReadinessGates(
      kcp({
        spec: {
          machineTemplate: {
            spec: {
              infrastructureRef: { apiGroup: 'x', kind: 'X', name: 'x' },
              readinessGates: [{ conditionType: 'APIServerPodHealthy' }, { conditionType: 'Custom' }],
            },
          },
          kubeadmConfigSpec: {
            clusterConfiguration: {
              etcd: {
                external: { endpoints: ['https://e:2379'], caFile: '/ca', certFile: '/c', keyFile: '/k' },
              },
            },
          },
        },
      }),
    ).map((g) => g.conditionType);
    assert.deepEqual(gates, [
      'NodeKubeadmLabelsAndTaintsSet',
      'APIServerPodHealthy',
      'ControllerManagerPodHealthy',
      'SchedulerPodHealthy',
      'Custom',
    ]);
  });
});

describe('machineUpToDateCondition', () => {
  it('lists the reasons of an outdated Machine', () => {
    const r = verdict({
      spec: { version: 'v1.34.0' },
      clonedFrom: { name: 'old', groupKind: DEV_MACHINE_TEMPLATE },
    });
    assert.deepEqual(machineUpToDateCondition(machine('m1'), r), {
      type: 'UpToDate',
      status: 'False',
      reason: 'NotUpToDate',
      message: '* Version v1.33.0, v1.34.0 required\n* DevMachine is not up-to-date',
    });
  });

  it('is Updating while the kubelet has not caught up with spec.version', () => {
    const c = machineUpToDateCondition(machine('m1', { kubeletVersion: 'v1.32.4' }), verdict({}));
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'Updating');
    assert.equal(c.message, '* Node.status.nodeInfo.kubeletVersion v1.32.4, v1.33.0 required');
  });

  it('is Updating during an in-place update, with the Updating message when there is one', () => {
    const m = machine('m1', {
      annotations: { 'in-place-updates.internal.cluster.x-k8s.io/update-in-progress': '' },
      conditions: [['Updating', 'True', 'Updating kubelet']],
    });
    assert.equal(machineUpToDateCondition(m, verdict({})).message, '* Updating kubelet');
  });

  it('is True otherwise', () => {
    assert.deepEqual(machineUpToDateCondition(machine('m1', { kubeletVersion: 'v1.33.0' }), verdict({})), {
      type: 'UpToDate',
      status: 'True',
      reason: 'UpToDate',
    });
  });
});
