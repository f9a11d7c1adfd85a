import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, TypeRef } from '../../src/controller-runtime/api/object.js';
import { substituteVariables } from '../../src/clusterctl/generate/envsubst.js';
import {
  condition,
  eventually,
  getObj,
  type Harness,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import { setupCore } from './core-helpers.js';

const CLUSTER_CLASS: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'ClusterClass' };
const DEV_CLUSTER_TEMPLATE: TypeRef = {
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
  kind: 'DevClusterTemplate',
};
const KCP_TEMPLATE: TypeRef = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlaneTemplate',
};

const IN_MEMORY_CLASS = fileURLToPath(
  new URL(
    '../../../shared/compat/upstream-cluster-api/templates/clusterclass-in-memory.yaml',
    import.meta.url,
  ),
);
const skipInMemory = existsSync(IN_MEMORY_CLASS)
  ? false
  : `upstream's clusterclass-in-memory.yaml not found at ${IN_MEMORY_CLASS} (../shared is absent); not checked`;

/** The ClusterClass once its controller has observed the current generation and says its variables are ready. */
async function reconciled(h: Harness, ns: string, name: string): Promise<Obj> {
  return eventually(`ClusterClass ${name} reconciled`, async () => {
    const cc = await getObj(h, CLUSTER_CLASS, ns, name);
    const st = cc?.status as { observedGeneration?: number } | undefined;
    return cc &&
      st?.observedGeneration === cc.metadata.generation &&
      condition(cc, 'VariablesReady')?.status === 'True'
      ? cc
      : undefined;
  });
}

/** The ClusterClass owner references of an object. */
const classOwners = (obj: KubeObject | undefined) =>
  (obj?.metadata.ownerReferences ?? []).filter((r) => r.kind === 'ClusterClass');

async function createDevClusterTemplate(h: Harness, ns: string, name: string): Promise<void> {
  await h.client.create({
    ...DEV_CLUSTER_TEMPLATE,
    metadata: { name, namespace: ns },
    spec: { template: { spec: { backend: { inMemory: {} } } } },
  });
}

async function createKcpTemplate(h: Harness, ns: string, name: string): Promise<void> {
  await h.client.create({
    ...KCP_TEMPLATE,
    metadata: { name, namespace: ns },
    spec: {
      template: {
        spec: { kubeadmConfigSpec: { clusterConfiguration: { apiServer: { certSANs: ['localhost'] } } } },
      },
    },
  });
}

/** A ClusterClass of a DevClusterTemplate and a KubeadmControlPlaneTemplate, with a defaulted and a required variable. */
function handWrittenClass(ns: string, name: string, infra: string, cp: string, annotations = {}): KubeObject {
  return {
    ...CLUSTER_CLASS,
    metadata: { name, namespace: ns, annotations },
    spec: {
      infrastructure: { templateRef: { ...DEV_CLUSTER_TEMPLATE, name: infra } },
      controlPlane: { templateRef: { ...KCP_TEMPLATE, name: cp } },
      variables: [
        {
          name: 'replicas',
          required: false,
          schema: { openAPIV3Schema: { type: 'integer', minimum: 1, default: 3 } },
        },
        {
          name: 'imageRepository',
          required: true,
          schema: {
            openAPIV3Schema: { type: 'string', description: 'Where the images come from.', minLength: 1 },
          },
        },
      ],
    },
  };
}

