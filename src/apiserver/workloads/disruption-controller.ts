import { isStatusError } from '../errors/status-error.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { StoreEvent } from '../registry/object-store.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, OwnerReference, ResourceDefinition } from '../registry/resource-definition.js';
import { labelSelectorFromObject, type LabelSelectorObject } from '../query/index.js';
import { deepEqual } from '../util/deep-equal.js';
import { getAtPath } from '../util/json-path-value.js';
import { formatTime } from '../util/time.js';
import { StoreFollower } from './store-follower.js';

const PDB_PREFIX = '/registry/policy/poddisruptionbudgets/';
const POD_PREFIX = '/registry/core/pods/';
/** How long an eviction's entry in `disruptedPods` stands for the pod (upstream `DeletionTimeout`). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** policy/v1 condition type and reasons (`k8s.io/api/policy/v1`). */
export const DisruptionAllowedCondition = {
  type: 'DisruptionAllowed',
  sufficientPods: 'SufficientPods',
  insufficientPods: 'InsufficientPods',
  syncFailed: 'SyncFailed',
} as const;

export interface DisruptionControllerOptions {
  /** The field manager status writes are recorded under (default `kube-controller-manager`). */
  fieldManager?: string;
  now?: () => Date;
  /** Delay before retrying a failed status write (default 1000 ms). */
  retryDelayMs?: number;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

interface PdbSpec {
  minAvailable?: number | string | null;
  maxUnavailable?: number | string | null;
  selector?: LabelSelectorObject | null;
}

/**
 * kube-controller-manager's disruption controller: keeps each PodDisruptionBudget's status current from the
 * pods its selector matches, so the eviction subresource can decide.
 *
 * - `expectedPods`: with an integer `minAvailable`, the matching pods (those being deleted included);
 *   otherwise the summed scale of the pods' controllers (Deployment through its ReplicaSet, anything with a
 *   scale subresource or `spec.replicas`). Departure from upstream: a pod without a controller, or whose
 *   controller cannot be resolved, counts as one (upstream leaves it out and warns `UnmanagedPods`, or fails
 *   the sync), since nothing in the embedded server runs workload controllers.
 * - `desiredHealthy`: `minAvailable`, or `expectedPods - maxUnavailable` (not below 0); percentages of
 *   `expectedPods` round up in both cases.
 * - `currentHealthy`: matching pods that are not being deleted, not recently evicted (`disruptedPods`
 *   younger than two minutes) and have condition `Ready=True`.
 * - `disruptionsAllowed = max(0, currentHealthy - desiredHealthy)`, and 0 while `expectedPods` is 0.
 * - `disruptedPods` drops pods that are gone, being deleted, or listed for more than two minutes; the budget
 *   is looked at again when the earliest entry expires.
 * - Condition `DisruptionAllowed`: True/`SufficientPods` or False/`InsufficientPods`; False/`SyncFailed`
 *   with `disruptionsAllowed: 0` when the status cannot be computed (an invalid selector).
 *
 * Status is written through `GenericRegistry.mutate` only when it changes. Budgets are recomputed when
 * they change, when a pod in their namespace changes (old or new labels matching), when a controller they
 * counted changes, and when a `disruptedPods` entry expires.
 */
export class DisruptionController {
  #registry: GenericRegistry;
  #catalog: ResourceCatalog;
  #pdbDef: ResourceDefinition;
  #manager: string;
  #now: () => Date;
  #retryDelayMs: number;
  #follower: StoreFollower;
  #queue = new Set<string>(); // namespace/name
  #rechecks = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  #retries = new Set<NodeJS.Timeout>();
  /** Storage key of a controller → budgets whose expectedPods read it. */
  #controllers = new Map<string, Set<string>>();
  #controllersOf = new Map<string, Set<string>>();
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idle: (() => void)[] = [];
  #busy = false;
  #stopped = true;

  constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    options: DisruptionControllerOptions = {},
  ) {
    const pdbDef = catalog.get('policy', 'v1', 'poddisruptionbudgets');
    if (!pdbDef)
      throw new Error('DisruptionController: the catalog does not serve policy/v1 poddisruptionbudgets');
    this.#registry = registry;
    this.#catalog = catalog;
    this.#pdbDef = pdbDef;
    this.#manager = options.fieldManager ?? 'kube-controller-manager';
    this.#now = options.now ?? (() => new Date());
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: PDB_PREFIX,
      watchPrefix: '/registry/',
      onSnapshot: (kvs) => {
        for (const kv of kvs) this.#enqueue(kv.key.slice(PDB_PREFIX.length));
      },
      onEvent: (e) => this.#onEvent(e),
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#follower.start();
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#follower.stop();
    for (const { timer } of this.#rechecks.values()) clearTimeout(timer);
    this.#rechecks.clear();
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    this.#wake?.();
    await this.#running;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves when no budget waits to be recomputed (tests). */
  async idle(): Promise<void> {
    if (this.#queue.size === 0 && !this.#busy) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(PDB_PREFIX)) {
      this.#enqueue(key.slice(PDB_PREFIX.length));
      return;
    }
    if (key.startsWith(POD_PREFIX)) {
      const namespace = key.slice(POD_PREFIX.length).split('/')[0]!;
      const budgets = this.#registry.store.range(`${PDB_PREFIX}${namespace}/`).kvs;
      if (budgets.length === 0) return;
      // A budget cares if the pod matches it before or after the change.
      const labels: (Record<string, string> | undefined)[] = [];
      if (e.type === 'PUT') labels.push(labelsOf(e.kv.value));
      if (e.prevKv) labels.push(labelsOf(e.prevKv.value));
      for (const kv of budgets) {
        const pdb = JSON.parse(kv.value) as KubeObject;
        if (labels.some((l) => selects(pdb, l))) this.#enqueue(kv.key.slice(PDB_PREFIX.length));
      }
    }
    for (const pdbKey of this.#controllers.get(key) ?? []) this.#enqueue(pdbKey);
  }

  #enqueue(pdbKey: string): void {
    if (this.#stopped) return;
    this.#queue.add(pdbKey);
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const next = this.#queue.values().next();
      if (next.done) {
        for (const resolve of this.#idle.splice(0)) resolve();
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      this.#queue.delete(next.value);
      this.#busy = true;
      try {
        await this.#sync(next.value);
      } catch (err) {
        if (!(isStatusError(err) && err.code === 404)) this.#retryLater(next.value);
      } finally {
        this.#busy = false;
      }
    }
  }

  #retryLater(pdbKey: string): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      this.#enqueue(pdbKey);
    }, this.#retryDelayMs);
    timer.unref();
    this.#retries.add(timer);
  }

  async #sync(pdbKey: string): Promise<void> {
    const slash = pdbKey.indexOf('/');
    const namespace = pdbKey.slice(0, slash);
    const name = pdbKey.slice(slash + 1);
    if (!this.#registry.store.get(PDB_PREFIX + pdbKey)) {
      this.#forget(pdbKey);
      return;
    }
    let recheckAt: number | undefined;
    await this.#registry.mutate(
      this.#pdbDef,
      namespace,
      name,
      (pdb) => {
        const computed = this.#computeStatus(pdb, namespace, pdbKey);
        recheckAt = computed.recheckAt;
        if (deepEqual(pdb.status ?? {}, computed.status)) return false;
        pdb.status = computed.status;
        return true;
      },
      this.#manager,
    );
    if (recheckAt !== undefined) this.#scheduleRecheck(pdbKey, recheckAt);
  }

