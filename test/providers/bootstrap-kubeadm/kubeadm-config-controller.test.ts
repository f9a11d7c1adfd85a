// The KubeadmConfig controller with core and the in-memory provider: a Cluster without a control plane provider
// whose first control plane Machine makes the certificates and runs `kubeadm init`, a worker that waits for it
// and joins with a bootstrap token, and a second control plane Machine that joins as control plane. The
// rendered data is judged by cloud-init itself where it is installed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import type { TypeRef } from '../../../src/controller-runtime/api/object.js';
import type { KubeClient } from '../../../src/controller-runtime/client/kube-client.js';
import { CertificateAuthority } from '../../../src/pki/index.js';
import {
  cloudInitSkip,
  validateWithCloudInit,
} from '../../../src/providers/bootstrap-kubeadm/cloudinit/test-helpers.js';
import { caCertHashes } from '../../../src/providers/bootstrap-kubeadm/kubeadm/index.js';
import { availableCluster, setupCore } from '../../core/core-helpers.js';
import {
  b64,
  CLUSTER,
  condition,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  type Obj,
  SECRET,
  type TestCluster,
  useHarness,
  workloadClient,
} from '../infrastructure-dev/harness.js';

const KUBEADM_CONFIG: TypeRef = { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2', kind: 'KubeadmConfig' };
const CONFIG_MAP: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };
const UNINITIALIZED = { key: 'node.cluster.x-k8s.io/uninitialized', effect: 'NoSchedule' };
const TIMEOUT = 60_000;

type Doc = Record<string, unknown>;
const text = (secret: Obj | undefined, key: string): string =>
  Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');
const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Doc)[key] : undefined), value);

/** The cloud-config document of bootstrap data (YAML 1.1, as cloud-init reads it). */
function cloudConfig(userData: string): Doc {
  assert.ok(userData.startsWith('## template: jinja\n#cloud-config\n'), userData.slice(0, 60));
  return parse(userData, { version: '1.1' }) as Doc;
}
const writeFile = (doc: Doc, path: string): Doc => {
  const file = (doc.write_files as Doc[]).find((f) => f.path === path);
  assert.ok(file, `no ${path} in write_files`);
  return file;
};
const kubeadmDocs = (doc: Doc, path: string): Doc[] =>
  parseAllDocuments(writeFile(doc, path).content as string, { version: '1.1' }).map((d) => d.toJS() as Doc);

async function assertCloudInitAccepts(userData: string): Promise<void> {
  if (cloudInitSkip) return;
  const verdict = await validateWithCloudInit(userData);
  assert.ok(
    verdict.valid,
    `cloud-init schema rejected the bootstrap data:\n${verdict.output}\n${verdict.rendered}`,
  );
}

/** A Cluster and its DevCluster as a user applies them: no control plane provider, no certificate Secrets. */
async function applyCluster(h: Harness, ns: string, name: string): Promise<void> {
  await h.client.create({
    ...CLUSTER,
    metadata: { name, namespace: ns },
    spec: {
      clusterNetwork: {
        pods: { cidrBlocks: ['192.168.0.0/16'] },
        services: { cidrBlocks: ['10.128.0.0/12'] },
        serviceDomain: 'cluster.example',
      },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name },
    },
  });
  await h.client.create({
    ...DEV_CLUSTER,
    metadata: { name, namespace: ns },
    spec: { backend: { inMemory: {} } },
  });
}

/** A KubeadmConfig, its Machine (configRef) and a DevMachine of 0 s steps, as a user applies them. */
async function applyKubeadmMachine(
  h: Harness,
  ns: string,
  cluster: string,
  name: string,
  options: { controlPlane?: boolean; spec: Doc },
): Promise<void> {
  await h.client.create({ ...KUBEADM_CONFIG, metadata: { name, namespace: ns }, spec: options.spec });
  await h.client.create({
    ...MACHINE,
    metadata: {
      name,
      namespace: ns,
      labels: options.controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {},
    },
    spec: {
      clusterName: cluster,
      version: 'v1.33.1',
      bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name } },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name },
    },
  });
  const step = { provisioning: { startupDuration: '0s' } };
  await h.client.create({
    ...DEV_MACHINE,
    metadata: { name, namespace: ns },
    spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
  });
}

