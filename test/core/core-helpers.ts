// Core controllers on a provider-test harness: the cluster cache, the Cluster and Machine controllers.
import type { Manager } from '../../src/controller-runtime/manager/manager.js';
import { setupCoreControllers } from '../../src/main/core-controllers.js';

/** Sets up the core controllers built so far on `manager`, with short cluster-cache intervals for tests. */
export function setupCore(manager: Manager): void {
  setupCoreControllers(manager, {
    clusterCache: { probeIntervalMs: 500, probeTimeoutMs: 1000, connectionRetryMs: 250 },
    drainRequeueMs: 500,
  });
}

import { CertificateAuthority } from '../../src/pki/index.js';
import {
  b64,
  CLUSTER,
  createBootstrapData,
  DEV_CLUSTER,
  DEV_MACHINE,
  type Harness,
  MACHINE,
  type Obj,
  type TestCluster,
} from '../providers/infrastructure-dev/harness.js';

export interface PlainMachine {
  name: string;
  controlPlane?: boolean;
  labels?: Record<string, string>;
  /** Extra Machine spec fields (deletion timeouts, ...). */
  spec?: Record<string, unknown>;
}

/**
 * What a user applies for a cluster without a control plane provider: a Cluster and its DevCluster (no owner
 * references; the controllers set them), `<name>-ca` and `<name>-etcd`, and Machines with bootstrap data
 * Secrets and DevMachines of 0 s steps.
 */
export async function applyPlainCluster(
  h: Harness,
  ns: string,
  name: string,
  machines: PlainMachine[],
): Promise<TestCluster> {
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
  const c: TestCluster = { namespace: ns, name, cluster: {} as Obj, ca, etcdCa };
  const step = { provisioning: { startupDuration: '0s' } };
  for (const m of machines) {
    await createBootstrapData(h, c, m.name);
    await h.client.create({
      apiVersion: MACHINE.apiVersion,
      kind: 'Machine',
      metadata: {
        name: m.name,
        namespace: ns,
        labels: { ...m.labels, ...(m.controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {}) },
      },
      spec: {
        clusterName: name,
        version: 'v1.33.1',
        bootstrap: { dataSecretName: `${m.name}-bootstrap` },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: m.name },
        ...m.spec,
      },
    });
    await h.client.create({
      apiVersion: DEV_MACHINE.apiVersion,
      kind: 'DevMachine',
      metadata: { name: m.name, namespace: ns },
      spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
    });
  }
  return c;
}
