import type { GenericRegistry } from '../../../../../apiserver/registry/generic-registry.js';
import type { StoreEvent } from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type { KubeObject } from '../../../../../apiserver/registry/resource-definition.js';
import { podTemplateHash, scaledValue } from './deployment-controller.js';
import { isPodReady, isPodTerminal, NODE_PREFIX, parseObject } from './pod-helpers.js';
import { PodOwnerController, type PodTemplate } from './pod-owner-controller.js';
import {
  findUntoleratedTaint,
  matchesNodeAffinity,
  type SchedulingSpec,
  type Taint,
  TaintKeys,
  type Toleration,
} from './pod-scheduler.js';

/** Labels the controller puts on its pods (`apps/v1`). */
export const DaemonSetLabels = {
  controllerRevisionHash: 'controller-revision-hash',
  podTemplateGeneration: 'pod-template-generation',
} as const;

/**
 * `util.AddOrUpdateDaemonPodTolerations`: daemon pods survive node problems and cordons, so they run on
 * NotReady, unreachable, pressured and unschedulable nodes (and, with host networking, before the network
 * is up).
 */
export function daemonPodTolerations(spec: {
  tolerations?: Toleration[];
  hostNetwork?: boolean;
}): Toleration[] {
  const added: Toleration[] = [
    { key: TaintKeys.notReady, operator: 'Exists', effect: 'NoExecute' },
    { key: TaintKeys.unreachable, operator: 'Exists', effect: 'NoExecute' },
    { key: TaintKeys.diskPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: TaintKeys.memoryPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: TaintKeys.pidPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: TaintKeys.unschedulable, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork)
    added.push({ key: TaintKeys.networkUnavailable, operator: 'Exists', effect: 'NoSchedule' });
  // AddOrUpdateTolerationInPodSpec: a toleration of the same key, operator, value and effect is replaced.
  const same = (a: Toleration, b: Toleration) =>
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '');
  const tolerations = [...(spec.tolerations ?? [])];
  for (const toleration of added) {
    const index = tolerations.findIndex((t) => same(t, toleration));
    if (index >= 0) tolerations[index] = toleration;
    else tolerations.push(toleration);
  }
  return tolerations;
}

/**
 * `NodeShouldRunDaemonPod`: whether a new daemon pod belongs on the node, and whether one already there may
 * stay (an untolerated NoSchedule taint keeps new pods off but does not evict; NoExecute does both).
 */
export function nodeShouldRunDaemonPod(
  spec: SchedulingSpec,
  node: { name: string; labels: Record<string, string>; taints: Taint[] },
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if ((spec.nodeName && spec.nodeName !== node.name) || !matchesNodeAffinity(spec, node.name, node.labels))
    return { shouldRun: false, shouldContinueRunning: false };
  if (!findUntoleratedTaint(node.taints, spec.tolerations))
    return { shouldRun: true, shouldContinueRunning: true };
  return {
    shouldRun: false,
    shouldContinueRunning: !findUntoleratedTaint(node.taints, spec.tolerations, ['NoExecute']),
  };
}

interface DaemonSetSpec {
  template?: PodTemplate & { spec?: SchedulingSpec & { hostNetwork?: boolean } };
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: unknown } };
}

/** `apps/v1` DaemonSetStatus, the fields this controller writes (tests read them too). */
export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  [field: string]: unknown;
}

interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
}

export interface SimulatedDaemonSetControllerOptions {
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number;
}

/**
 * kube-controller-manager's daemon set controller: one pod per node the DaemonSet's template fits
 * (`nodeName`, `nodeSelector`, required node affinity, taints against the template's tolerations plus the
 * daemon tolerations), bound directly through `spec.nodeName` and pinned by the node-name affinity upstream
 * gives daemon pods. Pods are named `<daemonset>-<5 random>`, controlled by the DaemonSet, and labelled with
 * the template's labels, `controller-revision-hash` (the template hash) and `pod-template-generation` (the
 * DaemonSet's generation when created).
 *
 * - A node that no longer fits loses its pod; a failed pod is deleted and replaced; a node with several
 *   pods keeps the oldest. Pods on nodes that are gone are deleted (pod GC force-deletes them as well).
 *   A node whose daemon pod is terminating gets its new pod once the old one is gone.
 * - Template change (hash): RollingUpdate replaces out-of-date pods while at most `maxUnavailable` nodes lack
 *   a ready pod (maxSurge is not simulated: the old pod goes first); OnDelete leaves them.
 * - Status: desired/current/updated numbers scheduled, numberMisscheduled, numberReady, numberAvailable
 *   (= ready: minReadySeconds is not simulated), numberUnavailable, observedGeneration. No ControllerRevisions.
 */
