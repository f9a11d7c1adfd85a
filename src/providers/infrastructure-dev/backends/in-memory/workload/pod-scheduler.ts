import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
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
import { deepEqual } from '../../../../../apiserver/util/deep-equal.js';
import { formatTime } from '../../../../../apiserver/util/time.js';
import { StoreFollower } from '../../../../../apiserver/workloads/store-follower.js';

export const POD_PREFIX = '/registry/core/pods/';
export const NODE_PREFIX = '/registry/core/nodes/';
const CORE_PREFIX = '/registry/core/';
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

export interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
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

/** Whether a pod has condition Ready=True (`podutil.IsPodReady`). */
export function isPodReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isPodTerminal(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A stored value decoded, or undefined when it is not a JSON object (a corrupt value must not stop a controller). */
export function parseObject(value: string): KubeObject | undefined {
  try {
    const obj = JSON.parse(value) as unknown;
    return obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as KubeObject) : undefined;
  } catch {
    return undefined;
  }
}

/** `namespace/name` of a namespaced storage key under `prefix`. */
export function splitKey(key: string, prefix: string): [namespace: string, name: string] {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return [rest.slice(0, slash), rest.slice(slash + 1)];
}

/**
 * Errors a later attempt may get past: server-side failures and throttling. Everything else (invalid,
 * forbidden, conflict, a bug) waits for the next change of the object instead of being retried on a timer.
 */
export function isRetryable(err: unknown): boolean {
  return isStatusError(err) && (err.code >= 500 || err.code === 429);
}

/**
 * The work queue of a simulated controller: keys wait deduplicated, one sync runs at a time, in arrival
 * order. Syncs read the store itself, which is current the moment a write resolves, so a sync sees what the
 * previous one wrote and no "expectations" are needed. A sync that fails with a retryable error runs again
 * once after a delay; every other failure waits for the next change of the object (a conflict always brings
 * one), so nothing ever spins.
 */
export class KeyedWorkQueue {
  readonly #sync: (key: string) => Promise<void>;
  readonly #retryDelayMs: number;
  #keys = new Set<string>();
  #retries = new Map<string, NodeJS.Timeout>();
  #worker: Promise<void> | undefined;
  #idle: (() => void)[] = [];
  #stopped = true;

  constructor(sync: (key: string) => Promise<void>, retryDelayMs: number) {
    this.#sync = sync;
    this.#retryDelayMs = retryDelayMs;
  }

  start(): void {
    this.#stopped = false;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#keys.add(key);
    this.#worker ??= this.#drain();
  }

