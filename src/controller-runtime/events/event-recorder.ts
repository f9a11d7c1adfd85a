import { hostname } from 'node:os';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../api/object.js';
import type { Client } from '../client/client.js';
import { isNotFound } from '../client/errors.js';
import { defaultLogger, type Logger } from '../log/logger.js';
import { sprintf } from './format.js';

export type EventType = 'Normal' | 'Warning';

/** What an event can be about: any object read from the API server (it needs apiVersion, kind and name). */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface EventRecorderOptions {
  client: Client;
  /** `source.component` and `reportingComponent`, e.g. `capi-controller-manager`. */
  component: string;
  /** `reportingInstance`; defaults to `<component>-<hostname>`. */
  instance?: string;
  /** `source.host`; defaults to the hostname. */
  host?: string;
  logger?: Logger;
  /** Events waiting to be written; more are dropped with a warning (default 1000). */
  maxQueuedEvents?: number;
  /** Distinct events remembered for aggregation, least recently seen forgotten first (default 4096). */
  maxCachedEvents?: number;
  /** A repeat within this long updates the existing Event instead of creating one (default 10 minutes). */
  aggregationWindowMs?: number;
  /** The clock (tests). */
  now?: () => Date;
}

/** Messages are capped as the events API caps `note`; nobody reads a 1 MB event in `kubectl describe`. */
export const MAX_EVENT_MESSAGE_LENGTH = 1024;

interface QueuedEvent {
  involved: CoreEventReference;
  type: EventType;
  reason: string;
  message: string;
  at: Date;
}

interface CoreEventReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeenMs: number;
}

/** The core/v1 Event this recorder writes. */
export interface CoreEvent extends KubeObject {
  involvedObject: CoreEventReference;
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

const EVENT_TYPE = { apiVersion: 'v1', kind: 'Event' } as const;

/**
 * Records core/v1 Events about objects, the way client-go's recorder does, without ever slowing down or
 * failing a reconcile: `event` only queues, a single background writer sends, and failures are logged.
 *
 * Repeats of the same event (same object, type, reason and message) within the aggregation window patch
 * the existing Event (`count`+1, `lastTimestamp`) instead of creating another, like client-go's
 * EventCorrelator, so a reconciler that reports the same thing every loop does not flood etcd.
 */
export class EventRecorder {
  readonly #client: Client;
  readonly #component: string;
  readonly #instance: string;
  readonly #host: string;
  readonly #logger: Logger;
  readonly #maxQueued: number;
  readonly #maxCached: number;
  readonly #windowMs: number;
  readonly #now: () => Date;
  readonly #queue: QueuedEvent[] = [];
  /** Insertion order is recency order: `Map` iteration gives the least recently seen key first. */
  readonly #seen = new Map<string, SeenEvent>();
  #worker: Promise<void> | undefined;
  #closed = false;
  #lastNanos = 0n;

  constructor(options: EventRecorderOptions) {
    this.#client = options.client;
    this.#component = options.component;
    this.#host = options.host ?? hostname();
    this.#instance = options.instance ?? `${options.component}-${this.#host}`;
    this.#logger = (options.logger ?? defaultLogger()).child({ component: 'event-recorder' });
    this.#maxQueued = options.maxQueuedEvents ?? 1000;
    this.#maxCached = options.maxCachedEvents ?? 4096;
    this.#windowMs = options.aggregationWindowMs ?? 10 * 60 * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Queues an event about `obj`; returns at once and never throws. */
  event(obj: InvolvedObject, type: EventType, reason: string, message: string): void {
    const involved = referenceFor(obj);
    const fields = {
      kind: obj.kind,
      namespace: obj.metadata?.namespace,
      name: obj.metadata?.name,
      type,
      reason,
    };
    if (!involved) {
      this.#logger.warn(fields, 'dropping event about an object without apiVersion, kind or name');
      return;
    }
    if (this.#closed) {
      this.#logger.debug(fields, 'dropping event: recorder closed');
      return;
    }
    if (this.#queue.length >= this.#maxQueued) {
      this.#logger.warn({ ...fields, queued: this.#queue.length }, 'event queue full; dropping event');
      return;
    }
    this.#logger.debug(fields, message);
    this.#queue.push({
      involved,
      type,
      reason,
      message:
        message.length > MAX_EVENT_MESSAGE_LENGTH ? message.slice(0, MAX_EVENT_MESSAGE_LENGTH) : message,
      at: this.#now(),
    });
    this.#startWorker();
  }

