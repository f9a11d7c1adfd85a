// Cordon and drain a workload cluster's Node the way upstream's Machine controller does while deleting a
// Machine (drain.Helper in core/reconcilers/machine/drain/drain.go and Reconciler.drainNode): one pass per
// reconcile, evicting through the pods/eviction subresource so PodDisruptionBudgets hold.
import type { KubeObject } from '../../../../controller-runtime/api/object.js';
import type { Client, SubresourceWriter } from '../../../../controller-runtime/client/client.js';
import {
  type ApiError,
  isForbidden,
  isNotFound,
  isTooManyRequests,
} from '../../../../controller-runtime/client/errors.js';
import type { Logger } from '../../../../controller-runtime/log/logger.js';
import { type DrainResult, drainCompleted, emptyDrainResult, podListToString } from './drain-result.js';
import {
  type ClassifiedPod,
  DrainBehavior,
  DrainError,
  type Labelled,
  type MachineDrainRuleLike,
  type Pod,
  PodDrainReason,
} from './drain-types.js';
import { compareStrings, machineDrainRulesForMachine } from './machine-drain-rules.js';
import { classifyPods } from './pod-filters.js';

const NODE = { apiVersion: 'v1', kind: 'Node' } as const;
const POD = { apiVersion: 'v1', kind: 'Pod' } as const;

/** Upstream triggers evictions for at most 10 s per reconcile and goes on at the next one. */
export const DEFAULT_EVICTION_BUDGET_MS = 10_000;
/** Page size of the Pod list, as upstream. */
const POD_PAGE_SIZE = 100;
/** On an unreachable Node: Pods terminating for longer than this are ignored, and evictions use this grace. */
const UNREACHABLE_SKIP_DELETED_TIMEOUT_SECONDS = 1;
const UNREACHABLE_GRACE_PERIOD_SECONDS = 1;
const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';
const NAMESPACE_TERMINATING_MESSAGE =
  'Cannot evict pod from terminating namespace: unable to create eviction (kube-controller-manager should set deletionTimestamp)';

export interface DrainTarget {
  /** The Node of the Machine (`status.nodeRef.name`). */
  nodeName: string;
  /** The Machine being deleted: its labels select MachineDrainRules (`spec.machines[].selector`). */
  machine: Labelled;
  /** Its Cluster: labels for `spec.machines[].clusterSelector`. */
  cluster: Labelled;
}

export interface DrainerOptions {
  /** The workload cluster's client: Nodes, Pods, DaemonSets, and the pods/eviction subresource. */
  client: Client & SubresourceWriter;
  now?: () => number;
  /** How long one pass may spend triggering evictions (default 10 s); the rest waits for the next pass. */
  evictionBudgetMs?: number;
  logger?: Logger;
}

/** Namespace labels for `spec.pods[].namespaceSelector`; undefined if the Namespace does not exist. */
export type NamespaceLabels = (namespace: string) => Promise<Record<string, string> | undefined>;

interface NodeView extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** The Node's kubelet stopped posting status (Ready is Unknown): its Pods will never go by themselves. */
export function isNodeUnreachable(node: NodeView | undefined): boolean {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'Unknown';
}

export class Drainer {
  readonly #client: Client & SubresourceWriter;
  readonly #now: () => number;
  readonly #budgetMs: number;
  readonly #log?: Logger;

  constructor(options: DrainerOptions) {
    this.#client = options.client;
    this.#now = options.now ?? Date.now;
    this.#budgetMs = options.evictionBudgetMs ?? DEFAULT_EVICTION_BUDGET_MS;
    this.#log = options.logger;
  }

