// src/core/secret against real API servers: the embedded management API server (AlreadyExists races between
// two writers, user Secrets, garbage collection, rotation through resourceVersion-guarded updates), and a
// workload cluster of the in-memory provider, whose API server serves with the generated cluster CA and is
// reached with the generated kubeconfig by the real kubectl.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import {
  ClusterCertificates,
  type ClusterSecret,
  createAdminKubeconfigSecret,
  isInvalidClusterSecret,
  kubeconfigNeedsRotation,
  reconcileAdminKubeconfigSecret,
  secretText,
} from '../../src/core/secret/index.js';
import { CertificateAuthority } from '../../src/pki/index.js';
import { run, type Scratch, scratch } from '../../src/pki/test-helpers.js';
import {
  eventually,
  startTestApiServer,
  type TestApiServer,
} from '../controller-runtime/helpers/api-server.js';
import {
  b64,
  CLUSTER,
  createMachine,
  DEV_CLUSTER,
  getObj,
  machineReady,
  markInfrastructureProvisioned,
  type Obj,
  type TestCluster,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';

const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;
const NS = 'secrets';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('cluster Secrets on the embedded API server', () => {
  let api: TestApiServer;
  /** Stands in for a KubeadmControlPlane: any object with a uid can own Secrets and be garbage collected. */
  let owner: KubeObject;

  before(async () => {
    api = await startTestApiServer({ namespaces: [NS] });
    owner = await api.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c1-control-plane', namespace: NS },
    });
  });
  after(async () => {
    await api.stop();
  });

  const get = (name: string): Promise<ClusterSecret> =>
    api.client.get<ClusterSecret>(SECRET, { namespace: NS, name });

  it('two writers racing converge on one set; user Secrets stay as they are; the owner collects the rest', async () => {
    // The user brings the front-proxy CA (upstream's docs use kubernetes.io/tls).
    const proxy = await CertificateAuthority.create({
      commonName: 'Front-End Proxy',
      keyAlgorithm: 'ECDSA-P256',
    });
    const userProxy = await api.client.create<ClusterSecret>({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'c1-proxy', namespace: NS, labels: { 'cluster.x-k8s.io/cluster-name': 'c1' } },
      data: { 'tls.crt': b64(proxy.certificatePem), 'tls.key': b64(proxy.privateKeyPem) },
    });

    const options = { cluster: { namespace: NS, name: 'c1' }, owner, algorithm: 'ECDSA-P256' } as const;
    const second = api.newClient();
    const [a, b] = await Promise.all([
      ClusterCertificates.lookupOrGenerate(api.client, options),
      ClusterCertificates.lookupOrGenerate(second, options),
    ]);
    for (const purpose of ['ca', 'etcd', 'proxy', 'sa'] as const) {
      assert.equal(a.certificatePem(purpose), b.certificatePem(purpose), `${purpose}: one winner`);
      assert.equal(a.privateKeyPem(purpose), b.privateKeyPem(purpose));
      const stored = await get(`c1-${purpose}`);
      assert.equal(secretText(stored, 'tls.crt'), a.certificatePem(purpose));
      // Each generated Secret was created once, by one of the two writers; the other read it back.
      if (purpose !== 'proxy') {
        assert.equal(Number(a.get(purpose)!.generated) + Number(b.get(purpose)!.generated), 1, purpose);
      }
    }
    assert.equal(a.certificatePem('proxy'), proxy.certificatePem);
    const proxyNow = await get('c1-proxy');
    assert.equal(proxyNow.metadata.resourceVersion, userProxy.metadata.resourceVersion, 'never written');

    // Adoption leaves the user's Secret alone even on a real server.
    await a.adopt(api.client, owner);
    assert.equal((await get('c1-proxy')).metadata.ownerReferences, undefined);

    // Deleting the owner collects what was generated for it; the user's Secret remains.
    await api.client.delete(owner);
    for (const purpose of ['ca', 'etcd', 'sa']) {
      await eventually(async () => {
        try {
          await get(`c1-${purpose}`);
          return false;
        } catch {
          return true;
        }
      }, `c1-${purpose} collected with its owner`);
    }
    assert.equal((await get('c1-proxy')).metadata.uid, userProxy.metadata.uid);
  });

  it('a CA without key is accepted for the set but no kubeconfig is issued from it', async () => {
    const ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    await api.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'c2-ca', namespace: NS, labels: { 'cluster.x-k8s.io/cluster-name': 'c2' } },
      data: { 'tls.crt': b64(ca.certificatePem) },
    });
    const kcp = await api.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c2-cp', namespace: NS },
    });
    const certs = await ClusterCertificates.lookupOrGenerate(api.client, {
      cluster: { namespace: NS, name: 'c2' },
      owner: kcp,
      algorithm: 'ECDSA-P256',
    });
    assert.equal(certs.get('ca')?.privateKeyPem, undefined);
    await assert.rejects(
      reconcileAdminKubeconfigSecret(api.client, {
        cluster: { namespace: NS, name: 'c2' },
        endpoint: { host: '10.0.0.1', port: 6443 },
        owner: kcp,
      }),
      isInvalidClusterSecret,
    );
  });

  it('rotates an expiring kubeconfig with an update guarded by resourceVersion', async () => {
    const kcp = await api.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c3-cp', namespace: NS },
    });
    const cluster = { namespace: NS, name: 'c3' };
    await ClusterCertificates.lookupOrGenerate(api.client, { cluster, owner: kcp, algorithm: 'ECDSA-P256' });
    const endpoint = { host: '10.0.0.3', port: 6443 };
    const old = await createAdminKubeconfigSecret(api.client, {
      cluster,
      endpoint,
      owner: kcp,
      now: new Date(Date.now() - 250 * DAY_MS),
    });
    assert.equal(kubeconfigNeedsRotation(old), true);
    const result = await reconcileAdminKubeconfigSecret(api.client, {
      cluster,
      endpoint,
      owner: kcp,
      rotate: true,
    });
    assert.equal(result.action, 'Rotated');
    const stored = await get('c3-kubeconfig');
    assert.notEqual(stored.metadata.resourceVersion, old.metadata.resourceVersion);
    assert.equal(kubeconfigNeedsRotation(stored), false);
    assert.equal(stored.metadata.uid, old.metadata.uid, 'updated in place, not recreated');
    // A writer holding the old copy loses: the update is guarded by its resourceVersion.
    await assert.rejects(api.client.update({ ...old, data: { value: b64('stale') } }));
    assert.notEqual(secretText(await get('c3-kubeconfig'), 'value'), 'stale');
  });
});

