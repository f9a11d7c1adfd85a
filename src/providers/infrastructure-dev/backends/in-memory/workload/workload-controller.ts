import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type { StoredKV, StoreEvent } from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { deepEqual } from '../../../../../apiserver/util/deep-equal.js';
import { StoreFollower } from '../../../../../apiserver/workloads/store-follower.js';
import { KeyedWorkQueue } from './keyed-work-queue.js';
import { POD_PREFIX, splitKey } from './pod-helpers.js';

/** A served resource: group (`''` for core), version, plural. */
type Resource = readonly [group: string, version: string, plural: string];

/**
 * The definitions a controller works with, looked up at construction so that a catalog lacking one fails
 * there, naming the controller (`who`), instead of at the first sync.
 */
export function servedDefinitions<const R extends readonly Resource[]>(
  catalog: ResourceCatalog,
  who: string,
  ...resources: R
): { -readonly [K in keyof R]: ResourceDefinition } {
  const defs = resources.map(([group, version, plural]) => catalog.get(group, version, plural));
  if (defs.some((def) => !def)) {
    const names = resources.map(([group, version, plural]) => `${group || 'core'}/${version} ${plural}`);
    throw new Error(`${who}: the catalog does not serve ${names.join(' and ')}`);
  }
  return defs as { -readonly [K in keyof R]: ResourceDefinition };
}

/**
 * Runs a write that needs no retry when refused because its object is gone (404) or changed since it was
 * read (409): the store event of that change brings the key back to the queue. Other errors propagate, so
 * the queue retries the retryable ones.
 */
export async function writeUnlessStale(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
    throw err;
  }
}

/**
 * Writes the status subresource of the pod stored at `key` as `manager`, unless it already is `status`:
 * status is written only when it differs, so settled pods cost nothing.
 */
export async function updatePodStatus(
  registry: GenericRegistry,
  podDef: ResourceDefinition,
  key: string,
  pod: KubeObject,
  status: Record<string, unknown>,
  manager: string,
): Promise<void> {
  if (deepEqual(status, pod.status ?? {})) return;
  const [namespace, name] = splitKey(key, POD_PREFIX);
  await writeUnlessStale(() =>
    registry.update(podDef, namespace, name, { ...pod, status }, internalScope(manager), 'status'),
  );
}

export interface QueuedStoreControllerOptions {
  /** Keys whose snapshot `onSnapshot` gets at start (and after a dropped watch). */
  snapshotPrefix: string;
  /** Keys whose changes `onEvent` gets (default: `snapshotPrefix`). */
  watchPrefix?: string;
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number | undefined;
}

/**
 * What every simulated controller is made of, so that a process can hold thousands: one `StoreFollower` (a
 * store snapshot, then its change stream) whose handlers put keys on one `KeyedWorkQueue`, which runs `sync`
 * for them one at a time. Subclasses say which keys the snapshot and each event enqueue, and what a sync does.
 */
export abstract class QueuedStoreController {
  protected readonly registry: GenericRegistry;
  protected readonly queue: KeyedWorkQueue;
  readonly #follower: StoreFollower;
  #stopped = true;

  protected constructor(registry: GenericRegistry, options: QueuedStoreControllerOptions) {
    this.registry = registry;
    this.queue = new KeyedWorkQueue((key) => this.sync(key), options.retryDelayMs ?? 1000);
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: options.snapshotPrefix,
      watchPrefix: options.watchPrefix ?? options.snapshotPrefix,
      onSnapshot: (kvs) => this.onSnapshot(kvs),
      onEvent: (e) => this.onEvent(e),
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    // The queue first: the follower's snapshot enqueues keys at once.
    this.queue.start();
    this.#follower.start();
  }

  /** Stops following the store and waits for the write under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#follower.stop();
    await this.queue.stop();
  }

  /** Resolves once no key waits and no sync runs (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The store below `snapshotPrefix`: at start, and again when the watch had to be re-established. */
  protected abstract onSnapshot(kvs: StoredKV[]): void;
  /** A change below `watchPrefix`. */
  protected abstract onEvent(e: StoreEvent): void;
  /** Brings the object of a queued key to where it should be; the queue never runs two at once. */
  protected abstract sync(key: string): Promise<void>;
}
