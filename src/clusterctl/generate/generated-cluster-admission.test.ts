import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../apiserver/embedded/embedded-api-server.js';
import { type KubeObject, objectKeyOf, typeRefOf } from '../../controller-runtime/api/object.js';
import { isInvalid } from '../../controller-runtime/client/errors.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { silentLogger } from '../../controller-runtime/log/logger.js';
import { Manager } from '../../controller-runtime/manager/manager.js';
import { setupClusterClassController } from '../../core/reconcilers/cluster-class/setup.js';
import { clusterApiCrds } from '../../main/crds.js';
import { inProcessAdmission } from '../../main/in-process-admission.js';
import { installCrds } from '../../main/install-crds.js';
import { clusterApiWebhooks, DeferredReader, MANAGEMENT_PLANE_FEATURE_GATES } from '../../main/webhooks.js';
import { flavors } from './flavors.js';
import { generateCluster, type GenerateClusterOptions } from './generate-cluster.js';

type Obj = KubeObject & { spec?: Record<string, unknown> };

const CLUSTER_CLASS = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'ClusterClass' };
/** `kubectl apply --server-side`'s field manager. */
const APPLY = { fieldManager: 'kubectl' };

const render = (options: Partial<GenerateClusterOptions> & { targetNamespace: string }): Obj[] =>
  parseAllDocuments(
    generateCluster({
      name: 'demo',
      kubernetesVersion: 'v1.34.0',
      controlPlaneMachineCount: 3,
      workerMachineCount: 2,
      env: {},
      ...options,
    }).yaml,
  ).map((d) => d.toJS() as Obj);

