import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { ListOptions, Reader } from '../../controller-runtime/client/client.js';
import { NotFoundError } from '../../controller-runtime/client/errors.js';
import type { Condition } from '../../controller-runtime/conditions/condition.js';
import { MachineNotFoundError } from '../errors.js';
import { stripAnsi } from '../output.js';
import {
  buildMachineTimeline,
  drainMessage,
  machineTimeline,
  renderMachineSummary,
  renderMachineTimeline,
  type TimelineEntry,
} from './machine-timeline.js';
import { cond, NOW } from './test-helpers.js';

const NS = 'default';
const at = (ageSeconds: number): string =>
  new Date(NOW.getTime() - ageSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
/** A client-go Event name: `<object>.<UnixNano in hex>`. */
const eventName = (object: string, ageSeconds: number, extraMs = 0): string =>
  `${object}.${(BigInt(NOW.getTime() - ageSeconds * 1000 + extraMs) * 1_000_000n).toString(16)}`;

function crd(group: string, kind: string, plural: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}`, labels: { 'cluster.x-k8s.io/v1beta2': 'v1beta2' } },
    spec: { group, names: { kind, plural }, versions: [{ name: 'v1beta2', served: true, storage: true }] },
  };
}

function event(
  involved: { kind: string; name: string; uid?: string },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  ageSeconds: number,
  extra: { count?: number; extraMs?: number } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(involved.name, ageSeconds, extra.extraMs), namespace: NS },
    involvedObject: { apiVersion: 'x/v1', namespace: NS, ...involved },
    type,
    reason,
    message,
    firstTimestamp: at(ageSeconds),
    lastTimestamp: at(ageSeconds),
    count: extra.count ?? 1,
  };
}

interface FakeReader extends Reader {
  lists: string[];
}

/** Objects by apiVersion/kind/namespace/name; Event lists honour `involvedObject.*` field selectors. */
function fakeReader(objects: KubeObject[]): FakeReader {
  const lists: string[] = [];
  const matches = (obj: KubeObject, type: TypeRef) =>
    obj.apiVersion === type.apiVersion && obj.kind === type.kind;
  return {
    lists,
    get: <T extends KubeObject>(type: TypeRef, key: { namespace?: string; name?: string }) => {
      const found = objects.find(
        (o) =>
          matches(o, type) &&
          o.metadata.name === key.name &&
          (o.metadata.namespace ?? '') === (key.namespace ?? ''),
      );
      return found
        ? Promise.resolve(structuredClone(found) as T)
        : Promise.reject(new NotFoundError({ code: 404, message: `${type.kind} "${key.name}" not found` }));
    },
    list: <T extends KubeObject>(type: TypeRef, options: ListOptions = {}) => {
      lists.push(`${type.kind}?${options.fieldSelector ?? ''}`);
      const selector = (options.fieldSelector ?? '')
        .split(',')
        .filter(Boolean)
        .map((term) => term.split('=') as [string, string]);
      const items = objects.filter(
        (o) =>
          matches(o, type) &&
          (options.namespace === undefined || o.metadata.namespace === options.namespace) &&
          selector.every(([field, value]) => {
            const [, key] = field.split('.');
            return (o['involvedObject'] as Record<string, string>)[key!] === value;
          }),
      );
      return Promise.resolve({ items: structuredClone(items) as T[], metadata: {} });
    },
  };
}

const MACHINE_CONDITIONS = (): Condition[] => [
  cond('BootstrapConfigReady', 'True', 'Ready', { ageSeconds: 590 }),
  cond('InfrastructureReady', 'True', 'Ready', { ageSeconds: 560 }),
  cond('NodeReady', 'True', 'NodeReady', { ageSeconds: 540 }),
  cond('NodeHealthy', 'True', 'NodeHealthy', { ageSeconds: 540 }),
  cond('Ready', 'True', 'Ready', { ageSeconds: 540 }),
  cond('Available', 'True', 'Available', { ageSeconds: 540 }),
  cond('Deleting', 'False', 'NotDeleting', { ageSeconds: 600 }),
  cond('Paused', 'False', 'NotPaused', { ageSeconds: 600 }),
];

function machineObjects(options: { conditions?: Condition[]; status?: Record<string, unknown> } = {}) {
  const machine: KubeObject = {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: {
      name: 'm1',
      namespace: NS,
      uid: 'uid-m1',
      creationTimestamp: at(600),
      labels: { 'cluster.x-k8s.io/cluster-name': 'demo' },
      ownerReferences: [
        {
          apiVersion: 'cluster.x-k8s.io/v1beta2',
          kind: 'MachineSet',
          name: 'ms',
          uid: 'uid-ms',
          controller: true,
        },
      ],
    },
    spec: {
      clusterName: 'demo',
      version: 'v1.33.1',
      providerID: 'in-memory://m1',
      bootstrap: {
        configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'm1' },
        dataSecretName: 'm1',
      },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'm1' },
    },
    status: {
      phase: 'Running',
      nodeRef: { name: 'node-m1' },
      initialization: { bootstrapDataSecretCreated: true, infrastructureProvisioned: true },
      conditions: options.conditions ?? MACHINE_CONDITIONS(),
      ...options.status,
    },
  };
  const infra: KubeObject = {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
    kind: 'DevMachine',
    metadata: { name: 'm1', namespace: NS, uid: 'uid-dm1' },
    status: {
      conditions: [
        cond('Ready', 'True', 'Ready', { ageSeconds: 560 }),
        cond('VMProvisioned', 'True', 'Provisioned', { ageSeconds: 565 }),
        cond('Paused', 'False', 'NotPaused', { ageSeconds: 600 }),
      ],
    },
  };
  const bootstrap: KubeObject = {
    apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
    kind: 'KubeadmConfig',
    metadata: { name: 'm1', namespace: NS, uid: 'uid-kc1' },
    status: {
      conditions: [
        cond('Ready', 'True', 'Ready', { ageSeconds: 590 }),
        cond('DataSecretAvailable', 'True', 'Available', { ageSeconds: 590 }),
      ],
    },
  };
  return { machine, infra, bootstrap };
}

const CRDS = [
  crd('infrastructure.cluster.x-k8s.io', 'DevMachine', 'devmachines'),
  crd('bootstrap.cluster.x-k8s.io', 'KubeadmConfig', 'kubeadmconfigs'),
];

describe('machineTimeline', () => {
  it('says in one line that a Machine does not exist', async () => {
    await assert.rejects(machineTimeline(fakeReader(CRDS), NS, 'nope'), (err: unknown) => {
      assert.ok(err instanceof MachineNotFoundError);
      assert.equal(err.message, 'machine "nope" not found in namespace "default"');
      return true;
    });
  });

  it('merges creation, condition transitions and Events of the Machine, its DevMachine and KubeadmConfig, oldest first', async () => {
    const { machine, infra, bootstrap } = machineObjects();
    const m = { kind: 'Machine', name: 'm1', uid: 'uid-m1' };
    const reader = fakeReader([
      ...CRDS,
      machine,
      infra,
      bootstrap,
      event({ kind: 'MachineSet', name: 'ms' }, 'Normal', 'SuccessfulCreate', 'Created Machine "m1"', 600),
      // About other Machines: a longer name, and an earlier Machine of the same name.
      event({ kind: 'MachineSet', name: 'ms' }, 'Normal', 'SuccessfulCreate', 'Created Machine "m1-b"', 600),
      event({ ...m, uid: 'uid-old' }, 'Normal', 'SuccessfulSetNodeRef', 'old-node', 900),
      event(m, 'Normal', 'BootstrapDataReady', 'Bootstrap data is ready in Secret m1', 590, { extraMs: 100 }),
      event({ kind: 'DevMachine', name: 'm1', uid: 'uid-dm1' }, 'Warning', 'ReconcileError', 'boom', 580, {
        count: 3,
      }),
      event(m, 'Normal', 'InfrastructureProvisioned', 'DevMachine m1 is provisioned', 560, { extraMs: 300 }),
      event(m, 'Normal', 'Provisioned', 'Machine m1 is Provisioned', 560, { extraMs: 200 }),
      event(m, 'Normal', 'SuccessfulSetNodeRef', 'node-m1', 540, { extraMs: 10 }),
      event(m, 'Normal', 'Running', 'Machine m1 is Running', 540, { extraMs: 20 }),
      event({ kind: 'MachineHealthCheck', name: 'mhc' }, 'Normal', 'Other', 'about Machine m2', 530),
    ]);
    const timeline = await machineTimeline(reader, NS, 'm1');
    assert.deepEqual(timeline.machine, {
      namespace: NS,
      name: 'm1',
      cluster: 'demo',
      phase: 'Running',
      version: 'v1.33.1',
      nodeName: 'node-m1',
      deleting: false,
    });
    assert.equal(timeline.waiting, undefined);
    const e = (
      age: number,
      kind: string,
      category: TimelineEntry['category'],
      reason: string,
      message: string,
      extra: Partial<TimelineEntry> = {},
    ): TimelineEntry => ({
      time: at(age),
      source: { kind, name: kind === 'MachineSet' ? 'ms' : 'm1' },
      category,
      type: 'Normal',
      reason,
      message,
      ...extra,
    });
    assert.deepEqual(timeline.entries, [
      e(600, 'Machine', 'lifecycle', 'Created', 'Machine created'),
      e(600, 'MachineSet', 'event', 'SuccessfulCreate', 'Created Machine "m1"'),
      // Within a second, Events (ordered to the nanosecond by their names) come before the conditions, whose
      // transition times have whole seconds: the conditions show the state that second ended in.
      e(590, 'Machine', 'event', 'BootstrapDataReady', 'Bootstrap data is ready in Secret m1'),
      e(590, 'Machine', 'condition', 'Ready', 'BootstrapConfigReady=True'),
      e(590, 'KubeadmConfig', 'condition', 'Available', 'DataSecretAvailable=True'),
      e(580, 'DevMachine', 'event', 'ReconcileError', 'boom', { type: 'Warning', count: 3 }),
      e(565, 'DevMachine', 'condition', 'Provisioned', 'VMProvisioned=True'),
      e(560, 'Machine', 'event', 'Provisioned', 'Machine m1 is Provisioned'),
      e(560, 'Machine', 'event', 'InfrastructureProvisioned', 'DevMachine m1 is provisioned'),
      e(560, 'Machine', 'condition', 'Ready', 'InfrastructureReady=True'),
      e(540, 'Machine', 'event', 'SuccessfulSetNodeRef', 'node-m1'),
      e(540, 'Machine', 'event', 'Running', 'Machine m1 is Running'),
      e(540, 'Machine', 'condition', 'Available', 'Available=True'),
      e(540, 'Machine', 'condition', 'NodeHealthy', 'NodeHealthy=True'),
      e(540, 'Machine', 'condition', 'NodeReady', 'NodeReady=True'),
      e(540, 'Machine', 'condition', 'Ready', 'Ready=True'),
    ]);
    // Events are selected by the API server, by kind and name of what they are about.
    assert.deepEqual(reader.lists.sort(), [
      'Event?involvedObject.kind=DevMachine,involvedObject.name=m1',
      'Event?involvedObject.kind=KubeadmConfig,involvedObject.name=m1',
      'Event?involvedObject.kind=Machine,involvedObject.name=m1',
      'Event?involvedObject.kind=MachineHealthCheck',
      'Event?involvedObject.kind=MachineSet,involvedObject.name=ms',
    ]);
  });

  it('keeps the Machine side of the story when its DevMachine is gone', async () => {
    const { machine } = machineObjects();
    const timeline = await machineTimeline(fakeReader([...CRDS, machine]), NS, 'm1');
    assert.ok(timeline.entries.some((e) => e.message === 'InfrastructureReady=True'));
    assert.ok(timeline.entries.every((e) => e.source.kind === 'Machine'));
  });
});

describe('waiting', () => {
  const waiting = (objects: ReturnType<typeof machineObjects>) =>
    buildMachineTimeline({
      machine: objects.machine,
      infrastructure: objects.infra,
      bootstrap: objects.bootstrap,
      events: [],
    }).waiting;

  it('names the bootstrap config that has no data yet', () => {
    const o = machineObjects({
      conditions: [cond('BootstrapConfigReady', 'False', 'NotReady', { ageSeconds: 100 })],
      status: { initialization: {}, nodeRef: undefined, phase: 'Pending' },
    });
    (o.bootstrap['status'] as { conditions: Condition[] }).conditions = [
      cond('Ready', 'False', 'NotReady', { message: 'Waiting for the control plane to be initialized' }),
    ];
    assert.deepEqual(waiting(o), {
      reason: 'WaitingForBootstrapData',
      message:
        'Waiting for bootstrap data: KubeadmConfig m1: Waiting for the control plane to be initialized',
      since: at(100),
    });
  });

  it('quotes the infrastructure machine when it fails (fault injection)', () => {
    const o = machineObjects({
      conditions: [
        cond('BootstrapConfigReady', 'True', 'Ready', { ageSeconds: 200 }),
        cond('InfrastructureReady', 'False', 'NotReady', { ageSeconds: 150 }),
      ],
      status: {
        initialization: { bootstrapDataSecretCreated: true },
        nodeRef: undefined,
        phase: 'Provisioning',
      },
    });
    (o.infra['status'] as { conditions: Condition[] }).conditions = [
      cond('Ready', 'False', 'NotReady', {
        message: 'simulated failure of the vm step (annotation on the DevMachine)',
      }),
    ];
    assert.deepEqual(waiting(o), {
      reason: 'WaitingForInfrastructure',
      message:
        'Waiting for infrastructure: DevMachine m1: simulated failure of the vm step (annotation on the DevMachine)',
      since: at(150),
    });
  });

  it('waits for the Node to join, then to be Ready', () => {
    const joining = machineObjects({
      conditions: [
        ...MACHINE_CONDITIONS().filter((c) => !c.type.startsWith('Node')),
        cond('NodeHealthy', 'Unknown', 'NodeDoesNotExist', {
          message: 'Waiting for a Node with spec.providerID in-memory://m1 to exist',
        }),
      ],
      status: { nodeRef: undefined, phase: 'Provisioned' },
    });
    assert.deepEqual(waiting(joining), {
      reason: 'WaitingForNode',
      message:
        'Waiting for the Node with providerID in-memory://m1 to join the workload cluster: Waiting for a Node with spec.providerID in-memory://m1 to exist',
      since: at(560),
    });
    const notReady = machineObjects({
      conditions: [
        ...MACHINE_CONDITIONS().filter((c) => c.type !== 'NodeReady'),
        cond('NodeReady', 'False', 'NodeNotReady', { ageSeconds: 30, message: 'kubelet stopped posting' }),
      ],
    });
    assert.deepEqual(waiting(notReady), {
      reason: 'NodeNotReady',
      message: 'Node node-m1 is not Ready: kubelet stopped posting',
      since: at(30),
    });
  });

  const deleting = (reason: string, message: string, deletion: Record<string, string> = {}) => {
    const o = machineObjects({
      conditions: [
        ...MACHINE_CONDITIONS().filter((c) => c.type !== 'Deleting'),
        cond('Deleting', 'True', reason, { ageSeconds: 60, message }),
      ],
      status: { phase: 'Deleting', deletion },
    });
    o.machine.metadata = {
      ...o.machine.metadata,
      deletionTimestamp: at(60),
      finalizers: ['machine.cluster.x-k8s.io'],
    };
    return o;
  };

  it('names the Pod and the PodDisruptionBudget that block the drain', () => {
    const message =
      'Drain not completed yet (started at 2026-03-01T11:59:00Z):\n' +
      "* Pod default/web-0: cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 1 healthy pods and has 1 currently";
    const w = waiting(deleting('DrainingNode', message, { nodeDrainStartTime: at(50) }));
    assert.deepEqual(w, {
      reason: 'DrainingNode',
      message:
        'Drain of Node node-m1 is blocked by a PodDisruptionBudget: Pod default/web-0 cannot be evicted: PodDisruptionBudget web needs 1 healthy pods and has 1 currently',
      since: at(50),
    });
    // Without a budget in the way, the condition's message as it is.
    const plain =
      'Drain not completed yet (started at 2026-03-01T11:59:00Z):\n* Pod default/a: deletionTimestamp set, but still not removed from the Node';
    assert.equal(drainMessage(plain, 'n'), plain);
  });

  it('names each deletion step', () => {
    const cases: [
      string,
      string,
      Record<string, string>,
      { reason: string; message: string; since: string },
    ][] = [
      [
        'WaitingForPreDrainHook',
        'Waiting for pre-drain hooks to succeed (hooks: pre-drain.delete.hook.machine.cluster.x-k8s.io/x)',
        { waitForPreDrainHookStartTime: at(40) },
        {
          reason: 'WaitingForPreDrainHook',
          message:
            'Waiting for pre-drain hooks to succeed (hooks: pre-drain.delete.hook.machine.cluster.x-k8s.io/x)',
          since: at(40),
        },
      ],
      [
        'WaitingForVolumeDetach',
        'Waiting for Node volumes to be detached (started at 2026-03-01T11:59:00Z)',
        { waitForNodeVolumeDetachStartTime: at(30) },
        {
          reason: 'WaitingForVolumeDetach',
          message: 'Waiting for Node volumes to be detached (started at 2026-03-01T11:59:00Z)',
          since: at(30),
        },
      ],
      [
        'WaitingForPreTerminateHook',
        'Waiting for pre-terminate hooks to succeed (hooks: pre-terminate.delete.hook.machine.cluster.x-k8s.io/y)',
        { waitForPreTerminateHookStartTime: at(20) },
        {
          reason: 'WaitingForPreTerminateHook',
          message:
            'Waiting for pre-terminate hooks to succeed (hooks: pre-terminate.delete.hook.machine.cluster.x-k8s.io/y)',
          since: at(20),
        },
      ],
      [
        'DeletionCompleted',
        'Deletion completed',
        {},
        {
          reason: 'WaitingForFinalizers',
          message: 'Deletion completed; waiting for finalizers machine.cluster.x-k8s.io to be removed',
          since: at(60),
        },
      ],
    ];
    for (const [reason, message, deletion, expected] of cases)
      assert.deepEqual(waiting(deleting(reason, message, deletion)), expected, reason);

    const infraGoing = deleting('WaitingForInfrastructureDeletion', 'Waiting for DevMachine to be deleted');
    infraGoing.infra.metadata = { ...infraGoing.infra.metadata, deletionTimestamp: at(10) };
    assert.deepEqual(waiting(infraGoing), {
      reason: 'WaitingForInfrastructureDeletion',
      message: 'Waiting for DevMachine to be deleted: DevMachine m1 is being deleted',
      since: at(60),
    });
  });

  it('adds a deletion entry and leaves out conditions in their steady False state', () => {
    const o = deleting('DrainingNode', 'Drain not completed yet (started at 2026-03-01T11:59:00Z):');
    const t = buildMachineTimeline({ machine: o.machine, infrastructure: o.infra, events: [] });
    assert.equal(t.machine.deleting, true);
    const deletion = t.entries.filter((e) => e.category === 'lifecycle');
    assert.deepEqual(
      deletion.map((e) => [e.reason, e.time]),
      [
        ['Created', at(600)],
        ['DeletionRequested', at(60)],
      ],
    );
    assert.ok(!t.entries.some((e) => e.message.startsWith('Paused=')));
    assert.ok(t.entries.some((e) => e.message.startsWith('Deleting=True: Drain not completed')));
  });
});

describe('renderMachineTimeline', () => {
  const timeline = buildMachineTimeline({
    ...(() => {
      const o = machineObjects();
      return { machine: o.machine, infrastructure: o.infra, bootstrap: o.bootstrap };
    })(),
    events: [
      event({ kind: 'DevMachine', name: 'm1', uid: 'uid-dm1' }, 'Warning', 'ReconcileError', 'boom', 580, {
        count: 3,
      }),
    ],
  });

  it('prints the summary and one row per entry, oldest first, without colour when told so', () => {
    const text = renderMachineTimeline(timeline, { color: false, now: NOW });
    assert.equal(text, stripAnsi(text));
    const lines = text.split('\n');
    assert.equal(lines[0], 'Machine:  default/m1');
    assert.ok(lines.includes('Waiting:  nothing (Running and healthy)'));
    const header = lines.findIndex((l) => l.startsWith('AGE'));
    assert.match(lines[header]!, /^AGE\s+TIME\s+SOURCE\s+TYPE\s+REASON\s+MESSAGE$/);
    assert.match(
      lines[header + 1]!,
      /^10m\s+2026-03-01T11:50:00Z\s+Machine\/m1\s+Normal\s+Created\s+Machine created$/,
    );
    assert.ok(
      lines.some((l) => /^9m\s+\S+\s+DevMachine\/m1\s+Warning\s+ReconcileError\s+boom \(x3\)$/.test(l)),
    );
    assert.equal(lines.filter((l) => /^\d+m\s/.test(l)).length, timeline.entries.length);
  });

  it('colours warnings on a terminal', () => {
    const text = renderMachineTimeline(timeline, { color: true, now: NOW });
    assert.notEqual(text, stripAnsi(text));
  });

  it('says what the Machine waits for, and since when', () => {
    const o = machineObjects({
      conditions: [
        cond('BootstrapConfigReady', 'True', 'Ready', { ageSeconds: 200 }),
        cond('InfrastructureReady', 'False', 'NotReady', { ageSeconds: 150, message: 'VM is starting' }),
      ],
      status: { nodeRef: undefined, phase: 'Provisioning' },
    });
    const t = buildMachineTimeline({ machine: o.machine, events: [] });
    const text = renderMachineSummary(t, { color: false, now: NOW });
    assert.match(text, /^Waiting: {2}WaitingForInfrastructure for 2m$/m);
    assert.match(text, /^ {10}Waiting for infrastructure: VM is starting$/m);
    assert.match(text, /^Node: {5}<none>$/m);
  });
});
