// The filters that decide, Pod by Pod, whether a drain evicts it, waits for it, or leaves it alone. Phase 1
// mirrors `kubectl drain` with --ignore-daemonsets --delete-emptydir-data --force (what upstream Cluster API
// runs); phase 2 applies the Pod's drain label and the MachineDrainRules. Upstream: core/reconcilers/machine/
// drain/filters.go.
import type { Reader } from '../../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../../controller-runtime/client/errors.js';
import {
  type ClassifiedPod,
  DrainBehavior,
  type MachineDrainRuleLike,
  type Pod,
  PodDrainReason,
  type PodDrainStatus,
} from './drain-types.js';
import { drainLabelStatus, machineDrainRulesStatus, podDrainStatus } from './machine-drain-rules.js';

/** Static Pods' mirrors carry this annotation; the kubelet, not the API, owns them. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export const DAEMON_SET_ORPHANED_WARNING = 'evicting orphaned DaemonSet-managed Pod';
export const DAEMON_SET_WARNING = 'ignoring DaemonSet-managed Pod';
export const LOCAL_STORAGE_WARNING = 'evicting Pod with local storage';
export const UNMANAGED_WARNING = 'evicting Pod that has no controller';

const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet' } as const;

export interface PodFilterOptions {
  /** The workload cluster, to look up the DaemonSets owning Pods. */
  client: Reader;
  /** Rules that apply to the Machine, sorted by name (`machineDrainRulesForMachine`). */
  rules: readonly MachineDrainRuleLike[];
  /** Labels of a Namespace of the workload cluster, undefined if it does not exist. */
  namespaceLabels: (namespace: string) => Promise<Record<string, string> | undefined>;
  /** > 0: Pods whose deletionTimestamp is more than this many seconds old are skipped (unreachable Nodes). */
  skipDeletedTimeoutSeconds?: number;
  now: () => number;
  signal?: AbortSignal;
}

type Filter = (pod: Pod) => PodDrainStatus | Promise<PodDrainStatus>;

const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

const controllerOf = (pod: Pod) => pod.metadata.ownerReferences?.find((ref) => ref.controller === true);

/**
 * Runs every filter on every Pod. A Skip or WaitCompleted verdict ends a Pod's filtering (later filters cannot
 * bring it back); warnings of a Pod that is evicted are joined. Unlike upstream, an Error verdict ends the
 * filtering too: upstream lets the next filter overwrite it, so a failed DaemonSet look-up would evict the
 * DaemonSet's Pod; here it fails the pass, which is retried.
 */
export async function classifyPods(
  pods: readonly Pod[],
  options: PodFilterOptions,
): Promise<ClassifiedPod[]> {
  const daemonSets = new Map<string, Promise<PodDrainStatus>>();
  const namespaces = new Map<string, Promise<Record<string, string> | undefined>>();

  const skipDeleted: Filter = (pod) => {
    const timeout = options.skipDeletedTimeoutSeconds ?? 0;
    const deleted = pod.metadata.deletionTimestamp;
    if (timeout > 0 && deleted) {
      // Whole seconds, as Go's int(time.Since(...).Seconds()).
      const age = Math.trunc((options.now() - Date.parse(deleted)) / 1000);
      if (age > timeout) return podDrainStatus.skip();
    }
    return podDrainStatus.okay();
  };

  const daemonSet: Filter = (pod) => {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== DAEMON_SET.kind) return podDrainStatus.okay();
    if (isFinished(pod)) return podDrainStatus.okay();
    const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
    let verdict = daemonSets.get(key);
    if (!verdict) {
      verdict = options.client
        .get(DAEMON_SET, { namespace: pod.metadata.namespace, name: ref.name }, { signal: options.signal })
        .then(
          () => podDrainStatus.warning(DrainBehavior.Skip, DAEMON_SET_WARNING),
          (err: unknown) =>
            isNotFound(err)
              ? podDrainStatus.warning(DrainBehavior.Drain, DAEMON_SET_ORPHANED_WARNING)
              : podDrainStatus.error(err instanceof Error ? err.message : String(err)),
        );
      daemonSets.set(key, verdict);
    }
    return verdict;
  };

  const mirrorPod: Filter = (pod) =>
    pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined
      ? podDrainStatus.skip()
      : podDrainStatus.okay();

  const localStorage: Filter = (pod) => {
    const hasEmptyDir = (pod.spec?.volumes ?? []).some(
      (v) => v.emptyDir !== undefined && v.emptyDir !== null,
    );
    if (!hasEmptyDir || isFinished(pod)) return podDrainStatus.okay();
    return podDrainStatus.warning(DrainBehavior.Drain, LOCAL_STORAGE_WARNING);
  };

  const unreplicated: Filter = (pod) => {
    if (isFinished(pod) || controllerOf(pod)) return podDrainStatus.okay();
    return podDrainStatus.warning(DrainBehavior.Drain, UNMANAGED_WARNING);
  };

  const drainLabel: Filter = (pod) => drainLabelStatus(pod) ?? podDrainStatus.okay();

  const rules: Filter = async (pod) => {
    if (options.rules.length === 0) return podDrainStatus.okay();
    const ns = pod.metadata.namespace ?? '';
    let labels = namespaces.get(ns);
    if (!labels) {
      labels = options.namespaceLabels(ns);
      namespaces.set(ns, labels);
    }
    return machineDrainRulesStatus(options.rules, pod, await labels);
  };

  const filters: Filter[] = [
    skipDeleted,
    daemonSet,
    mirrorPod,
    localStorage,
    unreplicated,
    drainLabel,
    rules,
  ];

  const classified: ClassifiedPod[] = [];
  for (const pod of pods) {
    let status: PodDrainStatus = podDrainStatus.okay();
    const warnings: string[] = [];
    for (const filter of filters) {
      status = await filter(pod);
      if (
        status.behavior === DrainBehavior.Skip ||
        status.behavior === DrainBehavior.WaitCompleted ||
        status.reason === PodDrainReason.Error
      ) {
        break;
      }
      if (status.reason === PodDrainReason.Warning && status.message) warnings.push(status.message);
    }
    if (
      status.behavior === DrainBehavior.Drain &&
      (status.reason === PodDrainReason.Okay || status.reason === PodDrainReason.Warning) &&
      warnings.length > 0
    ) {
      status = { ...status, reason: PodDrainReason.Warning, message: warnings.join(', ') };
    }
    classified.push({ pod, status });
  }
  return classified;
}
