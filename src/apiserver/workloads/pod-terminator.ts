import { isStatusError } from '../errors/status-error.js';
import { type GenericRegistry, internalScope } from '../registry/generic-registry.js';
import type { StoredKV } from '../registry/object-store.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { StoreFollower } from './store-follower.js';

const MANAGER = 'pod-terminator';
const POD_PREFIX = '/registry/core/pods/';
/** setTimeout's ceiling; longer waits are re-armed when they fire. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PodTerminatorOptions {
  /** Delay before retrying a deletion that failed for a reason other than 404/409 (default 1000 ms). */
  retryDelayMs?: number;
  /**
   * How long a pod's containers take to stop once told to, in seconds; the pod is gone after that or its grace
   * period, whichever is shorter. Unset (or undefined for a pod): the whole grace period, as if the containers
   * ignored SIGTERM.
   */
  stopSeconds?: (pod: KubeObject) => number | undefined;
}

interface Pending {
  uid: string;
  deletionTimestamp: string;
  due: number;
  timer: NodeJS.Timeout;
}

/**
 * The kubelet's last word on a pod: a pod deleted gracefully (`deletionTimestamp` set with
 * `deletionGracePeriodSeconds > 0`, which only pods bound to a node get) is deleted for good once its grace
 * period is over, as the kubelet does after stopping the containers (DELETE with grace 0 and the pod's uid
 * as precondition). Finalizers still hold the pod after that, as upstream.
 *
 * Timers live in memory only: `stop()` cancels them, `start()` re-arms them from the store, so a restart
 * in the middle of a grace period still finishes the deletion (at once if the period is already over).
 * Pod status is never touched: without a kubelet a bound pod stays Pending unless someone writes its status.
 */
export class PodTerminator {
  #registry: GenericRegistry;
  #podDef: ResourceDefinition;
  #retryDelayMs: number;
  #stopSeconds: PodTerminatorOptions['stopSeconds'];
  #follower: StoreFollower;
  #pending = new Map<string, Pending>();
  #inFlight = new Set<Promise<void>>();
  #stopped = true;

  constructor(registry: GenericRegistry, catalog: ResourceCatalog, options: PodTerminatorOptions = {}) {
    const podDef = catalog.get('', 'v1', 'pods');
    if (!podDef) throw new Error('PodTerminator: the catalog does not serve core/v1 pods');
    this.#registry = registry;
    this.#podDef = podDef;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#stopSeconds = options.stopSeconds;
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: POD_PREFIX,
      watchPrefix: POD_PREFIX,
      onSnapshot: (kvs) => this.#onSnapshot(kvs),
      onEvent: (e) => {
        if (e.type === 'DELETE') this.#cancel(e.kv.key);
        else this.#observe(e.kv.key, e.kv.value, true);
      },
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#follower.start();
  }

  /** Cancels every timer and waits for deletions already under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#follower.stop();
    for (const key of [...this.#pending.keys()]) this.#cancel(key);
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Pods waiting for their grace period to end (tests, diagnostics). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  #onSnapshot(kvs: StoredKV[]): void {
    const present = new Set<string>();
    for (const kv of kvs) {
      present.add(kv.key);
      this.#observe(kv.key, kv.value, false);
    }
    for (const key of [...this.#pending.keys()]) if (!present.has(key)) this.#cancel(key);
  }

  /**
   * `live` is true for a change seen as it happens. The kubelet counts the grace period from when it sees
   * the deletion; `deletionTimestamp` has whole seconds only (truncated), so a live observation also waits
   * the full period from now. Read from a snapshot (a restart), the timestamp alone decides.
   */
  #observe(key: string, value: string, live: boolean): void {
    if (this.#stopped) return;
    const pod = JSON.parse(value) as KubeObject;
    const meta = pod.metadata;
    const grace = meta?.deletionGracePeriodSeconds ?? 0;
    const uid = meta?.uid;
    const timestamp = meta?.deletionTimestamp;
    if (!uid || !timestamp || grace <= 0) {
      this.#cancel(key);
      return;
    }
    const existing = this.#pending.get(key);
    if (existing && existing.uid === uid && existing.deletionTimestamp === timestamp) return;
    this.#cancel(key);
    const stop = Math.min(grace, this.#stopSeconds?.(pod) ?? grace);
    // deletionTimestamp is when the grace period ends: the containers stopped `grace - stop` earlier.
    const at = Date.parse(timestamp) - (grace - stop) * 1000;
    const due = Number.isNaN(at) ? Date.now() : live ? Math.max(at, Date.now() + stop * 1000) : at;
    this.#arm(key, uid, timestamp, due);
  }

  #arm(key: string, uid: string, deletionTimestamp: string, due: number): void {
    const delay = Math.min(Math.max(0, due - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => this.#fire(key), delay);
    timer.unref();
    this.#pending.set(key, { uid, deletionTimestamp, due, timer });
  }

  #cancel(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(key);
  }

  #fire(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending || this.#stopped) return;
    if (pending.due > Date.now()) {
      // A wait longer than setTimeout allows.
      this.#arm(key, pending.uid, pending.deletionTimestamp, pending.due);
      return;
    }
    this.#pending.delete(key);
    const work = this.#finish(key, pending).finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
  }

  async #finish(key: string, pending: Pending): Promise<void> {
    const [namespace, name] = splitKey(key);
    try {
      await this.#registry.delete(
        this.#podDef,
        namespace,
        name,
        { gracePeriodSeconds: 0, preconditions: { uid: pending.uid } },
        internalScope(MANAGER),
      );
    } catch (err) {
      // Gone already (404), or replaced by a new pod of the same name (409 on the uid precondition):
      // nothing to finish. A 409 from contention, or anything else, is retried while the pod is still there.
      if (isStatusError(err) && err.code === 404) return;
      if (this.#stopped || this.#pending.has(key) || !this.#stillDeleting(key, pending.uid)) return;
      this.#arm(key, pending.uid, pending.deletionTimestamp, Date.now() + this.#retryDelayMs);
    }
  }

  #stillDeleting(key: string, uid: string): boolean {
    const kv = this.#registry.store.get(key);
    if (!kv) return false;
    const meta = (JSON.parse(kv.value) as KubeObject).metadata;
    return (
      meta?.uid === uid && meta.deletionTimestamp !== undefined && (meta.deletionGracePeriodSeconds ?? 0) > 0
    );
  }
}

function splitKey(key: string): [string, string] {
  const rest = key.slice(POD_PREFIX.length);
  const slash = rest.indexOf('/');
  return [rest.slice(0, slash), rest.slice(slash + 1)];
}
