import type { GenericRegistry } from '../../../../../apiserver/registry/generic-registry.js';
import {
  StoreConflictError,
  type StoredKV,
  type StoreEvent,
} from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { formatTime } from '../../../../../apiserver/util/time.js';
import {
  CORE_PREFIX,
  isPodTerminal,
  NODE_PREFIX,
  parseObject,
  type PodCondition,
  POD_PREFIX,
  upsertCondition,
} from './pod-helpers.js';
import { QueuedStoreController, servedDefinitions, updatePodStatus } from './workload-controller.js';

const DEFAULT_SCHEDULER = 'default-scheduler';

/** Taint keys of `k8s.io/api/core/v1` (well_known_taints.go). */
export const TaintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;

export interface Taint {
  key?: string;
  value?: string;
  effect?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface NodeSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** The parts of a pod spec the predicates read. */
export interface SchedulingSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  schedulerName?: string;
  schedulingGates?: unknown[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null;
    } | null;
  } | null;
}

/** `Toleration.ToleratesTaint`: an empty key with `Exists` tolerates everything; an empty effect any effect. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** `FindMatchingUntoleratedTaint` for the effects that keep pods off a node (NoSchedule, NoExecute). */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[] | undefined,
  effects: readonly string[] = ['NoSchedule', 'NoExecute'],
): Taint | undefined {
  for (const taint of taints) {
    if (!effects.includes(taint.effect ?? '')) continue;
    if (!(tolerations ?? []).some((t) => toleratesTaint(t, taint))) return taint;
  }
  return undefined;
}

/**
 * `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`: every `nodeSelector` label, and one of the
 * required `nodeSelectorTerms` (empty terms select nothing; `matchFields` knows `metadata.name`).
 */
export function matchesNodeAffinity(
  spec: SchedulingSpec,
  nodeName: string,
  labels: Record<string, string>,
): boolean {
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) if (labels[key] !== value) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((term) => {
    const expressions = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (expressions.length === 0 && fields.length === 0) return false;
    return (
      expressions.every((r) => requirementMatches(r, labels)) &&
      fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, { 'metadata.name': nodeName }))
    );
  });
}

function requirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const key = r.key ?? '';
  const has = Object.prototype.hasOwnProperty.call(labels, key);
  const value = labels[key];
  const values = r.values ?? [];
  switch (r.operator ?? '') {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !/^-?\d+$/.test(value!) || !/^-?\d+$/.test(values[0]!)) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** What the scheduler needs of a Node. */
interface NodeView {
  name: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  /** `spec.taints` plus the taints upstream's node lifecycle controller derives from conditions. */
  taints: Taint[];
}

/**
 * TaintNodesByCondition: the NoSchedule taints the node lifecycle controller keeps on a node from its
 * conditions. Simulated here instead of written, so nothing but the node's own writer touches Nodes; a node
 * whose kubelet never reported a Ready condition counts as not ready.
 */
function conditionTaints(node: KubeObject, existing: Taint[]): Taint[] {
  const conditions = (node.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  const status = (type: string) =>
    Array.isArray(conditions) ? conditions.find((c) => c.type === type)?.status : undefined;
  const keys: string[] = [];
  const ready = status('Ready');
  if (ready === 'Unknown') keys.push(TaintKeys.unreachable);
  else if (ready !== 'True') keys.push(TaintKeys.notReady);
  if (status('MemoryPressure') === 'True') keys.push(TaintKeys.memoryPressure);
  if (status('DiskPressure') === 'True') keys.push(TaintKeys.diskPressure);
  if (status('PIDPressure') === 'True') keys.push(TaintKeys.pidPressure);
  if (status('NetworkUnavailable') === 'True') keys.push(TaintKeys.networkUnavailable);
  return keys
    .filter((key) => !existing.some((t) => t.key === key && t.effect === 'NoSchedule'))
    .map((key) => ({ key, effect: 'NoSchedule' }));
}

function nodeView(name: string, node: KubeObject): NodeView {
  const spec = (node.spec ?? {}) as { unschedulable?: boolean; taints?: Taint[] };
  const taints = Array.isArray(spec.taints)
    ? spec.taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    : [];
  return {
    name,
    labels: node.metadata?.labels ?? {},
    unschedulable: spec.unschedulable === true,
    taints: [...taints, ...conditionTaints(node, taints)],
  };
}

const UNSCHEDULABLE_TAINT: Taint = { key: TaintKeys.unschedulable, effect: 'NoSchedule' };

/** Filter plugins in upstream's order; the reason a node is out, or undefined when the pod fits. */
function filterNode(spec: SchedulingSpec, node: NodeView): string | undefined {
  // NodeUnschedulable
  if (node.unschedulable && !(spec.tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT)))
    return 'node(s) were unschedulable';
  // TaintToleration
  const taint = findUntoleratedTaint(node.taints, spec.tolerations);
  if (taint) return `node(s) had untolerated taint {${taint.key ?? ''}: ${taint.value ?? ''}}`;
  // NodeAffinity
  if (!matchesNodeAffinity(spec, node.name, node.labels))
    return "node(s) didn't match Pod's node affinity/selector";
  return undefined;
}

