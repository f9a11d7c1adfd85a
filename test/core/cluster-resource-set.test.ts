import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, TypeRef } from '../../src/controller-runtime/api/object.js';
import { isNotFound } from '../../src/controller-runtime/client/errors.js';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import {
  b64,
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Harness,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, clusterWorkloadClient, setupCore } from './core-helpers.js';

const CRS: TypeRef = { apiVersion: 'addons.cluster.x-k8s.io/v1beta2', kind: 'ClusterResourceSet' };
const BINDING: TypeRef = { apiVersion: 'addons.cluster.x-k8s.io/v1beta2', kind: 'ClusterResourceSetBinding' };
const CONFIG_MAP: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };

type Binding = Obj & {
  spec: {
    clusterName: string;
    bindings?: {
      clusterResourceSetName: string;
      resources?: { kind: string; name: string; applied: boolean; hash?: string; lastAppliedTime?: string }[];
    }[];
  };
};

/** A Cluster with one control plane Machine, labelled, reachable; returns a client for its workload cluster. */
async function reachableCluster(
  h: Harness,
  ns: string,
  name: string,
  labels: Record<string, string>,
): Promise<KubeClient> {
  const c = await applyPlainCluster(h, ns, name, [{ name: `${name}-cp-0`, controlPlane: true }]);
  await h.client.patch(
    { ...CLUSTER, metadata: { name, namespace: ns } },
    { type: 'merge', data: { metadata: { labels } } },
  );
  const cluster = await eventually(
    `Cluster ${name} Available`,
    async () => {
      const obj = await getObj(h, CLUSTER, ns, name);
      return condition(obj, 'Available')?.status === 'True' ? obj : undefined;
    },
    60_000,
  );
  return clusterWorkloadClient(c, cluster);
}

const applied = (h: Harness, ns: string, crs: string, status = 'True', reason?: string) =>
  eventually(
    `ClusterResourceSet ${crs} ResourcesApplied=${status}${reason ? `/${reason}` : ''}`,
    async () => {
      const obj = await getObj(h, CRS, ns, crs);
      const c = condition(obj, 'ResourcesApplied');
      return c?.status === status && (!reason || c.reason === reason) ? obj : undefined;
    },
  );

/** A ClusterResourceSet selecting `labels`, of the named resources (ApplyOnce unless `strategy` says otherwise). */
const createSet = (
  h: Harness,
  ns: string,
  name: string,
  labels: Record<string, string>,
  resources: { kind: 'ConfigMap' | 'Secret'; name: string }[],
  strategy?: 'ApplyOnce' | 'Reconcile',
) =>
  h.client.create({
    ...CRS,
    metadata: { name, namespace: ns },
    spec: { ...(strategy ? { strategy } : {}), clusterSelector: { matchLabels: labels }, resources },
  });

const workloadConfigMap = (wl: KubeClient, namespace: string, name: string) =>
  wl.get<Obj & { data?: Record<string, string> }>(CONFIG_MAP, { namespace, name }).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });

