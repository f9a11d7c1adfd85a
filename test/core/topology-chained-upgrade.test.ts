// A chained upgrade through ClusterClass spec.kubernetesVersions, as a user sees it: a ClusterClass cluster (1
// control plane Machine, md-0 with one worker) on v1.32.4 is bumped two minors to v1.34.1. Watches on the
// KubeadmControlPlane, the MachineDeployment, the Machines and the Cluster record what happens; the test then
// checks that the control plane went through v1.33.2 (the last listed patch of the intermediate minor), that the
// worker was replaced once, straight to v1.34.1, after the control plane finished (efficient upgrades: two minors
// of skew are within the Kubernetes skew policy, so workers skip v1.33), and what Cluster.status upgradePlans and
// TopologyReconciled said meanwhile. Beside it, a cluster of a class without kubernetesVersions: the same
// two-minor bump is refused at admission.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import type { TypeRef } from '../../src/controller-runtime/api/object.js';
import { InvalidError } from '../../src/controller-runtime/client/errors.js';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import {
  applyManifests,
  KCP,
  listOf,
  MACHINE,
  MACHINE_DEPLOYMENT,
  waitAvailable,
} from '../e2e/helpers/topology.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Harness,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import { setupCore } from './core-helpers.js';

const FROM = 'v1.32.4';
const STEP = 'v1.33.2';
const TO = 'v1.34.1';
const KUBERNETES_VERSIONS = ['v1.32.0', 'v1.32.4', 'v1.33.0', 'v1.33.2', 'v1.34.0', 'v1.34.1'];
const CONTROL_PLANE_LABEL = 'cluster.x-k8s.io/control-plane';
const DEPLOYMENT_NAME = 'topology.cluster.x-k8s.io/deployment-name';
const UPGRADE_STEP = 'topology.internal.cluster.x-k8s.io/upgrade-step';

type Plan = { version: string }[] | undefined;
interface ClusterStatus {
  controlPlane?: { upgradePlan?: Plan };
  workers?: { upgradePlan?: Plan };
}
const planOf = (plan: Plan): string[] => (plan ?? []).map((p) => p.version);
const machineVersion = (m: Obj) => (m.spec as { version?: string }).version ?? '';
const kcpVersion = (kcp: Obj) => (kcp.spec as { version?: string }).version ?? '';
const mdVersion = (md: Obj) =>
  (md.spec as { template: { spec: { version?: string } } }).template.spec.version ?? '';
/** The embedded store has one global revision, so resourceVersions order events across kinds. */
const revisionOf = (o: Obj) => Number(o.metadata.resourceVersion);

/** `capi generate cluster`'s default flavor (in-memory ClusterClass, 0 s machine steps) on FROM; returns the namespace. */
async function applyClassCluster(h: Harness, name: string, kubernetesVersions?: string[]): Promise<string> {
  const ns = await h.namespace();
  const { yaml } = generateCluster({
    name,
    kubernetesVersion: FROM,
    controlPlaneMachineCount: 1,
    workerMachineCount: 1,
    targetNamespace: ns,
    env: {},
  });
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
  if (kubernetesVersions) {
    const cc = docs.find((d) => d.kind === 'ClusterClass')!;
    (cc.spec as { kubernetesVersions?: string[] }).kubernetesVersions = kubernetesVersions;
  }
  await applyManifests(h, ns, docs.map((d) => stringify(d)).join('---\n'));
  return ns;
}

/** A merge patch of spec.topology.version. */
function setTopologyVersion(h: Harness, ns: string, name: string, version: string, dryRun = false) {
  return h.client.patch(
    { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', metadata: { name, namespace: ns } },
    { type: 'merge', data: { spec: { topology: { version } } } },
    dryRun ? { dryRun: true } : {},
  );
}

/** Asserts `attempt` is refused as invalid, with one cause on spec.topology.version; returns the error text. */
async function refusedOnTopologyVersion(attempt: Promise<unknown>): Promise<string> {
  let message = '';
  await assert.rejects(attempt, (err: unknown) => {
    assert.ok(err instanceof InvalidError, `expected an InvalidError, got ${String(err)}`);
    assert.deepEqual(
      err.causes.map((c) => c.field),
      ['spec.topology.version'],
    );
    message = err.message;
    return true;
  });
  return message;
}

interface MachineEvent {
  revision: number;
  type: 'ADDED' | 'DELETED';
  name: string;
  /** `control-plane` or the MachineDeployment topology name. */
  part: string;
  version: string;
}
interface VersionEvent {
  revision: number;
  version: string;
}
interface ClusterEvent {
  revision: number;
  controlPlanePlan: string[];
  workersPlan: string[];
  reconciled?: { status: string; reason: string; message: string };
}

/** Records events of `type` in `ns` from `resourceVersion` until `signal` aborts. */
async function record(
  h: Harness,
  type: TypeRef,
  ns: string,
  resourceVersion: string,
  signal: AbortSignal,
  on: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj) => void,
): Promise<void> {
  for await (const e of h.client.watch<Obj>(type, { namespace: ns, resourceVersion, signal }))
    if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') on(e.type, e.object);
}