/** `FitError.Error()` when every node failed a filter whose failure preemption cannot resolve. */
function fitErrorMessage(nodeCount: number, reasons: Map<string, number>): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  const histogram = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
  return (
    `0/${nodeCount} nodes are available: ${histogram.join(', ')}. ` +
    `preemption: 0/${nodeCount} nodes are available: ${nodeCount} Preemption is not helpful for scheduling.`
  );
}

export interface SimulatedSchedulerOptions {
  /** Pods naming this scheduler (`spec.schedulerName`) are scheduled (default `default-scheduler`). */
  schedulerName?: string;
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number;
  now?: () => Date;
}

/**
 * kube-scheduler for a simulated workload cluster: binds each pod without `spec.nodeName` to a node that
 * passes the NodeUnschedulable, TaintToleration (NoSchedule/NoExecute, plus the condition taints of a node
 * that is not Ready) and NodeAffinity (`nodeSelector`, required `nodeSelectorTerms`) filters, choosing the
 * node with the fewest pods (ties by name) as a stand-in for the scoring plugins. A pod no node fits gets
 * `PodScheduled=False`, reason `Unschedulable`, with upstream's message, and is tried again whenever a node
 * is added or changes in a way a filter reads.
 *
 * Binding is what upstream's `pods/binding` storage update does (the embedded server has no binding
 * subresource, and pod updates may not change `spec.nodeName`): a compare-and-swap of the stored pod setting
 * `spec.nodeName` and `PodScheduled=True`, refused when the pod changed, is being deleted or is bound.
 */
export class SimulatedScheduler extends QueuedStoreController {
  #podDef: ResourceDefinition;
  #schedulerName: string;
  #now: () => Date;
  #nodes: NodeView[] | undefined;
  /** Pods last found unschedulable, tried again when nodes change. */
  #pending = new Set<string>();
  /** Bound, non-terminal pods: pod key → node, and the count per node, for spreading. */
  #placement = new Map<string, string>();
  #counts = new Map<string, number>();

  constructor(registry: GenericRegistry, catalog: ResourceCatalog, options: SimulatedSchedulerOptions = {}) {
    const [podDef] = servedDefinitions(catalog, 'SimulatedScheduler', ['', 'v1', 'pods']);
    super(registry, { snapshotPrefix: CORE_PREFIX, retryDelayMs: options.retryDelayMs });
    this.#podDef = podDef;
    this.#schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER;
    this.#now = options.now ?? (() => new Date());
  }

  protected override onSnapshot(kvs: StoredKV[]): void {
    this.#nodes = undefined;
    this.#pending.clear();
    this.#placement.clear();
    this.#counts.clear();
    for (const kv of kvs) if (kv.key.startsWith(POD_PREFIX)) this.#observePod(kv.key, kv.value);
  }

