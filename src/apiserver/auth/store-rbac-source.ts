import type { ObjectStore, StoreWatch } from '../registry/object-store.js';
import type { RbacSource } from './rbac-authorizer.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './rbac-types.js';

const PREFIX = '/registry/rbac.authorization.k8s.io/';

/**
 * RBAC objects kept parsed in memory and current from the store's change stream, so authorizing a
 * request never parses JSON or scans storage.
 */
export class StoreRbacSource implements RbacSource {
  #objects = new Map<string, Role | ClusterRole | RoleBinding | ClusterRoleBinding>();
  #watch: StoreWatch | undefined;

  constructor(store: ObjectStore) {
    const snapshot = store.range(PREFIX);
    for (const kv of snapshot.kvs) this.#objects.set(kv.key, JSON.parse(kv.value) as Role);
    this.#watch = store.watch(
      PREFIX,
      snapshot.revision,
      (e) => {
        if (e.type === 'DELETE') this.#objects.delete(e.kv.key);
        else this.#objects.set(e.kv.key, JSON.parse(e.kv.value) as Role);
      },
      () => undefined,
    );
  }

  close(): void {
    this.#watch?.cancel();
  }

  *#under<T>(prefix: string): Iterable<T> {
    for (const [key, obj] of this.#objects) if (key.startsWith(prefix)) yield obj as T;
  }

  clusterRoles(): Iterable<ClusterRole> {
    return this.#under(`${PREFIX}clusterroles/`);
  }
  clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    return this.#under(`${PREFIX}clusterrolebindings/`);
  }
  roles(namespace: string): Iterable<Role> {
    return this.#under(`${PREFIX}roles/${namespace}/`);
  }
  roleBindings(namespace: string): Iterable<RoleBinding> {
    return this.#under(`${PREFIX}rolebindings/${namespace}/`);
  }
  getClusterRole(name: string): ClusterRole | undefined {
    return this.#objects.get(`${PREFIX}clusterroles/${name}`);
  }
  getRole(namespace: string, name: string): Role | undefined {
    return this.#objects.get(`${PREFIX}roles/${namespace}/${name}`);
  }
}