export class SimulatedDaemonSetController extends PodOwnerController {
  constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    options: SimulatedDaemonSetControllerOptions = {},
  ) {
    super(registry, catalog, {
      controller: 'SimulatedDaemonSetController',
      kind: 'DaemonSet',
      plural: 'daemonsets',
      retryDelayMs: options.retryDelayMs,
    });
  }

  protected override onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (!key.startsWith(NODE_PREFIX)) {
      super.onEvent(e);
      return;
    }
    // Readiness and other status changes do not move daemon pods; existence, labels and taints do.
    const name = key.slice(NODE_PREFIX.length);
    const before = e.prevKv ? nodeSignature(name, e.prevKv.value) : undefined;
    const after = e.type === 'PUT' ? nodeSignature(name, e.kv.value) : undefined;
    if (before === after) return;
    this.enqueueAllOwners();
  }

  #nodes(): NodeInfo[] {
    const nodes: NodeInfo[] = [];
    for (const kv of this.registry.store.range(NODE_PREFIX).kvs) {
      const node = parseObject(kv.value);
      if (node) nodes.push(nodeInfo(kv.key.slice(NODE_PREFIX.length), node));
    }
    return nodes;
  }

  protected override async syncOwner(key: string, ds: KubeObject): Promise<void> {
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const hash = podTemplateHash(spec.template);
    const podSpec: SchedulingSpec = {
      ...(spec.template?.spec ?? {}),
      tolerations: daemonPodTolerations(spec.template?.spec ?? {}),
    };
    const nodes = this.#nodes();
    await this.#manage(key, ds, spec, podSpec, nodes, hash);
    await this.#updateDaemonSetStatus(ds, podSpec, nodes, hash);
  }

  /** `manage` then `rollingUpdate` of upstream's syncDaemonSet, decided on one reading of the store. */
  async #manage(
    key: string,
    ds: KubeObject,
    spec: DaemonSetSpec,
    podSpec: SchedulingSpec,
    nodes: NodeInfo[],
    hash: string,
  ): Promise<void> {
    const byNode = podsByNode(this.ownedPods(ds));
    const create: string[] = [];
    const remove: KubeObject[] = [];
    // Nodes whose only live pod is out of date, and nodes that should run a pod but have no ready one.
    const outdated: KubeObject[] = [];
    let unavailable = 0;
    let desired = 0;

    for (const node of nodes) {
      const pods = byNode.get(node.name) ?? [];
      byNode.delete(node.name);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(podSpec, node);
      if (shouldRun) desired++;
      const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
      if (shouldRun && pods.length === 0) {
        create.push(node.name);
        unavailable++;
      } else if (shouldContinueRunning) {
        const running = live.filter((p) => !isPodTerminal(p));
        remove.push(...live.filter(isPodTerminal));
        running.sort(oldestFirst);
        remove.push(...running.slice(1));
        const kept = running[0];
        if (shouldRun && (!kept || !isPodReady(kept))) unavailable++;
        if (kept && kept.metadata?.labels?.[DaemonSetLabels.controllerRevisionHash] !== hash)
          outdated.push(kept);
      } else {
        remove.push(...live);
      }
    }
    // Whatever is left sits on nodes that no longer exist.
    for (const pods of byNode.values()) remove.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));

    if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const maxUnavailable = Math.max(
        1,
        scaledValue(spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true),
      );
      // Pods that are not ready are replaced at once; ready ones while the budget lasts.
      for (const pod of outdated) {
        if (!isPodReady(pod)) remove.push(pod);
        else if (unavailable < maxUnavailable) {
          remove.push(pod);
          unavailable++;
        }
      }
    }

    for (const nodeName of create) if (!(await this.#createDaemonPod(key, ds, spec, nodeName, hash))) break;
    for (const pod of remove) await this.deletePod(pod);
  }

  /** `NewPod` + `GetPodFromTemplate` with the daemon tolerations, labels and node-name affinity. */
  #createDaemonPod(
    key: string,
    ds: KubeObject,
    spec: DaemonSetSpec,
    nodeName: string,
    hash: string,
  ): Promise<boolean> {
    const meta = ds.metadata!;
    const template = spec.template ?? {};
    const podSpec = structuredClone(template.spec ?? {}) as SchedulingSpec & Record<string, unknown>;
    podSpec.tolerations = daemonPodTolerations(podSpec);
    podSpec.nodeName = nodeName;
    // ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become "this node" (preferences stay).
    const affinity = (podSpec.affinity ?? {}) as Record<string, unknown>;
    const nodeAffinity = (affinity.nodeAffinity ?? {}) as Record<string, unknown>;
    podSpec.affinity = {
      ...affinity,
      nodeAffinity: {
        ...nodeAffinity,
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] },
          ],
        },
      },
    };
    return this.createPod(key, ds, template, {
      generateName: `${meta.name!}-`,
      labels: {
        [DaemonSetLabels.controllerRevisionHash]: hash,
        [DaemonSetLabels.podTemplateGeneration]: String(meta.generation ?? 1),
      },
      spec: podSpec,
    });
  }

  /** `updateDaemonSetStatus`, from the pods as they are after this sync's writes. */
  async #updateDaemonSetStatus(
    ds: KubeObject,
    podSpec: SchedulingSpec,
    nodes: NodeInfo[],
    hash: string,
  ): Promise<void> {
    const meta = ds.metadata!;
    const byNode = podsByNode(
      this.ownedPods(ds).filter((p) => !(p.metadata?.deletionTimestamp && isPodTerminal(p))),
    );
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    for (const node of nodes) {
      const pods = byNode.get(node.name) ?? [];
      const { shouldRun } = nodeShouldRunDaemonPod(podSpec, node);
      if (!shouldRun) {
        if (pods.length > 0) misscheduled++;
        continue;
      }
      desired++;
      if (pods.length === 0) continue;
      current++;
      const pod = [...pods].sort(oldestFirst)[0]!;
      if (isPodReady(pod)) ready++;
      if (pod.metadata?.labels?.[DaemonSetLabels.controllerRevisionHash] === hash) updated++;
    }
    const previous = (ds.status ?? {}) as DaemonSetStatus;
    const status: DaemonSetStatus = { ...previous };
    status.currentNumberScheduled = current;
    status.numberMisscheduled = misscheduled;
    status.desiredNumberScheduled = desired;
    status.numberReady = ready;
    if (meta.generation !== undefined) status.observedGeneration = meta.generation;
    // omitempty upstream.
    const optional = {
      updatedNumberScheduled: updated,
      numberAvailable: ready,
      numberUnavailable: desired - ready,
    };
    for (const [field, value] of Object.entries(optional)) {
      if (value > 0) status[field] = value;
      else delete status[field];
    }
    await this.updateStatus(ds, status);
  }
}

function podsByNode(pods: KubeObject[]): Map<string, KubeObject[]> {
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    const nodeName = (pod.spec as SchedulingSpec | undefined)?.nodeName ?? '';
    let list = byNode.get(nodeName);
    if (!list) byNode.set(nodeName, (list = []));
    list.push(pod);
  }
  return byNode;
}

function oldestFirst(a: KubeObject, b: KubeObject): number {
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

function nodeInfo(name: string, node: KubeObject): NodeInfo {
  const taints = (node.spec as { taints?: Taint[] } | undefined)?.taints;
  return { name, labels: node.metadata?.labels ?? {}, taints: Array.isArray(taints) ? taints : [] };
}

function nodeSignature(name: string, value: string): string {
  const node = parseObject(value);
  return node ? JSON.stringify(nodeInfo(name, node)) : '';
}
