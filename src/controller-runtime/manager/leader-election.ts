import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { Client } from '../client/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { silentLogger } from '../log/logger.js';
import type { ControllerRuntimeMetrics } from '../metrics/metrics.js';

export const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' } as const;

export interface LeaderElectionOptions {
  /** Lease name (upstream Cluster API: `controller-leader-election-capi`). */
  id: string;
  namespace: string;
  /** Who we are; default `<hostname>_<random>` as client-go makes it unique per process. */
  identity?: string;
  /** How long a lease holds without renewal before others may take it. Upstream default 15 s. */
  leaseDurationMs?: number;
  /** The leader gives up if it cannot renew for this long. Upstream default 10 s. */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew. Upstream default 2 s. */
  retryPeriodMs?: number;
  /** On a clean shutdown, clear the holder so a standby takes over at once instead of after the lease. */
  releaseOnCancel?: boolean;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

/** A `metav1.MicroTime` as the API expects it: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * client-go's leader election over a `coordination.k8s.io/v1` Lease. Expiry is judged by local time since
 * the record was last seen to change, not by the holder's timestamps, so clock skew between replicas does
 * not matter. Every write is guarded by resourceVersion, so two candidates can never both win.
 */
export class LeaderElector {
  readonly identity: string;
  readonly #client: Client;
  readonly #options: Required<Omit<LeaderElectionOptions, 'identity'>>;
  readonly #log: Logger;
  readonly #metrics?: ControllerRuntimeMetrics;
  #observed?: { record: string; at: number; lease: Lease };
  #leader = false;

  constructor(
    client: Client,
    options: LeaderElectionOptions,
    log?: Logger,
    metrics?: ControllerRuntimeMetrics,
  ) {
    this.#client = client;
    this.identity = options.identity ?? `${hostname()}_${crypto.randomUUID()}`;
    this.#options = {
      id: options.id,
      namespace: options.namespace,
      leaseDurationMs: options.leaseDurationMs ?? 15_000,
      renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
      retryPeriodMs: options.retryPeriodMs ?? 2_000,
      releaseOnCancel: options.releaseOnCancel ?? false,
    };
    if (this.#options.leaseDurationMs <= this.#options.renewDeadlineMs) {
      throw new RangeError('leaseDuration must be greater than renewDeadline');
    }
    if (this.#options.renewDeadlineMs <= this.#options.retryPeriodMs * 1.2) {
      throw new RangeError('renewDeadline must be greater than retryPeriod * 1.2');
    }
    this.#log = (log ?? silentLogger()).child({
      lease: `${options.namespace}/${options.id}`,
      identity: this.identity,
    });
    this.#metrics = metrics;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Resolves true once we hold the lease; false if `signal` aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info('attempting to acquire leader lease');
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
        this.#setLeader(true);
        this.#log.info('successfully acquired lease');
        return true;
      }
      if (!(await this.#wait(this.#options.retryPeriodMs * (1 + Math.random() * 0.2), signal))) break;
    }
    return false;
  }

  /**
   * Renews every retry period until `signal` aborts (resolves; releases the lease if configured) or a renewal
   * has not succeeded for `renewDeadline` (rejects: leadership is lost and the caller must stop working).
   */
  async holdUntil(signal: AbortSignal): Promise<void> {
    let lastRenew = performance.now();
    while (!signal.aborted) {
      if (!(await this.#wait(this.#options.retryPeriodMs, signal))) break;
      if (await this.#tryAcquireOrRenew()) {
        lastRenew = performance.now();
        continue;
      }
      if (performance.now() - lastRenew >= this.#options.renewDeadlineMs) {
        this.#setLeader(false);
        this.#log.error('failed to renew lease within the renew deadline: leader election lost');
        throw new LeaderElectionLostError(
          `leader election lost for lease ${this.#options.namespace}/${this.#options.id}`,
        );
      }
    }
    if (this.#leader && this.#options.releaseOnCancel) await this.#release();
    this.#setLeader(false);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#options.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.#client.get<Lease>(LEASE, {
        namespace: this.#options.namespace,
        name: this.#options.id,
      });
    } catch (err) {
      if (!isNotFound(err)) {
        this.#log.warn({ err: (err as Error).message }, 'error retrieving lease');
        return false;
      }
      try {
        const created = await this.#client.create<Lease>({
          ...LEASE,
          metadata: { name: this.#options.id, namespace: this.#options.namespace },
          spec,
        });
        this.#observe(created);
        return true;
      } catch (createErr) {
        if (!isAlreadyExists(createErr))
          this.#log.warn({ err: (createErr as Error).message }, 'error creating lease');
        return false;
      }
    }
    this.#observe(lease);
    const current = lease.spec ?? {};
    const holder = current.holderIdentity ?? '';
    const observedAt = this.#observed?.at ?? 0;
    if (
      holder &&
      holder !== this.identity &&
      observedAt + (current.leaseDurationSeconds ?? 15) * 1000 > performance.now()
    ) {
      return false;
    }
    if (holder === this.identity) {
      spec.acquireTime = current.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = current.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (current.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await this.#client.update<Lease>({ ...lease, spec });
      this.#observe(updated);
      return true;
    } catch (err) {
      if (!isConflict(err)) this.#log.warn({ err: (err as Error).message }, 'error updating lease');
      return false;
    }
  }

  /** Remembers when the lease record last changed, by our own clock. */
  #observe(lease: Lease): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (this.#observed?.record !== record) this.#observed = { record, at: performance.now(), lease };
    else this.#observed.lease = lease;
  }

  async #release(): Promise<void> {
    const lease = this.#observed?.lease;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    try {
      await this.#client.update<Lease>({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTime(Date.now()),
        },
      });
      this.#log.info('released leader lease');
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not release the lease; it will expire');
    }
  }

  #setLeader(leader: boolean): void {
    this.#leader = leader;
    this.#metrics?.leaderElectionStatus.set({ name: this.#options.id }, leader ? 1 : 0);
  }

  async #wait(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }
}

export class LeaderElectionLostError extends Error {
  override readonly name = 'LeaderElectionLostError';
}
