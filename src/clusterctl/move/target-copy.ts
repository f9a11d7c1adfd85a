import { isDeepStrictEqual } from 'node:util';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Client } from '../../controller-runtime/client/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../controller-runtime/client/errors.js';
import { Annotation } from '../../core/api/v1beta2/well-known.js';
import { MoveConflictError } from './errors.js';
import { describeObject, isCluster, isClusterClass, type GraphNode } from './object-graph.js';
import { beforeWrite, type MoveHooks, report, reportObject } from './progress.js';
import { MoveAnnotation } from './well-known.js';

/** `Kind/namespace/name`: how steps name an object. */
export const stepName = (obj: KubeObject): string =>
  `${obj.kind ?? ''}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
/** `namespace/name`. */
export const keyOf = (obj: KubeObject): string =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

/** Our source-side annotations: never copied. */
const SOURCE_ONLY = [MoveAnnotation.State, MoveAnnotation.Target, MoveAnnotation.WasPaused] as const;

/** Whether the user had paused this Cluster (or ClusterClass) before a move paused it. */
export function wasPaused(obj: KubeObject): boolean {
  const recorded = obj.metadata.annotations?.[MoveAnnotation.WasPaused];
  if (recorded !== undefined) return recorded === 'true';
  return isCluster(obj)
    ? (obj.spec as { paused?: boolean } | undefined)?.paused === true
    : Annotation.Paused in (obj.metadata.annotations ?? {});
}

export interface CopyStats {
  created: number;
  reused: number;
}

/**
 * Creates the copy of each node on the target, owners first, idempotently: an object that already exists and
 * carries our source-uid annotation with this node's UID is the copy from an earlier run and is reused; one
 * without it is a real conflict (`MoveConflictError`, nothing is deleted). A copied Cluster is created paused
 * and marked incoming; a ClusterClass paused. Owner references point at the owners' new UIDs (references to
 * objects outside the move are dropped, or the target's garbage collector would take the copy). Status is
 * written through the status subresource where the kind has one.
 */
export class TargetCopier {
  readonly #to: Client;
  readonly #hooks: MoveHooks;
  /** Source UID → target UID. */
  readonly uids = new Map<string, string>();
  readonly stats: CopyStats = { created: 0, reused: 0 };

  constructor(to: Client, hooks: MoveHooks) {
    this.#to = to;
    this.#hooks = hooks;
  }

  async ensureNamespaces(namespaces: Iterable<string>): Promise<void> {
    for (const name of new Set(namespaces)) {
      try {
        await this.#to.get({ apiVersion: 'v1', kind: 'Namespace' }, { name }, this.#signal());
        continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await beforeWrite(this.#hooks, `namespace:${name}`);
      try {
        await this.#to.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, this.#signal());
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  /** Learns the target UID of an object copied by an earlier run (whose owner references others name). */
  async adopt(node: GraphNode): Promise<void> {
    if (this.uids.has(node.uid)) return;
    const copy = await this.#getIfExists(node.obj);
    if (copy?.metadata.annotations?.[MoveAnnotation.SourceUid] === node.uid)
      this.uids.set(node.uid, copy.metadata.uid!);
  }

  async copy(node: GraphNode): Promise<KubeObject> {
    if (this.uids.has(node.uid)) return node.obj;
    const body = this.#copyOf(node);
    let copy: KubeObject;
    try {
      await beforeWrite(this.#hooks, `create:${stepName(node.obj)}`);
      copy = await this.#to.create(body, this.#signal());
      this.stats.created++;
      reportObject(this.#hooks, 'create', `created ${describeObject(node.obj)}`);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      copy = await this.#to.get(node.type, {
        namespace: node.obj.metadata.namespace,
        name: node.obj.metadata.name!,
      });
      if (copy.metadata.annotations?.[MoveAnnotation.SourceUid] !== node.uid) {
        throw new MoveConflictError(
          node.obj.kind ?? '',
          node.obj.metadata.namespace ?? '',
          node.obj.metadata.name ?? '',
        );
      }
      this.stats.reused++;
      reportObject(this.#hooks, 'create', `found ${describeObject(node.obj)} (copied before)`);
    }
    this.uids.set(node.uid, copy.metadata.uid!);
    const status = node.obj.status;
    if (node.type.hasStatus && status !== undefined && !isDeepStrictEqual(copy.status, status)) {
      await beforeWrite(this.#hooks, `status:${stepName(node.obj)}`);
      copy = await this.#writeStatus(node, copy, status);
    }
    return this.#restoreManagedFields(node, copy);
  }

  /**
   * Gives the copy the source's `managedFields` (after its status, which records its own writer): created, the
   * copy has every field owned by the move's field manager, and a controller writing with server-side apply (the
   * topology controller) would only ever share its fields, never again remove one it stops setting. As
   * clusterctl's `patchTopologyManagedFields`; a write of nothing but `managedFields` replaces the tracking.
   */
  async #restoreManagedFields(node: GraphNode, copy: KubeObject): Promise<KubeObject> {
    const managedFields = node.obj.metadata.managedFields;
    if (!managedFields?.length || isDeepStrictEqual(copy.metadata.managedFields, managedFields)) return copy;
    await beforeWrite(this.#hooks, `fields:${stepName(node.obj)}`);
    return this.#to.patch(
      { ...copy, apiVersion: node.type.apiVersion, kind: node.type.kind },
      { type: 'merge', data: { metadata: { managedFields } } },
      this.#signal(),
    );
  }

  async #writeStatus(node: GraphNode, copy: KubeObject, status: unknown): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#to.updateStatus(
          { ...copy, apiVersion: node.type.apiVersion, kind: node.type.kind, status },
          this.#signal(),
        );
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
        copy = await this.#to.get(node.type, {
          namespace: copy.metadata.namespace,
          name: copy.metadata.name!,
        });
      }
    }
  }

  #copyOf(node: GraphNode): KubeObject {
    const src = node.obj;
    const { metadata, status, ...rest } = src;
    const annotations: Record<string, string> = {
      ...metadata.annotations,
      [MoveAnnotation.SourceUid]: node.uid,
    };
    for (const key of SOURCE_ONLY) delete annotations[key];
    const ownerReferences: OwnerReference[] = [];
    for (const ref of metadata.ownerReferences ?? []) {
      const uid = this.uids.get(ref.uid);
      if (uid) ownerReferences.push({ ...ref, uid });
    }
    const body: KubeObject = {
      ...rest,
      apiVersion: node.type.apiVersion,
      kind: node.type.kind,
      metadata: {
        name: metadata.name!,
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
        ...(metadata.labels ? { labels: metadata.labels } : {}),
        annotations,
        ...(metadata.finalizers?.length ? { finalizers: metadata.finalizers } : {}),
        ...(ownerReferences.length ? { ownerReferences } : {}),
      },
      ...(status !== undefined && !node.type.hasStatus ? { status } : {}),
    };
    if (isCluster(src)) {
      annotations[MoveAnnotation.Incoming] = node.uid;
      annotations[MoveAnnotation.WasPaused] = String(wasPaused(src));
      body.spec = { ...(body.spec as Record<string, unknown> | undefined), paused: true };
    } else if (isClusterClass(src)) {
      annotations[MoveAnnotation.WasPaused] = String(wasPaused(src));
      annotations[Annotation.Paused] = '';
    }
    return body;
  }

  /** The copied Cluster's last write: drop the move's markers and run it (unless the user had paused it). */
  async finishCluster(cluster: KubeObject): Promise<boolean> {
    const copy = await this.#getIfExists(cluster);
    if (!copy || !(MoveAnnotation.Incoming in (copy.metadata.annotations ?? {}))) return false;
    const paused = copy.metadata.annotations?.[MoveAnnotation.WasPaused] === 'true';
    await beforeWrite(this.#hooks, `unpause:${keyOf(cluster)}`);
    await this.#to.patch(copy, {
      type: 'merge',
      data: {
        metadata: {
          annotations: {
            [MoveAnnotation.Incoming]: null,
            [MoveAnnotation.Committed]: null,
            [MoveAnnotation.WasPaused]: null,
          },
        },
        spec: { paused: paused ? true : null },
      },
    });
    report(
      this.#hooks,
      'unpause',
      `${paused ? 'left paused (as before the move)' : 'unpaused'} Cluster ${keyOf(cluster)} on the target`,
    );
    return true;
  }

  /** Removes the pause a move put on a copied ClusterClass. */
  async finishClusterClass(cc: KubeObject): Promise<void> {
    const copy = await this.#getIfExists(cc);
    if (!copy || !(MoveAnnotation.WasPaused in (copy.metadata.annotations ?? {}))) return;
    const paused = copy.metadata.annotations?.[MoveAnnotation.WasPaused] === 'true';
    await beforeWrite(this.#hooks, `unpause-class:${keyOf(cc)}`);
    await this.#to.patch(copy, {
      type: 'merge',
      data: {
        metadata: {
          annotations: { [MoveAnnotation.WasPaused]: null, ...(paused ? {} : { [Annotation.Paused]: null }) },
        },
      },
    });
    report(this.#hooks, 'unpause', `unpaused ClusterClass ${keyOf(cc)} on the target`);
  }

  /** Records on the target Cluster that the source committed, so the move can finish even once the source is gone. */
  async confirm(cluster: KubeObject): Promise<void> {
    const copy = await this.#getIfExists(cluster);
    if (!copy) return;
    const annotations = copy.metadata.annotations ?? {};
    if (!(MoveAnnotation.Incoming in annotations) || annotations[MoveAnnotation.Committed] === 'true') return;
    await beforeWrite(this.#hooks, `confirm:${keyOf(cluster)}`);
    await this.#to.patch(copy, {
      type: 'merge',
      data: { metadata: { annotations: { [MoveAnnotation.Committed]: 'true' } } },
    });
  }

  async #getIfExists(obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      return await this.#to.get(
        { apiVersion: obj.apiVersion!, kind: obj.kind! },
        { namespace: obj.metadata.namespace, name: obj.metadata.name! },
        this.#signal(),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  #signal(): { signal?: AbortSignal } {
    return this.#hooks.signal ? { signal: this.#hooks.signal } : {};
  }
}
