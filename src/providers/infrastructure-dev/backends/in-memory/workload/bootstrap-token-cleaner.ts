import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type { StoredKV } from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type { ResourceDefinition } from '../../../../../apiserver/registry/resource-definition.js';
import { StoreFollower } from '../../../../../apiserver/workloads/store-follower.js';

const MANAGER = 'tokencleaner';
const SECRET_PREFIX = '/registry/core/secrets/kube-system/';
const TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
/** setTimeout's ceiling; longer waits are re-armed when they fire. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Armed {
  uid: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

/**
 * kube-controller-manager's token cleaner: a bootstrap token Secret (`kube-system`, type
 * `bootstrap.kubernetes.io/token`) is deleted once its `expiration` has passed. CABPK creates such tokens for
 * joining machines and pushes the expiration out while a machine has not joined, so a refreshed token must
 * survive and an abandoned one must go. One one-shot timer per token, re-armed when the Secret changes.
 */
export class BootstrapTokenCleaner {
  readonly #registry: GenericRegistry;
  readonly #secretDef: ResourceDefinition;
  readonly #follower: StoreFollower;
  readonly #armed = new Map<string, Armed>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #now: () => number;
  #stopped = true;

  constructor(registry: GenericRegistry, catalog: ResourceCatalog, options: { now?: () => number } = {}) {
    const secretDef = catalog.get('', 'v1', 'secrets');
    if (!secretDef) throw new Error('BootstrapTokenCleaner: the catalog does not serve core/v1 secrets');
    this.#registry = registry;
    this.#secretDef = secretDef;
    this.#now = options.now ?? Date.now;
    this.#follower = new StoreFollower(registry.store, {
      snapshotPrefix: SECRET_PREFIX,
      watchPrefix: SECRET_PREFIX,
      onSnapshot: (kvs) => {
        for (const kv of kvs) this.#observe(kv);
      },
      onEvent: (e) => {
        if (e.type === 'DELETE') this.#disarm(e.kv.key);
        else this.#observe(e.kv);
      },
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#follower.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#follower.stop();
    for (const key of [...this.#armed.keys()]) this.#disarm(key);
    await Promise.all([...this.#inFlight]);
  }

  #observe(kv: StoredKV): void {
    const secret = JSON.parse(kv.value) as {
      type?: string;
      metadata?: { uid?: string; name?: string; deletionTimestamp?: string };
      data?: Record<string, string>;
    };
    const expiration = secret.data?.expiration;
    if (secret.type !== TOKEN_TYPE || !expiration || secret.metadata?.deletionTimestamp) {
      this.#disarm(kv.key);
      return;
    }
    const expiresAt = Date.parse(Buffer.from(expiration, 'base64').toString('utf8'));
    // An unparsable expiration never expires, as upstream's cleaner treats it.
    if (Number.isNaN(expiresAt)) {
      this.#disarm(kv.key);
      return;
    }
    const current = this.#armed.get(kv.key);
    if (current && current.expiresAt === expiresAt && current.uid === secret.metadata?.uid) return;
    this.#disarm(kv.key);
    this.#arm(kv.key, secret.metadata?.uid ?? '', secret.metadata?.name ?? '', expiresAt);
  }

  #arm(key: string, uid: string, name: string, expiresAt: number): void {
    const wait = Math.max(0, expiresAt - this.#now());
    const timer = setTimeout(
      () => {
        this.#armed.delete(key);
        if (this.#stopped) return;
        if (expiresAt > this.#now()) this.#arm(key, uid, name, expiresAt);
        else this.#track(this.#delete(name, uid));
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.#armed.set(key, { uid, expiresAt, timer });
  }

  #disarm(key: string): void {
    const armed = this.#armed.get(key);
    if (!armed) return;
    clearTimeout(armed.timer);
    this.#armed.delete(key);
  }

  async #delete(name: string, uid: string): Promise<void> {
    try {
      await this.#registry.delete(
        this.#secretDef,
        'kube-system',
        name,
        { preconditions: { uid } },
        internalScope(MANAGER),
      );
    } catch (err) {
      // Gone already, or replaced by a new token of the same name (its own timer decides).
      if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  #track(work: Promise<void>): void {
    const p = work.catch(() => undefined).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }
}
