import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type { StoreEvent } from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { deepEqual } from '../../../../../apiserver/util/deep-equal.js';
import { StoreFollower } from '../../../../../apiserver/workloads/store-follower.js';
import { controlledPods, controllerOf, podTemplateHash, scaledValue } from './deployment-controller.js';
import {
  findUntoleratedTaint,
  isPodReady,
  isPodTerminal,
  KeyedWorkQueue,
  matchesNodeAffinity,
  NODE_PREFIX,
  parseObject,
  POD_PREFIX,
  type SchedulingSpec,
  type Taint,
  TaintKeys,
  type Toleration,
} from './pod-scheduler.js';

const DAEMON_SET_PREFIX = '/registry/apps/daemonsets/';
/** Upstream's workload controllers write as kube-controller-manager. */
const MANAGER = 'kube-controller-manager';
/** Labels the controller puts on its pods (`apps/v1`). */
export const DaemonSetLabels = {
  controllerRevisionHash: 'controller-revision-hash',
  podTemplateGeneration: 'pod-template-generation',
} as const;

/**
 * `util.AddOrUpdateDaemonPodTolerations`: daemon pods survive node problems and cordons, so they run on
 * NotReady, unreachable, pressured and unschedulable nodes (and, with host networking, before the network
 * is up).
 */
export function daemonPodTolerations(spec: {
  tolerations?: Toleration[];
  hostNetwork?: boolean;
}): Toleration[] {
  const added: Toleration[] = [
    { key: TaintKeys.notReady, operator: 'Exists', effect: 'NoExecute' },
    { key: TaintKeys.unreachable, operator: 'Exists', effect: 'NoExecute' },
    { key: TaintKeys.diskPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: TaintKeys.memoryPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: TaintKeys.pidPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: TaintKeys.unschedulable, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork)
    added.push({ key: TaintKeys.networkUnavailable, operator: 'Exists', effect: 'NoSchedule' });
  // AddOrUpdateTolerationInPodSpec: a toleration of the same key, operator, value and effect is replaced.
  const same = (a: Toleration, b: Toleration) =>
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '');
  const tolerations = [...(spec.tolerations ?? [])];
  for (const toleration of added) {
    const index = tolerations.findIndex((t) => same(t, toleration));
    if (index >= 0) tolerations[index] = toleration;
    else tolerations.push(toleration);
  }
  return tolerations;
}

/**
 * `NodeShouldRunDaemonPod`: whether a new daemon pod belongs on the node, and whether one already there may
 * stay (an untolerated NoSchedule taint keeps new pods off but does not evict; NoExecute does both).
 */
export function nodeShouldRunDaemonPod(
  spec: SchedulingSpec,
  node: { name: string; labels: Record<string, string>; taints: Taint[] },
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if ((spec.nodeName && spec.nodeName !== node.name) || !matchesNodeAffinity(spec, node.name, node.labels))
    return { shouldRun: false, shouldContinueRunning: false };
  if (!findUntoleratedTaint(node.taints, spec.tolerations))
    return { shouldRun: true, shouldContinueRunning: true };
  return {
    shouldRun: false,
    shouldContinueRunning: !findUntoleratedTaint(node.taints, spec.tolerations, ['NoExecute']),
  };
}

interface DaemonSetSpec {
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: SchedulingSpec & { hostNetwork?: boolean };
  };
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: unknown } };
}

interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  [field: string]: unknown;
}

interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
}

export interface SimulatedDaemonSetControllerOptions {
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number;
}