  /** Sets `spec.unschedulable` on the Node; nothing is written when it is already set. */
  async cordon(nodeName: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const node = await this.#client.get<NodeView>(NODE, { name: nodeName }, options);
    if (node.spec?.unschedulable) return;
    this.#log?.info({ node: nodeName }, 'Cordoning Node');
    await this.#client.patch(
      { apiVersion: NODE.apiVersion, kind: NODE.kind, metadata: { name: nodeName } },
      { type: 'merge', data: { spec: { unschedulable: true } } },
      { signal: options.signal },
    );
  }

  /**
   * The Pods on the Node with the verdict of the filters and rules (upstream's GetPodsForEviction), sorted by
   * namespace/name. The Machine controller also needs it after the drain: the volumes of skipped Pods are not
   * waited for. Throws DrainError when a rule's selector is invalid or a verdict could not be reached.
   */
  async podsForEviction(
    target: DrainTarget,
    rules: readonly MachineDrainRuleLike[],
    namespaceLabels: NamespaceLabels,
    options: { skipDeletedTimeoutSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<ClassifiedPod[]> {
    const pods = await this.#podsOnNode(target.nodeName, options.signal);
    if (pods.length === 0) return [];
    const matching = machineDrainRulesForMachine(rules, target.machine, target.cluster);
    const classified = await classifyPods(pods, {
      client: this.#client,
      rules: matching,
      namespaceLabels,
      skipDeletedTimeoutSeconds: options.skipDeletedTimeoutSeconds,
      now: this.#now,
      signal: options.signal,
    });
    const failed = new Map<string, string[]>();
    for (const { pod, status } of classified) {
      if (status.reason !== PodDrainReason.Error) continue;
      const message = status.message || 'unexpected error';
      failed.set(message, [...(failed.get(message) ?? []), podListToString([pod], 1)]);
    }
    if (failed.size > 0) {
      const errs = [...failed.entries()]
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([message, names]) => `Pods with error ${JSON.stringify(message)}: ${names.join(', ')}`);
      throw new DrainError(
        `failed to get Pods for eviction: ${errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`}`,
      );
    }
    return classified.sort((a, b) => compareStrings(podKey(a.pod), podKey(b.pod)));
  }

  /**
   * One drain pass: lists the Node's Pods, applies the filters and rules, evicts the Pods of the lowest drain
   * order still present (at most `evictionBudgetMs` long), and reports. Call it again (upstream: every 20 s)
   * until `done`. A Node that does not exist is reported as done with `nodeNotFound`.
   */
  async drain(
    target: DrainTarget,
    rules: readonly MachineDrainRuleLike[],
    namespaceLabels: NamespaceLabels,
    options: { signal?: AbortSignal } = {},
  ): Promise<DrainResult> {
    let node: NodeView;
    try {
      node = await this.#client.get<NodeView>(NODE, { name: target.nodeName }, options);
    } catch (err) {
      if (isNotFound(err)) return { ...emptyDrainResult(), nodeNotFound: true };
      throw err;
    }
    // The kubelet of an unreachable Node will never finish terminating its Pods; the taint manager evicts
    // them without regard to budgets anyway. Ignore those terminating for more than a second and evict with a
    // one-second grace period so the drain can complete.
    const unreachable = isNodeUnreachable(node);
    const pods = await this.podsForEviction(target, rules, namespaceLabels, {
      ...(unreachable ? { skipDeletedTimeoutSeconds: UNREACHABLE_SKIP_DELETED_TIMEOUT_SECONDS } : {}),
      signal: options.signal,
    });
    const toDrain = pods.filter(
      (p) => p.status.behavior === DrainBehavior.Drain || p.status.behavior === DrainBehavior.WaitCompleted,
    );
    if (toDrain.length === 0) {
      return { ...emptyDrainResult(), podsIgnored: pods.map((p) => p.pod) };
    }
    return await this.#evict(target.nodeName, pods, {
      gracePeriodSeconds: unreachable ? UNREACHABLE_GRACE_PERIOD_SECONDS : undefined,
      signal: options.signal,
    });
  }

  async #podsOnNode(nodeName: string, signal?: AbortSignal): Promise<Pod[]> {
    const pods: Pod[] = [];
    let page: string | undefined;
    do {
      const list = await this.#client.list<Pod>(POD, {
        fieldSelector: `spec.nodeName=${nodeName}`,
        limit: POD_PAGE_SIZE,
        ...(page ? { continue: page } : {}),
        signal,
      });
      // The field selector already filters on a server; a cache or a fake may not.
      pods.push(...list.items.filter((p) => p.spec?.nodeName === nodeName));
      page = list.metadata.continue || undefined;
    } while (page);
    return pods;
  }

  /** Upstream's EvictPods. `pods` sorted by namespace/name, so the result (and the message) is stable. */
  async #evict(
    nodeName: string,
    pods: readonly ClassifiedPod[],
    options: { gracePeriodSeconds?: number; signal?: AbortSignal },
  ): Promise<DrainResult> {
    // Only the lowest order present is worked on, terminating Pods included: a higher order waits until every
    // Pod of the lower ones has left the Node.
    let minOrder = Number.POSITIVE_INFINITY;
    for (const { status } of pods) {
      if (status.behavior === DrainBehavior.Drain || status.behavior === DrainBehavior.WaitCompleted) {
        minOrder = Math.min(minOrder, status.order ?? 0);
      }
    }

    const evictNow: ClassifiedPod[] = [];
    const result = emptyDrainResult();
    for (const p of pods) {
      const order = p.status.order ?? 0;
      switch (p.status.behavior) {
        case DrainBehavior.Drain:
          if (p.pod.metadata.deletionTimestamp) result.podsDeletionTimestampSet.push(p.pod);
          else if (order === minOrder) evictNow.push(p);
          else result.podsToTriggerEvictionLater.push(p.pod);
          break;
        case DrainBehavior.WaitCompleted:
          if (order === minOrder) result.podsToWaitCompletedNow.push(p.pod);
          else result.podsToWaitCompletedLater.push(p.pod);
          break;
        case DrainBehavior.Skip:
        case undefined:
          result.podsIgnored.push(p.pod);
          break;
      }
    }

    this.#log?.info(
      {
        node: nodeName,
        podsToTriggerEvictionNow: podListToString(
          evictNow.map((p) => p.pod),
          5,
        ),
        podsToTriggerEvictionLater: podListToString(result.podsToTriggerEvictionLater, 5),
        podsWithDeletionTimestamp: podListToString(result.podsDeletionTimestampSet, 5),
        podsToWaitCompletedNow: podListToString(result.podsToWaitCompletedNow, 5),
        podsToWaitCompletedLater: podListToString(result.podsToWaitCompletedLater, 5),
      },
      'Drain not completed yet, there are still Pods on the Node that have to be drained',
    );

    const deadline = this.#now() + this.#budgetMs;
    const budget = AbortSignal.timeout(this.#budgetMs);
    const signal = options.signal ? AbortSignal.any([options.signal, budget]) : budget;
    const timeoutMessage = `eviction timeout of ${goDuration(this.#budgetMs)} reached, eviction will be retried`;
    const fail = (message: string, pod: Pod): void => {
      (result.podsFailedEviction[message] ??= []).push(pod);
    };

    for (const { pod, status } of evictNow) {
      options.signal?.throwIfAborted();
      const log = this.#log?.child({ pod: podKey(pod) });
      if (budget.aborted || this.#now() >= deadline) {
        log?.debug({ err: timeoutMessage }, 'Error when evicting Pod');
        fail(timeoutMessage, pod);
        continue;
      }
      log?.debug(status.reason === PodDrainReason.Warning ? { warning: status.message } : {}, 'Evicting Pod');
      try {
        await this.#client.createSubresource(
          pod,
          'eviction',
          {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
            deleteOptions:
              options.gracePeriodSeconds === undefined
                ? {}
                : { gracePeriodSeconds: options.gracePeriodSeconds },
          },
          // A budget's refusal is an answer to report, not a reason to wait here: the next pass asks again.
          { signal, retryAfter: false },
        );
        log?.debug('Pod eviction successfully triggered');
        result.podsDeletionTimestampSet.push(pod);
      } catch (err) {
        options.signal?.throwIfAborted();
        if (budget.aborted) {
          fail(timeoutMessage, pod);
        } else if (isNotFound(err)) {
          log?.debug("Eviction not needed, Pod doesn't exist anymore");
          result.podsNotFound.push(pod);
        } else if (isTooManyRequests(err)) {
          fail(tooManyRequestsMessage(err), pod);
        } else if (isForbidden(err) && err.causes.some((c) => c.reason === NAMESPACE_TERMINATING_CAUSE)) {
          fail(NAMESPACE_TERMINATING_MESSAGE, pod);
        } else {
          fail(err instanceof Error ? err.message : String(err), pod);
        }
        log?.debug({ err }, 'Error when evicting Pod');
      }
    }
    return { ...result, done: drainCompleted(result) };
  }
}

/**
 * The budget's refusal with its causes appended, as upstream words it: "Cannot evict pod as it would violate
 * the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently".
 */
function tooManyRequestsMessage(err: ApiError): string {
  const message = err.status.message ?? err.message;
  if (err.status.details === undefined) return message;
  return `${message} ${err.causes.map((c) => c.message ?? '').join(',')}`;
}

const podKey = (pod: Pod): string => podListToString([pod], 1);

/** A duration as Go's time.Duration prints it (`10s`, `1m30s`, `500ms`). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}