const manifest = (namespace: string, name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  value: "${value}"\n`;

describe('ClusterResourceSet', () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });

  it('applies the manifests of its ConfigMaps and Secrets once to each selected cluster and records them in its binding', async () => {
    const h = harness();
    const ns = await h.namespace();
    // The set and its resources exist before any cluster; the ConfigMap is listed before the Namespace it
    // needs, in one value: creation order puts the Namespace first.
    await h.client.create({
      ...CONFIG_MAP,
      metadata: { name: 'cni', namespace: ns },
      data: {
        'cni.yaml': `${manifest('cni-system', 'cni-config', 'v1')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: cni-system\n`,
      },
    });
    await h.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'addons.cluster.x-k8s.io/resource-set',
      metadata: { name: 'cloud-credentials', namespace: ns },
      data: { 'creds.yaml': b64(manifest('kube-system', 'cloud-config', 'secret-region')) },
    });
    await createSet(h, ns, 'cni', { cni: 'calico' }, [
      { kind: 'ConfigMap', name: 'cni' },
      { kind: 'Secret', name: 'cloud-credentials' },
    ]);

    const wlA = await reachableCluster(h, ns, 'crs-a', { cni: 'calico' });
    const wlB = await reachableCluster(h, ns, 'crs-b', { cni: 'none' });
    try {
      const crs = await applied(h, ns, 'cni');
      assert.equal(crs.spec?.strategy, 'ApplyOnce', 'defaulted by the webhook');
      assert.ok(crs.metadata.finalizers?.includes('addons.cluster.x-k8s.io'));
      assert.equal(
        (crs.status as { observedGeneration?: number }).observedGeneration,
        crs.metadata.generation,
      );

      assert.equal((await workloadConfigMap(wlA, 'cni-system', 'cni-config'))?.data?.value, 'v1');
      assert.equal(
        (await workloadConfigMap(wlA, 'kube-system', 'cloud-config'))?.data?.value,
        'secret-region',
      );
      assert.equal(
        await workloadConfigMap(wlB, 'cni-system', 'cni-config'),
        undefined,
        'crs-b is not selected',
      );

      const binding = (await eventually('the binding of crs-a', () =>
        getObj(h, BINDING, ns, 'crs-a'),
      )) as Binding;
      assert.equal(binding.spec.clusterName, 'crs-a');
      assert.deepEqual(
        binding.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
        ['ClusterResourceSet/cni'],
      );
      const resources =
        binding.spec.bindings?.find((b) => b.clusterResourceSetName === 'cni')?.resources ?? [];
      assert.deepEqual(
        resources.map((r) => [r.kind, r.name, r.applied]),
        [
          ['ConfigMap', 'cni', true],
          ['Secret', 'cloud-credentials', true],
        ],
      );
      for (const r of resources) assert.match(r.hash ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(await getObj(h, BINDING, ns, 'crs-b'), undefined);
      // The resources are owned by the set, so they move and go with it.
      const source = await getObj(h, CONFIG_MAP, ns, 'cni');
      assert.deepEqual(
        source?.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
        ['ClusterResourceSet/cni'],
      );

      // ApplyOnce: a changed resource is not applied again where it was applied, but a cluster selected later
      // gets the new content.
      await h.client.patch(
        { ...CONFIG_MAP, metadata: { name: 'cni', namespace: ns } },
        { type: 'merge', data: { data: { 'cni.yaml': manifest('kube-system', 'cni-config', 'v2') } } },
      );
      await h.client.patch(
        { ...CLUSTER, metadata: { name: 'crs-b', namespace: ns } },
        { type: 'merge', data: { metadata: { labels: { cni: 'calico' } } } },
      );
      await eventually('crs-b gets the set', async () =>
        (await workloadConfigMap(wlB, 'kube-system', 'cni-config'))?.data?.value === 'v2' ? true : undefined,
      );
      await applied(h, ns, 'cni');
      assert.equal(
        await workloadConfigMap(wlA, 'kube-system', 'cni-config'),
        undefined,
        'crs-a keeps what it got',
      );
      assert.equal((await workloadConfigMap(wlA, 'cni-system', 'cni-config'))?.data?.value, 'v1');

      // Deleting the set takes it out of the bindings (deleting those left empty); what it applied stays.
      await h.client.delete({ ...CRS, metadata: { name: 'cni', namespace: ns } });
      await eventually('the set gone', async () => ((await getObj(h, CRS, ns, 'cni')) ? undefined : true));
      await eventually('the bindings gone', async () =>
        (await getObj(h, BINDING, ns, 'crs-a')) || (await getObj(h, BINDING, ns, 'crs-b')) ? undefined : true,
      );
      assert.equal((await workloadConfigMap(wlA, 'cni-system', 'cni-config'))?.data?.value, 'v1');
    } finally {
      wlA.close();
      wlB.close();
    }
  });

  it('re-applies changed content with the Reconcile strategy, and drops the binding with its Cluster', async () => {
    const h = harness();
    const ns = await h.namespace();
    const wl = await reachableCluster(h, ns, 'crs-r', { addons: 'yes' });
    try {
      await h.client.create({
        ...CONFIG_MAP,
        metadata: { name: 'settings', namespace: ns },
        data: {
          'settings.json': JSON.stringify([
            JSON.parse(
              JSON.stringify({
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { name: 'settings', namespace: 'default' },
                data: { level: 'info' },
              }),
            ),
          ]),
        },
      });
      await createSet(
        h,
        ns,
        'settings',
        { addons: 'yes' },
        [{ kind: 'ConfigMap', name: 'settings' }],
        'Reconcile',
      );
      await applied(h, ns, 'settings');
      assert.equal((await workloadConfigMap(wl, 'default', 'settings'))?.data?.level, 'info');
      const firstHash = ((await getObj(h, BINDING, ns, 'crs-r')) as Binding).spec.bindings?.[0]
        ?.resources?.[0]?.hash;

      await h.client.patch(
        { ...CONFIG_MAP, metadata: { name: 'settings', namespace: ns } },
        {
          type: 'merge',
          data: {
            data: {
              'settings.json': JSON.stringify([
                {
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  metadata: { name: 'settings', namespace: 'default' },
                  data: { level: 'debug' },
                },
              ]),
            },
          },
        },
      );
      await eventually('the changed content applied', async () =>
        (await workloadConfigMap(wl, 'default', 'settings'))?.data?.level === 'debug' ? true : undefined,
      );
      const binding = await eventually('the binding records the new hash', async () => {
        const b = (await getObj(h, BINDING, ns, 'crs-r')) as Binding | undefined;
        const hash = b?.spec.bindings?.[0]?.resources?.[0]?.hash;
        return hash && hash !== firstHash ? b : undefined;
      });
      assert.equal(binding.spec.bindings?.[0]?.resources?.[0]?.applied, true);

      await h.client.delete({ ...CLUSTER, metadata: { name: 'crs-r', namespace: ns } });
      await eventually(
        'the binding deleted with its Cluster',
        async () => ((await getObj(h, BINDING, ns, 'crs-r')) ? undefined : true),
        60_000,
      );
    } finally {
      wl.close();
    }
  });

  it('says which resource is wrong: missing, a Secret of another type, content that is not manifests', async () => {
    const h = harness();
    const ns = await h.namespace();
    const wl = await reachableCluster(h, ns, 'crs-e', { broken: 'yes' });
    try {
      await createSet(h, ns, 'later', { broken: 'yes' }, [{ kind: 'ConfigMap', name: 'later' }]);
      const missing = await applied(h, ns, 'later', 'False', 'InternalError');
      assert.match(condition(missing, 'ResourcesApplied')?.message ?? '', /ConfigMap .*\/later not found/);
      // Creating the missing resource brings the set back without any other change.
      await h.client.create({
        ...CONFIG_MAP,
        metadata: { name: 'later', namespace: ns },
        data: { 'a.yaml': manifest('default', 'later', 'here') },
      });
      await applied(h, ns, 'later');
      assert.equal((await workloadConfigMap(wl, 'default', 'later'))?.data?.value, 'here');

      await h.client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'opaque', namespace: ns },
        data: { 'a.yaml': b64(manifest('default', 'opaque', 'x')) },
      });
      await createSet(h, ns, 'opaque', { broken: 'yes' }, [{ kind: 'Secret', name: 'opaque' }]);
      const wrongType = await applied(h, ns, 'opaque', 'False', 'WrongSecretType');
      assert.match(
        condition(wrongType, 'ResourcesApplied')?.message ?? '',
        /Secret type of resource opaque is not supported: it is "Opaque"/,
      );
      assert.equal(await workloadConfigMap(wl, 'default', 'opaque'), undefined);

      await h.client.create({
        ...CONFIG_MAP,
        metadata: { name: 'garbled', namespace: ns },
        data: { 'a.yaml': 'kind: ConfigMap\nmetadata: {name: x}\n', 'b.yaml': 'key: [unclosed' },
      });
      await createSet(h, ns, 'garbled', { broken: 'yes' }, [{ kind: 'ConfigMap', name: 'garbled' }]);
      const garbled = await applied(h, ns, 'garbled', 'False', 'NotApplied');
      assert.match(
        condition(garbled, 'ResourcesApplied')?.message ?? '',
        /ConfigMap garbled \(value 1 of 2\): item 1 has no apiVersion or kind/,
      );
      const binding = (await getObj(h, BINDING, ns, 'crs-e')) as Binding;
      assert.deepEqual(
        binding.spec.bindings
          ?.find((b) => b.clusterResourceSetName === 'garbled')
          ?.resources?.map((r) => r.applied),
        [false],
      );
    } finally {
      wl.close();
    }
  });

  it('examples/cni-clusterresourceset.yaml installs its DaemonSet on a cluster labelled cni=kindnet', async () => {
    const h = harness();
    const ns = await h.namespace();
    const wl = await reachableCluster(h, ns, 'crs-x', { cni: 'kindnet' });
    try {
      const text = readFileSync(
        new URL('../../examples/cni-clusterresourceset.yaml', import.meta.url),
        'utf8',
      );
      for (const doc of parseAllDocuments(text)) {
        const obj = doc.toJS() as KubeObject;
        await h.client.create({ ...obj, metadata: { ...obj.metadata, namespace: ns } });
      }
      await applied(h, ns, 'cni-kindnet');
      const ds = await wl.get(
        { apiVersion: 'apps/v1', kind: 'DaemonSet' },
        { namespace: 'kube-system', name: 'kindnet' },
      );
      assert.equal(
        (ds.spec as { template: { spec: { serviceAccountName: string } } }).template.spec.serviceAccountName,
        'kindnet',
      );
      await wl.get(
        { apiVersion: 'v1', kind: 'ServiceAccount' },
        { namespace: 'kube-system', name: 'kindnet' },
      );
    } finally {
      wl.close();
    }
  });
});
