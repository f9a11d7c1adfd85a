import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../apiserver/embedded/embedded-api-server.js';
import { type KubeObject, objectKeyOf, typeRefOf } from '../../controller-runtime/api/object.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { inspectCertificate } from '../../pki/index.js';
import { PACKAGE_VERSION } from '../../version.js';
import { ComponentName, componentCrds, PROVIDER_NAME, renderComponents } from './components.js';
import { initManagementCluster, printComponents } from './init.js';

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
const VERSION = `v${PACKAGE_VERSION}`;
const SA = `system:serviceaccount:capi-system:${ComponentName.ServiceAccount}`;

interface Plane {
  dir: string;
  server: EmbeddedApiServer;
  client: KubeClient;
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

async function startPlane(): Promise<Plane> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-init-'));
  const server = await startEmbeddedApiServer({ dataDir: dir, host: '127.0.0.1', port: 0, inMemory: true });
  const client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
  const cacheDir = path.join(dir, 'kubectl-cache');
  return {
    dir,
    server,
    client,
    // Asynchronous: the API server runs in this very process.
    kubectl: (args, input) =>
      new Promise((resolve) => {
        const child = execFile(
          KUBECTL!,
          ['--kubeconfig', server.paths.kubeconfig, '--cache-dir', cacheDir, ...args],
          { timeout: 20_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        if (input !== undefined) child.stdin?.end(input);
      }),
    stop: async () => {
      client.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** resourceVersion of every component, by `Kind/namespace/name`. */
async function resourceVersions(client: KubeClient, objects: KubeObject[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const o of objects) {
    const stored = await client.get(typeRefOf(o), objectKeyOf(o));
    out.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, stored.metadata.resourceVersion!);
  }
  return out;
}

describe('capi init', { skip: KUBECTL ? false : 'no kubectl on this machine' }, () => {
  let plane: Plane;
  let components: KubeObject[];

  before(async () => {
    plane = await startPlane();
    components = await renderComponents();
  });
  after(() => plane.stop());

  it('installs every component, labelled, with the inventory entry clusterctl reads', async () => {
    const lines: string[] = [];
    const result = await initManagementCluster(plane.client, { progress: (l) => lines.push(l) });
    assert.equal(result.installed, true);
    assert.equal(
      result.message,
      `installed capi-ts ${VERSION} into namespace capi-system (${components.length} created)`,
    );
    assert.equal(result.created.length, components.length);
    const crds = componentCrds(VERSION).length;
    assert.deepEqual(lines, [
      `installing ${crds} CRDs`,
      `installing ${components.length - crds} components into namespace capi-system`,
    ]);
    for (const o of components) {
      const stored = await plane.client.get(typeRefOf(o), objectKeyOf(o));
      assert.equal(
        stored.metadata.labels?.['cluster.x-k8s.io/provider'],
        PROVIDER_NAME,
        `${o.kind} ${o.metadata.name}`,
      );
      assert.equal(
        stored.metadata.labels?.['app.kubernetes.io/version'],
        VERSION,
        `${o.kind} ${o.metadata.name}`,
      );
    }
    const providers = await plane.kubectl(['get', 'providers.clusterctl.cluster.x-k8s.io', '-A']);
    assert.match(
      providers.stdout,
      /^capi-system\s+capi-ts\s+\S+\s+CoreProvider\s+capi-ts\s+v\d+\.\d+\.\d+/m,
      providers.stderr,
    );
    const hooks = await plane.kubectl(['get', 'validatingwebhookconfigurations']);
    assert.match(hooks.stdout, /^NAME\s+WEBHOOKS\s+AGE$/m, hooks.stderr);
    assert.match(hooks.stdout, /^capi-validating-webhook-configuration\s+\d+\s+\d+s$/m);
    // The webhook certificate is for the Service, and the webhook configurations trust its CA.
    const secret = await plane.client.get<KubeObject & { data: Record<string, string> }>(
      { apiVersion: 'v1', kind: 'Secret' },
      { namespace: 'capi-system', name: ComponentName.WebhookCertSecret },
    );
    const decode = (k: string) => Buffer.from(secret.data[k]!, 'base64').toString();
    assert.ok(
      inspectCertificate(decode('tls.crt')).dnsNames.includes('capi-webhook-service.capi-system.svc'),
    );
    const mutating = await plane.client.get<
      KubeObject & { webhooks: { clientConfig: { caBundle: string } }[] }
    >(
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
      { name: 'capi-mutating-webhook-configuration' },
    );
    assert.ok(mutating.webhooks.length > 0);
    for (const w of mutating.webhooks)
      assert.equal(Buffer.from(w.clientConfig.caBundle, 'base64').toString(), decode('ca.crt'));
  });

  it('reports an initialised cluster and writes nothing', async () => {
    const beforeRvs = await resourceVersions(plane.client, components);
    const result = await initManagementCluster(plane.client, { namespace: 'elsewhere' });
    assert.equal(result.installed, false);
    assert.equal(result.message, `already initialised with capi-ts ${VERSION} (namespace capi-system)`);
    assert.deepEqual(await resourceVersions(plane.client, components), beforeRvs);
  });

  it('gives the manager least privilege, as kubectl auth can-i tells', async () => {
    const can = async (...args: string[]) => {
      const r = await plane.kubectl(['auth', 'can-i', '--as', SA, ...args]);
      assert.ok(
        r.stdout.trim() === 'yes' || r.stdout.trim() === 'no',
        `${args.join(' ')}: ${r.stdout}${r.stderr}`,
      );
      return r.stdout.trim();
    };
    assert.equal(await can('list', 'clusters.cluster.x-k8s.io', '-A'), 'yes');
    assert.equal(await can('patch', 'machines.cluster.x-k8s.io/status', '-n', 'team-a'), 'yes');
    assert.equal(await can('update', 'devmachines.infrastructure.cluster.x-k8s.io', '-n', 'team-a'), 'yes');
    assert.equal(await can('get', 'secrets', '-n', 'team-a'), 'yes');
    assert.equal(await can('create', 'configmaps', '-n', 'team-a'), 'yes');
    assert.equal(await can('update', 'leases.coordination.k8s.io', '-n', 'capi-system'), 'yes');
    assert.equal(await can('update', 'leases.coordination.k8s.io', '-n', 'kube-system'), 'no');
    assert.equal(await can('delete', 'namespaces'), 'no');
    assert.equal(await can('create', 'clusterroles.rbac.authorization.k8s.io'), 'no');
    assert.equal(await can('get', 'pods', '-n', 'team-a'), 'no');
    assert.equal(await can('create', 'deployments.apps', '-n', 'capi-system'), 'no');
    assert.equal(await can('delete', 'customresourcedefinitions.apiextensions.k8s.io'), 'no');
  });

  it('completes a partial install without touching what is right, keeping the webhook certificate', async () => {
    const certBefore = await plane.client.get(
      { apiVersion: 'v1', kind: 'Secret' },
      { namespace: 'capi-system', name: ComponentName.WebhookCertSecret },
    );
    await plane.client.delete({
      apiVersion: 'clusterctl.cluster.x-k8s.io/v1alpha3',
      kind: 'Provider',
      metadata: { name: PROVIDER_NAME, namespace: 'capi-system' },
    });
    await plane.client.delete({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: ComponentName.WebhookService, namespace: 'capi-system' },
    });
    const result = await initManagementCluster(plane.client);
    assert.equal(result.installed, true);
    assert.deepEqual(result.created.sort(), [
      `Provider/capi-system/${PROVIDER_NAME}`,
      `Service/capi-system/${ComponentName.WebhookService}`,
    ]);
    assert.deepEqual(result.updated, []);
    const certAfter = await plane.client.get(
      { apiVersion: 'v1', kind: 'Secret' },
      { namespace: 'capi-system', name: ComponentName.WebhookCertSecret },
    );
    assert.equal(certAfter.metadata.resourceVersion, certBefore.metadata.resourceVersion);
  });
});

describe('capi init --print', { skip: KUBECTL ? false : 'no kubectl on this machine' }, () => {
  let plane: Plane;
  before(async () => (plane = await startPlane()));
  after(() => plane.stop());

  it('prints each component once, and kubectl apply -f - installs them', async () => {
    const yaml = await printComponents();
    const docs = parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
    const ids = docs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    assert.equal(new Set(ids).size, ids.length, 'no object twice');
    assert.deepEqual([...new Set(docs.map((o) => o.kind))].sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'MutatingWebhookConfiguration',
      'Namespace',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
    const applied = await plane.kubectl(['apply', '-f', '-'], yaml);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^deployment\.apps\/capi-controller-manager created$/m);
    assert.match(
      applied.stdout,
      /^mutatingwebhookconfiguration\.admissionregistration\.k8s\.io\/capi-mutating-webhook-configuration created$/m,
    );
    // Applying again changes nothing.
    const again = await plane.kubectl(['apply', '-f', '-'], yaml);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /created|configured/);
  });

  it('then capi init records the inventory and --wait-providers waits for the Deployment', async () => {
    const lines: string[] = [];
    const initialising = initManagementCluster(plane.client, {
      waitProviders: true,
      waitTimeoutMs: 8000,
      progress: (l) => lines.push(l),
    });
    // No kubelet here: play the Deployment controller once init waits.
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('0/1 available')); i++)
      await new Promise((r) => setTimeout(r, 50));
    const deployment = await plane.client.get(
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { namespace: 'capi-system', name: ComponentName.Deployment },
    );
    await plane.client.updateStatus({
      ...deployment,
      status: {
        observedGeneration: deployment.metadata.generation,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      },
    });
    const result = await initialising;
    assert.equal(result.installed, true);
    assert.equal(result.available, true);
    assert.deepEqual(result.created, [`Provider/capi-system/${PROVIDER_NAME}`]);
    assert.ok(lines.includes('capi-controller-manager: 0/1 available'), lines.join('\n'));
  });
});