  #forget(pdbKey: string): void {
    const recheck = this.#rechecks.get(pdbKey);
    if (recheck) clearTimeout(recheck.timer);
    this.#rechecks.delete(pdbKey);
    this.#track(pdbKey, new Set());
  }

  #scheduleRecheck(pdbKey: string, at: number): void {
    const existing = this.#rechecks.get(pdbKey);
    const now = this.#now().getTime();
    if (existing && existing.at <= at && existing.at > now) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.#rechecks.delete(pdbKey);
        this.#enqueue(pdbKey);
      },
      Math.max(0, at - now) + 1,
    );
    timer.unref();
    this.#rechecks.set(pdbKey, { at, timer });
  }

  /** Which controllers a budget's count depends on, so their changes wake it. */
  #track(pdbKey: string, keys: Set<string>): void {
    for (const key of this.#controllersOf.get(pdbKey) ?? []) {
      const set = this.#controllers.get(key);
      set?.delete(pdbKey);
      if (set?.size === 0) this.#controllers.delete(key);
    }
    if (keys.size === 0) {
      this.#controllersOf.delete(pdbKey);
      return;
    }
    this.#controllersOf.set(pdbKey, keys);
    for (const key of keys) {
      let set = this.#controllers.get(key);
      if (!set) this.#controllers.set(key, (set = new Set()));
      set.add(pdbKey);
    }
  }

  /** The status upstream's `trySync` would write (or `failSafe` when it fails), and when to look again. */
  #computeStatus(
    pdb: KubeObject,
    namespace: string,
    pdbKey: string,
  ): { status: PodDisruptionBudgetStatus; recheckAt?: number } {
    const now = this.#now();
    const previous = (pdb.status ?? {}) as Partial<PodDisruptionBudgetStatus>;
    const generation = pdb.metadata?.generation ?? 0;
    const spec = (pdb.spec ?? {}) as PdbSpec;
    const controllerKeys = new Set<string>();
    try {
      const selector = labelSelectorFromObject(spec.selector);
      const pods = this.#registry.store
        .range(`${POD_PREFIX}${namespace}/`)
        .kvs.map((kv) => JSON.parse(kv.value) as KubeObject)
        .filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
      const { expectedCount, desiredHealthy } = this.#expectedPodCount(spec, pods, namespace, controllerKeys);
      const { disruptedPods, recheckAt } = buildDisruptedPodMap(pods, previous.disruptedPods, now);
      const currentHealthy = countHealthyPods(pods, disruptedPods, now);
      let disruptionsAllowed = currentHealthy - desiredHealthy;
      if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
      const status: PodDisruptionBudgetStatus = {
        ...(generation ? { observedGeneration: generation } : {}),
        ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
        disruptionsAllowed,
        currentHealthy,
        desiredHealthy,
        expectedPods: expectedCount,
      };
      status.conditions = setCondition(
        previous.conditions,
        {
          status: disruptionsAllowed > 0 ? 'True' : 'False',
          reason:
            disruptionsAllowed > 0
              ? DisruptionAllowedCondition.sufficientPods
              : DisruptionAllowedCondition.insufficientPods,
          message: '',
          observedGeneration: generation,
        },
        now,
      );
      return recheckAt === undefined ? { status } : { status, recheckAt };
    } catch (err) {
      // failSafe: no disruptions until the budget can be evaluated again.
      const status = {
        ...structuredClone(previous),
        disruptionsAllowed: 0,
      } as PodDisruptionBudgetStatus;
      status.conditions = setCondition(
        previous.conditions,
        {
          status: 'False',
          reason: DisruptionAllowedCondition.syncFailed,
          message: err instanceof Error ? err.message : String(err),
          observedGeneration: previous.observedGeneration ?? 0,
        },
        now,
      );
      return { status };
    } finally {
      this.#track(pdbKey, controllerKeys);
    }
  }

  /** Upstream `getExpectedPodCount`. */
  #expectedPodCount(
    spec: PdbSpec,
    pods: KubeObject[],
    namespace: string,
    controllerKeys: Set<string>,
  ): { expectedCount: number; desiredHealthy: number } {
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      const expectedCount = this.#expectedScale(pods, namespace, controllerKeys);
      const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
    }
    if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (typeof spec.minAvailable === 'number')
        return { expectedCount: pods.length, desiredHealthy: spec.minAvailable };
      const expectedCount = this.#expectedScale(pods, namespace, controllerKeys);
      return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount) };
    }
    return { expectedCount: 0, desiredHealthy: 0 };
  }

  /** Upstream `getExpectedScale`: the summed scale of the pods' controllers; unresolved pods count one. */
  #expectedScale(pods: KubeObject[], namespace: string, controllerKeys: Set<string>): number {
    const scales = new Map<string, number>(); // resolved controller uid → scale
    const seen = new Set<string>(); // controllerRef uids already resolved
    let unmanaged = 0;
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) {
        unmanaged++;
        continue;
      }
      if (seen.has(ref.uid)) continue;
      const found = this.#controllerScale(ref, namespace, controllerKeys);
      if (!found) {
        unmanaged++;
        continue;
      }
      seen.add(ref.uid);
      scales.set(found.uid, found.scale);
    }
    let total = unmanaged;
    for (const scale of scales.values()) total += scale;
    return total;
  }

  /**
   * The finders of upstream, generalised over the catalog: a ReplicaSet controlled by a Deployment counts
   * the Deployment's replicas; anything else counts its scale subresource's replicas, or `spec.replicas`.
   */
  #controllerScale(
    ref: OwnerReference,
    namespace: string,
    controllerKeys: Set<string>,
  ): { uid: string; scale: number } | undefined {
    const def = this.#defFor(ref);
    if (!def) return undefined;
    const key = this.#registry.keyOf(def, def.namespaced ? namespace : undefined, ref.name);
    controllerKeys.add(key);
    const kv = this.#registry.store.get(key);
    if (!kv) return undefined;
    const owner = JSON.parse(kv.value) as KubeObject;
    if (owner.metadata?.uid !== ref.uid) return undefined;
    if (ref.kind === 'ReplicaSet' && isAppsGroup(def.group)) {
      const deploymentRef = controllerOf(owner);
      if (deploymentRef?.kind === 'Deployment' && isAppsGroup(groupOf(deploymentRef.apiVersion))) {
        const deployment = this.#controllerScale(deploymentRef, namespace, controllerKeys);
        if (deployment) return deployment;
      }
    }
    const scale = replicasOf(def, owner);
    return scale === undefined ? undefined : { uid: ref.uid, scale };
  }

  #defFor(ref: OwnerReference): ResourceDefinition | undefined {
    const group = groupOf(ref.apiVersion);
    const candidates = this.#catalog.all().filter((d) => d.group === group && d.kind === ref.kind);
    const version = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[1] : ref.apiVersion;
    return candidates.find((d) => d.version === version) ?? candidates[0];
  }
}

