import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import { stripAnsi } from '../../src/clusterctl/output.js';
import {
  machineTimeline,
  type MachineTimeline,
  type TimelineEntry,
} from '../../src/clusterctl/describe/machine-timeline.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import {
  CLUSTER,
  createBootstrapData,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, createUnevictableDatabase, setupCore } from './core-helpers.js';

const machineEvents = (t: MachineTimeline): TimelineEntry[] =>
  t.entries.filter((e) => e.category === 'event' && e.source.kind === 'Machine');

/** Position of the Machine Event with `reason` in the timeline (-1 when absent). */
const position = (t: MachineTimeline, reason: string): number =>
  t.entries.findIndex((e) => e.category === 'event' && e.source.kind === 'Machine' && e.reason === reason);

async function cli(h: Harness, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...argv, '--kubeconfig', h.api.kubeconfigPath], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    env: { HOME: '/nonexistent', KUBECONFIG: '' },
  });
  return { code, out, err };
}

describe('Machine timeline: Events and condition transitions read back from the API server', () => {
  const harness = useHarness({ setup: setupCore });

  it('tells how a Machine provisioned, in order, and still does after the controllers restart', async () => {
    const h = harness();
    const ns = await h.namespace();
    await applyPlainCluster(h, ns, 'tl', [{ name: 'tl-cp-0', controlPlane: true }]);

    const running = await eventually(
      'the timeline to show the Machine Running with nothing awaited',
      async () => {
        const t = await machineTimeline(h.client, ns, 'tl-cp-0');
        return t.machine.phase === 'Running' && !t.waiting && position(t, 'Running') >= 0 ? t : undefined;
      },
      60_000,
    );
    // Bootstrap data first (given directly here), then the infrastructure, the Node, and the Running phase.
    const order = ['BootstrapDataReady', 'InfrastructureProvisioned', 'SuccessfulSetNodeRef', 'Running'].map(
      (reason) => position(running, reason),
    );
    assert.ok(
      order.every((p, i) => p >= 0 && (i === 0 || p > order[i - 1]!)),
      `events out of order: ${JSON.stringify(machineEvents(running).map((e) => e.reason))}`,
    );
    const nodeRef = running.entries[order[2]!]!;
    assert.equal(nodeRef.message, running.machine.nodeName);
    assert.match(
      running.entries[order[1]!]!.message,
      /^DevMachine tl-cp-0 is provisioned \(providerID in-memory:\/\/tl-cp-0\)$/,
    );
    // Conditions of the DevMachine join in, and the creation comes first.
    assert.equal(running.entries[0]!.reason, 'Created');
    assert.ok(
      running.entries.some((e) => e.source.kind === 'DevMachine' && e.message === 'VMProvisioned=True'),
    );
    // Transitions only: each happened once, however many reconciles there were.
    for (const reason of [
      'BootstrapDataReady',
      'InfrastructureProvisioned',
      'SuccessfulSetNodeRef',
      'Running',
    ])
      assert.equal(machineEvents(running).filter((e) => e.reason === reason).length, 1, reason);

    // A restart: new controllers (and a new in-memory cloud) against the same API server.
    await h.restartControllers();
    const after = await eventually(
      'the Machine Running again after the restart',
      async () => {
        const t = await machineTimeline(h.client, ns, 'tl-cp-0');
        return t.machine.phase === 'Running' && !t.waiting ? t : undefined;
      },
      60_000,
    );
    const key = (e: TimelineEntry) => `${e.time} ${e.source.kind}/${e.source.name} ${e.reason} ${e.message}`;
    const afterKeys = new Set(after.entries.map(key));
    for (const e of running.entries.filter((x) => x.category !== 'condition'))
      assert.ok(afterKeys.has(key(e)), `lost across the restart: ${key(e)}`);
    for (const reason of ['BootstrapDataReady', 'InfrastructureProvisioned', 'SuccessfulSetNodeRef'])
      assert.equal(machineEvents(after).filter((e) => e.reason === reason).length, 1, `${reason} again`);
  });

  it('says why a Machine is stuck when its infrastructure fails (fail-at-step), and the CLI prints it', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'stuck', [{ name: 'stuck-cp-0', controlPlane: true }]);
    await createBootstrapData(h, c, 'stuck-w-0');
    await h.client.create({
      apiVersion: MACHINE.apiVersion,
      kind: 'Machine',
      metadata: { name: 'stuck-w-0', namespace: ns },
      spec: {
        clusterName: 'stuck',
        version: 'v1.33.1',
        bootstrap: { dataSecretName: 'stuck-w-0-bootstrap' },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachine',
          name: 'stuck-w-0',
        },
      },
    });
    await h.client.create({
      apiVersion: DEV_MACHINE.apiVersion,
      kind: 'DevMachine',
      metadata: {
        name: 'stuck-w-0',
        namespace: ns,
        annotations: { 'inmemory.capi-ts.io/fail-at-step': 'vm' },
      },
      spec: { backend: { inMemory: {} } },
    });

    const stuck = await eventually(
      'the timeline to say the Machine waits for its failing infrastructure',
      async () => {
        const t = await machineTimeline(h.client, ns, 'stuck-w-0');
        return t.waiting?.reason === 'WaitingForInfrastructure' && /simulated failure/.test(t.waiting.message)
          ? t
          : undefined;
      },
      60_000,
    );
    assert.match(
      stuck.waiting!.message,
      /^Waiting for infrastructure: DevMachine stuck-w-0: .*simulated failure of the vm step \(annotation on the DevMachine\)/,
    );
    assert.ok(stuck.waiting!.since);
    assert.equal(stuck.machine.phase, 'Provisioning');
    assert.equal(position(stuck, 'InfrastructureProvisioned'), -1);
    // The provider's warning about it is in the timeline too.
    await eventually('the DevMachine warning Event', async () => {
      const t = await machineTimeline(h.client, ns, 'stuck-w-0');
      return t.entries.some(
        (e) => e.source.kind === 'DevMachine' && e.type === 'Warning' && e.category === 'event',
      );
    });

    // `capi describe machine`: the waiting reason; --timeline the history; -o json the data.
    const summary = await cli(h, 'describe', 'machine', 'stuck-w-0', '-n', ns);
    assert.equal(summary.code, 0, summary.err);
    assert.match(summary.out, /^Machine: {2}.*\/stuck-w-0$/m);
    assert.match(summary.out, /^Waiting: {2}WaitingForInfrastructure for \d+\w$/m);
    assert.match(summary.out, /simulated failure of the vm step/);
    assert.equal(summary.out, stripAnsi(summary.out), 'no colour when not a terminal');
    assert.doesNotMatch(summary.out, /^AGE/m);

    const timeline = await cli(h, 'describe', 'machine', 'stuck-w-0', '-n', ns, '--timeline');
    assert.equal(timeline.code, 0, timeline.err);
    assert.match(timeline.out, /^AGE\s+TIME\s+SOURCE\s+TYPE\s+REASON\s+MESSAGE$/m);
    assert.match(timeline.out, /^\S+\s+\S+\s+Machine\/stuck-w-0\s+Normal\s+Created\s+Machine created$/m);
    assert.match(timeline.out, /DevMachine\/stuck-w-0\s+Warning\s+/);

    const json = await cli(h, 'describe', 'machine', 'stuck-w-0', '-n', ns, '-o', 'json');
    assert.equal(json.code, 0, json.err);
    const data = JSON.parse(json.out) as MachineTimeline;
    assert.equal(data.machine.name, 'stuck-w-0');
    assert.equal(data.waiting?.reason, 'WaitingForInfrastructure');
    assert.ok(data.entries.length > 0);

    const missing = await cli(h, 'describe', 'machine', 'nope', '-n', ns);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, `error: machine "nope" not found in namespace "${ns}"\n`);
    assert.equal(missing.out, '');

    // Removing the fault lets it through; the timeline then shows the provisioning.
    const dm = (await getObj(h, DEV_MACHINE, ns, 'stuck-w-0'))!;
    await h.client.patch(dm, {
      type: 'merge',
      data: { metadata: { annotations: { 'inmemory.capi-ts.io/fail-at-step': null } } },
    });
    await eventually(
      'the Machine provisioned once the fault is gone',
      async () =>
        position(await machineTimeline(h.client, ns, 'stuck-w-0'), 'InfrastructureProvisioned') >= 0,
      60_000,
    );
  });

  it('names the Pod and the PodDisruptionBudget that hold a deleting Machine, then records the drain and Node deletion', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'dr', [
      { name: 'dr-cp-0', controlPlane: true },
      { name: 'dr-w-0' },
    ]);
    const node = await eventually(
      'the worker Running',
      async () => (await machineTimeline(h.client, ns, 'dr-w-0')).machine.nodeName,
      60_000,
    );
    const cluster = (await getObj(h, CLUSTER, ns, 'dr'))!;
    const endpoint = cluster.spec!.controlPlaneEndpoint!;
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    try {
      const pod = await createUnevictableDatabase(wl, node);
      const pdb = {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'db', namespace: 'default' },
      };

      await h.client.delete({ ...MACHINE, metadata: { name: 'dr-w-0', namespace: ns } });
      const held = await eventually(
        'the drain held by the budget',
        async () => {
          const t = await machineTimeline(h.client, ns, 'dr-w-0');
          return t.waiting?.reason === 'DrainingNode' &&
            /PodDisruptionBudget/.test(t.waiting.message) &&
            t.entries.some((e) => e.reason === 'DrainBlocked')
            ? t
            : undefined;
        },
        60_000,
      );
      assert.equal(held.machine.deleting, true);
      // Other Pods still leaving the Node may follow after `; also:`.
      assert.ok(
        held.waiting!.message.startsWith(
          `Drain of Node ${node} is blocked by a PodDisruptionBudget: Pod default/${pod.metadata.name}` +
            ' cannot be evicted: PodDisruptionBudget db needs 1 healthy pods and has 1 currently',
        ),
        held.waiting!.message,
      );
      const blocked = held.entries.filter((e) => e.reason === 'DrainBlocked');
      assert.equal(blocked.length, 1);
      assert.equal(blocked[0]!.type, 'Warning');
      assert.match(
        blocked[0]!.message,
        new RegExp(`Pod default/${pod.metadata.name} cannot be evicted: PodDisruptionBudget db needs`),
      );
      assert.ok(held.entries.some((e) => e.reason === 'DeletionRequested' && e.category === 'lifecycle'));

      // The owner relents: drain, Node deletion and the Machine's end are recorded.
      await wl.patch(pdb, { type: 'merge', data: { spec: { maxUnavailable: 1 } } });
      await eventually('dr-w-0 gone', async () => !(await getObj(h, MACHINE, ns, 'dr-w-0')), 60_000);
      const reasons = await eventually('the deletion Events', async () => {
        const events = await h.client.list<KubeObject>(
          { apiVersion: 'v1', kind: 'Event' },
          { namespace: ns, fieldSelector: 'involvedObject.kind=Machine,involvedObject.name=dr-w-0' },
        );
        const found = new Set(events.items.map((e) => e['reason'] as string));
        if (found.has('SuccessfulDrainNode') && found.has('SuccessfulDeleteNode')) return found;
        throw new Error(`recorded so far: ${[...found].sort().join(', ')}`);
      });
      assert.ok(reasons.has('Deleting'));
    } finally {
      wl.close();
    }
  });
});
