import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { ConflictError } from '../client/errors.js';
import { getCondition, getConditions } from '../conditions/condition.js';
import { ConditionConflictError } from '../conditions/condition-patch.js';
import { deleteCondition, setCondition } from '../conditions/setter.js';
import { addFinalizer, removeFinalizer } from './finalizers.js';
import { PatchErrors, PatchHelper, PatchTargetMismatchError } from './patch-helper.js';
import { FakeClient } from './testing/fake-client.js';

const MACHINE = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' };
const KEY = { namespace: 'default', name: 'm0' };

interface Machine extends KubeObject {
  spec?: { version?: string; providerID?: string };
  status?: { phase?: string; observedGeneration?: number; conditions?: unknown[] };
}

function setup(status: Machine['status'] = { phase: 'Pending' }): { fake: FakeClient; machine: Machine } {
  const fake = new FakeClient();
  const machine = fake.seed<Machine>({
    ...MACHINE,
    metadata: { ...KEY, labels: { a: '1' } },
    spec: { version: 'v1.30.0' },
    status,
  });
  return { fake, machine };
}

/** Two reconcilers' view of the same object, as each would read it. */
async function twoReaders(fake: FakeClient): Promise<[Machine, Machine]> {
  return [await fake.get<Machine>(MACHINE, KEY), await fake.get<Machine>(MACHINE, KEY)];
}