  /** Syncs `key` again after the retry delay: for failures no store event will answer. */
  retryLater(key: string): void {
    if (this.#stopped || this.#retries.has(key)) return;
    const timer = setTimeout(() => {
      this.#retries.delete(key);
      this.add(key);
    }, this.#retryDelayMs);
    timer.unref();
    this.#retries.set(key, timer);
  }

  /** Drops waiting keys and retries, and waits for the sync under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#keys.clear();
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    await this.#worker;
  }

  /** Resolves once no key waits and no sync runs (tests, diagnostics). */
  async idle(): Promise<void> {
    if (!this.#worker) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    // Begin on a later turn: the burst of events that woke the queue is collected first, and no sync runs
    // inside the stack of whoever added the key.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (!this.#stopped) {
        const next = this.#keys.values().next();
        if (next.done) break;
        this.#keys.delete(next.value);
        try {
          await this.#sync(next.value);
        } catch (err) {
          if (isRetryable(err)) this.retryLater(next.value);
        }
      }
    } finally {
      this.#worker = undefined;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
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
export class SimulatedScheduler {
  #registry: GenericRegistry;
  #podDef: ResourceDefinition;
  #schedulerName: string;
  #now: () => Date;
  #follower: StoreFollower;
  #queue: KeyedWorkQueue;
  #nodes: NodeView[] | undefined;
  /** Pods last found unschedulable, tried again when nodes change. */
  #pending = new Set<string>();
  /** Bound, non-terminal pods: pod key → node, and the count per node, for spreading. */
  #placement = new Map<string, string>();
  #counts = new Map<string, number>();
  #stopped = true;

  constructor(registry: GenericRegistry, catalog: ResourceCatalog, options: SimulatedSchedulerOptions = {}) {
    const podDef = catalog.get('', 'v1', 'pods');
    if (!podDef) throw new Error('SimulatedScheduler: the catalog does not serve core/v1 pods');
    this.#registry = registry;
    this.#podDef = podDef;
    this.#schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER;
    this.#now = options.now ?? (() => new Date());
    this.#queue = new KeyedWorkQueue((key) => this.#sync(key), options.retryDelayMs ?? 1000);
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: CORE_PREFIX,
      watchPrefix: CORE_PREFIX,
      onSnapshot: (kvs) => this.#onSnapshot(kvs),
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

  /** Resolves once no pod waits to be scheduled (tests). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #onSnapshot(kvs: StoredKV[]): void {
    this.#nodes = undefined;
    this.#pending.clear();
    this.#placement.clear();
    this.#counts.clear();
    for (const kv of kvs) if (kv.key.startsWith(POD_PREFIX)) this.#observePod(kv.key, kv.value);
  }

  #onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(NODE_PREFIX)) {
      this.#nodes = undefined;
      if (e.type === 'DELETE' || this.#pending.size === 0) return;
      // Only a change a filter reads can make a pending pod fit (a deleted node never does).
      const name = key.slice(NODE_PREFIX.length);
      const now = nodeSignature(name, e.kv.value);
      if (e.prevKv && nodeSignature(name, e.prevKv.value) === now) return;
      for (const podKey of this.#pending) this.#queue.add(podKey);
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
    if (this.#needsScheduling(pod)) this.#queue.add(key);
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
      for (const kv of this.#registry.store.range(NODE_PREFIX).kvs) {
        const node = parseObject(kv.value);
        if (node) this.#nodes.push(nodeView(kv.key.slice(NODE_PREFIX.length), node));
      }
    }
    return this.#nodes;
  }

  async #sync(key: string): Promise<void> {
    if (this.#stopped) return;
    const kv = this.#registry.store.get(key);
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
      await this.#registry.store.update(kv.key, JSON.stringify(stored), kv.modRevision);
      return true;
    } catch (err) {
      // The pod changed since it was read: its event brings it back to the queue.
      if (err instanceof StoreConflictError) return false;
      throw err;
    }
  }

  async #reportUnschedulable(kv: StoredKV, message: string): Promise<void> {
    const pod = this.#registry.decode(this.#podDef, kv);
    const status = (pod.status ?? {}) as { conditions?: PodCondition[] };
    const conditions = upsertCondition(
      status.conditions,
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message },
      formatTime(this.#now()),
    );
    if (deepEqual(conditions, status.conditions)) return;
    const [namespace, name] = splitKey(kv.key, POD_PREFIX);
    try {
      await this.#registry.update(
        this.#podDef,
        namespace,
        name,
        { ...pod, status: { ...status, conditions } },
        internalScope(DEFAULT_SCHEDULER),
        'status',
      );
    } catch (err) {
      // Gone, or changed since read (its event brings it back).
      if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}

function nodeSignature(name: string, value: string): string {
  const node = parseObject(value);
  return node ? JSON.stringify(nodeView(name, node)) : '';
}

/**
 * `podutil.UpdatePodCondition` on a copy: the condition replaces the one of its type (appended if new); the
 * transition time moves only when the status does.
 */
export function upsertCondition(
  conditions: PodCondition[] | undefined,
  wanted: PodCondition,
  now: string,
): PodCondition[] {
  const list = Array.isArray(conditions) ? conditions.map((c) => ({ ...c })) : [];
  const index = list.findIndex((c) => c.type === wanted.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: PodCondition = {
    type: wanted.type,
    status: wanted.status,
    lastTransitionTime:
      previous && previous.status === wanted.status && previous.lastTransitionTime
        ? previous.lastTransitionTime
        : now,
    ...(wanted.reason ? { reason: wanted.reason } : {}),
    ...(wanted.message ? { message: wanted.message } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}
