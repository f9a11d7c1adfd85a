import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { portForward } from '../../../src/controller-runtime/client/port-forward.js';
import type { KubeClient } from '../../../src/controller-runtime/client/kube-client.js';
import {
  EtcdClient,
  isEtcdUnreachable,
} from '../../../src/providers/control-plane-kubeadm/etcd/etcd-client.js';
import {
  createCluster,
  createMachine,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  markInfrastructureProvisioned,
  useHarness,
  machineReady,
  type TestCluster,
  workloadClient,
} from './harness.js';

/** What the control plane provider does: a tunnel to the member's etcd Pod, TLS with a client certificate from the etcd CA. */
async function etcdClientFor(c: TestCluster, wl: KubeClient, node: string): Promise<EtcdClient> {
  const cert = await c.etcdCa.issue({
    commonName: 'kube-etcd-healthcheck-client',
    usages: ['client'],
    keyAlgorithm: 'ECDSA-P256',
  });
  return new EtcdClient({
    connect: () => portForward(wl.config, { namespace: 'kube-system', pod: `etcd-${node}`, port: 2379 }),
    tls: { caPem: c.etcdCa.certificatePem, certPem: cert.certificatePem, keyPem: cert.privateKeyPem },
    timeoutMs: 5000,
  });
}

describe('in-memory backend: etcd members reached through the workload API server', () => {
  const harness = useHarness();

  it('lists, moves the leader and removes members the way the control plane provider will', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'quorum');
    await markInfrastructureProvisioned(h, c);
    const names = ['quorum-cp-0', 'quorum-cp-1', 'quorum-cp-2'];
    for (const n of names) await createMachine(h, c, n, { controlPlane: true });
    for (const n of names) await machineReady(h, ns, `${n}-dev`);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'quorum'))!.spec!.controlPlaneEndpoint!;
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    const first = await etcdClientFor(c, wl, 'quorum-cp-0-dev');
    try {
      const list = await first.memberList();
      assert.deepEqual(
        list.members.map((m) => m.name).sort(),
        names.map((n) => `${n}-dev`),
      );
      const status = await first.status();
      const leader = list.members.find((m) => m.id === status.leader)!;
      assert.equal(leader.name, 'quorum-cp-0-dev', 'the first member leads');
      // The etcd Pod carries the same member id (upstream's annotations).
      const pod = await wl.get(
        { apiVersion: 'v1', kind: 'Pod' },
        { namespace: 'kube-system', name: 'etcd-quorum-cp-0-dev' },
      );
      assert.equal(
        pod.metadata.annotations?.['etcd.inmemory.infrastructure.cluster.x-k8s.io/member-id'],
        leader.id,
      );

      // Leadership moves away from the member about to go, then it is removed, as KCP scales down.
      const target = list.members.find((m) => m.name === 'quorum-cp-1-dev')!;
      await first.moveLeader(target.id);
      const second = await etcdClientFor(c, wl, 'quorum-cp-1-dev');
      try {
        assert.equal((await second.status()).leader, target.id);
        const left = await second.memberRemove(leader.id);
        assert.deepEqual(left.map((m) => m.name).sort(), ['quorum-cp-1-dev', 'quorum-cp-2-dev']);
      } finally {
        second.close();
      }
      // The removed member's process is gone: its port refuses.
      first.close();
      const stale = await etcdClientFor(c, wl, 'quorum-cp-0-dev');
      await assert.rejects(stale.memberList(), (err: unknown) => isEtcdUnreachable(err));
      stale.close();

      // Deleting a DevMachine whose member is still in the cluster takes the member along.
      await h.client.delete({
        apiVersion: DEV_MACHINE.apiVersion,
        kind: 'DevMachine',
        metadata: { name: 'quorum-cp-2-dev', namespace: ns },
      });
      await eventually('DevMachine gone', async () => !(await getObj(h, DEV_MACHINE, ns, 'quorum-cp-2-dev')));
      const third = await etcdClientFor(c, wl, 'quorum-cp-1-dev');
      try {
        assert.deepEqual(
          (await third.memberList()).members.map((m) => m.name),
          ['quorum-cp-1-dev'],
        );
      } finally {
        third.close();
      }
    } finally {
      first.close();
      wl.close();
    }
  });

  it("connects the kube-apiserver Pod's secure port to the cluster's API server, and refuses other ports", async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'serving');
    await markInfrastructureProvisioned(h, c);
    await createMachine(h, c, 'serving-cp-0', { controlPlane: true });
    await machineReady(h, ns, 'serving-cp-0-dev');
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'serving'))!.spec!.controlPlaneEndpoint!;
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    // What KCP does to read the certificate's expiry: a TLS handshake through the Pod's tunnel.
    const handshake = async (port: number): Promise<PeerCertificate> => {
      const stream = await portForward(wl.config, {
        namespace: 'kube-system',
        pod: 'kube-apiserver-serving-cp-0-dev',
        port,
      });
      try {
        return await new Promise<PeerCertificate>((resolve, reject) => {
          const socket = tlsConnect({ socket: stream, ca: c.ca.certificatePem, servername: 'localhost' });
          socket.once('error', reject);
          socket.once('close', () => reject(new Error('closed before the handshake')));
          socket.once('secureConnect', () => {
            resolve(socket.getPeerCertificate());
            socket.destroy();
          });
        });
      } finally {
        stream.destroy();
      }
    };
    try {
      const cert = await handshake(6443);
      assert.equal(cert.subject.CN, 'kube-apiserver');
      assert.equal(cert.issuer.CN, 'kubernetes', "signed by the cluster's CA (verified by the handshake)");
      assert.ok(Date.parse(cert.valid_to) > Date.now() + 300 * 86_400_000, 'valid for about a year');
      await assert.rejects(handshake(6444));
    } finally {
      wl.close();
    }
  });
});
