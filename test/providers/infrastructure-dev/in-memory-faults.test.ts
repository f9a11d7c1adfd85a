import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/controller-runtime/api/object.js';
import {
  condition,
  createCluster,
  createMachine,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  markInfrastructureProvisioned,
  metricValue,
  NODE,
  type Obj,
  useHarness,
  machineReady,
  workloadClient,
} from './harness.js';

const EVENT = { apiVersion: 'v1', kind: 'Event' };

async function warningEvents(
  h: Harness,
  ns: string,
  name: string,
): Promise<{ reason: string; message: string }[]> {
  const list = await h.client.list<
    KubeObject & { type?: string; reason?: string; message?: string; involvedObject?: { name?: string } }
  >(EVENT, { namespace: ns });
  return list.items
    .filter((e) => e.type === 'Warning' && e.involvedObject?.name === name)
    .map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
}

async function annotate(
  h: Harness,
  type: { apiVersion: string; kind: string },
  ns: string,
  name: string,
  annotations: Record<string, string | null>,
) {
  await h.client.patch(
    { ...type, metadata: { name, namespace: ns } },
    { type: 'merge', data: { metadata: { annotations } } },
  );
}

const nodeReady = (node: Obj | undefined) =>
  (
    node?.status as { conditions?: { type: string; status: string; reason: string }[] } | undefined
  )?.conditions?.find((c) => c.type === 'Ready');

