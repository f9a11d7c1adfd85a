/**
 * What one cluster's PKI costs: `src/core/secret` generating the full certificate set (cluster, etcd and
 * front-proxy CAs, service-account key pair) and issuing the admin kubeconfig, as KubeadmControlPlane does
 * for a new cluster, for RSA-2048 (kubeadm's default) and ECDSA-P256 side by side. The Secrets go to an
 * in-memory FakeClient, so the figures are the cryptography and encoding alone, not API round trips.
 *
 * Per cluster: wall time and process CPU time (every thread: key generation runs on libuv's pool, so wall
 * can be below CPU). The algorithms alternate run by run so a noisy neighbour on a shared machine hits both.
 * "Clusters per minute on one core" = 60 s / CPU p50: the most one core can issue, whatever else runs.
 */
import { FakeClient } from '../src/controller-runtime/helpers/testing/fake-client.js';
import { ClusterCertificates, createAdminKubeconfigSecret } from '../src/core/secret/index.js';
import type { KeyAlgorithm } from '../src/pki/index.js';
import { formatMs, quantile } from './stats.js';
import { printTable } from './table.js';

const ALGORITHMS: readonly KeyAlgorithm[] = ['RSA-2048', 'ECDSA-P256'];
const OWNER = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
  metadata: { name: 'bench-cp', namespace: 'bench', uid: 'uid-bench' },
};

interface Sample {
  wallMs: number;
  cpuMs: number;
  /** CPU of the kubeconfig step alone (one client key + one signature + YAML). */
  kubeconfigCpuMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

async function issueOneCluster(algorithm: KeyAlgorithm, i: number): Promise<Sample> {
  const client = new FakeClient();
  const cluster = { namespace: 'bench', name: `c${i}` };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const certs = await ClusterCertificates.lookupOrGenerate(client, { cluster, owner: OWNER, algorithm });
  const cpu1 = process.cpuUsage();
  await createAdminKubeconfigSecret(client, {
    cluster,
    endpoint: { host: '10.0.0.1', port: 6443 },
    owner: OWNER,
    algorithm,
  });
  const wallMs = performance.now() - t0;
  const sample = { wallMs, cpuMs: cpuMs(cpu0), kubeconfigCpuMs: cpuMs(cpu1) };
  if (certs.missing().length > 0 || client.peekAll({ apiVersion: 'v1', kind: 'Secret' }).length !== 5) {
    throw new Error('pki bench: the cluster did not get its five Secrets');
  }
  return sample;
}

export async function runPkiBench(options: { quick: boolean }): Promise<void> {
  const runs = options.quick ? 8 : 40;
  const warmup = 2;
  console.log(
    `\nCluster PKI: 3 CAs + service-account key pair + admin kubeconfig per cluster (${runs} clusters per algorithm)`,
  );
  const samples = new Map<KeyAlgorithm, Sample[]>(ALGORITHMS.map((a) => [a, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const algorithm of ALGORITHMS) {
      const s = await issueOneCluster(algorithm, i);
      if (i >= warmup) samples.get(algorithm)!.push(s);
    }
  }
  const rows = ALGORITHMS.map((algorithm) => {
    const list = samples.get(algorithm)!;
    const wall = list.map((s) => s.wallMs);
    const cpu = list.map((s) => s.cpuMs);
    const cpuP50 = quantile(cpu, 0.5);
    return [
      algorithm,
      formatMs(quantile(wall, 0.5)),
      formatMs(quantile(wall, 0.95)),
      formatMs(cpuP50),
      formatMs(quantile(cpu, 0.95)),
      formatMs(
        quantile(
          list.map((s) => s.kubeconfigCpuMs),
          0.5,
        ),
      ),
      `${Math.floor(60_000 / cpuP50).toLocaleString('en-US')} (p95: ${Math.floor(60_000 / quantile(cpu, 0.95)).toLocaleString('en-US')})`,
    ];
  });
  printTable(
    [
      'algorithm',
      'wall p50',
      'wall p95',
      'CPU p50',
      'CPU p95',
      'kubeconfig CPU p50',
      'clusters/min on one core',
    ],
    rows,
  );
}