// The templates are only useful if the management plane takes them: this runs them through our CRD schemas and every
// Cluster API admission webhook, as `capi up` serves them. A topology Cluster is fully validated against its
// ClusterClass only once the ClusterClass controller has reconciled that, so that controller runs here too and each
// topology Cluster is created after its class is reconciled. Nothing else reconciles.
describe('generated clusters are accepted by the management plane API', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let client: KubeClient;
  const stopping = new AbortController();
  let running: Promise<void> | undefined;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-generate-'));
    const webhookReader = new DeferredReader();
    server = await startEmbeddedApiServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inMemory: true,
      workloadControllers: false,
      admissionPlugins: [inProcessAdmission(clusterApiWebhooks({ reader: webhookReader }))],
    });
    client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
    webhookReader.target = client;
    await installCrds(client, clusterApiCrds());
    const manager = new Manager({
      restConfig: client.config,
      registry: new Registry(),
      logger: silentLogger(),
    });
    setupClusterClassController(manager, { featureGates: MANAGEMENT_PLANE_FEATURE_GATES });
    running = manager.start(stopping.signal);
  });

  after(async () => {
    stopping.abort();
    await running?.catch(() => undefined);
    client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function newNamespace(name: string): Promise<string> {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  /** The ClusterClass once its controller has observed the current generation and published its variables. */
  async function reconciledClass(namespace: string, name: string): Promise<Obj> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const cc = await client.get<Obj>(CLUSTER_CLASS, { namespace, name });
      const status = cc.status as
        { observedGeneration?: number; conditions?: { type: string; status: string }[] } | undefined;
      const ready = status?.conditions?.find((c) => c.type === 'VariablesReady')?.status === 'True';
      if (ready && status?.observedGeneration === cc.metadata.generation) return cc;
      if (Date.now() > deadline) {
        throw new Error(`ClusterClass ${namespace}/${name} not reconciled: ${JSON.stringify(status)}`);
      }
      await sleep(50);
    }
  }

  /**
   * Creates the objects in file order (or applies them server-side, as `kubectl apply --server-side` would), waiting
   * for each ClusterClass to be reconciled before any Cluster.
   */
  async function createAll(
    objects: readonly Obj[],
    namespace: string,
    write: (obj: Obj) => Promise<Obj> = (obj) => client.create(obj),
  ): Promise<void> {
    for (const obj of objects) {
      if (obj.kind === 'Cluster') {
        for (const cc of objects.filter((o) => o.kind === 'ClusterClass'))
          await reconciledClass(namespace, cc.metadata.name!);
      }
      const created = await write(obj);
      assert.equal(created.metadata.namespace, namespace, `${obj.kind} ${obj.metadata.name}`);
    }
  }

  for (const flavor of flavors) {
    it(`creates every object of flavor ${flavor.name} without a rejection`, async () => {
      const namespace = await newNamespace(`gen-${flavor.name}`);
      const objects = render({ flavor: flavor.name, targetNamespace: namespace });
      assert.ok(objects.some((o) => o.kind === 'Cluster'));
      await createAll(objects, namespace);
    });
  }

  it('validates the topology Cluster against the reconciled ClusterClass in-memory', async () => {
    const namespace = await newNamespace('gen-topology');
    const objects = render({ targetNamespace: namespace });
    await createAll(
      objects.filter((o) => o.kind !== 'Cluster'),
      namespace,
    );
    await reconciledClass(namespace, 'in-memory');
    const cluster = objects.find((o) => o.kind === 'Cluster')!;
    const topology = cluster.spec!.topology as { workers: { machineDeployments: { class: string }[] } };
    // Refused only by checks against the ClusterClass; the unknown variable only once the class is reconciled.
    await assert.rejects(
      client.create({
        ...cluster,
        spec: {
          ...cluster.spec,
          topology: {
            ...topology,
            workers: { machineDeployments: [{ ...topology.workers.machineDeployments[0], class: 'gpu' }] },
          },
        },
      }),
      (err: unknown) =>
        isInvalid(err) &&
        /MachineDeploymentClass with name "gpu" does not exist in ClusterClass "in-memory"/.test(
          (err as Error).message,
        ),
    );
    await assert.rejects(
      client.create({
        ...cluster,
        spec: { ...cluster.spec, topology: { ...topology, variables: [{ name: 'region', value: 'eu' }] } },
      }),
      (err: unknown) =>
        isInvalid(err) && /variables\[region\]: .*variable is not defined/.test((err as Error).message),
    );
    await client.create(cluster);
  });

  it('takes a second cluster in the same namespace, re-applying the shared class and templates unchanged', async () => {
    const namespace = await newNamespace('gen-shared');
    const first = render({ targetNamespace: namespace });
    const apply = (obj: Obj) => client.apply(obj, APPLY);
    await createAll(first, namespace, apply);
    const before = new Map<string, Obj>();
    for (const o of first.filter((x) => x.kind !== 'Cluster'))
      before.set(`${o.kind}/${o.metadata.name}`, await client.get<Obj>(typeRefOf(o), objectKeyOf(o)));

    const second = render({
      name: 'demo-2',
      kubernetesVersion: 'v1.33.1',
      controlPlaneMachineCount: 1,
      workerMachineCount: 4,
      targetNamespace: namespace,
    });
    await createAll(second, namespace, apply);
    for (const [key, old] of before) {
      const now = await client.get<Obj>(typeRefOf(old), objectKeyOf(old));
      assert.equal(now.metadata.generation, old.metadata.generation, key);
      assert.deepEqual(now.spec, old.spec, key);
    }
    const cluster = await client.get<Obj>(
      { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' },
      { namespace, name: 'demo-2' },
    );
    assert.deepEqual((cluster.spec?.topology as { classRef: unknown }).classRef, {
      name: 'in-memory',
      namespace,
    });

    // The simulated timings are the class's: a third cluster asking for others cannot change them.
    const slower = render({
      name: 'demo-3',
      targetNamespace: namespace,
      env: { IN_MEMORY_VM_STARTUP_DURATION: '10s' },
    });
    const machineTemplate = slower.find((o) => o.kind === 'DevMachineTemplate')!;
    await assert.rejects(
      client.apply(machineTemplate, APPLY),
      (err: unknown) => isInvalid(err) && /immutable/.test((err as Error).message),
    );
  });

  it('rejects what the schemas and webhooks forbid, so the tests above can fail', async () => {
    const namespace = await newNamespace('gen-broken');
    const objects = render({ flavor: 'in-memory-kcp', targetNamespace: namespace });
    const kcp = objects.find((o) => o.kind === 'KubeadmControlPlane')!;
    await assert.rejects(client.create({ ...kcp, spec: { ...kcp.spec, version: 'banana' } }), isInvalid);
    await assert.rejects(client.create({ ...kcp, spec: { ...kcp.spec, replicas: 'three' } }), isInvalid);
    const cc = render({ targetNamespace: namespace }).find((o) => o.kind === 'ClusterClass')!;
    await assert.rejects(
      client.create({ ...cc, spec: { ...cc.spec, workers: { machineDeployments: [{ class: 'x' }] } } }),
      isInvalid,
    );
  });
});
