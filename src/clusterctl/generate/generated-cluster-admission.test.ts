import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../apiserver/embedded/embedded-api-server.js';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { isInvalid } from '../../controller-runtime/client/errors.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { clusterApiCrds } from '../../main/crds.js';
import { inProcessAdmission } from '../../main/in-process-admission.js';
import { installCrds } from '../../main/install-crds.js';
import { clusterApiWebhooks, DeferredReader } from '../../main/webhooks.js';
import { flavors } from './flavors.js';
import { generateCluster } from './generate-cluster.js';

// The templates are only useful if the management plane takes them: this runs them through our CRD schemas and every
// Cluster API admission webhook, as `capi up` serves them, with no controllers (nothing reconciles).
describe('generated clusters are accepted by the management plane API', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let client: KubeClient;

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
  });

  after(async () => {
    client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const flavor of flavors) {
    it(`creates every object of flavor ${flavor.name} without a rejection`, async () => {
      const namespace = `gen-${flavor.name}`;
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      const { yaml } = generateCluster({
        name: 'demo',
        flavor: flavor.name,
        kubernetesVersion: 'v1.34.0',
        controlPlaneMachineCount: 3,
        workerMachineCount: 2,
        targetNamespace: namespace,
        env: {},
      });
      const objects = parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
      assert.equal(objects.length, 7);
      for (const obj of objects) {
        const created = await client.create(obj);
        assert.equal(created.metadata.namespace, namespace, `${obj.kind} ${obj.metadata.name}`);
      }
    });
  }

  it('rejects what the schemas and webhooks forbid, so the test above can fail', async () => {
    const namespace = 'gen-broken';
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const { yaml } = generateCluster({
      name: 'demo',
      flavor: 'in-memory-kcp',
      kubernetesVersion: 'v1.34.0',
      targetNamespace: namespace,
      env: {},
    });
    const objects = parseAllDocuments(yaml).map(
      (d) => d.toJS() as KubeObject & { spec: { version?: string } },
    );
    const kcp = objects.find((o) => o.kind === 'KubeadmControlPlane')!;
    await assert.rejects(client.create({ ...kcp, spec: { ...kcp.spec, version: 'banana' } }), isInvalid);
    await assert.rejects(client.create({ ...kcp, spec: { ...kcp.spec, replicas: 'three' } }), isInvalid);
  });
});