  protected override onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(NODE_PREFIX)) {
      this.#nodes = undefined;
      if (e.type === 'DELETE' || this.#pending.size === 0) return;
      // Only a change a filter reads can make a pending pod fit (a deleted node never does).
      const name = key.slice(NODE_PREFIX.length);
      const now = nodeSignature(name, e.kv.value);
      if (e.prevKv && nodeSignature(name, e.prevKv.value) === now) return;
      for (const podKey of this.#pending) this.queue.add(podKey);
      return;
    }
    if (!key.startsWith(POD_PREFIX)) return;
    if (e.type === 'DELETE') {
      this.#pending.delete(key);
      this.#unplace(key);
      return;
    }
    this.#observePod(key, e.kv.value);
  }

  #observePod(key: string, value: string): void {
    const pod = parseObject(value);
    if (!pod) return;
    const nodeName = (pod.spec as SchedulingSpec | undefined)?.nodeName;
    if (nodeName) {
      this.#pending.delete(key);
      if (isPodTerminal(pod)) this.#unplace(key);
      else this.#place(key, nodeName);
      return;
    }
    this.#unplace(key);
    if (this.#needsScheduling(pod)) this.queue.add(key);
    else this.#pending.delete(key);
  }

  #place(key: string, nodeName: string): void {
    const current = this.#placement.get(key);
    if (current === nodeName) return;
    if (current !== undefined) this.#unplace(key);
    this.#placement.set(key, nodeName);
    this.#counts.set(nodeName, (this.#counts.get(nodeName) ?? 0) + 1);
  }

  #unplace(key: string): void {
    const nodeName = this.#placement.get(key);
    if (nodeName === undefined) return;
    this.#placement.delete(key);
    const left = (this.#counts.get(nodeName) ?? 1) - 1;
    if (left > 0) this.#counts.set(nodeName, left);
    else this.#counts.delete(nodeName);
  }

  #needsScheduling(pod: KubeObject): boolean {
    const spec = (pod.spec ?? {}) as SchedulingSpec;
    return (
      !spec.nodeName &&
      !pod.metadata?.deletionTimestamp &&
      !isPodTerminal(pod) &&
      (spec.schedulerName ?? DEFAULT_SCHEDULER) === this.#schedulerName &&
      !(Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0)
    );
  }

  #nodeViews(): NodeView[] {
    if (!this.#nodes) {
      this.#nodes = [];
      for (const kv of this.registry.store.range(NODE_PREFIX).kvs) {
        const node = parseObject(kv.value);
        if (node) this.#nodes.push(nodeView(kv.key.slice(NODE_PREFIX.length), node));
      }
    }
    return this.#nodes;
  }

  protected override async sync(key: string): Promise<void> {
    const kv = this.registry.store.get(key);
    const pod = kv ? parseObject(kv.value) : undefined;
    if (!kv || !pod || !this.#needsScheduling(pod)) {
      this.#pending.delete(key);
      return;
    }
    const spec = (pod.spec ?? {}) as SchedulingSpec;
    const nodes = this.#nodeViews();
    const reasons = new Map<string, number>();
    let best: NodeView | undefined;
    let bestCount = Infinity;
    for (const node of nodes) {
      const reason = filterNode(spec, node);
      if (reason !== undefined) {
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        continue;
      }
      const count = this.#counts.get(node.name) ?? 0;
      if (count < bestCount || (count === bestCount && best && node.name < best.name)) {
        best = node;
        bestCount = count;
      }
    }
    if (best) {
      this.#pending.delete(key);
      // Counted at once: the next pod of a burst is placed before the watch reports this binding.
      if (await this.#bind(kv, best.name)) this.#place(key, best.name);
      return;
    }
    this.#pending.add(key);
    await this.#reportUnschedulable(kv, fitErrorMessage(nodes.length, reasons));
  }

  /** The storage update of upstream's BindingREST (`setPodHostAndAnnotations`). */
  async #bind(kv: StoredKV, nodeName: string): Promise<boolean> {
    const stored = parseObject(kv.value);
    if (!stored) return false;
    const spec = (stored.spec ??= {}) as SchedulingSpec;
    if (spec.nodeName || stored.metadata?.deletionTimestamp) return false;
    spec.nodeName = nodeName;
    const status = (stored.status ??= {}) as { conditions?: PodCondition[] };
    status.conditions = upsertCondition(
      status.conditions,
      { type: 'PodScheduled', status: 'True' },
      formatTime(this.#now()),
    );
    try {
      await this.registry.store.update(kv.key, JSON.stringify(stored), kv.modRevision);
      return true;
    } catch (err) {
      // The pod changed since it was read: its event brings it back to the queue.
      if (err instanceof StoreConflictError) return false;
      throw err;
    }
  }

  async #reportUnschedulable(kv: StoredKV, message: string): Promise<void> {
    const pod = this.registry.decode(this.#podDef, kv);
    const status = (pod.status ?? {}) as { conditions?: PodCondition[] };
    const conditions = upsertCondition(
      status.conditions,
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message },
      formatTime(this.#now()),
    );
    await updatePodStatus(
      this.registry,
      this.#podDef,
      kv.key,
      pod,
      { ...status, conditions },
      DEFAULT_SCHEDULER,
    );
  }
}

function nodeSignature(name: string, value: string): string {
  const node = parseObject(value);
  return node ? JSON.stringify(nodeView(name, node)) : '';
}