  /** `event` with a Go-style format string (`%s`, `%v`, `%d`, `%q`, ...). */
  eventf(obj: InvolvedObject, type: EventType, reason: string, format: string, ...args: unknown[]): void {
    this.event(obj, type, reason, sprintf(format, ...args));
  }

  /** Resolves once every event queued so far has been written (or failed and been logged). */
  async flush(): Promise<void> {
    while (this.#worker) await this.#worker;
  }

  /** Stops accepting events and writes the queued ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #startWorker(): void {
    if (this.#worker) return;
    // The worker is the recorder's own supervised task: it never rejects (each write catches its errors),
    // and `flush` awaits it.
    this.#worker = this.#drain().finally(() => {
      this.#worker = undefined;
      // An event queued between the loop's last check and this callback would otherwise wait for the next one.
      if (this.#queue.length > 0) this.#startWorker();
    });
  }

  async #drain(): Promise<void> {
    for (let item = this.#queue.shift(); item; item = this.#queue.shift()) {
      try {
        await this.#write(item);
      } catch (err) {
        this.#logger.error(
          {
            err,
            kind: item.involved.kind,
            namespace: item.involved.namespace,
            name: item.involved.name,
            reason: item.reason,
          },
          'failed to write event',
        );
      }
    }
  }

  async #write(item: QueuedEvent): Promise<void> {
    const key = [
      this.#component,
      this.#host,
      item.involved.apiVersion,
      item.involved.kind,
      item.involved.namespace ?? '',
      item.involved.name,
      item.involved.uid ?? '',
      item.type,
      item.reason,
      item.message,
    ].join('\u0000');
    const timestamp = formatTime(item.at);
    const seen = this.#seen.get(key);

    if (seen && item.at.getTime() - seen.lastSeenMs < this.#windowMs) {
      try {
        await this.#client.patch(
          { ...EVENT_TYPE, metadata: { name: seen.name, namespace: seen.namespace } },
          { type: 'merge', data: { count: seen.count + 1, lastTimestamp: timestamp } },
        );
        this.#remember(key, { ...seen, count: seen.count + 1, lastSeenMs: item.at.getTime() });
        return;
      } catch (err) {
        // The Event expired (the API server drops them after an hour by default): record it afresh below.
        if (!isNotFound(err)) throw err;
      }
    }

    const namespace = item.involved.namespace || 'default';
    const continued = seen && item.at.getTime() - seen.lastSeenMs < this.#windowMs;
    const count = continued ? seen.count + 1 : 1;
    const firstTimestamp = continued ? seen.firstTimestamp : timestamp;
    const event: CoreEvent = {
      ...EVENT_TYPE,
      metadata: { name: `${item.involved.name}.${this.#uniqueHexTimestamp(item.at)}`, namespace },
      involvedObject: item.involved,
      reason: item.reason,
      message: item.message,
      type: item.type,
      source: { component: this.#component, host: this.#host },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
      firstTimestamp,
      lastTimestamp: timestamp,
      count,
    };
    const created = await this.#client.create(event);
    this.#remember(key, {
      name: created.metadata.name ?? event.metadata.name!,
      namespace,
      count,
      firstTimestamp,
      lastSeenMs: item.at.getTime(),
    });
  }

  #remember(key: string, value: SeenEvent): void {
    this.#seen.delete(key);
    this.#seen.set(key, value);
    while (this.#seen.size > this.#maxCached) {
      const oldest = this.#seen.keys().next().value;
      if (oldest === undefined) break;
      this.#seen.delete(oldest);
    }
  }

  /** client-go names events `<object>.<UnixNano in hex>`; bumping keeps names unique within a millisecond. */
  #uniqueHexTimestamp(at: Date): string {
    let nanos = BigInt(at.getTime()) * 1_000_000n;
    if (nanos <= this.#lastNanos) nanos = this.#lastNanos + 1n;
    this.#lastNanos = nanos;
    return nanos.toString(16);
  }
}

function referenceFor(obj: InvolvedObject): CoreEventReference | undefined {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  if (!apiVersion || !kind || !name) return undefined;
  const ref: CoreEventReference = { apiVersion, kind, name };
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata?.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata?.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

function formatTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
