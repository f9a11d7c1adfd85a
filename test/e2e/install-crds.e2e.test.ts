import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { CLUSTER_API_CATEGORY } from '../../src/core/api/v1beta2/group.js';
import { clusterApiCrds } from '../../src/main/crds.js';
import { installCrds } from '../../src/main/install-crds.js';
import { up } from '../../src/main/up.js';
import { startTestApiServer, type TestApiServer } from '../controller-runtime/helpers/api-server.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const CRD_TYPE = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' } as const;
const KUBECTL = findKubectl('kubectl.1.33');
const names = (): string[] => clusterApiCrds().map((c) => c.metadata.name);

interface ApiResourceList {
  resources: { name: string; kind: string; categories?: string[] }[];
}

describe('installing the Cluster API CRDs', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestApiServer();
  });
  after(async () => {
    await api.stop();
  });

  it('creates every CRD, then finds them unchanged, and waits until each is Established', async () => {
    const first = await installCrds(api.client, clusterApiCrds(), { fieldManager: 'capi-test' });
    assert.deepEqual(first, { created: names(), updated: [], unchanged: [] });
    for (const name of names()) {
      const crd = await api.client.get(CRD_TYPE, { name });
      const conditions = (crd.status as { conditions?: { type: string; status: string }[] }).conditions;
      assert.ok(
        conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
        `${name} is not Established`,
      );
    }
    const second = await installCrds(api.client, clusterApiCrds());
    assert.deepEqual(second, { created: [], updated: [], unchanged: names() });
  });

  it('updates a CRD that differs in place, keeping its identity and labels others added', async () => {
    const crds = clusterApiCrds();
    const target = crds.find((c) => c.metadata.name === 'devmachines.infrastructure.cluster.x-k8s.io');
    assert.ok(target, 'the DevMachine CRD is registered');
    const before = await api.client.get(CRD_TYPE, { name: target.metadata.name });
    // Someone (an older capi-ts, a user) changed the stored CRD: a printer column is gone, a label added.
    const tampered = structuredClone(before);
    const version = (tampered.spec as { versions: { additionalPrinterColumns?: unknown[] }[] }).versions[0]!;
    version.additionalPrinterColumns = version.additionalPrinterColumns?.slice(1);
    tampered.metadata.labels = { ...tampered.metadata.labels, 'example.com/owner': 'ops' };
    const changed = await api.client.update(tampered);

    const result = await installCrds(api.client, crds);
    assert.deepEqual(result.updated, [target.metadata.name]);
    assert.equal(result.created.length, 0);
    assert.equal(result.unchanged.length, crds.length - 1);

    const after = await api.client.get<KubeObject>(CRD_TYPE, { name: target.metadata.name });
    assert.equal(after.metadata.uid, before.metadata.uid, 'updated in place, not recreated');
    assert.equal(after.metadata.creationTimestamp, before.metadata.creationTimestamp);
    assert.ok(Number(after.metadata.resourceVersion) > Number(changed.metadata.resourceVersion));
    assert.deepEqual(after.spec, before.spec, 'our spec is back');
    assert.equal(after.metadata.labels?.['example.com/owner'], 'ops');
    assert.equal(after.metadata.labels?.['cluster.x-k8s.io/v1beta2'], 'v1beta2');

    assert.deepEqual(await installCrds(api.client, crds), { created: [], updated: [], unchanged: names() });
  });

  it('lists every kind in discovery under the cluster-api category (kubectl get cluster-api -A)', async () => {
    const byGroupVersion = new Map<string, string[]>();
    for (const crd of clusterApiCrds()) {
      for (const v of crd.spec.versions.filter((x) => x.served)) {
        const gv = `${crd.spec.group}/${v.name}`;
        byGroupVersion.set(gv, [...(byGroupVersion.get(gv) ?? []), crd.spec.names.plural]);
      }
    }
    for (const [gv, plurals] of byGroupVersion) {
      const res = await api.client.transport.requestJson({ method: 'GET', path: `/apis/${gv}`, verb: 'get' });
      const list = res.body as ApiResourceList;
      for (const plural of plurals) {
        const resource = list.resources.find((r) => r.name === plural);
        assert.ok(resource, `${plural} is missing from /apis/${gv}`);
        assert.ok(resource.categories?.includes(CLUSTER_API_CATEGORY), `${plural} lacks the category`);
      }
    }
  });

  it(
    '`capi crds` output is accepted by kubectl apply --dry-run=client',
    {
      skip: KUBECTL ? false : 'kubectl.1.33 not found on this machine',
    },
    async () => {
      let yaml = '';
      assert.equal(await runCli(['crds'], { stdout: (t) => (yaml += t), stderr: () => undefined }), 0);
      const k = await Kubectl.create(KUBECTL!, api.kubeconfigPath);
      const out = await k.ok(['apply', '--dry-run=client', '-o', 'name', '-f', '-'], { input: yaml });
      for (const name of names()) {
        assert.match(
          out,
          new RegExp(
            `^customresourcedefinition\\.apiextensions\\.k8s\\.io/${name.replace(/\./g, '\\.')}$`,
            'm',
          ),
        );
      }
      // What users type to see every Cluster API object: the category resolves (nothing exists yet).
      const all = await k.run(['get', 'cluster-api', '-A']);
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stderr + all.stdout, /No resources found/);
    },
  );
});

describe('installing CRDs through a client that looked for them first', () => {
  it('lets that client use the new kinds at once', async () => {
    const api = await startTestApiServer();
    try {
      const client = api.newClient();
      const cluster = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' } as const;
      // "Is it installed?" before installing: discovery says no, and the client remembers that briefly.
      await assert.rejects(
        client.list(cluster),
        (err: unknown) => (err as Error).name === 'NoKindMatchError',
      );
      await installCrds(client, clusterApiCrds());
      assert.deepEqual((await client.list(cluster)).items, []);
    } finally {
      await api.stop();
    }
  });
});

describe('capi up', () => {
  it('installs the CRDs before it reports ready, and finds them unchanged on restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-up-crds-'));
    const lines: string[] = [];
    const start = () =>
      up({ dataDir, host: '127.0.0.1', port: 0, noControllers: true, log: (l) => lines.push(l) });
    try {
      const first = await start();
      try {
        assert.deepEqual(first.crds.created, names());
        assert.match(
          lines[0] ?? '',
          new RegExp(`; ${names().length} Cluster API CRDs: ${names().length} created\\)`),
        );
      } finally {
        await first.stop();
      }
      const second = await start();
      try {
        assert.deepEqual(second.crds.unchanged, names());
        assert.match(
          lines[1] ?? '',
          new RegExp(`; ${names().length} Cluster API CRDs: ${names().length} unchanged\\)`),
        );
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
