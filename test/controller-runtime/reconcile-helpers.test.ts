// The controller-runtime helpers (patch helper, finalizers, owner references, event recorder) against the
// embedded API server, where the unit tests use an in-memory fake: this is what proves the fake's rules
// (status subresource, optimistic locks, finalizers) match a real server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, TypeRef } from '../../src/controller-runtime/api/object.js';
import type { Client } from '../../src/controller-runtime/client/client.js';
import { isNotFound } from '../../src/controller-runtime/client/errors.js';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { getCondition, getConditions } from '../../src/controller-runtime/conditions/condition.js';
import { ConditionConflictError } from '../../src/controller-runtime/conditions/condition-patch.js';
import { setCondition } from '../../src/controller-runtime/conditions/setter.js';
import { type CoreEvent, EventRecorder } from '../../src/controller-runtime/events/event-recorder.js';
import { addFinalizer, removeFinalizer } from '../../src/controller-runtime/helpers/finalizers.js';
import {
  AlreadyOwnedError,
  isControlledBy,
  setControllerReference,
} from '../../src/controller-runtime/helpers/owner-references.js';
import { PatchHelper } from '../../src/controller-runtime/helpers/patch-helper.js';
import { silentLogger } from '../../src/controller-runtime/log/logger.js';
import { CONFIG_MAP, startTestApiServer, type TestApiServer, WIDGET } from './helpers/api-server.js';

const NS = 'helpers';
const EVENT: TypeRef = { apiVersion: 'v1', kind: 'Event' };

interface Widget extends KubeObject {
  spec?: { replicas?: number; color?: string };
  status?: { replicas?: number; conditions?: unknown[] };
}

/** A client that counts the calls made through it, so a test can say "nothing was sent". */
function counting(client: Client): { client: Client; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, calls };
}

describe('controller-runtime helpers against the embedded API server', () => {
  let api: TestApiServer;
  let client: KubeClient;

  before(async () => {
    api = await startTestApiServer({ namespaces: [NS], widgets: true });
    client = api.client;
  });
  after(async () => {
    await api?.stop();
  });

  async function newWidget(name: string): Promise<Widget> {
    return client.create<Widget>({ ...WIDGET, metadata: { namespace: NS, name }, spec: { replicas: 1 } });
  }

  it('PatchHelper: two controllers writing different conditions both land; an unchanged object sends nothing', async () => {
    await newWidget('w-conditions');
    const key = { namespace: NS, name: 'w-conditions' };
    const mine = await client.get<Widget>(WIDGET, key);
    const theirs = await client.get<Widget>(WIDGET, key);
    const myHelper = PatchHelper.create(mine, client);
    const theirHelper = PatchHelper.create(theirs, client);

    setCondition(mine, { type: 'Ready', status: 'True', reason: 'Ready' });
    mine.spec!.replicas = 3;
    mine.status = { ...mine.status, replicas: 3 };
    setCondition(theirs, { type: 'Paused', status: 'False', reason: 'NotPaused' });
    await myHelper.patch(mine);
    // Their copy is stale now: the condition write must be replayed onto the latest version, not rejected.
    await theirHelper.patch(theirs);

    const stored = await client.get<Widget>(WIDGET, key);
    assert.equal(stored.spec!.replicas, 3);
    assert.equal(stored.status!.replicas, 3);
    assert.deepEqual(
      getConditions(stored).map((c) => [c.type, c.status]),
      [
        ['Ready', 'True'],
        ['Paused', 'False'],
      ],
    );
    assert.equal(theirs.metadata.resourceVersion, stored.metadata.resourceVersion);

    const { client: counted, calls } = counting(client);
    const idle = PatchHelper.create(stored, counted);
    await idle.patch(stored);
    assert.deepEqual(calls, []);
  });

  it('PatchHelper: a different value for the same condition from another writer is a ConditionConflictError', async () => {
    await newWidget('w-conflict');
    const key = { namespace: NS, name: 'w-conflict' };
    const mine = await client.get<Widget>(WIDGET, key);
    const theirs = await client.get<Widget>(WIDGET, key);
    const theirHelper = PatchHelper.create(theirs, client);
    setCondition(theirs, { type: 'Ready', status: 'False', reason: 'Theirs' });
    await theirHelper.patch(theirs);

    const myHelper = PatchHelper.create(mine, client);
    setCondition(mine, { type: 'Ready', status: 'True', reason: 'Mine' });
    await assert.rejects(myHelper.patch(mine), ConditionConflictError);
    await myHelper.patch(mine, { ownedConditions: ['Ready'] });
    assert.equal(getCondition(await client.get(WIDGET, key), 'Ready')!.reason, 'Mine');
  });

  it('finalizers: deletion waits for the finalizer, and removing it through the patch helper completes it', async () => {
    const created = await newWidget('w-finalizer');
    const helper = PatchHelper.create(created, client);
    addFinalizer(created, 'test.example.com/cleanup');
    await helper.patch(created);
    await client.delete(created);

    const deleting = await client.get<Widget>(WIDGET, { namespace: NS, name: 'w-finalizer' });
    assert.ok(deleting.metadata.deletionTimestamp);
    const deleteHelper = PatchHelper.create(deleting, client);
    removeFinalizer(deleting, 'test.example.com/cleanup');
    setCondition(deleting, { type: 'Deleting', status: 'True', reason: 'DeletionCompleted' });
    // The object is gone after the metadata patch; the condition write must not turn that into an error.
    await deleteHelper.patch(deleting);
    await assert.rejects(client.get(WIDGET, { namespace: NS, name: 'w-finalizer' }), (err) =>
      isNotFound(err),
    );
  });

  it('owner references: a controller reference survives the round trip and a second controller is refused', async () => {
    const owner = await newWidget('w-owner');
    const other = await newWidget('w-other');
    const cm = await client.create<KubeObject>({ ...CONFIG_MAP, metadata: { namespace: NS, name: 'owned' } });
    const helper = PatchHelper.create(cm, client);
    assert.equal(setControllerReference(owner, cm), true);
    await helper.patch(cm);

    const stored = await client.get(CONFIG_MAP, { namespace: NS, name: 'owned' });
    assert.equal(isControlledBy(stored, owner), true);
    assert.equal(stored.metadata.ownerReferences![0]!.blockOwnerDeletion, true);
    assert.throws(() => setControllerReference(other, stored), AlreadyOwnedError);
  });

  it('EventRecorder: repeated events become one Event with count 3', async () => {
    const owner = await newWidget('w-events');
    const recorder = new EventRecorder({ client, component: 'helpers-e2e', logger: silentLogger() });
    for (let i = 0; i < 3; i++) recorder.event(owner, 'Warning', 'ScaleFailed', 'quota exceeded');
    recorder.eventf(owner, 'Normal', 'Scaled', 'scaled to %d', 2);
    await recorder.close();

    const events = (await client.list<CoreEvent>(EVENT, { namespace: NS })).items.filter(
      (e) => e.involvedObject.name === 'w-events',
    );
    const byReason = new Map(events.map((e) => [e.reason, e]));
    assert.equal(events.length, 2);
    assert.equal(byReason.get('ScaleFailed')!.count, 3);
    assert.equal(byReason.get('ScaleFailed')!.involvedObject.uid, owner.metadata.uid);
    assert.equal(byReason.get('Scaled')!.message, 'scaled to 2');
    assert.equal(byReason.get('Scaled')!.source.component, 'helpers-e2e');
  });
});
