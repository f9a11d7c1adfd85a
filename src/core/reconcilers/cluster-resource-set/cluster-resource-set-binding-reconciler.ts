import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../controller-runtime/controller/reconciler.js';
import type { ClusterResourceSetBinding } from '../../api/addons/v1beta2/cluster-resource-set-binding-types.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { ClusterType } from '../cluster/cluster-reconciler.js';
import { ClusterResourceSetBindingType } from './cluster-resource-set-reconciler.js';

type Binding = Stored<ClusterResourceSetBinding>;

/**
 * ClusterResourceSetBinding (upstream's binding controller): a binding lives as long as its Cluster. When the
 * Cluster is gone or being deleted, the binding is deleted (what was applied went with the workload cluster).
 * A binding written before `spec.clusterName` existed names its Cluster by owner reference: the name is
 * copied into the spec and that owner reference dropped.
 */
export class ClusterResourceSetBindingReconciler implements Reconciler {
  readonly #client: Client;

  constructor(options: { client: Client }) {
    this.#client = options.client;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    let binding: Binding;
    try {
      binding = await this.#client.get<Binding>(ClusterResourceSetBindingType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (binding.metadata.deletionTimestamp) return undefined;
    const owners = binding.metadata.ownerReferences ?? [];
    const clusterOwner = owners.find(
      (o) => o.kind === 'Cluster' && o.apiVersion.startsWith('cluster.x-k8s.io/'),
    );
    if (!binding.spec.clusterName || clusterOwner) {
      const name = binding.spec.clusterName || clusterOwner?.name;
      if (!name)
        throw new Error('the binding names no Cluster: spec.clusterName is empty and no Cluster owns it');
      binding.spec.clusterName = name;
      binding.metadata.ownerReferences = owners.filter((o) => o !== clusterOwner);
      binding = await this.#client.update(binding);
    }
    let cluster: Stored<Cluster> | undefined;
    try {
      cluster = await this.#client.get<Stored<Cluster>>(ClusterType, {
        namespace: binding.metadata.namespace,
        name: binding.spec.clusterName,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (cluster && !cluster.metadata.deletionTimestamp) return undefined;
    log.info(
      { cluster: binding.spec.clusterName },
      cluster
        ? 'deleting the binding: its Cluster is being deleted'
        : 'deleting the binding: its Cluster is gone',
    );
    try {
      await this.#client.delete(binding);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return undefined;
  }
}
