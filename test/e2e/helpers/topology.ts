// Shared by the ClusterClass topology end-to-end tests: upstream's manifests (from ../shared, skipped when absent),
// applying multi-document YAML like `kubectl create -f`, and waiting for an Available cluster.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { TypeRef } from '../../../src/controller-runtime/api/object.js';
import { substituteVariables } from '../../../src/clusterctl/generate/envsubst.js';
import { generateCluster } from '../../../src/clusterctl/generate/generate-cluster.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Harness,
  type Obj,
} from '../../providers/infrastructure-dev/harness.js';

export const UPSTREAM = fileURLToPath(
  new URL('../../../../shared/compat/upstream-cluster-api/', import.meta.url),
);
export const skipWithoutUpstream = existsSync(UPSTREAM)
  ? false
  : `upstream manifests not found at ${UPSTREAM} (../shared is absent); ClusterClass compatibility not checked`;

export const KCP: TypeRef = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
};
export const MACHINE_DEPLOYMENT: TypeRef = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
};
export const MACHINE_HEALTH_CHECK: TypeRef = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineHealthCheck',
};
export const MACHINE: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' };
export const CLUSTER_CLASS: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'ClusterClass' };

/** An upstream manifest with `${VAR}`s substituted as clusterctl does (every unset variable is an error). */
export function readUpstream(file: string, vars: Record<string, string>): string {
  return substituteVariables(readFileSync(UPSTREAM + file, 'utf8'), (name) => vars[name], file);
}

/** Creates every object of a multi-document YAML text in `namespace` (when it names none), in order. */
export async function applyManifests(h: Harness, namespace: string, text: string): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as Obj | null;
    if (!obj) continue;
    obj.metadata.namespace ??= namespace;
    out.push(await h.client.create(obj));
  }
  return out;
}

export async function listOf(h: Harness, type: TypeRef, namespace: string): Promise<Obj[]> {
  return (await h.client.list<Obj>(type, { namespace })).items;
}

/** Waits until Cluster `name` is Available with `workers` available workers. */
export function waitAvailable(
  h: Harness,
  namespace: string,
  name: string,
  workers: number,
  timeoutMs: number,
): Promise<Obj> {
  return eventually(
    `Cluster ${name} Available with ${workers} workers`,
    async () => {
      const obj = await getObj(h, CLUSTER, namespace, name);
      const w = (obj?.status as { workers?: { availableReplicas?: number } } | undefined)?.workers;
      return condition(obj, 'Available')?.status === 'True' && (w?.availableReplicas ?? 0) === workers
        ? obj
        : undefined;
    },
    timeoutMs,
  );
}

/**
 * Applies what `capi generate cluster NAME` renders by default (the in-memory ClusterClass with 0 s machine steps,
 * and a topology Cluster with `md-0`), plus a MachineDeployment topology `md-1` of the same class when
 * `md1Replicas` is given. Returns once the objects are created.
 */
export async function applyGeneratedTopologyCluster(
  h: Harness,
  namespace: string,
  o: { name: string; version: string; controlPlane: number; md0Replicas: number; md1Replicas?: number },
): Promise<void> {
  const { yaml } = generateCluster({
    name: o.name,
    kubernetesVersion: o.version,
    controlPlaneMachineCount: o.controlPlane,
    workerMachineCount: o.md0Replicas,
    targetNamespace: namespace,
    env: {},
  });
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
  if (o.md1Replicas !== undefined) {
    const cluster = docs.find((d) => d.kind === 'Cluster')!;
    const mds = (cluster.spec as { topology: { workers: { machineDeployments: Record<string, unknown>[] } } })
      .topology.workers.machineDeployments;
    mds.push({ ...structuredClone(mds[0]!), name: 'md-1', replicas: o.md1Replicas });
  }
  await applyManifests(h, namespace, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
}
