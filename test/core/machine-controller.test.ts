import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CertificateAuthority } from '../../src/pki/index.js';
import {
  b64,
  CLUSTER,
  condition,
  createBootstrapData,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  MACHINE,
  NODE,
  type Obj,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { setupCore } from './core-helpers.js';

const run = promisify(execFile);

describe('Machine controller: Machines become Nodes of a simulated workload cluster', () => {
  const harness = useHarness({ setup: setupCore });

  it('links bootstrap, infrastructure and Node, makes the Cluster Available, and deletes everything', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'm1';
    const step = { provisioning: { startupDuration: '0s' } };
    await h.client.create({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name, namespace: ns },
      spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name } },
    });
    await h.client.create({
      apiVersion: DEV_CLUSTER.apiVersion,
      kind: 'DevCluster',
      metadata: { name, namespace: ns },
      spec: { backend: { inMemory: {} } },
    });
    const ca = await CertificateAuthority.create({ commonName: 'kubernetes', keyAlgorithm: 'ECDSA-P256' });
    const etcdCa = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
    for (const [suffix, authority] of [
      ['ca', ca],
      ['etcd', etcdCa],
    ] as const)
      await h.client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'cluster.x-k8s.io/secret',
        metadata: {
          name: `${name}-${suffix}`,
          namespace: ns,
          labels: { 'cluster.x-k8s.io/cluster-name': name },
        },
        data: { 'tls.crt': b64(authority.certificatePem), 'tls.key': b64(authority.keyPair.privateKeyPem) },
      });
    const c = { namespace: ns, name, cluster: {} as Obj, ca, etcdCa };
    // Machines as a user would write them without a control plane provider: data Secret names, no owner references.
    for (const [machine, controlPlane] of [
      ['m1-cp-0', true],
      ['m1-w-0', false],
    ] as const) {
      await createBootstrapData(h, c, machine);
      await h.client.create({
        apiVersion: MACHINE.apiVersion,
        kind: 'Machine',
        metadata: {
          name: machine,
          namespace: ns,
          labels: controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {},
        },
        spec: {
          clusterName: name,
          version: 'v1.33.1',
          bootstrap: { dataSecretName: `${machine}-bootstrap` },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachine',
            name: machine,
          },
        },
      });
      await h.client.create({
        apiVersion: DEV_MACHINE.apiVersion,
        kind: 'DevMachine',
        metadata: { name: machine, namespace: ns },
        spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
      });
    }

    const cluster = await eventually(
      'Cluster Available',
      async () => {
        const obj = await getObj(h, CLUSTER, ns, name);
        return condition(obj, 'Available')?.status === 'True' ? obj : undefined;
      },
      60_000,
    );
    assert.equal(condition(cluster, 'RemoteConnectionProbe')?.status, 'True');
    assert.equal(condition(cluster, 'ControlPlaneInitialized')?.status, 'True');
    const counters = cluster.status as {
      controlPlane?: Record<string, number>;
      workers?: Record<string, number>;
    };
    assert.equal(counters.controlPlane?.readyReplicas, 1);
    assert.equal(counters.workers?.availableReplicas, 1);

    const wl = await workloadClient(
      c,
      `https://${(cluster.spec!.controlPlaneEndpoint as { host: string; port: number }).host}:${(cluster.spec!.controlPlaneEndpoint as { host: string; port: number }).port}`,
    );
    try {
      for (const machine of ['m1-cp-0', 'm1-w-0']) {
        const m = (await getObj(h, MACHINE, ns, machine))!;
        const status = m.status as {
          phase?: string;
          nodeRef?: { name: string };
          nodeInfo?: { kubeletVersion?: string };
        };
        assert.equal(status.phase, 'Running', machine);
        assert.equal(status.nodeInfo?.kubeletVersion, 'v1.33.1');
        assert.equal(m.spec!.providerID, `in-memory://${machine}`);
        for (const type of [
          'BootstrapConfigReady',
          'InfrastructureReady',
          'NodeReady',
          'NodeHealthy',
          'Ready',
          'Available',
        ])
          assert.equal(condition(m, type)?.status, 'True', `${machine} ${type}`);
        const dm = (await getObj(h, DEV_MACHINE, ns, machine))!;
        assert.deepEqual(
          dm.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
          [['Machine', machine, true]],
        );
        const node = await wl.get<Obj>(NODE, { name: status.nodeRef!.name });
        assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/machine'], machine);
        assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/cluster-name'], name);
      }
    } finally {
      wl.close();
    }

    // kubectl shows upstream's columns for Machines.
    const { stdout } = await run('kubectl', [
      '--kubeconfig',
      h.api.kubeconfigPath,
      'get',
      'machines',
      '-n',
      ns,
    ]);
    const [header, ...rows] = stdout.trim().split('\n');
    assert.match(
      header!,
      /^NAME\s+CLUSTER\s+NODE NAME\s+FAILURE DOMAIN\s+READY\s+AVAILABLE\s+UP-TO-DATE\s+PHASE\s+AGE\s+VERSION$/,
    );
    assert.equal(rows.length, 2);
    for (const row of rows)
      assert.match(row, /^m1-(cp|w)-0\s+m1\s+m1-(cp|w)-0\s+True\s+True\s+True\s+Running\s+\S+\s+v1\.33\.1$/);

    await h.client.delete({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name, namespace: ns },
    });
    await eventually('Cluster gone', async () => !(await getObj(h, CLUSTER, ns, name)), 60_000);
    for (const machine of ['m1-cp-0', 'm1-w-0']) {
      await eventually(`${machine} gone`, async () => !(await getObj(h, MACHINE, ns, machine)));
      assert.equal(await getObj(h, DEV_MACHINE, ns, machine), undefined);
    }
    assert.equal(h.provider.cloud.get(`${ns}/${name}`), undefined);
  });
});
