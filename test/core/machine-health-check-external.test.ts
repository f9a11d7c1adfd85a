import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, TypeRef } from '../../src/controller-runtime/api/object.js';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import {
  condition,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import {
  applyPlainCluster,
  availableCluster,
  clusterWorkloadClient,
  createMachineDeployment,
  MACHINE_HEALTH_CHECK,
  poolMachines,
  setNodeReady,
  setupCore,
} from './core-helpers.js';

// A provider's external remediation, as far as Cluster API sees it: a template kind and the request kind it
// stamps out (the template's kind without `Template`). No controller acts on the requests here.
const GROUP = 'remediation.test.capi-ts.io';
const API_VERSION = `${GROUP}/v1alpha1`;
const TEMPLATE: TypeRef = { apiVersion: API_VERSION, kind: 'FakeRemediationTemplate' };
const REQUEST: TypeRef = { apiVersion: API_VERSION, kind: 'FakeRemediation' };

const crd = (kind: string, plural: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
});

const installed = new WeakSet<Harness>();
/** Installs the two CRDs once per harness and waits until both kinds are served. */
async function installRemediationCrds(h: Harness): Promise<void> {
  if (installed.has(h)) return;
  await h.client.create(crd('FakeRemediationTemplate', 'fakeremediationtemplates'));
  await h.client.create(crd('FakeRemediation', 'fakeremediations'));
  for (const type of [TEMPLATE, REQUEST])
    await eventually(`${type.kind} served`, async () => {
      await h.client.list(type, { namespace: 'default' });
      return true;
    });
  installed.add(h);
}

const TEMPLATE_SPEC = {
  template: {
    metadata: { labels: { team: 'metal' }, annotations: { 'example.com/note': 'from the template' } },
    spec: { strategy: { type: 'Reboot', retryLimit: 1, timeoutSeconds: 300 } },
  },
};

async function createTemplate(h: Harness, ns: string, name: string): Promise<void> {
  await h.client.create({ ...TEMPLATE, metadata: { name, namespace: ns }, spec: TEMPLATE_SPEC });
}

interface Workers {
  ns: string;
  wl: KubeClient;
  machines: Obj[];
  /** The Node of each Machine, by Machine name. */
  nodeOf: (machine: Obj) => string;
}

/** A Cluster with one control plane Machine and a MachineDeployment `pool` of `replicas` workers, all Ready. */
async function clusterWithWorkers(h: Harness, name: string, replicas: number): Promise<Workers> {
  await installRemediationCrds(h);
  const ns = await h.namespace();
  const c = await applyPlainCluster(h, ns, name, [{ name: `${name}-cp-0`, controlPlane: true }]);
  await createMachineDeployment(h, c, 'pool', replicas);
  const cluster = await availableCluster(h, ns, name, replicas);
  const machines = await eventually('workers with Nodes', async () => {
    const ms = await poolMachines(h, ns, 'pool');
    return ms.length === replicas &&
      ms.every((m) => (m.status as { nodeRef?: { name?: string } } | undefined)?.nodeRef?.name)
      ? ms
      : undefined;
  });
  machines.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const wl = await clusterWorkloadClient(c, cluster);
  return {
    ns,
    wl,
    machines,
    nodeOf: (m) => (m.status as { nodeRef: { name: string } }).nodeRef.name,
  };
}

async function createMhc(
  h: Harness,
  ns: string,
  cluster: string,
  remediation: Record<string, unknown>,
): Promise<void> {
  await h.client.create({
    ...MACHINE_HEALTH_CHECK,
    metadata: { name: 'pool', namespace: ns },
    spec: {
      clusterName: cluster,
      selector: { matchLabels: { pool: 'pool' } },
      checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
      remediation,
    },
  });
}

async function allHealthy(h: Harness, ns: string, machines: Obj[]): Promise<void> {
  for (const m of machines)
    await eventually(
      `${m.metadata.name} HealthCheckSucceeded`,
      async () =>
        condition(await getObj(h, MACHINE, ns, m.metadata.name!), 'HealthCheckSucceeded')?.status === 'True',
    );
}

const requests = async (h: Harness, ns: string): Promise<Obj[]> =>
  (await h.client.list<Obj>(REQUEST, { namespace: ns })).items;

const events = async (h: Harness, ns: string) =>
  (
    await h.client.list<
      KubeObject & { reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } }
    >({ apiVersion: 'v1', kind: 'Event' }, { namespace: ns })
  ).items;

