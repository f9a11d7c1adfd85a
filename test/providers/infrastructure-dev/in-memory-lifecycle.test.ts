import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CertificateAuthority, createAdminKubeconfig, stringifyKubeconfig } from '../../../src/pki/index.js';
import {
  condition,
  createCluster,
  createMachine,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  markControlPlaneInitialized,
  markInfrastructureProvisioned,
  NODE,
  type Obj,
  POD,
  useHarness,
  workloadClient,
} from './harness.js';

const run = promisify(execFile);

/** Whether a TCP connection to the port is accepted and kept (false: refused or dropped at once). */
async function endpointAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
    socket.once('connect', () => {
      // Dropped connections close at once; a served one waits for the TLS client hello.
      setTimeout(() => {
        const open = !socket.destroyed;
        socket.destroy();
        resolve(open);
      }, 100);
    });
  });
}

describe('in-memory backend: a workload cluster from DevCluster and DevMachines', () => {
  const harness = useHarness();

  it('provisions the endpoint, brings the API server up with the first control plane machine, and registers Nodes', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'alpha');

    // The DevCluster is provisioned with an endpoint from the configured range and three failure domains.
    const devCluster = await eventually('DevCluster provisioned', async () => {
      const dc = await getObj(h, DEV_CLUSTER, ns, 'alpha');
      const provisioned = (dc?.status as { initialization?: { provisioned?: boolean } })?.initialization
        ?.provisioned;
      // Status fields and conditions are separate writes; wait for both.
      return provisioned && condition(dc, 'Ready')?.status === 'True' ? dc : undefined;
    });
    const endpoint = devCluster.spec!.controlPlaneEndpoint!;
    assert.equal(endpoint.host, '127.0.0.1');
    assert.ok(
      endpoint.port >= h.provider.cloud.ports.minPort && endpoint.port <= h.provider.cloud.ports.maxPort,
    );
    assert.deepEqual((devCluster.status as { failureDomains?: unknown }).failureDomains, [
      { name: 'fd1', controlPlane: true },
      { name: 'fd2', controlPlane: true },
      { name: 'fd3', controlPlane: true },
    ]);
    assert.equal(condition(devCluster, 'Ready')?.status, 'True');
    assert.ok(devCluster.metadata.finalizers?.includes('dockercluster.infrastructure.cluster.x-k8s.io'));

    // Bound, but nothing serves yet: a load balancer without a healthy backend.
    assert.equal(await endpointAnswers(endpoint.port), false);

    // The machine waits for the cluster infrastructure as core reports it.
    const cp = await createMachine(h, c, 'alpha-cp-0', { controlPlane: true, version: 'v1.33.1' });
    await eventually('VMProvisioned waits for the cluster infrastructure', async () => {
      const dm = await getObj(h, DEV_MACHINE, ns, cp.devMachineName);
      return condition(dm, 'VMProvisioned')?.reason === 'WaitingForClusterInfrastructureReady';
    });
    await markInfrastructureProvisioned(h, c);

    const provisioned = await eventually('control plane DevMachine Ready', async () => {
      const dm = await getObj(h, DEV_MACHINE, ns, cp.devMachineName);
      return condition(dm, 'Ready')?.status === 'True' ? dm : undefined;
    });
    assert.equal(provisioned.spec!.providerID, `in-memory://${cp.devMachineName}`);
    for (const type of ['VMProvisioned', 'NodeProvisioned', 'EtcdProvisioned', 'APIServerProvisioned'])
      assert.equal(condition(provisioned, type)?.status, 'True', type);
    const status = provisioned.status as {
      initialization?: { provisioned?: boolean };
      addresses?: { type: string }[];
    };
    assert.equal(status.initialization?.provisioned, true);
    assert.deepEqual(
      status.addresses?.map((a) => a.type),
      ['InternalIP', 'Hostname'],
    );

    // The endpoint now serves TLS from <cluster>-ca and accepts a client certificate from that CA.
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    try {
      const node = await wl.get<Obj>(NODE, { name: cp.devMachineName });
      assert.equal(node.spec!.providerID, `in-memory://${cp.devMachineName}`);
      const nodeStatus = node.status as unknown as {
        conditions: { type: string; status: string }[];
        nodeInfo: { kubeletVersion: string };
        addresses: { type: string; address: string }[];
      };
      assert.equal(nodeStatus.conditions.find((x) => x.type === 'Ready')?.status, 'True');
      assert.equal(nodeStatus.nodeInfo.kubeletVersion, 'v1.33.1');
      assert.ok(nodeStatus.addresses.some((a) => a.type === 'InternalIP'));
      assert.ok('node-role.kubernetes.io/control-plane' in (node.metadata.labels ?? {}));

      // Static Pods of the control plane, Running and Ready, with kubeadm's labels.
      const pods = await eventually('four static Pods', async () => {
        const list = await wl.list<Obj>(POD, {
          namespace: 'kube-system',
          labelSelector: 'tier=control-plane',
        });
        return list.items.length === 4 ? list.items : undefined;
      });
      assert.deepEqual(pods.map((p) => p.metadata.labels?.component).sort(), [
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
      ]);
      for (const pod of pods) {
        assert.equal((pod.status as { phase?: string }).phase, 'Running', pod.metadata.name);
        assert.ok(pod.metadata.annotations?.['kubernetes.io/config.mirror'], 'a mirror pod');
      }
      // kubeadm's objects: configuration, CoreDNS, kube-proxy.
      const cm = await wl.get<Obj>(
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { namespace: 'kube-system', name: 'kubeadm-config' },
      );
      assert.match(cm.data!.ClusterConfiguration!, /kubernetesVersion: v1.33.1/);
      assert.match(cm.data!.ClusterConfiguration!, /apiVersion: kubeadm.k8s.io\/v1beta4/);
      await wl.get(
        { apiVersion: 'apps/v1', kind: 'Deployment' },
        { namespace: 'kube-system', name: 'coredns' },
      );
      await wl.get(
        { apiVersion: 'apps/v1', kind: 'DaemonSet' },
        { namespace: 'kube-system', name: 'kube-proxy' },
      );

      // One etcd member, the leader, for the control plane machine.
      const workload = h.provider.cloud.get(`${ns}/alpha`)!;
      assert.deepEqual(
        workload.etcd.members().map((m) => m.name),
        [cp.devMachineName],
      );
      assert.equal(workload.etcd.leaderId, workload.etcd.members()[0]!.id);

      // A certificate from another CA is not accepted.
      const stranger = await workloadClient(
        c,
        `https://${endpoint.host}:${endpoint.port}`,
        await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' }),
      );
      await assert.rejects(
        stranger.get(NODE, { name: cp.devMachineName }),
        (err: { code?: number }) => err.code === 401,
      );
      stranger.close();

      // A worker: it waited for data; once CP is initialized and data exists, its Node registers, without static Pods.
      await markControlPlaneInitialized(h, c);
      const worker = await createMachine(h, c, 'alpha-md-0', { version: 'v1.33.1' });
      await eventually('worker Node registered', async () => {
        const n = await wl.get<Obj>(NODE, { name: worker.devMachineName }).catch(() => undefined);
        return n?.spec?.providerID === `in-memory://${worker.devMachineName}` ? n : undefined;
      });
      const workerDm = await eventually('worker Ready', async () => {
        const dm = await getObj(h, DEV_MACHINE, ns, worker.devMachineName);
        return condition(dm, 'Ready')?.status === 'True' ? dm : undefined;
      });
      assert.equal(condition(workerDm, 'EtcdProvisioned'), undefined, 'workers have no etcd step');
      const workerPods = await wl.list<Obj>(POD, {
        namespace: 'kube-system',
        labelSelector: 'tier=control-plane',
        fieldSelector: `spec.nodeName=${worker.devMachineName}`,
      });
      assert.equal(workerPods.items.length, 0);
    } finally {
      wl.close();
    }
  });

  it('is reachable with the real kubectl through an admin kubeconfig from <cluster>-ca', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'kubectl');
    await markInfrastructureProvisioned(h, c);
    const cp = await createMachine(h, c, 'kubectl-cp-0', { controlPlane: true });
    await eventually(
      'Ready',
      async () => condition(await getObj(h, DEV_MACHINE, ns, cp.devMachineName), 'Ready')?.status === 'True',
    );
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'kubectl'))!.spec!.controlPlaneEndpoint!;
    const kubeconfig = await createAdminKubeconfig({
      ca: c.ca,
      clusterName: 'kubectl',
      server: `https://${endpoint.host}:${endpoint.port}`,
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'capi-kubectl-'));
    try {
      const file = path.join(dir, 'kubeconfig');
      await writeFile(file, stringifyKubeconfig(kubeconfig));
      const { stdout } = await run('kubectl', ['--kubeconfig', file, 'get', 'nodes', '-o', 'wide']);
      assert.match(stdout, new RegExp(`${cp.devMachineName}\\s+Ready\\s+control-plane`));
      assert.match(stdout, /v1\.33\.1/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