describe('ClusterClass controller', () => {
  const harness = useHarness({ setup: setupCore });

  it(
    "owns every template of upstream's in-memory ClusterClass and reports it ready",
    { skip: skipInMemory },
    async () => {
      const h = harness();
      const ns = await h.namespace();
      const text = substituteVariables(readFileSync(IN_MEMORY_CLASS, 'utf8'), () => undefined);
      const objects = parseAllDocuments(text)
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => !!o);
      for (const obj of objects)
        await h.client.create({ ...obj, metadata: { ...obj.metadata, namespace: ns } });
      const cc = await reconciled(h, ns, 'in-memory');
      assert.equal(condition(cc, 'RefVersionsUpToDate')?.status, 'True');
      assert.equal(condition(cc, 'RefVersionsUpToDate')?.reason, 'RefVersionsUpToDate');
      assert.equal(condition(cc, 'VariablesReady')?.reason, 'VariablesReady');
      assert.equal(condition(cc, 'Paused')?.status, 'False');
      assert.equal((cc.status as { variables?: unknown }).variables, undefined);
      const templates = objects.filter((o) => o.kind !== 'ClusterClass');
      assert.equal(templates.length, 5);
      for (const t of templates) {
        const obj = await eventually(`${t.kind} ${t.metadata.name} owned`, async () => {
          const o = await getObj(h, { apiVersion: t.apiVersion!, kind: t.kind! }, ns, t.metadata.name!);
          return classOwners(o).length > 0 ? o : undefined;
        });
        assert.deepEqual(classOwners(obj), [
          {
            apiVersion: 'cluster.x-k8s.io/v1beta2',
            kind: 'ClusterClass',
            name: 'in-memory',
            uid: cc.metadata.uid,
          },
        ]);
      }
    },
  );

  it('publishes the variables, names a missing template, and recovers once it exists', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createKcpTemplate(h, ns, 'cp');
    await h.client.create(handWrittenClass(ns, 'vars', 'infra', 'cp'));
    const missing = await eventually('RefVersionsUpToDate reports the missing template', async () => {
      const cc = await getObj(h, CLUSTER_CLASS, ns, 'vars');
      return condition(cc, 'RefVersionsUpToDate')?.reason === 'InternalError' &&
        condition(cc, 'VariablesReady')?.status === 'True'
        ? cc
        : undefined;
    });
    const refCondition = condition(missing, 'RefVersionsUpToDate')!;
    // Upstream: Unknown with InternalError; the message names the template to create.
    assert.equal(refCondition.status, 'Unknown');
    assert.match(refCondition.message ?? '', /DevClusterTemplate .*\/infra/);
    // The reconcile failed, so the Cluster webhook does not take the class as reconciled yet.
    assert.notEqual((missing.status as { observedGeneration?: number }).observedGeneration, 1);
    assert.deepEqual((missing.status as { variables?: unknown }).variables, [
      {
        name: 'imageRepository',
        definitionsConflict: false,
        definitions: [
          {
            from: 'inline',
            required: true,
            schema: {
              openAPIV3Schema: { type: 'string', description: 'Where the images come from.', minLength: 1 },
            },
          },
        ],
      },
      {
        name: 'replicas',
        definitionsConflict: false,
        definitions: [
          {
            from: 'inline',
            required: false,
            schema: { openAPIV3Schema: { type: 'integer', minimum: 1, default: 3 } },
          },
        ],
      },
    ]);
    // The template that exists is owned already.
    await eventually(
      'cp owned',
      async () => classOwners(await getObj(h, KCP_TEMPLATE, ns, 'cp')).length === 1,
    );

    await createDevClusterTemplate(h, ns, 'infra');
    const cc = await eventually('RefVersionsUpToDate', async () => {
      const obj = await getObj(h, CLUSTER_CLASS, ns, 'vars');
      return condition(obj, 'RefVersionsUpToDate')?.status === 'True' ? obj : undefined;
    });
    assert.equal(condition(cc, 'RefVersionsUpToDate')?.reason, 'RefVersionsUpToDate');
    await reconciled(h, ns, 'vars');
    const infra = await eventually('infra owned', async () => {
      const o = await getObj(h, DEV_CLUSTER_TEMPLATE, ns, 'infra');
      return classOwners(o).length === 1 ? o : undefined;
    });
    assert.equal(classOwners(infra)[0]?.uid, cc.metadata.uid);
    assert.equal(classOwners(infra)[0]?.controller, undefined);
  });

  it('leaves a paused ClusterClass and its templates alone until it is unpaused', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createDevClusterTemplate(h, ns, 'infra');
    await createKcpTemplate(h, ns, 'cp');
    await h.client.create(handWrittenClass(ns, 'paused', 'infra', 'cp', { 'cluster.x-k8s.io/paused': '' }));
    const paused = await eventually('Paused', async () => {
      const cc = await getObj(h, CLUSTER_CLASS, ns, 'paused');
      return condition(cc, 'Paused')?.status === 'True' ? cc : undefined;
    });
    assert.equal(condition(paused, 'Paused')?.reason, 'Paused');
    // Give the controller time to do what it should not.
    await sleep(500);
    const still = (await getObj(h, CLUSTER_CLASS, ns, 'paused'))!;
    assert.deepEqual(
      still.status?.conditions?.map((c) => c.type),
      ['Paused'],
    );
    const st = still.status as { observedGeneration?: number; variables?: unknown };
    assert.equal(st.observedGeneration, undefined);
    assert.equal(st.variables, undefined);
    assert.deepEqual(classOwners(await getObj(h, DEV_CLUSTER_TEMPLATE, ns, 'infra')), []);
    assert.deepEqual(classOwners(await getObj(h, KCP_TEMPLATE, ns, 'cp')), []);

    await h.client.patch(still, {
      type: 'merge',
      data: { metadata: { annotations: { 'cluster.x-k8s.io/paused': null } } },
    });
    const cc = await reconciled(h, ns, 'paused');
    assert.equal(condition(cc, 'Paused')?.status, 'False');
    assert.equal(condition(cc, 'RefVersionsUpToDate')?.status, 'True');
    await eventually('templates owned', async () => {
      const infra = await getObj(h, DEV_CLUSTER_TEMPLATE, ns, 'infra');
      const cp = await getObj(h, KCP_TEMPLATE, ns, 'cp');
      return classOwners(infra).length === 1 && classOwners(cp).length === 1;
    });
  });
});