describe('the generated kubeconfig reaches an in-memory workload cluster', () => {
  const harness = useHarness();
  let tmp: Scratch;
  before(async () => {
    tmp = await scratch();
  });
  after(async () => {
    await tmp.dispose();
  });

  it('the workload API server serves with the generated CA and kubectl gets its Nodes with the kubeconfig', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'wl';
    const cluster = await h.client.create<Obj>({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name, namespace: ns },
      spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name } },
    });
    await h.client.create({
      apiVersion: DEV_CLUSTER.apiVersion,
      kind: 'DevCluster',
      metadata: {
        name,
        namespace: ns,
        labels: { 'cluster.x-k8s.io/cluster-name': name },
        ownerReferences: [
          { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', name, uid: cluster.metadata.uid! },
        ],
      },
      spec: { backend: { inMemory: {} } },
    });
    // What KCP does first: the certificate set (the Cluster stands in for the KubeadmControlPlane owner).
    const certs = await ClusterCertificates.lookupOrGenerate(h.client, {
      cluster: { namespace: ns, name },
      owner: cluster,
      algorithm: 'ECDSA-P256',
    });
    const c: TestCluster = {
      namespace: ns,
      name,
      cluster,
      ca: certs.certificateAuthority('ca'),
      etcdCa: certs.certificateAuthority('etcd'),
    };
    await markInfrastructureProvisioned(h, c);
    const { devMachineName } = await createMachine(h, c, 'wl-cp-0', { controlPlane: true });
    await machineReady(h, ns, devMachineName);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, name))!.spec!.controlPlaneEndpoint as {
      host: string;
      port: number;
    };

    // Then the kubeconfig, with KCP's default client key algorithm.
    const result = await reconcileAdminKubeconfigSecret(h.client, {
      cluster: { namespace: ns, name },
      endpoint,
      owner: cluster,
      algorithm: 'RSA-2048',
      rotate: true,
    });
    assert.equal(result.action, 'Created');
    const secret = await h.client.get<ClusterSecret>(SECRET, { namespace: ns, name: `${name}-kubeconfig` });
    const file = await tmp.write('kubeconfig', secretText(secret, 'value')!);
    const nodes = await run(
      'kubectl',
      ['--kubeconfig', file, '--cache-dir', `${tmp.dir}/cache`, 'get', 'nodes', '-o', 'name'],
      {
        env: { PATH: process.env.PATH, HOME: tmp.dir },
      },
    );
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.equal(nodes.stdout.trim(), `node/${devMachineName}`);
    const whoami = await run(
      'kubectl',
      ['--kubeconfig', file, '--cache-dir', `${tmp.dir}/cache`, 'auth', 'can-i', 'delete', 'nodes'],
      { env: { PATH: process.env.PATH, HOME: tmp.dir } },
    );
    assert.equal(whoami.stdout.trim(), 'yes', 'system:masters');
  });
});
