import { isStatusError } from '../errors/status-error.js';
import { type GenericRegistry, internalScope } from '../registry/generic-registry.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject } from '../registry/resource-definition.js';

/** The namespaces every Kubernetes cluster starts with. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The `kubernetes` Service every cluster has in `default` (kube-apiserver's own, at the first address of the
 * service range, 10.96.0.1 with kubeadm's defaults): in-cluster clients and add-on installers look for it.
 */
export const KUBERNETES_SERVICE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'kubernetes',
    namespace: 'default',
    labels: { component: 'apiserver', provider: 'kubernetes' },
  },
  spec: {
    type: 'ClusterIP',
    clusterIP: '10.96.0.1',
    clusterIPs: ['10.96.0.1'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: 'None',
    ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
  },
};

/**
 * Creates what a fresh cluster has (system namespaces, the `kubernetes` Service, bootstrap RBAC) when it is missing. Idempotent,
 * so it runs on every start; objects a user changed are left alone.
 */
export async function seedCluster(
  registry: GenericRegistry,
  catalog: ResourceCatalog,
  objects: KubeObject[],
): Promise<void> {
  const scope = internalScope('kube-apiserver');
  const all: KubeObject[] = [
    ...SYSTEM_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    KUBERNETES_SERVICE,
    ...objects,
  ];
  for (const obj of all) {
    const [group, version] = obj.apiVersion!.includes('/')
      ? obj.apiVersion!.split('/')
      : ['', obj.apiVersion!];
    const def = catalog.all().find((d) => d.group === group && d.version === version && d.kind === obj.kind);
    if (!def) throw new Error(`seed: ${obj.apiVersion!} ${obj.kind!} is not served`);
    const name = obj.metadata?.name ?? '';
    const namespace = def.namespaced ? obj.metadata?.namespace : undefined;
    if (registry.tryGet(def, namespace, name)) continue;
    try {
      await registry.create(def, namespace, obj, scope);
    } catch (err) {
      if (!(isStatusError(err) && err.code === 409)) throw err;
    }
  }
}
