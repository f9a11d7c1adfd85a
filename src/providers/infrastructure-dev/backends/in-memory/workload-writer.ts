import { isStatusError } from '../../../../apiserver/errors/status-error.js';
import { internalScope } from '../../../../apiserver/registry/generic-registry.js';
import type { KubeObject, ResourceDefinition } from '../../../../apiserver/registry/resource-definition.js';
import type { ApiServerInstance } from '../../../../apiserver/embedded/api-server-instance.js';

const MANAGER = 'in-memory-infrastructure';

/** A kind served by a workload API server, by API version and plural. */
export interface WorkloadKind {
  apiVersion: string;
  plural: string;
}

export const Kinds = {
  Node: { apiVersion: 'v1', plural: 'nodes' },
  Pod: { apiVersion: 'v1', plural: 'pods' },
  ConfigMap: { apiVersion: 'v1', plural: 'configmaps' },
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments' },
  DaemonSet: { apiVersion: 'apps/v1', plural: 'daemonsets' },
  ClusterRole: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'clusterroles' },
  ClusterRoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings' },
  Role: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'roles' },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings' },
} as const satisfies Record<string, WorkloadKind>;

/**
 * Writes into a workload cluster in-process, as its kubelets and kubeadm would through the API: through the
 * registry (admission, validation, watch events all apply), on behalf of the server itself.
 */
export class WorkloadWriter {
  readonly #instance: ApiServerInstance;

  constructor(instance: ApiServerInstance) {
    this.#instance = instance;
  }

  #def(kind: WorkloadKind): ResourceDefinition {
    const [group, version] = kind.apiVersion.includes('/')
      ? kind.apiVersion.split('/')
      : ['', kind.apiVersion];
    const def = this.#instance.catalog.get(group!, version!, kind.plural);
    if (!def) throw new Error(`the workload API server does not serve ${kind.apiVersion} ${kind.plural}`);
    return def;
  }

  get(kind: WorkloadKind, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#instance.registry.tryGet(this.#def(kind), namespace, name);
  }

  /**
   * Creates `obj` unless an object of that name exists (which is left as it is: someone, e.g. the control
   * plane provider, may have changed it). With `status`, the status is written after the create, as the
   * kubelet reports it (creates reset the status of some kinds, as kube-apiserver does). Returns whether it created.
   */
  async ensure(kind: WorkloadKind, obj: KubeObject, status?: Record<string, unknown>): Promise<boolean> {
    const def = this.#def(kind);
    const namespace = def.namespaced ? obj.metadata?.namespace : undefined;
    const name = obj.metadata?.name ?? '';
    if (this.#instance.registry.tryGet(def, namespace, name)) return false;
    try {
      await this.#instance.registry.create(def, namespace, obj, internalScope(MANAGER));
    } catch (err) {
      if (isStatusError(err) && err.code === 409) return false;
      throw err;
    }
    if (status) await this.mutate(kind, namespace, name, (o) => ((o.status = status), true));
    return true;
  }

  /** Read-modify-write (retried on conflicts); `change` returns false to skip the write. */
  async mutate(
    kind: WorkloadKind,
    namespace: string | undefined,
    name: string,
    change: (obj: KubeObject) => boolean,
  ): Promise<KubeObject | undefined> {
    return this.#instance.registry.mutate(this.#def(kind), namespace, name, change, MANAGER);
  }

  /** Deletes at once (grace period 0, as for a force delete); a missing object is fine. */
  async remove(kind: WorkloadKind, namespace: string | undefined, name: string): Promise<void> {
    try {
      await this.#instance.registry.delete(
        this.#def(kind),
        namespace,
        name,
        { gracePeriodSeconds: 0 },
        internalScope(MANAGER),
      );
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return;
      throw err;
    }
  }
}
