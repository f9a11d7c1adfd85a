import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { silentLogger } from '../../../controller-runtime/log/logger.js';
import { type BootstrapTokenSecret, formatExpiration, newBootstrapTokenSecret } from './bootstrap-token.js';
import {
  KubeadmConfigMessage,
  KubeadmConfigReconciler,
  KubeadmConfigType,
} from './kubeadm-config-reconciler.js';

const CLUSTER = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' };
const MACHINE = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' };
const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');
const TOKEN = 'abcdef.0123456789abcdef';

type Obj = KubeObject & {
  status?: { conditions?: { type: string; status: string; reason: string; message?: string }[] } & Record<
    string,
    unknown
  >;
};

interface Setup {
  cluster?: Record<string, unknown>;
  machine?: { spec?: Record<string, unknown>; status?: Record<string, unknown>; controlPlane?: boolean };
  config?: { spec?: Record<string, unknown>; status?: Record<string, unknown> };
}

/** A management cluster (fake) with one Cluster, Machine and KubeadmConfig, and a workload cluster (fake). */
function world(setup: Setup = {}) {
  const mgmt = new FakeClient();
  const wl = new FakeClient();
  mgmt.seed({
    ...CLUSTER,
    metadata: { namespace: 'ns', name: 'c1', uid: 'c1-uid' },
    spec: { controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 } },
    status: { initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true } },
    ...setup.cluster,
  });
  const machine = mgmt.seed<KubeObject>({
    ...MACHINE,
    metadata: {
      namespace: 'ns',
      name: 'm1',
      labels: {
        'cluster.x-k8s.io/cluster-name': 'c1',
        ...(setup.machine?.controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {}),
      },
    },
    spec: {
      clusterName: 'c1',
      version: 'v1.33.1',
      bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'm1' } },
      ...setup.machine?.spec,
    },
    ...(setup.machine?.status ? { status: setup.machine.status } : {}),
  });
  mgmt.seed({
    ...KubeadmConfigType,
    metadata: {
      namespace: 'ns',
      name: 'm1',
      ownerReferences: [
        { ...MACHINE, name: 'm1', uid: machine.metadata.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: setup.config?.spec ?? {},
    ...(setup.config?.status ? { status: setup.config.status } : {}),
  });
  const now = { ms: T0 };
  const reconciler = new KubeadmConfigReconciler({
    client: mgmt,
    apiClient: mgmt,
    workloadClusters: { getClient: () => wl },
    now: () => now.ms,
  });
  const reconcile = () =>
    reconciler.reconcile(
      { namespace: 'ns', name: 'm1' },
      { log: silentLogger(), reconcileID: 'r', signal: new AbortController().signal },
    );
  const config = () => mgmt.peek<Obj>(KubeadmConfigType, { namespace: 'ns', name: 'm1' })!;
  return { mgmt, wl, now, reconcile, config };
}

const condition = (obj: Obj, type: string) => obj.status?.conditions?.find((c) => c.type === type);
const tokenSecret = (wl: FakeClient) =>
  wl.peek<BootstrapTokenSecret>(SECRET, { namespace: 'kube-system', name: 'bootstrap-token-abcdef' });
const expiration = (s: BootstrapTokenSecret | undefined) =>
  Buffer.from(s?.data?.expiration ?? '', 'base64').toString('utf8');

describe('KubeadmConfigReconciler (fake clients)', () => {
  it('waits for the Cluster infrastructure, saying so on DataSecretAvailable and Ready', async () => {
    const w = world({ cluster: { status: { initialization: { infrastructureProvisioned: false } } } });
    assert.equal(await w.reconcile(), undefined);
    const config = w.config();
    assert.deepEqual(condition(config, 'DataSecretAvailable'), {
      ...condition(config, 'DataSecretAvailable'),
      status: 'False',
      reason: 'NotAvailable',
      message: KubeadmConfigMessage.waitingForInfrastructure,
    });
    assert.equal(condition(config, 'Ready')?.status, 'False');
    assert.equal(condition(config, 'Ready')?.reason, 'NotReady');
    assert.equal(condition(config, 'Paused')?.status, 'False');
    assert.equal(config.status?.observedGeneration, 1);
  });

  it('makes workers wait 30 s for the control plane, with upstream reason and message', async () => {
    const w = world({
      cluster: { status: { initialization: { infrastructureProvisioned: true } } },
    });
    assert.deepEqual(await w.reconcile(), { requeueAfterMs: 30_000 });
    const c = condition(w.config(), 'DataSecretAvailable');
    assert.equal(c?.reason, 'NotAvailable');
    assert.equal(c?.message, 'Waiting for Cluster control plane to be initialized');
    assert.equal(w.mgmt.peekAll({ apiVersion: 'v1', kind: 'ConfigMap' }).length, 0);
  });

  it('restores its status from the Machine after a move, without rendering again', async () => {
    const w = world({ machine: { spec: { bootstrap: { dataSecretName: 'm1' } } } });
    assert.equal(await w.reconcile(), undefined);
    const config = w.config();
    assert.equal(config.status?.dataSecretName, 'm1');
    assert.deepEqual(config.status?.initialization, { dataSecretCreated: true });
    assert.equal(condition(config, 'Ready')?.status, 'True');
    assert.equal(condition(config, 'CertificatesAvailable')?.reason, 'Available');
    assert.equal(w.mgmt.peekAll(SECRET).length, 0);
  });

  it('keeps the join token valid until the Machine has a Node: refresh when due, check every TTL/3', async () => {
    const joined = { spec: { joinConfiguration: { discovery: { bootstrapToken: { token: TOKEN } } } } };
    const w = world({
      config: { ...joined, status: { initialization: { dataSecretCreated: true }, dataSecretName: 'm1' } },
    });
    w.wl.seed(newBootstrapTokenSecret(TOKEN, T0 + 15 * MIN));

    // Fresh: nothing written, back in 5 minutes.
    assert.deepEqual(await w.reconcile(), { requeueAfterMs: 5 * MIN });
    assert.equal(w.wl.requestsOf('update').length, 0);
    assert.equal(condition(w.config(), 'Ready')?.status, 'True');

    // 5 minutes on, 10 minutes left (within 5/6 of the TTL): pushed to now + 15 minutes.
    w.now.ms = T0 + 5 * MIN;
    assert.deepEqual(await w.reconcile(), { requeueAfterMs: 5 * MIN });
    assert.equal(expiration(tokenSecret(w.wl)), formatExpiration(T0 + 20 * MIN));

    // The Node exists: the token is left to expire, nothing more to do.
    w.mgmt.mutate(MACHINE, { namespace: 'ns', name: 'm1' }, (m) => {
      m.status = { nodeRef: { name: 'node-1' } };
    });
    w.now.ms = T0 + 15 * MIN;
    w.wl.clearRequests();
    assert.equal(await w.reconcile(), undefined);
    assert.equal(w.wl.requests.length, 0);
    assert.equal(expiration(tokenSecret(w.wl)), formatExpiration(T0 + 20 * MIN));
  });

  it('refuses format ignition with a condition instead of rendering anything', async () => {
    const w = world({ config: { spec: { format: 'ignition' } } });
    assert.equal(await w.reconcile(), undefined);
    assert.equal(
      condition(w.config(), 'DataSecretAvailable')?.message,
      KubeadmConfigMessage.ignitionNotImplemented,
    );
    assert.equal(w.mgmt.peekAll(SECRET).length, 0);
    assert.equal(w.wl.requests.length, 0);
  });

  it('leaves paused configs alone except for the Paused condition', async () => {
    const w = world({
      cluster: { spec: { paused: true }, status: { initialization: { infrastructureProvisioned: false } } },
    });
    assert.equal(await w.reconcile(), undefined);
    const config = w.config();
    assert.equal(condition(config, 'Paused')?.status, 'True');
    assert.equal(condition(config, 'DataSecretAvailable'), undefined);
    assert.equal(condition(config, 'Ready'), undefined);
  });
});
