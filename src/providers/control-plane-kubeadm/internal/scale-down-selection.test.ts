import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ScaleDownEligibility, selectMachineForScaleDown } from './scale-down-selection.js';
import { cluster, controlPlane, DAY, HEALTHY, kcp, machine, type MachineOptions } from './test-helpers.js';

const DELETE = { 'cluster.x-k8s.io/delete-machine': 'yes' };
const UNHEALTHY_API_SERVER: MachineOptions['conditions'] = [
  ...HEALTHY.filter(([t]) => t !== 'APIServerPodHealthy'),
  ['APIServerPodHealthy', 'False', 'CrashLoopBackOff'],
];

interface Case {
  name: string;
  machines: [string, MachineOptions][];
  /** Names of the outdated Machines (given a version below KCP's). */
  outdated?: string[];
  rollout?: boolean;
  want: string;
  eligibility: ScaleDownEligibility;
}

describe('selectMachineForScaleDown', () => {
  const cases: Case[] = [
    {
      name: 'an outdated Machine with the delete annotation goes first',
      machines: [
        ['m1', { fd: 'fd1', age: 3 * DAY }],
        ['m2', { fd: 'fd2', annotations: DELETE }],
        ['m3', { fd: 'fd3', annotations: DELETE }],
      ],
      outdated: ['m1', 'm3'],
      rollout: true,
      want: 'm3',
      eligibility: 'OutdatedWithDeleteAnnotation',
    },
    {
      name: 'then any Machine with the delete annotation, even up to date',
      machines: [
        ['m1', { fd: 'fd1', age: 3 * DAY }],
        ['m2', { fd: 'fd2', annotations: DELETE }],
        ['m3', { fd: 'fd3' }],
      ],
      outdated: ['m1'],
      rollout: true,
      want: 'm2',
      eligibility: 'DeleteAnnotation',
    },
    {
      name: 'then an outdated Machine with an unhealthy control plane component',
      machines: [
        ['m1', { fd: 'fd1', age: 3 * DAY }],
        ['m2', { fd: 'fd2', conditions: UNHEALTHY_API_SERVER }],
        ['m3', { fd: 'fd3' }],
      ],
      outdated: ['m1', 'm2'],
      rollout: true,
      want: 'm2',
      eligibility: 'OutdatedWithUnhealthyComponents',
    },
    {
      name: 'then the oldest outdated Machine in the failure domain with the most Machines',
      machines: [
        ['m1', { fd: 'fd1', age: 3 * DAY }],
        ['m2', { fd: 'fd2', age: 2 * DAY }],
        ['m3', { fd: 'fd2', age: 4 * DAY }],
        ['new', { fd: 'fd3', age: DAY }],
      ],
      outdated: ['m1', 'm2', 'm3'],
      rollout: true,
      want: 'm3',
      eligibility: 'Outdated',
    },
    {
      name: 'a plain scale down picks the oldest Machine in the most crowded failure domain',
      machines: [
        ['m1', { fd: 'fd1', age: 5 * DAY }],
        ['m2', { fd: 'fd2', age: 2 * DAY }],
        ['m3', { fd: 'fd2', age: 3 * DAY }],
      ],
      want: 'm3',
      eligibility: 'Any',
    },
    {
      name: 'an unhealthy up-to-date Machine is not preferred by a plain scale down',
      machines: [
        ['m1', { fd: 'fd1', age: 5 * DAY }],
        ['m2', { fd: 'fd1', age: 2 * DAY, conditions: UNHEALTHY_API_SERVER }],
        ['m3', { fd: 'fd2', age: 3 * DAY }],
      ],
      want: 'm1',
      eligibility: 'Any',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const outdated = new Set(c.outdated ?? []);
      const cp = controlPlane({
        kcp: kcp({ spec: { version: 'v1.34.0' } }),
        cluster: cluster({ failureDomains: ['fd1', 'fd2', 'fd3'] }),
        machines: c.machines.map(([name, o]) =>
          machine(name, { ...o, version: outdated.has(name) ? 'v1.33.0' : 'v1.34.0' }),
        ),
      });
      const selection = selectMachineForScaleDown(
        cp,
        c.rollout ? cp.machinesNeedingRollout() : [],
        () => 0.999,
      );
      assert.equal(selection.machine?.metadata.name, c.want);
      assert.equal(selection.eligibility, c.eligibility);
    });
  }
});
