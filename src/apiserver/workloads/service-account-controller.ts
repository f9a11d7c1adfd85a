import { isStatusError } from '../errors/status-error.js';
import { type GenericRegistry, internalScope } from '../registry/generic-registry.js';
import type { StoreEvent } from '../registry/object-store.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { StoreFollower } from './store-follower.js';

const NAMESPACE_PREFIX = '/registry/core/namespaces/';
const SERVICE_ACCOUNT_PREFIX = '/registry/core/serviceaccounts/';

export interface ServiceAccountControllerOptions {
  /** The accounts every active namespace gets (default: `default`, as upstream). */
  serviceAccounts?: string[];
  /** The field manager creates are recorded under (default `kube-controller-manager`). */
  fieldManager?: string;
  /** Delay before retrying a create that failed for an unexpected reason (default 1000 ms). */
  retryDelayMs?: number;
}

/**
 * kube-controller-manager's service-account controller: every Active namespace has a `default`
 * ServiceAccount. It is created when a namespace appears (or already exists at start) and again when it is
 * deleted; a namespace that is being deleted gets none (the namespace controller is removing its content).
 */
export class ServiceAccountController {
  #registry: GenericRegistry;
  #saDef: ResourceDefinition;
  #names: string[];
  #manager: string;
  #retryDelayMs: number;
  #follower: StoreFollower;
  #queue = new Set<string>();
  #retries = new Set<NodeJS.Timeout>();
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idle: (() => void)[] = [];
  #busy = false;
  #stopped = true;

  constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    options: ServiceAccountControllerOptions = {},
  ) {
    const saDef = catalog.get('', 'v1', 'serviceaccounts');
    if (!saDef)
      throw new Error('ServiceAccountController: the catalog does not serve core/v1 serviceaccounts');
    this.#registry = registry;
    this.#saDef = saDef;
    this.#names = options.serviceAccounts ?? ['default'];
    this.#manager = options.fieldManager ?? 'kube-controller-manager';
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    // One watch from the namespace snapshot's revision: namespaces appearing or changing, and deletions of
    // the accounts this controller keeps.
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: NAMESPACE_PREFIX,
      watchPrefix: '/registry/core/',
      onSnapshot: (kvs) => {
        for (const kv of kvs) this.#enqueue(kv.key.slice(NAMESPACE_PREFIX.length));
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
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    this.#wake?.();
    await this.#running;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves when no namespace waits to be looked at (tests). */
  async idle(): Promise<void> {
    if (this.#queue.size === 0 && !this.#busy) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(NAMESPACE_PREFIX)) {
      if (e.type === 'PUT') this.#enqueue(key.slice(NAMESPACE_PREFIX.length));
    } else if (key.startsWith(SERVICE_ACCOUNT_PREFIX) && e.type === 'DELETE') {
      const [namespace, name] = key.slice(SERVICE_ACCOUNT_PREFIX.length).split('/');
      if (namespace && name && this.#names.includes(name)) this.#enqueue(namespace);
    }
  }

  #enqueue(namespace: string): void {
    if (this.#stopped) return;
    this.#queue.add(namespace);
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
      } catch {
        this.#retryLater(next.value);
      } finally {
        this.#busy = false;
      }
    }
  }

  #retryLater(namespace: string): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      this.#enqueue(namespace);
    }, this.#retryDelayMs);
    timer.unref();
    this.#retries.add(timer);
  }

  async #sync(namespace: string): Promise<void> {
    for (const name of this.#names) {
      if (!this.#isActive(namespace)) return;
      if (this.#registry.store.get(`${SERVICE_ACCOUNT_PREFIX}${namespace}/${name}`)) continue;
      try {
        await this.#registry.create(
          this.#saDef,
          namespace,
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } },
          internalScope(this.#manager),
        );
      } catch (err) {
        // Created meanwhile (409), namespace gone (404) or now terminating (403): nothing to do.
        if (isStatusError(err) && [403, 404, 409].includes(err.code)) continue;
        throw err;
      }
    }
  }

  #isActive(namespace: string): boolean {
    const kv = this.#registry.store.get(NAMESPACE_PREFIX + namespace);
    if (!kv) return false;
    const ns = JSON.parse(kv.value) as KubeObject;
    const phase = (ns.status as { phase?: string } | undefined)?.phase;
    return !ns.metadata?.deletionTimestamp && phase === 'Active';
  }
}