/** The Machine is still there, not deleting, and its MachineSet did not replace it. */
async function assertKept(h: Harness, ns: string, machine: Obj, replicas: number): Promise<void> {
  // Owner remediation deletes within a reconcile or two; give the MachineSet time to (wrongly) act.
  await sleep(1500);
  const now = await getObj(h, MACHINE, ns, machine.metadata.name!);
  assert.ok(now, `${machine.metadata.name} is kept`);
  assert.equal(now.metadata.deletionTimestamp, undefined, `${machine.metadata.name} is not being deleted`);
  assert.equal(condition(now, 'OwnerRemediated'), undefined, 'not handed to its owner');
  assert.equal((await poolMachines(h, ns, 'pool')).length, replicas, 'no replacement was made');
}

describe('MachineHealthCheck with an external remediation template', () => {
  const harness = useHarness({ setup: setupCore });

  it('creates a request named after the unhealthy Machine from the template, leaves the Machine to it, and deletes the request when the Machine recovers', async () => {
    const h = harness();
    const { ns, wl, machines, nodeOf } = await clusterWithWorkers(h, 'er', 2);
    try {
      await createTemplate(h, ns, 'reboot');
      await createMhc(h, ns, 'er', {
        templateRef: { apiVersion: API_VERSION, kind: 'FakeRemediationTemplate', name: 'reboot' },
      });
      await allHealthy(h, ns, machines);
      assert.deepEqual(await requests(h, ns), [], 'no request while all are healthy');

      const [sick, well] = machines as [Obj, Obj];
      await setNodeReady(wl, nodeOf(sick), 'False');
      const request = await eventually(`FakeRemediation ${sick.metadata.name}`, () =>
        getObj(h, REQUEST, ns, sick.metadata.name!),
      );
      assert.deepEqual(request.spec, TEMPLATE_SPEC.template.spec, "the template's spec.template.spec");
      assert.deepEqual(request.metadata.ownerReferences, [
        {
          apiVersion: 'cluster.x-k8s.io/v1beta2',
          kind: 'Machine',
          name: sick.metadata.name,
          uid: sick.metadata.uid,
        },
      ]);
      assert.equal(request.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'er');
      assert.equal(request.metadata.labels?.team, 'metal');
      assert.equal(request.metadata.annotations?.['example.com/note'], 'from the template');
      assert.equal(request.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'reboot');
      assert.equal(
        request.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
        `FakeRemediationTemplate.${GROUP}`,
      );
      assert.deepEqual(
        (await requests(h, ns)).map((r) => r.metadata.name),
        [sick.metadata.name],
        'only the unhealthy Machine gets one',
      );

      const marked = await eventually('ExternallyRemediated on the Machine', async () => {
        const m = await getObj(h, MACHINE, ns, sick.metadata.name!);
        return condition(m, 'ExternallyRemediated') ? m : undefined;
      });
      assert.equal(condition(marked, 'ExternallyRemediated')?.status, 'False');
      assert.equal(condition(marked, 'ExternallyRemediated')?.reason, 'WaitingForRemediation');
      assert.equal(condition(marked, 'HealthCheckSucceeded')?.reason, 'UnhealthyNode');
      await assertKept(h, ns, sick, 2);
      assert.ok(
        (await events(h, ns)).some(
          (e) => e.reason === 'MachineMarkedUnhealthy' && e.involvedObject?.name === sick.metadata.name,
        ),
      );

      await setNodeReady(wl, nodeOf(sick), 'True');
      await eventually('request deleted', async () => !(await getObj(h, REQUEST, ns, sick.metadata.name!)));
      const recovered = await eventually('Machine healthy again', async () => {
        const m = await getObj(h, MACHINE, ns, sick.metadata.name!);
        return condition(m, 'HealthCheckSucceeded')?.status === 'True' ? m : undefined;
      });
      await eventually('ExternallyRemediated cleared', async () =>
        condition(await getObj(h, MACHINE, ns, sick.metadata.name!), 'ExternallyRemediated')
          ? undefined
          : true,
      );
      assert.equal(recovered.metadata.deletionTimestamp, undefined);
      assert.ok(await getObj(h, MACHINE, ns, well.metadata.name!));
    } finally {
      wl.close();
    }
  });

  it('says RemediationTemplateNotFound on the Machine and creates nothing while the template is missing, then creates the request once it exists', async () => {
    const h = harness();
    const { ns, wl, machines, nodeOf } = await clusterWithWorkers(h, 'ernf', 2);
    try {
      await createMhc(h, ns, 'ernf', {
        templateRef: { apiVersion: API_VERSION, kind: 'FakeRemediationTemplate', name: 'absent' },
      });
      await allHealthy(h, ns, machines);
      const [sick] = machines as [Obj];
      await setNodeReady(wl, nodeOf(sick), 'False');
      const marked = await eventually('RemediationTemplateNotFound', async () => {
        const m = await getObj(h, MACHINE, ns, sick.metadata.name!);
        return condition(m, 'ExternallyRemediated')?.reason === 'RemediationTemplateNotFound' ? m : undefined;
      });
      assert.equal(condition(marked, 'ExternallyRemediated')?.status, 'False');
      assert.equal(
        condition(marked, 'ExternallyRemediated')?.message,
        `Error retrieving remediation template FakeRemediationTemplate ${ns}/absent`,
      );
      assert.equal(condition(marked, 'HealthCheckSucceeded')?.status, 'False');
      const warning = await eventually('warning event on the MachineHealthCheck', async () =>
        (await events(h, ns)).find(
          (e) =>
            e.reason === 'RemediationTemplateNotFound' && e.involvedObject?.kind === 'MachineHealthCheck',
        ),
      );
      assert.match(warning.message ?? '', /FakeRemediationTemplate .*\/absent/);
      assert.deepEqual(await requests(h, ns), []);
      await assertKept(h, ns, sick, 2);

      await createTemplate(h, ns, 'absent');
      // Retried with backoff, as upstream: no watch on templates.
      await eventually(
        'request created once the template exists',
        () => getObj(h, REQUEST, ns, sick.metadata.name!),
        30_000,
      );
      await eventually(
        'WaitingForRemediation',
        async () =>
          condition(await getObj(h, MACHINE, ns, sick.metadata.name!), 'ExternallyRemediated')?.reason ===
          'WaitingForRemediation',
      );
    } finally {
      wl.close();
    }
  });

  it('creates no request while triggerIf is not met, and creates them once it is', async () => {
    const h = harness();
    const { ns, wl, machines, nodeOf } = await clusterWithWorkers(h, 'ertr', 2);
    try {
      await createTemplate(h, ns, 'reboot');
      await createMhc(h, ns, 'ertr', {
        triggerIf: { unhealthyInRange: '[2-2]' },
        templateRef: { apiVersion: API_VERSION, kind: 'FakeRemediationTemplate', name: 'reboot' },
      });
      await allHealthy(h, ns, machines);
      const [a, b] = machines as [Obj, Obj];

      // One unhealthy is below the range: not remediated.
      await setNodeReady(wl, nodeOf(a), 'False');
      const expected =
        'Remediation is not allowed, the number of not started or unhealthy machines does not fall within the range (total: 2, unhealthy: 1, unhealthyRange: [2-2])';
      // Counters and conditions are separate writes: wait for the condition that counts the unhealthy one.
      const restricted = await eventually('RemediationAllowed=False with one unhealthy', async () => {
        const mhc = await getObj(h, MACHINE_HEALTH_CHECK, ns, 'pool');
        return condition(mhc, 'RemediationAllowed')?.message === expected ? mhc : undefined;
      });
      assert.equal(condition(restricted, 'RemediationAllowed')?.status, 'False');
      assert.equal(condition(restricted, 'RemediationAllowed')?.reason, 'TooManyUnhealthy');
      await eventually(
        'the Machine judged unhealthy',
        async () =>
          condition(await getObj(h, MACHINE, ns, a.metadata.name!), 'HealthCheckSucceeded')?.status ===
          'False',
      );
      await assertKept(h, ns, a, 2);
      assert.deepEqual(await requests(h, ns), [], 'no request while triggerIf is not met');
      assert.equal(
        condition(await getObj(h, MACHINE, ns, a.metadata.name!), 'ExternallyRemediated'),
        undefined,
      );

      // Two unhealthy are in the range: both get a request.
      await setNodeReady(wl, nodeOf(b), 'False');
      const made = await eventually('two requests', async () => {
        const items = await requests(h, ns);
        return items.length === 2 ? items : undefined;
      });
      assert.deepEqual(made.map((r) => r.metadata.name).sort(), [a.metadata.name, b.metadata.name].sort());
      await eventually(
        'RemediationAllowed=True',
        async () =>
          condition(await getObj(h, MACHINE_HEALTH_CHECK, ns, 'pool'), 'RemediationAllowed')?.status ===
          'True',
      );
    } finally {
      wl.close();
    }
  });
});
