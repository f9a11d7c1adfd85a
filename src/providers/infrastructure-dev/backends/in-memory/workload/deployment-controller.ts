import type { GenericRegistry } from '../../../../../apiserver/registry/generic-registry.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type { KubeObject } from '../../../../../apiserver/registry/resource-definition.js';
import { formatTime } from '../../../../../apiserver/util/time.js';
import { isPodReady, isPodTerminal } from './pod-helpers.js';
import { PodOwnerController, type PodTemplate } from './pod-owner-controller.js';

/** The label that tells pods of one template apart (`apps/v1.DefaultDeploymentUniqueLabelKey`). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Deployment condition types and reasons (`pkg/controller/deployment/util`). */
export const DeploymentConditions = {
  available: 'Available',
  progressing: 'Progressing',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  deploymentPaused: 'DeploymentPaused',
} as const;

// The alphabet of `rand.SafeEncodeString` (no vowels, no confusable characters).
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * `controller.ComputeHash`'s shape: FNV-1a (32 bit) of the template, its decimal digits mapped through
 * `rand.SafeEncodeString`, so values look like upstream's (`7d8f9c6b4`). The bytes hashed are canonical JSON
 * (sorted keys), not Go's struct dump, so the values differ from a real cluster's but are as stable.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let text = canonicalJson(template);
  if (collisionCount) text += `#${collisionCount}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash >>> 0)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `intstr.GetScaledValueFromIntOrPercent`; a malformed value counts as 0 (validation keeps them out). */
export function scaledValue(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return /^\d+$/.test(value) ? Number(value) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * The deletion order of upstream's `controller.ActivePods` (subset): unscheduled before scheduled, Pending
 * before Running, not ready before ready, newer before older.
 */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const rank = (pod: KubeObject): number[] => {
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    return [
      (pod.spec as { nodeName?: string } | undefined)?.nodeName ? 1 : 0,
      phase === 'Pending' ? 0 : phase === 'Running' ? 2 : 1,
      isPodReady(pod) ? 1 : 0,
      -Date.parse(pod.metadata?.creationTimestamp ?? '') || 0,
    ];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

interface DeploymentSpec {
  replicas?: number;
  paused?: boolean;
  template?: PodTemplate;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown } };
}

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** `apps/v1` DeploymentStatus, the fields this controller writes (tests read them too). */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
  [field: string]: unknown;
}

export interface SimulatedDeploymentControllerOptions {
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number;
  now?: () => Date;
}

/**
 * kube-controller-manager's deployment and replica-set controllers in one, without ReplicaSets (the embedded
 * server does not serve them): each Deployment owns its pods directly (controller reference to the
 * Deployment), named `<deployment>-<pod-template-hash>-<5 random>` and labelled `pod-template-hash` as a
 * ReplicaSet's pods would be, so pod names, labels and PodDisruptionBudget arithmetic look as upstream.
 *
 * - `spec.replicas` pods of the current template are kept; terminating pods do not count (a pod being
 *   evicted is replaced at once, as a ReplicaSet does). Extra pods go in upstream's deletion order.
 * - A template change rolls out: RollingUpdate honours maxSurge/maxUnavailable (old unready pods go first,
 *   ready ones only as far as availability allows); Recreate deletes every old pod and starts the new ones
 *   once all of them are gone.
 * - Status: replicas, updatedReplicas, readyReplicas, availableReplicas (= ready: minReadySeconds is not
 *   simulated), unavailableReplicas, observedGeneration, conditions Available and Progressing (reasons as
 *   upstream, naming the ReplicaSet the pods would belong to). No progress deadline.
 * - A paused Deployment gets status only (upstream still scales it).
 */
export class SimulatedDeploymentController extends PodOwnerController {
  #now: () => Date;

  constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    options: SimulatedDeploymentControllerOptions = {},
  ) {
    super(registry, catalog, {
      controller: 'SimulatedDeploymentController',
      kind: 'Deployment',
      plural: 'deployments',
      retryDelayMs: options.retryDelayMs,
    });
    this.#now = options.now ?? (() => new Date());
  }

  protected override async syncOwner(key: string, deployment: KubeObject): Promise<void> {
    const spec = (deployment.spec ?? {}) as DeploymentSpec;
    const previous = (deployment.status ?? {}) as DeploymentStatus;
    const hash = podTemplateHash(spec.template, previous.collisionCount);
    let pods = this.ownedPods(deployment);
    if (!spec.paused && (await this.#rollout(key, deployment, spec, pods, hash)))
      pods = this.ownedPods(deployment);
    await this.#updateDeploymentStatus(deployment, spec, pods, hash);
  }

  /** Creates and deletes pods towards the desired state; true when it wrote anything. */
  async #rollout(
    key: string,
    deployment: KubeObject,
    spec: DeploymentSpec,
    pods: KubeObject[],
    hash: string,
  ): Promise<boolean> {
    const replicas = spec.replicas ?? 1;
    const active = pods.filter(isActive);
    const current = active.filter((p) => p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
    const old = active.filter((p) => p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] !== hash);
    let creates = 0;
    const deletes: KubeObject[] = [];
    const trimCurrent = () => {
      if (current.length > replicas)
        deletes.push(...[...current].sort(deletionOrder).slice(0, current.length - replicas));
    };

    if (old.length === 0) {
      creates = Math.max(0, replicas - current.length);
      trimCurrent();
    } else if (spec.strategy?.type === 'Recreate') {
      deletes.push(...old);
    } else {
      const { maxSurge, maxUnavailable } = rollingParameters(spec, replicas);
      if (current.length < replicas)
        creates = Math.max(0, Math.min(replicas + maxSurge - active.length, replicas - current.length));
      trimCurrent();
      // reconcileOldReplicaSets: unhealthy old pods may go as long as the total stays above the minimum...
      const minAvailable = replicas - maxUnavailable;
      const currentUnavailable = current.filter((p) => !isPodReady(p)).length + creates;
      let budget = active.length + creates - minAvailable - currentUnavailable;
      for (const pod of old.filter((p) => !isPodReady(p)).sort(deletionOrder)) {
        if (budget <= 0) break;
        deletes.push(pod);
        budget--;
      }
      // ...and ready ones only while the available pods stay at the minimum.
      let healthy = active.filter(isPodReady).length - minAvailable;
      for (const pod of old.filter(isPodReady).sort(deletionOrder)) {
        if (healthy <= 0) break;
        deletes.push(pod);
        healthy--;
      }
    }
    // Recreate starts new pods only when no old pod is left, terminating ones included.
    if (spec.strategy?.type === 'Recreate' && pods.some((p) => !isCurrent(p, hash) && !isPodTerminal(p)))
      creates = 0;

    for (let i = 0; i < creates; i++) {
      // Named and labelled as the pods of the ReplicaSet `<deployment>-<hash>` would be.
      const created = await this.createPod(key, deployment, spec.template ?? {}, {
        generateName: `${deployment.metadata!.name!}-${hash}-`,
        labels: { [POD_TEMPLATE_HASH_LABEL]: hash },
        spec: structuredClone(spec.template?.spec ?? {}),
      });
      if (!created) break;
    }
    for (const pod of deletes) await this.deletePod(pod);
    return creates > 0 || deletes.length > 0;
  }

  async #updateDeploymentStatus(
    deployment: KubeObject,
    spec: DeploymentSpec,
    pods: KubeObject[],
    hash: string,
  ): Promise<void> {
    const meta = deployment.metadata!;
    const previous = (deployment.status ?? {}) as DeploymentStatus;
    const replicas = spec.replicas ?? 1;
    const active = pods.filter(isActive);
    const updated = active.filter((p) => isCurrent(p, hash)).length;
    const available = active.filter(isPodReady).length;
    const total = active.length;
    const maxUnavailable =
      spec.strategy?.type === 'Recreate' ? 0 : rollingParameters(spec, replicas).maxUnavailable;
    const now = formatTime(this.#now());
    const replicaSet = `${meta.name!}-${hash}`;

    let conditions = setCondition(
      previous.conditions,
      available >= replicas - maxUnavailable
        ? {
            type: DeploymentConditions.available,
            status: 'True',
            reason: DeploymentConditions.minimumReplicasAvailable,
            message: 'Deployment has minimum availability.',
          }
        : {
            type: DeploymentConditions.available,
            status: 'False',
            reason: DeploymentConditions.minimumReplicasUnavailable,
            message: 'Deployment does not have minimum availability.',
          },
      now,
    );
    const complete = updated === replicas && total === replicas && available === replicas;
    conditions = setCondition(
      conditions,
      spec.paused
        ? {
            type: DeploymentConditions.progressing,
            status: 'Unknown',
            reason: DeploymentConditions.deploymentPaused,
            message: 'Deployment is paused',
          }
        : complete
          ? {
              type: DeploymentConditions.progressing,
              status: 'True',
              reason: DeploymentConditions.newReplicaSetAvailable,
              message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
            }
          : {
              type: DeploymentConditions.progressing,
              status: 'True',
              reason: DeploymentConditions.replicaSetUpdated,
              message: `ReplicaSet "${replicaSet}" is progressing.`,
            },
      now,
    );

    // Counters are omitempty upstream.
    const counters: DeploymentStatus = {
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: available,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, Math.max(replicas, total) - available),
    };
    const status: DeploymentStatus = {
      ...(meta.generation !== undefined ? { observedGeneration: meta.generation } : {}),
      ...Object.fromEntries(Object.entries(counters).filter(([, v]) => v !== 0)),
      conditions,
      ...(previous.collisionCount !== undefined ? { collisionCount: previous.collisionCount } : {}),
    };
    await this.updateStatus(deployment, status);
  }
}

const isActive = (pod: KubeObject): boolean => !pod.metadata?.deletionTimestamp && !isPodTerminal(pod);
const isCurrent = (pod: KubeObject, hash: string): boolean =>
  pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash;

/** `deploymentutil.ResolveFenceposts`: surge rounds up, unavailability down, never both zero. */
function rollingParameters(
  spec: DeploymentSpec,
  replicas: number,
): { maxSurge: number; maxUnavailable: number } {
  const rolling = spec.strategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(rolling.maxSurge ?? '25%', replicas, true);
  let maxUnavailable = scaledValue(rolling.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/**
 * `deploymentutil.SetDeploymentCondition`: a condition with the same status and reason is left as it is;
 * otherwise it is replaced, keeping its transition time when only the reason changed.
 */
function setCondition(
  conditions: DeploymentCondition[] | undefined,
  wanted: { type: string; status: string; reason: string; message: string },
  now: string,
): DeploymentCondition[] {
  const list = Array.isArray(conditions) ? conditions.map((c) => ({ ...c })) : [];
  const index = list.findIndex((c) => c.type === wanted.type);
  const current = index >= 0 ? list[index] : undefined;
  if (current && current.status === wanted.status && current.reason === wanted.reason) return list;
  const next: DeploymentCondition = {
    type: wanted.type,
    status: wanted.status,
    lastUpdateTime: now,
    lastTransitionTime:
      current && current.status === wanted.status && current.lastTransitionTime
        ? current.lastTransitionTime
        : now,
    reason: wanted.reason,
    message: wanted.message,
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}