/** The KubeadmConfig once its data Secret is recorded and it is Ready, and that Secret's user data. */
async function renderedConfig(
  h: Harness,
  ns: string,
  name: string,
): Promise<{ config: Obj; userData: string }> {
  const config = await eventually(
    `${name} data secret created`,
    async () => {
      const obj = await getObj(h, KUBEADM_CONFIG, ns, name);
      const init = (obj?.status as { initialization?: { dataSecretCreated?: boolean } } | undefined)
        ?.initialization;
      // Status fields and conditions are separate writes; wait for both.
      return init?.dataSecretCreated && condition(obj, 'Ready')?.status === 'True' ? obj : undefined;
    },
    TIMEOUT,
  );
  const secret = await getObj(h, SECRET, ns, (config.status as { dataSecretName: string }).dataSecretName);
  assert.ok(secret, 'the data Secret exists');
  return { config, userData: text(secret, 'value') };
}

const conditionSummary = (obj: Obj | undefined) =>
  Object.fromEntries((obj?.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('KubeadmConfig controller with core and the in-memory provider', () => {
  const harness = useHarness({ setup: (manager) => setupCore(manager) });

  it('initializes a Cluster without a control plane provider, joins a worker and a second control plane Machine', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'kc';
    await applyCluster(h, ns, name);
    await h.client.create({
      ...SECRET,
      metadata: { name: 'capi-password', namespace: ns },
      data: { hash: b64('$6$rounds=4096$salt$hash') },
    });

    // The worker comes first: it waits for the control plane, saying so.
    await applyKubeadmMachine(h, ns, name, 'kc-md-0', {
      spec: {
        joinConfiguration: {
          nodeRegistration: { kubeletExtraArgs: [{ name: 'node-labels', value: 'pool=a' }] },
        },
        files: [
          {
            path: '/etc/worker-extra.conf',
            contentFrom: { secret: { name: 'worker-extra', key: 'config' } },
          },
        ],
        preKubeadmCommands: ['echo worker'],
      },
    });
    const waiting = await eventually('the worker waits for the control plane', async () => {
      const obj = await getObj(h, KUBEADM_CONFIG, ns, 'kc-md-0');
      return condition(obj, 'DataSecretAvailable')?.message ===
        'Waiting for Cluster control plane to be initialized'
        ? obj
        : undefined;
    });
    assert.equal(condition(waiting, 'DataSecretAvailable')?.reason, 'NotAvailable');
    assert.equal(condition(waiting, 'Ready')?.status, 'False');
    // It adopted nothing and rendered nothing; no certificates exist yet.
    assert.equal(await getObj(h, SECRET, ns, 'kc-md-0'), undefined);
    assert.equal(await getObj(h, SECRET, ns, `${name}-ca`), undefined);

    // The first control plane Machine: certificates, then `kubeadm init`.
    await applyKubeadmMachine(h, ns, name, 'kc-cp-0', {
      controlPlane: true,
      spec: {
        clusterConfiguration: { apiServer: { certSANs: ['kc.example.com'] } },
        initConfiguration: {
          nodeRegistration: { kubeletExtraArgs: [{ name: 'eviction-hard', value: 'memory.available<5%' }] },
        },
        users: [
          {
            name: 'capi',
            passwdFrom: { secret: { name: 'capi-password', key: 'hash' } },
            lockPassword: false,
          },
        ],
      },
    });
    const cp0 = await renderedConfig(h, ns, 'kc-cp-0');
    assert.deepEqual(conditionSummary(cp0.config), {
      Paused: 'False/NotPaused',
      DataSecretAvailable: 'True/Available',
      CertificatesAvailable: 'True/Available',
      Ready: 'True/Ready',
    });
    assert.equal((cp0.config.status as { dataSecretName: string }).dataSecretName, 'kc-cp-0');
    await eventually('observedGeneration', async () => {
      const obj = await getObj(h, KUBEADM_CONFIG, ns, 'kc-cp-0');
      return (obj?.status as { observedGeneration?: number }).observedGeneration === obj?.metadata.generation;
    });

    // The data Secret, as the bootstrap contract says.
    const dataSecret = (await getObj(h, SECRET, ns, 'kc-cp-0')) as Obj & { type?: string };
    assert.equal(dataSecret.type, 'cluster.x-k8s.io/secret');
    assert.equal(dataSecret.metadata.labels?.['cluster.x-k8s.io/cluster-name'], name);
    assert.deepEqual(
      dataSecret.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['KubeadmConfig', 'kc-cp-0', cp0.config.metadata.uid, true]],
    );
    assert.equal(text(dataSecret, 'format'), 'cloud-config');

    // The cluster certificates, generated by this config and controlled by it.
    const certs: Record<string, Obj> = {};
    for (const purpose of ['ca', 'etcd', 'proxy', 'sa']) {
      const s = (await getObj(h, SECRET, ns, `${name}-${purpose}`)) as Obj & { type?: string };
      assert.ok(s, `${name}-${purpose}`);
      assert.equal(s.type, 'cluster.x-k8s.io/secret');
      assert.equal(s.metadata.labels?.['cluster.x-k8s.io/cluster-name'], name);
      assert.deepEqual(
        s.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
        [['KubeadmConfig', 'kc-cp-0', true]],
      );
      certs[purpose] = s;
    }
    assert.equal(await getObj(h, SECRET, ns, `${name}-apiserver-etcd-client`), undefined);

    // kubeadm init with the Cluster's data and the certificates.
    const cluster = (await getObj(h, CLUSTER, ns, name))!;
    const endpoint = cluster.spec!.controlPlaneEndpoint!;
    const hostPort = `${endpoint.host}:${endpoint.port}`;
    const init = cloudConfig(cp0.userData);
    const [clusterConfiguration, initConfiguration] = kubeadmDocs(init, '/run/kubeadm/kubeadm.yaml');
    assert.equal(clusterConfiguration!.kind, 'ClusterConfiguration');
    assert.equal(clusterConfiguration!.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(clusterConfiguration!.clusterName, name);
    assert.equal(clusterConfiguration!.kubernetesVersion, 'v1.33.1');
    assert.equal(clusterConfiguration!.controlPlaneEndpoint, hostPort);
    assert.deepEqual(clusterConfiguration!.networking, {
      dnsDomain: 'cluster.example',
      podSubnet: '192.168.0.0/16',
      serviceSubnet: '10.128.0.0/12',
    });
    assert.deepEqual(get(clusterConfiguration, 'apiServer.certSANs'), ['kc.example.com']);
    assert.equal(initConfiguration!.kind, 'InitConfiguration');
    assert.deepEqual(get(initConfiguration, 'nodeRegistration.kubeletExtraArgs'), [
      { name: 'eviction-hard', value: 'memory.available<5%' },
    ]);
    for (const [path, secret, key] of [
      ['/etc/kubernetes/pki/ca.crt', certs.ca, 'tls.crt'],
      ['/etc/kubernetes/pki/ca.key', certs.ca, 'tls.key'],
      ['/etc/kubernetes/pki/etcd/ca.crt', certs.etcd, 'tls.crt'],
      ['/etc/kubernetes/pki/front-proxy-ca.key', certs.proxy, 'tls.key'],
      ['/etc/kubernetes/pki/sa.pub', certs.sa, 'tls.crt'],
      ['/etc/kubernetes/pki/sa.key', certs.sa, 'tls.key'],
    ] as const)
      assert.equal(writeFile(init, path).content, text(secret, key), path);
    assert.ok(
      (init.runcmd as string[]).includes(
        'kubeadm init --config /run/kubeadm/kubeadm.yaml && echo success > /run/cluster-api/bootstrap-success.complete',
      ),
    );
    assert.deepEqual(
      (init.users as Doc[]).map((u) => [u.name, u.passwd]),
      [['capi', '$6$rounds=4096$salt$hash']],
    );
    // The Cluster's endpoint is recorded in the spec, as upstream does.
    assert.equal(get(cp0.config.spec, 'clusterConfiguration.controlPlaneEndpoint'), hostPort);
    await assertCloudInitAccepts(cp0.userData);

    // The control plane initializes; the worker now fails on its missing file Secret, says so, and retries.
    const missing = await eventually(
      'the worker reports its missing file Secret',
      async () => {
        const obj = await getObj(h, KUBEADM_CONFIG, ns, 'kc-md-0');
        return condition(obj, 'DataSecretAvailable')?.message?.startsWith('Failed to prepare spec.files')
          ? obj
          : undefined;
      },
      TIMEOUT,
    );
    assert.equal(
      condition(missing, 'DataSecretAvailable')?.message,
      `Failed to prepare spec.files: secret not found: ${ns}/worker-extra`,
    );
    await h.client.create({
      ...SECRET,
      metadata: { name: 'worker-extra', namespace: ns },
      data: { config: b64('mode: worker\n') },
    });

    // The worker joins with discovery filled in: a bootstrap token, the CA pin and the Cluster's endpoint.
    const md0 = await renderedConfig(h, ns, 'kc-md-0');
    assert.equal(condition(md0.config, 'Ready')?.status, 'True');
    const discovery = get(md0.config.spec, 'joinConfiguration.discovery.bootstrapToken') as Doc;
    assert.match(discovery.token as string, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.equal(discovery.apiServerEndpoint, hostPort);
    assert.deepEqual(discovery.caCertHashes, caCertHashes(text(certs.ca, 'tls.crt')));
    // The uninitialized taint goes into the data only, never into the spec.
    assert.equal(get(md0.config.spec, 'joinConfiguration.nodeRegistration.taints'), undefined);
    const join = cloudConfig(md0.userData);
    const [joinConfiguration] = kubeadmDocs(join, '/run/kubeadm/kubeadm-join-config.yaml');
    assert.equal(joinConfiguration!.kind, 'JoinConfiguration');
    assert.deepEqual(get(joinConfiguration, 'discovery.bootstrapToken'), {
      token: discovery.token,
      apiServerEndpoint: hostPort,
      caCertHashes: discovery.caCertHashes,
    });
    assert.deepEqual(get(joinConfiguration, 'nodeRegistration.taints'), [UNINITIALIZED]);
    assert.deepEqual(get(joinConfiguration, 'nodeRegistration.kubeletExtraArgs'), [
      { name: 'node-labels', value: 'pool=a' },
    ]);
    assert.equal(get(joinConfiguration, 'controlPlane'), undefined);
    assert.equal(writeFile(join, '/etc/worker-extra.conf').content, 'mode: worker\n');
    assert.ok(!(join.write_files as Doc[]).some((f) => String(f.path).startsWith('/etc/kubernetes/pki/')));
    assert.deepEqual(join.runcmd, [
      'echo worker',
      'kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml && echo success > /run/cluster-api/bootstrap-success.complete',
    ]);
    await assertCloudInitAccepts(md0.userData);

    // The token's Secret in the workload cluster, as kubeadm and the API server's authenticator expect it.
    const ca = CertificateAuthority.fromPem({
      certificatePem: text(certs.ca, 'tls.crt'),
      privateKeyPem: text(certs.ca, 'tls.key'),
    });
    const testCluster: TestCluster = { namespace: ns, name, cluster, ca, etcdCa: ca };
    const wl: KubeClient = await workloadClient(testCluster, `https://${hostPort}`);
    try {
      const [id, secretPart] = (discovery.token as string).split('.');
      const token = await wl.get<Obj & { type?: string }>(SECRET, {
        namespace: 'kube-system',
        name: `bootstrap-token-${id}`,
      });
      assert.equal(token.type, 'bootstrap.kubernetes.io/token');
      assert.equal(text(token, 'token-id'), id);
      assert.equal(text(token, 'token-secret'), secretPart);
      assert.equal(text(token, 'usage-bootstrap-authentication'), 'true');
      assert.equal(text(token, 'usage-bootstrap-signing'), 'true');
      assert.equal(text(token, 'auth-extra-groups'), 'system:bootstrappers:kubeadm:default-node-token');
      assert.equal(text(token, 'description'), 'token generated by cluster-api-bootstrap-provider-kubeadm');
      const expiresInMs = Date.parse(text(token, 'expiration')) - Date.now();
      assert.ok(
        expiresInMs > 10 * 60_000 && expiresInMs <= 15 * 60_000,
        `token expires in ${expiresInMs} ms`,
      );
    } finally {
      wl.close();
    }

    // Both Machines get Nodes and the Cluster becomes Available; the init lock is gone.
    await availableCluster(h, ns, name, 1);
    for (const m of ['kc-cp-0', 'kc-md-0']) {
      const machine = await getObj(h, MACHINE, ns, m);
      assert.ok((machine?.status as { nodeRef?: { name?: string } }).nodeRef?.name, `${m} has a Node`);
    }
    await eventually('init lock released', async () => !(await getObj(h, CONFIG_MAP, ns, `${name}-lock`)));

    // A second control plane Machine joins as control plane, with the cluster's certificates.
    await applyKubeadmMachine(h, ns, name, 'kc-cp-1', {
      controlPlane: true,
      spec: { joinConfiguration: { nodeRegistration: { name: '{{ ds.meta_data.local_hostname }}' } } },
    });
    const cp1 = await renderedConfig(h, ns, 'kc-cp-1');
    assert.deepEqual(get(cp1.config.spec, 'joinConfiguration.controlPlane'), {});
    const cpJoin = cloudConfig(cp1.userData);
    const [cpJoinConfiguration] = kubeadmDocs(cpJoin, '/run/kubeadm/kubeadm-join-config.yaml');
    assert.deepEqual(get(cpJoinConfiguration, 'controlPlane'), { localAPIEndpoint: {} });
    assert.equal(get(cpJoinConfiguration, 'discovery.bootstrapToken.apiServerEndpoint'), hostPort);
    assert.equal(get(cpJoinConfiguration, 'nodeRegistration.name'), '{{ ds.meta_data.local_hostname }}');
    // kubeadm's default control plane taint applies (taints unset), not the worker one.
    assert.equal(get(cpJoinConfiguration, 'nodeRegistration.taints'), null);
    for (const [path, secret, key] of [
      ['/etc/kubernetes/pki/ca.crt', certs.ca, 'tls.crt'],
      ['/etc/kubernetes/pki/ca.key', certs.ca, 'tls.key'],
      ['/etc/kubernetes/pki/etcd/ca.crt', certs.etcd, 'tls.crt'],
      ['/etc/kubernetes/pki/etcd/ca.key', certs.etcd, 'tls.key'],
      ['/etc/kubernetes/pki/front-proxy-ca.crt', certs.proxy, 'tls.crt'],
      ['/etc/kubernetes/pki/front-proxy-ca.key', certs.proxy, 'tls.key'],
      ['/etc/kubernetes/pki/sa.pub', certs.sa, 'tls.crt'],
      ['/etc/kubernetes/pki/sa.key', certs.sa, 'tls.key'],
    ] as const)
      assert.equal(writeFile(cpJoin, path).content, text(secret, key), path);
    assert.ok(
      (cpJoin.runcmd as string[]).some((c) =>
        c.startsWith('kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml'),
      ),
    );
    await assertCloudInitAccepts(cp1.userData);
    await eventually(
      'kc-cp-1 has a Node',
      async () =>
        !!((await getObj(h, MACHINE, ns, 'kc-cp-1'))?.status as { nodeRef?: { name?: string } } | undefined)
          ?.nodeRef?.name,
      TIMEOUT,
    );
  });
});