function labelsOf(value: string): Record<string, string> | undefined {
  return (JSON.parse(value) as KubeObject).metadata?.labels;
}

/** Whether a budget's selector selects these labels; an invalid selector selects everything (to fail safe). */
function selects(pdb: KubeObject, labels: Record<string, string> | undefined): boolean {
  try {
    return labelSelectorFromObject((pdb.spec as PdbSpec | undefined)?.selector).matches(labels ?? {});
  } catch {
    return true;
  }
}

function controllerOf(obj: KubeObject): OwnerReference | undefined {
  const refs = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.find((r) => r.controller === true) : undefined;
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const isAppsGroup = (group: string): boolean => group === 'apps' || group === 'extensions';

function replicasOf(def: ResourceDefinition, obj: KubeObject): number | undefined {
  if (def.subresources.scale) {
    const replicas = getAtPath(obj, def.subresources.scale.specReplicasPath);
    return typeof replicas === 'number' ? replicas : 0;
  }
  const replicas = getAtPath(obj, '.spec.replicas');
  return typeof replicas === 'number' ? replicas : undefined;
}

/** intstr.GetScaledValueFromIntOrPercent with roundUp = true. */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  if (!value.endsWith('%'))
    throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits))
    throw new Error(`invalid value for IntOrString: invalid value "${value}": invalid syntax`);
  return Math.ceil((Number(digits) * total) / 100);
}

function isPodReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Upstream `buildDisruptedPodMap`. */
function buildDisruptedPodMap(
  pods: KubeObject[],
  previous: Record<string, string> | undefined,
  now: Date,
): { disruptedPods: Record<string, string>; recheckAt?: number } {
  const disruptedPods: Record<string, string> = {};
  let recheckAt: number | undefined;
  if (!previous) return { disruptedPods };
  for (const pod of pods) {
    const name = pod.metadata?.name;
    if (!name || pod.metadata?.deletionTimestamp) continue;
    const when = previous[name];
    if (when === undefined) continue;
    const expectedDeletion = Date.parse(when) + DELETION_TIMEOUT_MS;
    if (Number.isNaN(expectedDeletion) || expectedDeletion < now.getTime()) continue;
    if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
    disruptedPods[name] = when;
  }
  return recheckAt === undefined ? { disruptedPods } : { disruptedPods, recheckAt };
}

/** Upstream `countHealthyPods`. */
function countHealthyPods(pods: KubeObject[], disruptedPods: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const when = disruptedPods[pod.metadata?.name ?? ''];
    if (when !== undefined && Date.parse(when) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** apimachinery `meta.SetStatusCondition` on a copy: the transition time moves only when the status does. */
function setCondition(
  existing: Condition[] | undefined,
  wanted: { status: Condition['status']; reason: string; message: string; observedGeneration: number },
  now: Date,
): Condition[] {
  const conditions = structuredClone(existing ?? []);
  const type = DisruptionAllowedCondition.type;
  const current = conditions.find((c) => c.type === type);
  if (!current) {
    conditions.push({
      type,
      status: wanted.status,
      ...(wanted.observedGeneration ? { observedGeneration: wanted.observedGeneration } : {}),
      lastTransitionTime: formatTime(now),
      reason: wanted.reason,
      message: wanted.message,
    });
    return conditions;
  }
  if (current.status !== wanted.status) {
    current.status = wanted.status;
    current.lastTransitionTime = formatTime(now);
  }
  current.reason = wanted.reason;
  current.message = wanted.message;
  if (wanted.observedGeneration) current.observedGeneration = wanted.observedGeneration;
  else delete current.observedGeneration;
  return conditions;
}