describe('in-memory backend: fault injection', () => {
  const harness = useHarness();

  it('api-error-rate: the reconcile fails, shows on Ready, as events and metrics, retries with backoff, then recovers', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createCluster(h, ns, 'flaky', {
      devClusterAnnotations: { 'inmemory.capi-ts.io/api-error-rate': '1' },
    });
    const failing = await eventually('Ready=False with the error', async () => {
      const dc = await getObj(h, DEV_CLUSTER, ns, 'flaky');
      const ready = condition(dc, 'Ready');
      return ready?.status === 'False' && /simulated provider API error/.test(ready.message ?? '')
        ? dc
        : undefined;
    });
    assert.equal(
      (failing.status as { initialization?: unknown }).initialization,
      undefined,
      'not provisioned',
    );
    assert.equal(condition(failing, 'Ready')?.reason, 'NotReady');

    const errorsAt = async () =>
      metricValue(h.registry, 'capi_provider_api_errors_total', {
        provider: 'in-memory',
        kind: 'DevCluster',
        operation: 'ProvisionClusterInfrastructure',
      });
    await eventually('retried', async () => (await errorsAt()) >= 2);
    await sleep(1200);
    const retries = await errorsAt();
    // Exponential backoff (5 ms doubling): a dozen attempts in ~1.3 s, where a hot loop would make thousands.
    assert.ok(retries >= 3 && retries <= 20, `${retries} attempts in ~1.3 s`);
    assert.ok(
      (await metricValue(h.registry, 'controller_runtime_reconcile_errors_total', {
        controller: 'devcluster',
      })) >= retries,
    );
    const events = await eventually('a Warning event', async () => {
      const list = await warningEvents(h, ns, 'flaky');
      return list.length > 0 ? list : undefined;
    });
    assert.equal(events[0]!.reason, 'ReconcileError');
    assert.match(events[0]!.message, /simulated provider API error during ProvisionClusterInfrastructure/);

    await annotate(h, DEV_CLUSTER, ns, 'flaky', { 'inmemory.capi-ts.io/api-error-rate': null });
    await eventually(
      'recovered',
      async () => condition(await getObj(h, DEV_CLUSTER, ns, 'flaky'), 'Ready')?.status === 'True',
      15_000,
    );
  });

  it('fail-at-step: the step reports InternalError, earlier steps stay done, and provisioning resumes when removed', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'broken');
    await markInfrastructureProvisioned(h, c);
    const m = await createMachine(h, c, 'broken-cp-0', {
      controlPlane: true,
      annotations: { 'inmemory.capi-ts.io/fail-at-step': 'etcd' },
    });
    const dm = await eventually('EtcdProvisioned InternalError', async () => {
      const obj = await getObj(h, DEV_MACHINE, ns, m.devMachineName);
      return condition(obj, 'EtcdProvisioned')?.reason === 'InternalError' ? obj : undefined;
    });
    assert.match(condition(dm, 'EtcdProvisioned')!.message!, /simulated failure of the etcd step/);
    assert.equal(condition(dm, 'VMProvisioned')?.status, 'True');
    assert.equal(condition(dm, 'NodeProvisioned')?.status, 'True');
    assert.equal(condition(dm, 'Ready')?.status, 'False');
    await eventually(
      'counted',
      async () =>
        (await metricValue(h.registry, 'capi_provider_api_errors_total', {
          kind: 'DevMachine',
          operation: 'ProvisionEtcd',
        })) >= 1,
    );
    assert.equal(h.provider.cloud.get(`${ns}/broken`)!.etcd.members().length, 0, 'no member joined');
    // Retried with backoff (not once, not in a hot loop), each failure a Warning event on the DevMachine.
    await eventually(
      'retried',
      async () =>
        (await metricValue(h.registry, 'controller_runtime_reconcile_errors_total', {
          controller: 'devmachine',
        })) >= 3,
    );
    const events = await eventually('a Warning event', async () => {
      const list = await warningEvents(h, ns, m.devMachineName);
      return list.length > 0 ? list : undefined;
    });
    assert.match(events[0]!.message, /simulated failure of the etcd step/);

    await annotate(h, DEV_MACHINE, ns, m.devMachineName, { 'inmemory.capi-ts.io/fail-at-step': null });
    await eventually(
      'Ready after the fault is lifted',
      async () => condition(await getObj(h, DEV_MACHINE, ns, m.devMachineName), 'Ready')?.status === 'True',
      15_000,
    );
  });

  it('an unusable annotation value is reported on Ready with what is accepted', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'typo');
    await markInfrastructureProvisioned(h, c);
    const m = await createMachine(h, c, 'typo-cp-0', {
      controlPlane: true,
      annotations: { 'inmemory.capi-ts.io/fail-at-step': 'disk' },
    });
    const ready = await eventually('Ready names the annotation', async () => {
      const r = condition(await getObj(h, DEV_MACHINE, ns, m.devMachineName), 'Ready');
      return r?.message?.includes('fail-at-step') ? r : undefined;
    });
    assert.equal(ready.status, 'False');
    assert.match(ready.message!, /"disk": want one of vm, node, etcd, apiServer/);
  });

  it('node-never-ready and node-not-ready-after: the Node registers NotReady, or turns Unknown after the delay', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'sick');
    await markInfrastructureProvisioned(h, c);
    await createMachine(h, c, 'sick-cp-0', {
      controlPlane: true,
      annotations: { 'inmemory.capi-ts.io/node-never-ready': 'true' },
    });
    await createMachine(h, c, 'sick-cp-1', {
      controlPlane: true,
      annotations: { 'inmemory.capi-ts.io/node-not-ready-after': '400ms' },
    });
    for (const name of ['sick-cp-0-dev', 'sick-cp-1-dev']) await machineReady(h, ns, name);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'sick'))!.spec!.controlPlaneEndpoint!;
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    try {
      const never = nodeReady(await wl.get<Obj>(NODE, { name: 'sick-cp-0-dev' }));
      assert.equal(never?.status, 'False');
      assert.equal(never?.reason, 'KubeletNotReady');
      const later = await eventually('Ready becomes Unknown', async () => {
        const r = nodeReady(await wl.get<Obj>(NODE, { name: 'sick-cp-1-dev' }));
        return r?.status === 'Unknown' ? r : undefined;
      });
      assert.equal(later.reason, 'NodeStatusUnknown');
    } finally {
      wl.close();
    }
  });

  it('unreachable: the workload endpoint drops connections until the annotation goes', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'island');
    await markInfrastructureProvisioned(h, c);
    await createMachine(h, c, 'island-cp-0', { controlPlane: true });
    await eventually(
      'Ready',
      async () => condition(await getObj(h, DEV_MACHINE, ns, 'island-cp-0-dev'), 'Ready')?.status === 'True',
    );
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'island'))!.spec!.controlPlaneEndpoint!;
    const server = `https://${endpoint.host}:${endpoint.port}`;

    await annotate(h, DEV_CLUSTER, ns, 'island', { 'inmemory.capi-ts.io/unreachable': 'true' });
    await eventually('connections dropped', async () => {
      const wl = await workloadClient(c, server);
      try {
        await wl.get(NODE, { name: 'island-cp-0-dev' });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === undefined;
      } finally {
        wl.close();
      }
    });
    await annotate(h, DEV_CLUSTER, ns, 'island', { 'inmemory.capi-ts.io/unreachable': null });
    await eventually('served again', async () => {
      const wl = await workloadClient(c, server);
      try {
        return !!(await wl.get(NODE, { name: 'island-cp-0-dev' }));
      } finally {
        wl.close();
      }
    });
  });
});