/**
 * kube-controller-manager's daemon set controller: one pod per node the DaemonSet's template fits
 * (`nodeName`, `nodeSelector`, required node affinity, taints against the template's tolerations plus the
 * daemon tolerations), bound directly through `spec.nodeName` and pinned by the node-name affinity upstream
 * gives daemon pods. Pods are named `<daemonset>-<5 random>`, controlled by the DaemonSet, and labelled with
 * the template's labels, `controller-revision-hash` (the template hash) and `pod-template-generation` (the
 * DaemonSet's generation when created).
 *
 * - A node that no longer fits loses its pod; a failed pod is deleted and replaced; a node with several
 *   pods keeps the oldest. Pods on nodes that are gone are deleted (pod GC force-deletes them as well).
 *   A node whose daemon pod is terminating gets its new pod once the old one is gone.
 * - Template change (hash): RollingUpdate replaces out-of-date pods while at most `maxUnavailable` nodes lack
 *   a ready pod (maxSurge is not simulated: the old pod goes first); OnDelete leaves them.
 * - Status: desired/current/updated numbers scheduled, numberMisscheduled, numberReady, numberAvailable
 *   (= ready: minReadySeconds is not simulated), numberUnavailable, observedGeneration. No ControllerRevisions.
 */
export class SimulatedDaemonSetController {
  #registry: GenericRegistry;
  #podDef: ResourceDefinition;
  #daemonSetDef: ResourceDefinition;
  #follower: StoreFollower;
  #queue: KeyedWorkQueue;
  #stopped = true;

  constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    options: SimulatedDaemonSetControllerOptions = {},
  ) {
    const podDef = catalog.get('', 'v1', 'pods');
    const daemonSetDef = catalog.get('apps', 'v1', 'daemonsets');
    if (!podDef || !daemonSetDef)
      throw new Error(
        'SimulatedDaemonSetController: the catalog does not serve core/v1 pods and apps/v1 daemonsets',
      );
    this.#registry = registry;
    this.#podDef = podDef;
    this.#daemonSetDef = daemonSetDef;
    this.#queue = new KeyedWorkQueue((key) => this.#sync(key), options.retryDelayMs ?? 1000);
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: DAEMON_SET_PREFIX,
      watchPrefix: '/registry/',
      onSnapshot: (kvs) => {
        for (const kv of kvs) this.#queue.add(kv.key.slice(DAEMON_SET_PREFIX.length));
      },
      onEvent: (e) => this.#onEvent(e),
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#queue.start();
    this.#follower.start();
  }

  /** Stops following the store and waits for the write under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#follower.stop();
    await this.#queue.stop();
  }

  /** Resolves once no DaemonSet waits to be synced (tests). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(DAEMON_SET_PREFIX)) {
      this.#queue.add(key.slice(DAEMON_SET_PREFIX.length));
      return;
    }
    if (key.startsWith(NODE_PREFIX)) {
      // Readiness and other status changes do not move daemon pods; existence, labels and taints do.
      const name = key.slice(NODE_PREFIX.length);
      const before = e.prevKv ? nodeSignature(name, e.prevKv.value) : undefined;
      const after = e.type === 'PUT' ? nodeSignature(name, e.kv.value) : undefined;
      if (before === after) return;
      for (const kv of this.#registry.store.range(DAEMON_SET_PREFIX).kvs)
        this.#queue.add(kv.key.slice(DAEMON_SET_PREFIX.length));
      return;
    }
    if (!key.startsWith(POD_PREFIX)) return;
    const value = e.type === 'PUT' ? e.kv.value : e.prevKv?.value;
    if (!value?.includes('"kind":"DaemonSet"')) return;
    const pod = parseObject(value);
    const ref = pod ? controllerOf(pod) : undefined;
    if (ref?.kind === 'DaemonSet' && ref.apiVersion === 'apps/v1')
      this.#queue.add(`${pod!.metadata?.namespace ?? ''}/${ref.name}`);
  }

  #nodes(): NodeInfo[] {
    const nodes: NodeInfo[] = [];
    for (const kv of this.#registry.store.range(NODE_PREFIX).kvs) {
      const node = parseObject(kv.value);
      if (node) nodes.push(nodeInfo(kv.key.slice(NODE_PREFIX.length), node));
    }
    return nodes;
  }

  async #sync(key: string): Promise<void> {
    if (this.#stopped) return;
    const kv = this.#registry.store.get(DAEMON_SET_PREFIX + key);
    if (!kv) return;
    const ds = this.#registry.decode(this.#daemonSetDef, kv);
    const meta = ds.metadata ?? {};
    if (meta.deletionTimestamp || !meta.uid || !meta.namespace) return;
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const hash = podTemplateHash(spec.template);
    const podSpec: SchedulingSpec = {
      ...(spec.template?.spec ?? {}),
      tolerations: daemonPodTolerations(spec.template?.spec ?? {}),
    };
    const nodes = this.#nodes();
    await this.#manage(key, ds, spec, podSpec, nodes, hash);
    await this.#updateStatus(ds, podSpec, nodes, hash);
  }

  /** `manage` then `rollingUpdate` of upstream's syncDaemonSet, decided on one reading of the store. */
  async #manage(
    key: string,
    ds: KubeObject,
    spec: DaemonSetSpec,
    podSpec: SchedulingSpec,
    nodes: NodeInfo[],
    hash: string,
  ): Promise<void> {
    const meta = ds.metadata!;
    const byNode = podsByNode(controlledPods(this.#registry, meta.namespace!, meta.uid!));
    const create: string[] = [];
    const remove: KubeObject[] = [];
    // Nodes whose only live pod is out of date, and nodes that should run a pod but have no ready one.
    const outdated: KubeObject[] = [];
    let unavailable = 0;
    let desired = 0;

    for (const node of nodes) {
      const pods = byNode.get(node.name) ?? [];
      byNode.delete(node.name);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(podSpec, node);
      if (shouldRun) desired++;
      const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
      if (shouldRun && pods.length === 0) {
        create.push(node.name);
        unavailable++;
      } else if (shouldContinueRunning) {
        const running = live.filter((p) => !isPodTerminal(p));
        remove.push(...live.filter(isPodTerminal));
        running.sort(oldestFirst);
        remove.push(...running.slice(1));
        const kept = running[0];
        if (shouldRun && (!kept || !isPodReady(kept))) unavailable++;
        if (kept && kept.metadata?.labels?.[DaemonSetLabels.controllerRevisionHash] !== hash)
          outdated.push(kept);
      } else {
        remove.push(...live);
      }
    }
    // Whatever is left sits on nodes that no longer exist.
    for (const pods of byNode.values()) remove.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));

    if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const maxUnavailable = Math.max(
        1,
        scaledValue(spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true),
      );
      // Pods that are not ready are replaced at once; ready ones while the budget lasts.
      for (const pod of outdated) {
        if (!isPodReady(pod)) remove.push(pod);
        else if (unavailable < maxUnavailable) {
          remove.push(pod);
          unavailable++;
        }
      }
    }

    for (const nodeName of create) if (!(await this.#createPod(key, ds, spec, nodeName, hash))) break;
    for (const pod of remove) await this.#deletePod(pod);
  }

  /** `NewPod` + `GetPodFromTemplate` with the daemon tolerations, labels and node-name affinity. */
  async #createPod(
    key: string,
    ds: KubeObject,
    spec: DaemonSetSpec,
    nodeName: string,
    hash: string,
  ): Promise<boolean> {
    const meta = ds.metadata!;
    const template = spec.template ?? {};
    const podSpec = structuredClone(template.spec ?? {}) as SchedulingSpec & Record<string, unknown>;
    podSpec.tolerations = daemonPodTolerations(podSpec);
    podSpec.nodeName = nodeName;
    // ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become "this node" (preferences stay).
    const affinity = (podSpec.affinity ?? {}) as Record<string, unknown>;
    const nodeAffinity = (affinity.nodeAffinity ?? {}) as Record<string, unknown>;
    podSpec.affinity = {
      ...affinity,
      nodeAffinity: {
        ...nodeAffinity,
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] },
          ],
        },
      },
    };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${meta.name!}-`,
        namespace: meta.namespace!,
        labels: {
          ...(template.metadata?.labels ?? {}),
          [DaemonSetLabels.controllerRevisionHash]: hash,
          [DaemonSetLabels.podTemplateGeneration]: String(meta.generation ?? 1),
        },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'DaemonSet',
            name: meta.name!,
            uid: meta.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: podSpec,
    };
    try {
      await this.#registry.create(this.#podDef, meta.namespace, pod, internalScope(MANAGER));
      return true;
    } catch (err) {
      // A generated name that was taken: no event will come, so try again later.
      if (isStatusError(err) && err.code === 409) this.#queue.retryLater(key);
      else if (!isStatusError(err) || err.code >= 500) throw err;
      return false;
    }
  }

  async #deletePod(pod: KubeObject): Promise<void> {
    const meta = pod.metadata ?? {};
    try {
      await this.#registry.delete(
        this.#podDef,
        meta.namespace,
        meta.name ?? '',
        meta.uid ? { preconditions: { uid: meta.uid } } : {},
        internalScope(MANAGER),
      );
    } catch (err) {
      if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  /** `updateDaemonSetStatus`, from the pods as they are after this sync's writes. */
  async #updateStatus(
    ds: KubeObject,
    podSpec: SchedulingSpec,
    nodes: NodeInfo[],
    hash: string,
  ): Promise<void> {
    const meta = ds.metadata!;
    const byNode = podsByNode(
      controlledPods(this.#registry, meta.namespace!, meta.uid!).filter(
        (p) => !(p.metadata?.deletionTimestamp && isPodTerminal(p)),
      ),
    );
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    for (const node of nodes) {
      const pods = byNode.get(node.name) ?? [];
      const { shouldRun } = nodeShouldRunDaemonPod(podSpec, node);
      if (!shouldRun) {
        if (pods.length > 0) misscheduled++;
        continue;
      }
      desired++;
      if (pods.length === 0) continue;
      current++;
      const pod = [...pods].sort(oldestFirst)[0]!;
      if (isPodReady(pod)) ready++;
      if (pod.metadata?.labels?.[DaemonSetLabels.controllerRevisionHash] === hash) updated++;
    }
    const previous = (ds.status ?? {}) as DaemonSetStatus;
    const status: DaemonSetStatus = { ...previous };
    status.currentNumberScheduled = current;
    status.numberMisscheduled = misscheduled;
    status.desiredNumberScheduled = desired;
    status.numberReady = ready;
    if (meta.generation !== undefined) status.observedGeneration = meta.generation;
    // omitempty upstream.
    const optional = {
      updatedNumberScheduled: updated,
      numberAvailable: ready,
      numberUnavailable: desired - ready,
    };
    for (const [field, value] of Object.entries(optional)) {
      if (value > 0) status[field] = value;
      else delete status[field];
    }
    if (deepEqual(status, previous)) return;
    try {
      await this.#registry.update(
        this.#daemonSetDef,
        meta.namespace,
        meta.name!,
        { ...ds, status },
        internalScope(MANAGER),
        'status',
      );
    } catch (err) {
      if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}

function podsByNode(pods: KubeObject[]): Map<string, KubeObject[]> {
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    const nodeName = (pod.spec as SchedulingSpec | undefined)?.nodeName ?? '';
    let list = byNode.get(nodeName);
    if (!list) byNode.set(nodeName, (list = []));
    list.push(pod);
  }
  return byNode;
}

function oldestFirst(a: KubeObject, b: KubeObject): number {
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

function nodeInfo(name: string, node: KubeObject): NodeInfo {
  const taints = (node.spec as { taints?: Taint[] } | undefined)?.taints;
  return { name, labels: node.metadata?.labels ?? {}, taints: Array.isArray(taints) ? taints : [] };
}

function nodeSignature(name: string, value: string): string {
  const node = parseObject(value);
  return node ? JSON.stringify(nodeInfo(name, node)) : '';
}