/** Consecutive duplicates dropped. */
function changes<T>(values: T[], key: (v: T) => string = (v) => JSON.stringify(v)): T[] {
  return values.filter((v, i) => i === 0 || key(v) !== key(values[i - 1]!));
}

describe('topology: a chained upgrade through ClusterClass spec.kubernetesVersions', () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });
  let h: Harness;
  const chained = { name: 'chain', ns: '' };
  const plain = { name: 'plain', ns: '' };

  before(async () => {
    h = harness();
    chained.ns = await applyClassCluster(h, chained.name, KUBERNETES_VERSIONS);
    plain.ns = await applyClassCluster(h, plain.name);
    await Promise.all([
      waitAvailable(h, chained.ns, chained.name, 1, 120_000),
      waitAvailable(h, plain.ns, plain.name, 1, 120_000),
    ]);
  });

  it('a version the ClusterClass does not list is refused at admission', async () => {
    const message = await refusedOnTopologyVersion(
      setTopologyVersion(h, chained.ns, chained.name, 'v1.34.2'),
    );
    assert.equal(
      message,
      'admission webhook "validation.cluster.cluster.x-k8s.io" denied the request: ' +
        `Cluster.cluster.x-k8s.io "${chained.name}" is invalid: spec.topology.version: Invalid value: "v1.34.2": ` +
        'version must match one of the versions defined in the ClusterClass',
    );
    const cluster = (await getObj(h, CLUSTER, chained.ns, chained.name))!;
    assert.equal((cluster.spec as { topology: { version: string } }).topology.version, FROM);
  });

  it(`${FROM} -> ${TO}: the control plane goes through ${STEP}, the worker straight to ${TO} once the control plane is done`, async () => {
    const { ns, name } = chained;
    const [kcps, mds, machines] = await Promise.all([
      listOf(h, KCP, ns),
      listOf(h, MACHINE_DEPLOYMENT, ns),
      listOf(h, MACHINE, ns),
    ]);
    assert.equal(kcps.length, 1);
    assert.equal(mds.length, 1);
    assert.deepEqual(machines.map(machineVersion), [FROM, FROM]);
    const kcpName = kcps[0]!.metadata.name!;
    const mdName = mds[0]!.metadata.name!;
    const before = (await getObj(h, CLUSTER, ns, name))!;
    assert.deepEqual(planOf((before.status as ClusterStatus).controlPlane?.upgradePlan), []);
    assert.deepEqual(planOf((before.status as ClusterStatus).workers?.upgradePlan), []);

    // Everything from here on, ordered by revision.
    const start = String(Math.max(...[...kcps, ...mds, ...machines, before].map(revisionOf)));
    const machineEvents: MachineEvent[] = [];
    const live = new Map(machines.map((m) => [m.metadata.name!, machineVersion(m)]));
    const kcpVersions: VersionEvent[] = [{ revision: revisionOf(kcps[0]!), version: kcpVersion(kcps[0]!) }];
    const mdVersions: VersionEvent[] = [{ revision: revisionOf(mds[0]!), version: mdVersion(mds[0]!) }];
    const clusterEvents: ClusterEvent[] = [];
    const stop = new AbortController();
    const watches = [
      record(h, MACHINE, ns, start, stop.signal, (type, m) => {
        if (type === 'MODIFIED') return;
        const part =
          m.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined
            ? 'control-plane'
            : (m.metadata.labels?.[DEPLOYMENT_NAME] ?? '?');
        const version = machineVersion(m);
        machineEvents.push({ revision: revisionOf(m), type, name: m.metadata.name!, part, version });
        if (type === 'ADDED') live.set(m.metadata.name!, version);
        else live.delete(m.metadata.name!);
      }),
      record(h, KCP, ns, start, stop.signal, (_, kcp) =>
        kcpVersions.push({ revision: revisionOf(kcp), version: kcpVersion(kcp) }),
      ),
      record(h, MACHINE_DEPLOYMENT, ns, start, stop.signal, (_, md) =>
        mdVersions.push({ revision: revisionOf(md), version: mdVersion(md) }),
      ),
      record(h, CLUSTER, ns, start, stop.signal, (_, c) => {
        const status = c.status as ClusterStatus | undefined;
        const tr = condition(c, 'TopologyReconciled');
        clusterEvents.push({
          revision: revisionOf(c),
          controlPlanePlan: planOf(status?.controlPlane?.upgradePlan),
          workersPlan: planOf(status?.workers?.upgradePlan),
          ...(tr ? { reconciled: { status: tr.status, reason: tr.reason, message: tr.message ?? '' } } : {}),
        });
      }),
    ];

    let done: Obj;
    try {
      // Two minors at once: admitted, because the ClusterClass lists the versions to chain through.
      await setTopologyVersion(h, ns, name, TO);

      done = await eventually(
        `every Machine on ${TO}, the Cluster Available and its topology reconciled`,
        async () => {
          const c = await getObj(h, CLUSTER, ns, name);
          const all = await listOf(h, MACHINE, ns);
          const tr = condition(c, 'TopologyReconciled');
          return all.length === 2 &&
            all.every((m) => machineVersion(m) === TO && !m.metadata.deletionTimestamp) &&
            condition(c, 'Available')?.status === 'True' &&
            tr?.status === 'True' &&
            tr.reason === 'ReconcileSucceeded'
            ? c
            : undefined;
        },
        150_000,
      );
      // Let the watches catch up with that final state before reading what they saw.
      await eventually('the watches caught up', () => {
        const last = clusterEvents.at(-1);
        return (
          [...live.values()].every((v) => v === TO) &&
          live.size === 2 &&
          kcpVersions.at(-1)?.version === TO &&
          mdVersions.at(-1)?.version === TO &&
          last?.reconciled?.status === 'True' &&
          last.controlPlanePlan.length === 0 &&
          last.workersPlan.length === 0
        );
      });
    } finally {
      stop.abort();
      await Promise.all(watches.map((w) => w.catch(() => undefined)));
    }

    const timeline = () =>
      [
        ...machineEvents.map((e) => ({
          r: e.revision,
          t: `${e.type} Machine ${e.part} ${e.name} ${e.version}`,
        })),
        ...changes(kcpVersions, (e) => e.version).map((e) => ({
          r: e.revision,
          t: `KCP spec.version ${e.version}`,
        })),
        ...changes(mdVersions, (e) => e.version).map((e) => ({
          r: e.revision,
          t: `MD version ${e.version}`,
        })),
        ...changes(clusterEvents, (e) => JSON.stringify([e.controlPlanePlan, e.workersPlan])).map((e) => ({
          r: e.revision,
          t: `Cluster plans cp=[${e.controlPlanePlan.join(',')}] workers=[${e.workersPlan.join(',')}]`,
        })),
      ]
        .sort((a, b) => a.r - b.r)
        .map((e) => `${e.r} ${e.t}`)
        .join('\n');

    // The control plane: v1.32.4 -> v1.33.2 -> v1.34.1, one Machine replaced per step.
    assert.deepEqual(
      changes(kcpVersions.map((e) => e.version)),
      [FROM, STEP, TO],
      `KubeadmControlPlane spec.version:\n${timeline()}`,
    );
    const cpEvents = machineEvents.filter((e) => e.part === 'control-plane');
    assert.deepEqual(
      cpEvents.filter((e) => e.type === 'ADDED').map((e) => e.version),
      [STEP, TO],
      timeline(),
    );
    assert.deepEqual(
      cpEvents.filter((e) => e.type === 'DELETED').map((e) => e.version),
      [FROM, STEP],
      timeline(),
    );
    const kcpAt = (version: string) => kcpVersions.find((e) => e.version === version)!.revision;
    const gone = (part: string, version: string) =>
      machineEvents.find((e) => e.part === part && e.type === 'DELETED' && e.version === version)!.revision;
    // Each step finishes (the old Machine is gone) before the next one starts.
    assert.ok(
      gone('control-plane', FROM) < kcpAt(TO),
      `the control plane moved on too early:\n${timeline()}`,
    );

    // The worker: never on v1.33.2; its MachineDeployment moves once, straight to v1.34.1, after the control plane
    // finished its last step; its Machine is replaced once.
    assert.deepEqual(
      changes(mdVersions.map((e) => e.version)),
      [FROM, TO],
      `MachineDeployment ${mdName} version:\n${timeline()}`,
    );
    const workerEvents = machineEvents.filter((e) => e.part === 'md-0');
    assert.deepEqual(
      workerEvents.map((e) => `${e.type} ${e.version}`).sort(),
      [`ADDED ${TO}`, `DELETED ${FROM}`],
      timeline(),
    );
    const mdAtTarget = mdVersions.find((e) => e.version === TO)!.revision;
    assert.ok(
      gone('control-plane', STEP) < mdAtTarget,
      `the workers started before the control plane finished:\n${timeline()}`,
    );

    // What Cluster.status said meanwhile: the control plane plan shrinks step by step; the workers plan is the
    // target alone from the start (v1.33 skipped), until the MachineDeployment took it.
    const plans = changes(clusterEvents, (e) => JSON.stringify([e.controlPlanePlan, e.workersPlan])).map(
      (e) => [e.controlPlanePlan, e.workersPlan],
    );
    assert.deepEqual(
      plans.filter(([cp, workers]) => cp!.length > 0 || workers!.length > 0),
      [
        [[STEP, TO], [TO]],
        [[TO], [TO]],
        [[], [TO]],
      ],
      `upgrade plans seen:\n${timeline()}`,
    );
    // What TopologyReconciled said: the step under way and the steps pending.
    const messages = new Set(clusterEvents.map((e) => e.reconciled?.message ?? ''));
    for (const expected of [
      `Cluster is upgrading to ${TO}\n  * KubeadmControlPlane upgrading to version ${STEP} (${TO} pending)\n` +
        `  * MachineDeployment ${mdName} pending upgrade to version ${TO}`,
      `Cluster is upgrading to ${TO}\n  * KubeadmControlPlane upgrading to version ${TO}\n` +
        `  * MachineDeployment ${mdName} pending upgrade to version ${TO}`,
      `Cluster is upgrading to ${TO}\n  * MachineDeployment ${mdName} upgrading to version ${TO}`,
    ]) {
      assert.ok(messages.has(expected), `not seen: ${expected}\nseen:\n${[...messages].join('\n---\n')}`);
    }
    assert.ok(
      clusterEvents.every(
        (e) => e.reconciled?.status !== 'False' || e.reconciled.reason === 'ClusterUpgrading',
      ),
      `TopologyReconciled False for another reason than ClusterUpgrading: ${JSON.stringify(
        clusterEvents.find(
          (e) => e.reconciled?.status === 'False' && e.reconciled.reason !== 'ClusterUpgrading',
        ),
      )}`,
    );

    // The end state: everything on v1.34.1 (kubelets included), nothing left to plan.
    const status = done.status as ClusterStatus;
    assert.deepEqual(planOf(status.controlPlane?.upgradePlan), []);
    assert.deepEqual(planOf(status.workers?.upgradePlan), []);
    assert.equal(done.metadata.annotations?.[UPGRADE_STEP], undefined);
    const kcp = (await getObj(h, KCP, ns, kcpName))!;
    assert.equal(kcpVersion(kcp), TO);
    assert.equal((kcp.status as { version?: string }).version, TO);
    assert.equal(mdVersion((await getObj(h, MACHINE_DEPLOYMENT, ns, mdName))!), TO);
    for (const m of await listOf(h, MACHINE, ns)) {
      assert.equal(machineVersion(m), TO);
      assert.equal((m.status as { nodeInfo?: { kubeletVersion?: string } }).nodeInfo?.kubeletVersion, TO);
    }
  });

  it('without kubernetesVersions in the ClusterClass, a two-minor bump is refused at admission', async () => {
    const { ns, name } = plain;
    // One minor is fine (dry run: nothing changes) ...
    await setTopologyVersion(h, ns, name, STEP, true);
    // ... two are not.
    const message = await refusedOnTopologyVersion(setTopologyVersion(h, ns, name, TO));
    assert.equal(
      message,
      'admission webhook "validation.cluster.cluster.x-k8s.io" denied the request: ' +
        `Cluster.cluster.x-k8s.io "${name}" is invalid: spec.topology.version: Invalid value: "${TO}": ` +
        'version cannot be increased from "1.32.4" to "1.34.1"',
    );
    const cluster = (await getObj(h, CLUSTER, ns, name))!;
    assert.equal((cluster.spec as { topology: { version: string } }).topology.version, FROM);
    const kcp = (await listOf(h, KCP, ns))[0]!;
    assert.equal(kcpVersion(kcp), FROM);
  });
});