describe('PatchHelper', () => {
  it('sends nothing when nothing changed', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    await helper.patch(machine);
    assert.deepEqual(fake.requests, []);
  });

  it('sends one merge patch for metadata and spec, without a resourceVersion lock', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    addFinalizer(machine, 'machine.cluster.x-k8s.io');
    machine.metadata.labels = { b: '2' };
    machine.spec!.providerID = 'docker://m0';
    await helper.patch(machine);

    assert.deepEqual(
      fake.requests.map((r) => [r.verb, r.patch]),
      [
        [
          'patch',
          {
            type: 'merge',
            data: {
              metadata: { labels: { a: null, b: '2' }, finalizers: ['machine.cluster.x-k8s.io'] },
              spec: { providerID: 'docker://m0' },
            },
          },
        ],
      ],
    );
    const stored = fake.peek<Machine>(MACHINE, KEY)!;
    assert.deepEqual(stored.metadata.finalizers, ['machine.cluster.x-k8s.io']);
    assert.deepEqual(stored.metadata.labels, { b: '2' });
    assert.equal(stored.spec!.providerID, 'docker://m0');
  });

  it('sends status changes other than conditions to the status subresource', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    machine.status!.phase = 'Running';
    await helper.patch(machine);
    assert.deepEqual(
      fake.requests.map((r) => [r.verb, r.patch?.data]),
      [['patchStatus', { status: { phase: 'Running' } }]],
    );
    assert.equal(fake.peek<Machine>(MACHINE, KEY)!.status!.phase, 'Running');
  });

  it('writes conditions against the latest copy with an optimistic lock', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    const readVersion = machine.metadata.resourceVersion;
    setCondition(machine, { type: 'Ready', status: 'True', reason: 'Ready' });
    await helper.patch(machine);

    assert.deepEqual(
      fake.requests.map((r) => r.verb),
      ['get', 'patchStatus'],
    );
    const data = fake.requests[1]!.patch!.data as { metadata: { resourceVersion: string } };
    assert.equal(data.metadata.resourceVersion, readVersion);
    assert.equal(getCondition(fake.peek(MACHINE, KEY), 'Ready')!.status, 'True');
  });

  it('lets two controllers set different conditions without clobbering each other', async () => {
    const { fake } = setup();
    const [mine, theirs] = await twoReaders(fake);
    const myHelper = PatchHelper.create(mine, fake);
    const theirHelper = PatchHelper.create(theirs, fake);

    setCondition(mine, { type: 'InfrastructureReady', status: 'True', reason: 'Provisioned' });
    setCondition(theirs, { type: 'HealthCheckSucceeded', status: 'False', reason: 'NodeNotFound' });
    await myHelper.patch(mine);
    await theirHelper.patch(theirs);

    const stored = fake.peek(MACHINE, KEY);
    assert.deepEqual(
      getConditions(stored).map((c) => [c.type, c.status]),
      [
        ['InfrastructureReady', 'True'],
        ['HealthCheckSucceeded', 'False'],
      ],
    );
    // The second writer's object now shows both conditions, as the server has them.
    assert.deepEqual(
      getConditions(theirs).map((c) => c.type),
      ['InfrastructureReady', 'HealthCheckSucceeded'],
    );
  });

  it('retries when the object changes between its read and its write', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake, { conflictBaseDelayMs: 1 });
    let raced = false;
    fake.addReactor((request, f) => {
      if (request.verb === 'patchStatus' && !raced) {
        raced = true;
        f.mutate(MACHINE, KEY, (o) =>
          setCondition(o, { type: 'Paused', status: 'False', reason: 'NotPaused' }),
        );
      }
    });
    setCondition(machine, { type: 'Ready', status: 'True', reason: 'Ready' });
    await helper.patch(machine);

    assert.deepEqual(
      fake.requests.map((r) => r.verb),
      ['get', 'patchStatus', 'get', 'patchStatus'],
    );
    assert.deepEqual(
      getConditions(fake.peek(MACHINE, KEY)).map((c) => c.type),
      ['Ready', 'Paused'],
    );
  });

  it('gives up with the ConflictError after the configured attempts', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake, { conflictRetries: 3, conflictBaseDelayMs: 1 });
    fake.addReactor((request, f) => {
      if (request.verb === 'patchStatus')
        f.mutate(MACHINE, KEY, (o) => (o.metadata.annotations = { n: String(Math.random()) }));
    });
    setCondition(machine, { type: 'Ready', status: 'True', reason: 'Ready' });
    await assert.rejects(helper.patch(machine), ConflictError);
    assert.equal(fake.requestsOf('patchStatus').length, 3);
  });

  it('fails with ConditionConflictError when someone else changed the same condition differently', async () => {
    const { fake } = setup();
    const [mine, theirs] = await twoReaders(fake);
    const theirHelper = PatchHelper.create(theirs, fake);
    setCondition(theirs, { type: 'Ready', status: 'False', reason: 'TheirsSaysNo' });
    await theirHelper.patch(theirs);

    const myHelper = PatchHelper.create(mine, fake);
    setCondition(mine, { type: 'Ready', status: 'True', reason: 'MineSaysYes' });
    const err = await myHelper.patch(mine).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConditionConflictError);
    assert.equal(err.conditionType, 'Ready');
    assert.equal(getCondition(fake.peek(MACHINE, KEY), 'Ready')!.reason, 'TheirsSaysNo');
  });

  it('overwrites a conflicting condition the controller owns', async () => {
    const { fake } = setup();
    const [mine, theirs] = await twoReaders(fake);
    const theirHelper = PatchHelper.create(theirs, fake);
    setCondition(theirs, { type: 'Ready', status: 'False', reason: 'TheirsSaysNo' });
    await theirHelper.patch(theirs);

    const myHelper = PatchHelper.create(mine, fake);
    setCondition(mine, { type: 'Ready', status: 'True', reason: 'MineSaysYes' });
    await myHelper.patch(mine, { ownedConditions: ['Ready'] });
    assert.equal(getCondition(fake.peek(MACHINE, KEY), 'Ready')!.reason, 'MineSaysYes');
  });

  it('accepts a concurrent change that agrees with ours and keeps its transition time', async () => {
    const { fake } = setup();
    const [mine, theirs] = await twoReaders(fake);
    const theirHelper = PatchHelper.create(theirs, fake);
    setCondition(
      theirs,
      { type: 'Ready', status: 'True', reason: 'Ready' },
      { now: () => new Date('2025-01-01T00:00:00Z') },
    );
    await theirHelper.patch(theirs);
    fake.clearRequests();

    const myHelper = PatchHelper.create(mine, fake);
    setCondition(
      mine,
      { type: 'Ready', status: 'True', reason: 'Ready' },
      { now: () => new Date('2025-02-02T00:00:00Z') },
    );
    await myHelper.patch(mine);
    assert.deepEqual(
      fake.requests.map((r) => r.verb),
      ['get'],
    );
    assert.equal(getCondition(mine, 'Ready')!.lastTransitionTime, '2025-01-01T00:00:00Z');
  });

  it('removes a condition it deleted, leaving other writers alone', async () => {
    const { fake, machine } = setup({
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'R',
          message: '',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
        {
          type: 'Paused',
          status: 'False',
          reason: 'R',
          message: '',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    });
    const helper = PatchHelper.create(machine, fake);
    deleteCondition(machine, 'Paused');
    await helper.patch(machine);
    assert.deepEqual(
      getConditions(fake.peek(MACHINE, KEY)).map((c) => c.type),
      ['Ready'],
    );
  });

  it('sets status.observedGeneration when asked, and only sends it when it changed', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    await helper.patch(machine, { setObservedGeneration: true });
    assert.deepEqual(
      fake.requests.map((r) => r.patch?.data),
      [{ status: { observedGeneration: 1 } }],
    );
    fake.clearRequests();
    await helper.patch(machine, { setObservedGeneration: true });
    assert.deepEqual(fake.requests, []);
  });

  it("updates the caller's object with the server's answer and can be used again", async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    const before = machine.metadata.resourceVersion;
    machine.spec!.version = 'v1.31.0';
    await helper.patch(machine);
    assert.notEqual(machine.metadata.resourceVersion, before);
    assert.equal(machine.metadata.generation, 2);
    assert.deepEqual(machine, fake.peek(MACHINE, KEY));

    fake.clearRequests();
    machine.metadata.annotations = { x: 'y' };
    await helper.patch(machine);
    assert.deepEqual(
      fake.requests.map((r) => r.patch?.data),
      [{ metadata: { annotations: { x: 'y' } } }],
    );
  });

  it('sends spec, status and conditions as three requests, in that order', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    machine.spec!.version = 'v1.31.0';
    machine.status!.phase = 'Running';
    setCondition(machine, { type: 'Ready', status: 'True', reason: 'Ready' });
    await helper.patch(machine);
    assert.deepEqual(
      fake.requests.map((r) => r.verb),
      ['patch', 'patchStatus', 'get', 'patchStatus'],
    );
    const stored = fake.peek<Machine>(MACHINE, KEY)!;
    assert.equal(stored.spec!.version, 'v1.31.0');
    assert.equal(stored.status!.phase, 'Running');
    assert.equal(getCondition(stored, 'Ready')!.status, 'True');
  });

  it('tolerates the object disappearing once its last finalizer is removed', async () => {
    const fake = new FakeClient();
    const machine = fake.seed<Machine>({ ...MACHINE, metadata: { ...KEY, finalizers: ['f'] }, status: {} });
    await fake.delete(machine);
    const deleting = await fake.get<Machine>(MACHINE, KEY);
    const helper = PatchHelper.create(deleting, fake);
    removeFinalizer(deleting, 'f');
    setCondition(deleting, { type: 'Deleting', status: 'True', reason: 'DeletionCompleted' });
    await helper.patch(deleting);
    assert.equal(fake.peek(MACHINE, KEY), undefined);
  });

  it('still sends the status when the spec patch is rejected, then reports the failure', async () => {
    const { fake, machine } = setup();
    fake.addReactor((request) => {
      if (request.verb === 'patch') throw new Error('webhook said no');
    });
    const helper = PatchHelper.create(machine, fake);
    machine.spec!.version = 'bad';
    machine.status!.phase = 'Failed';
    setCondition(machine, { type: 'Ready', status: 'False', reason: 'Broken' });
    await assert.rejects(helper.patch(machine), /webhook said no/);
    const stored = fake.peek<Machine>(MACHINE, KEY)!;
    assert.equal(stored.status!.phase, 'Failed');
    assert.equal(getCondition(stored, 'Ready')!.reason, 'Broken');
    assert.equal(stored.spec!.version, 'v1.30.0');
  });

  it('aggregates several failures', async () => {
    const { fake, machine } = setup();
    fake.addReactor((request) => {
      if (request.verb !== 'get') throw new Error(`no ${request.verb}`);
    });
    const helper = PatchHelper.create(machine, fake);
    machine.spec!.version = 'v2';
    machine.status!.phase = 'Running';
    const err = await helper.patch(machine).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof PatchErrors);
    assert.equal(err.errors.length, 2);
  });

  it('refuses an object other than the one it snapshotted', async () => {
    const { fake, machine } = setup();
    const helper = PatchHelper.create(machine, fake);
    await assert.rejects(
      helper.patch({ ...machine, metadata: { ...machine.metadata, name: 'other' } }),
      PatchTargetMismatchError,
    );
  });
});
