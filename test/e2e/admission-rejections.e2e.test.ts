// Broken variants of valid Cluster API objects, sent to `capi up`'s API server: each must come back as
// 422 Invalid naming the field a user has to fix, from the schema or from upstream's webhook rules.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { type RunningManagementPlane, up } from '../../src/main/up.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';
import { invalid } from './helpers/admission.js';

const NS = 'broken';
const infraRef = (kind: string, name: string) => ({
  apiGroup: 'infrastructure.cluster.x-k8s.io',
  kind,
  name,
});

const machine = (): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Machine',
  metadata: { name: 'm1', namespace: NS },
  spec: {
    clusterName: 'c1',
    bootstrap: { dataSecretName: 'm1-bootstrap' },
    infrastructureRef: infraRef('DevMachine', 'm1'),
  },
});

const kcp = (replicas: number, version: string): KubeObject => ({
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
  metadata: { name: 'cp', namespace: NS },
  spec: {
    replicas,
    version,
    machineTemplate: { spec: { infrastructureRef: infraRef('DevMachineTemplate', 'cp') } },
    kubeadmConfigSpec: { format: 'cloud-config' },
  },
});

const machineDeployment = (templateLabels: Record<string, string>): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
  metadata: { name: 'md', namespace: NS },
  spec: {
    clusterName: 'c1',
    replicas: 1,
    selector: { matchLabels: { pool: 'a' } },
    template: {
      metadata: { labels: templateLabels },
      spec: {
        clusterName: 'c1',
        bootstrap: { dataSecretName: 'x' },
        infrastructureRef: infraRef('DevMachineTemplate', 'md'),
      },
    },
  },
});

describe('broken Cluster API objects are rejected with 422 and actionable field paths', () => {
  let dataDir: string;
  let plane: RunningManagementPlane;
  let client: KubeClient;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-broken-'));
    plane = await up({ dataDir, host: '127.0.0.1', port: 0, noControllers: true, log: () => undefined });
    client = KubeClient.fromKubeconfig({ kubeconfigPath: plane.apiServer.paths.kubeconfig });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    client?.close();
    await plane?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('wrong type: spec.replicas as a string (schema)', async () => {
    const err = await invalid(
      client.create({
        ...kcp(1, 'v1.30.0'),
        spec: { ...(kcp(1, 'v1.30.0').spec as object), replicas: 'three' },
      }),
    );
    assert.ok(
      err.causes.some((c) => c.field === 'spec.replicas'),
      JSON.stringify(err.causes),
    );
  });

  it('immutable field: Machine spec.clusterName cannot change', async () => {
    const created = await client.create(machine());
    assert.equal(
      created.metadata.labels?.['cluster.x-k8s.io/cluster-name'],
      'c1',
      'the webhook defaulted the cluster-name label',
    );
    const err = await invalid(
      client.update({ ...created, spec: { ...(created.spec as object), clusterName: 'c2' } }),
    );
    assert.deepEqual(
      err.causes.map((c) => c.field),
      ['spec.clusterName'],
    );
    assert.match(err.message, /field is immutable/);
  });

  it('KubeadmControlPlane: even replicas with stacked etcd, and a two-minor version jump', async () => {
    const even = await invalid(client.create(kcp(2, 'v1.30.0')));
    assert.ok(
      even.causes.some((c) => c.field === 'spec.replicas'),
      JSON.stringify(even.causes),
    );
    const created = await client.create(kcp(1, 'v1.30.0'));
    const jump = await invalid(
      client.update({ ...created, spec: { ...(created.spec as object), version: 'v1.32.0' } }),
    );
    assert.ok(
      jump.causes.some((c) => c.field === 'spec.version'),
      JSON.stringify(jump.causes),
    );
    assert.match(jump.message, /cannot update Kubernetes version from v1\.30\.0 to v1\.32\.0/);
    const oneStep = await client.update({
      ...created,
      spec: { ...(created.spec as object), version: 'v1.31.0' },
    });
    assert.equal((oneStep.spec as { version?: string }).version, 'v1.31.0', 'one minor at a time is allowed');
  });

  it('MachineDeployment: a selector that does not match the template labels', async () => {
    const err = await invalid(client.create(machineDeployment({ pool: 'b' })));
    assert.ok(
      err.causes.some(
        (c) => (c.field ?? '').startsWith('spec.template.metadata.labels') || c.field === 'spec.selector',
      ),
      JSON.stringify(err.causes),
    );
    const ok = await client.create(machineDeployment({ pool: 'a' }));
    assert.equal(
      (ok.spec as { strategy?: unknown; rollout?: { strategy?: { type?: string } } }).rollout?.strategy
        ?.type ?? 'RollingUpdate',
      'RollingUpdate',
    );
  });

  it('kubectl shows the field path and the reason', async (t) => {
    const binary = findKubectl('kubectl.1.33');
    if (!binary) {
      t.skip('kubectl.1.33 not found');
      return;
    }
    const kubectl = await Kubectl.create(binary, plane.apiServer.paths.kubeconfig);
    const result = await kubectl.run(['apply', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify({ ...kcp(4, 'v1.30.0'), metadata: { name: 'cp4', namespace: NS } }),
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /spec\.replicas/);
    assert.match(result.stderr, /is invalid/);
    // A webhook's warnings reach the user: a topology Cluster whose ClusterClass does not exist yet.
    const cluster = {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'warned', namespace: NS },
      spec: { topology: { classRef: { name: 'not-there-yet' }, version: 'v1.33.0' } },
    };
    const warned = await kubectl.run(['apply', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify(cluster),
    });
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /Warning: .*not-there-yet/);
  });
});
