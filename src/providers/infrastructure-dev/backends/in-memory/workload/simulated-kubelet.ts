import { createHash } from 'node:crypto';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type { StoredKV, StoreEvent } from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { formatTime } from '../../../../../apiserver/util/time.js';
import {
  CORE_PREFIX,
  isPodTerminal,
  NODE_PREFIX,
  parseObject,
  type PodCondition,
  POD_PREFIX,
  splitKey,
  upsertCondition,
} from './pod-helpers.js';
import {
  QueuedStoreController,
  servedDefinitions,
  updatePodStatus,
  writeUnlessStale,
} from './workload-controller.js';

/** Queue keys of pods whose node was deleted (pod GC), beside plain pod keys. */
const COLLECT = 'collect:';
const KUBELET = 'kubelet';
/** Upstream's node lifecycle controller and pod GC run in kube-controller-manager. */
const CONTROLLER_MANAGER = 'kube-controller-manager';
/** The annotation a kubelet puts on the mirror pod of a static pod. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Condition types the kubelet owns, in the order it writes them (`generateAPIPodStatus`). */
const KUBELET_CONDITIONS = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
];

interface Container {
  name?: string;
  image?: string;
  restartPolicy?: string;
}

interface PodSpec {
  nodeName?: string;
  hostNetwork?: boolean;
  containers?: Container[];
  initContainers?: Container[];
  readinessGates?: { conditionType?: string }[];
}

interface ContainerStatus {
  name: string;
  state: {
    running?: { startedAt?: string };
    terminated?: {
      exitCode?: number;
      reason?: string;
      startedAt?: string;
      finishedAt?: string;
      containerID?: string;
    };
    waiting?: { reason?: string };
  };
  lastState: ContainerStatus['state'];
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID: string;
  started: boolean;
}

interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  podIP?: string;
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  [field: string]: unknown;
}

/** An IPv4 block pods of one node take addresses from. */
interface Subnet {
  base: number;
  size: number;
}

/** What the kubelet needs of its Node. */
interface NodeView {
  ready: boolean;
  hostIP: string | undefined;
  subnet: Subnet;
}

export interface SimulatedKubeletOptions {
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number;
  now?: () => Date;
}

/**
 * The kubelets of a simulated workload cluster, plus the two kube-controller-manager duties that follow
 * node health:
 *
 * - A pod bound to a Node that exists and is Ready gets the status a kubelet reports once its containers
 *   run: phase Running, the kubelet's conditions True (Ready subject to readiness gates), `hostIP` (the
 *   node's InternalIP), `podIP` (the node's IP for host-network pods, otherwise a free address of a /24 taken
 *   from the node's podCIDR, or derived from its name), `startTime`, and running container statuses with
 *   containerd-style image and container ids. A changed image restarts the container (restartCount + 1).
 *   Mirror pods (annotation `kubernetes.io/config.mirror`) are treated like any other.
 * - When a Node stops being Ready, its pods get `Ready=False` and nothing else changes (upstream's
 *   `MarkPodsNotReady`); they are Ready again when the node is.
 * - When a Node is deleted, its pods are force-deleted (grace 0, uid precondition), as pod GC does for
 *   orphaned pods (without upstream's 40 s quarantine).
 *
 * Pods being deleted are left to the PodTerminator; terminal pods are left alone. Status is written only
 * when it differs, so pods that run cost nothing.
 */
export class SimulatedKubelet extends QueuedStoreController {
  #podDef: ResourceDefinition;
  #now: () => Date;
  #nodes = new Map<string, NodeView>();

  constructor(registry: GenericRegistry, catalog: ResourceCatalog, options: SimulatedKubeletOptions = {}) {
    const [podDef] = servedDefinitions(catalog, 'SimulatedKubelet', ['', 'v1', 'pods']);
    super(registry, { snapshotPrefix: CORE_PREFIX, retryDelayMs: options.retryDelayMs });
    this.#podDef = podDef;
    this.#now = options.now ?? (() => new Date());
  }

  protected override onSnapshot(kvs: StoredKV[]): void {
    this.#nodes.clear();
    for (const kv of kvs) {
      if (!kv.key.startsWith(NODE_PREFIX)) continue;
      const node = parseObject(kv.value);
      const name = kv.key.slice(NODE_PREFIX.length);
      if (node) this.#nodes.set(name, nodeView(name, node));
    }
    for (const kv of kvs) if (kv.key.startsWith(POD_PREFIX) && isBound(kv.value)) this.queue.add(kv.key);
  }

  protected override onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(POD_PREFIX)) {
      if (e.type === 'PUT' && isBound(e.kv.value)) this.queue.add(key);
      return;
    }
    if (!key.startsWith(NODE_PREFIX)) return;
    const name = key.slice(NODE_PREFIX.length);
    if (e.type === 'DELETE') {
      this.#nodes.delete(name);
      for (const kv of this.#podsOn(name)) this.queue.add(COLLECT + kv.key);
      return;
    }
    const node = parseObject(e.kv.value);
    if (!node) return;
    const view = nodeView(name, node);
    const previous = this.#nodes.get(name);
    this.#nodes.set(name, view);
    if (previous && previous.ready === view.ready && previous.hostIP === view.hostIP) return;
    for (const kv of this.#podsOn(name)) this.queue.add(kv.key);
  }

  /** Candidates only: the caller re-reads each pod's `spec.nodeName`. */
  #podsOn(nodeName: string): StoredKV[] {
    const needle = `"nodeName":${JSON.stringify(nodeName)}`;
    return this.registry.store.range(POD_PREFIX).kvs.filter((kv) => kv.value.includes(needle));
  }

  protected override async sync(key: string): Promise<void> {
    if (key.startsWith(COLLECT)) {
      await this.#collect(key.slice(COLLECT.length));
      return;
    }
    const kv = this.registry.store.get(key);
    if (!kv) return;
    const pod = this.registry.decode(this.#podDef, kv);
    const nodeName = (pod.spec as PodSpec | undefined)?.nodeName;
    if (!nodeName || pod.metadata?.deletionTimestamp || isPodTerminal(pod)) return;
    const node = this.#nodes.get(nodeName);
    if (!node) return;
    const status = (pod.status ?? {}) as PodStatus;
    const now = formatTime(this.#now());
    const next = node.ready
      ? this.#runningStatus(kv.key, pod, nodeName, node, now)
      : notReadyStatus(status, now);
    if (!next) return;
    await updatePodStatus(
      this.registry,
      this.#podDef,
      kv.key,
      pod,
      next,
      node.ready ? KUBELET : CONTROLLER_MANAGER,
    );
  }

  /** Pod GC's `gcOrphaned`: a pod whose node is gone is deleted at once. */
  async #collect(key: string): Promise<void> {
    const kv = this.registry.store.get(key);
    const pod = kv ? parseObject(kv.value) : undefined;
    const nodeName = (pod?.spec as PodSpec | undefined)?.nodeName;
    // A node of the same name may be back already; then the pod is its again.
    if (!pod || !nodeName || this.registry.store.get(NODE_PREFIX + nodeName)) return;
    const [namespace, name] = splitKey(key, POD_PREFIX);
    await writeUnlessStale(() =>
      this.registry.delete(
        this.#podDef,
        namespace,
        name,
        { gracePeriodSeconds: 0, ...(pod.metadata?.uid ? { preconditions: { uid: pod.metadata.uid } } : {}) },
        internalScope(CONTROLLER_MANAGER),
      ),
    );
  }

  #runningStatus(key: string, pod: KubeObject, nodeName: string, node: NodeView, now: string): PodStatus {
    const spec = (pod.spec ?? {}) as PodSpec;
    const previous = (pod.status ?? {}) as PodStatus;
    const uid = pod.metadata?.uid ?? key;
    const next: PodStatus = { ...previous, phase: 'Running' };
    // A kubelet reports these only for evictions and failures.
    delete next.reason;
    delete next.message;

    if (node.hostIP) {
      next.hostIP = node.hostIP;
      next.hostIPs = [{ ip: node.hostIP }];
    }
    const podIP = spec.hostNetwork
      ? node.hostIP
      : (previous.podIP ?? this.#allocateIP(key, nodeName, node.subnet, uid));
    if (podIP) {
      next.podIP = podIP;
      next.podIPs = [{ ip: podIP }];
    }
    next.startTime = previous.startTime ?? now;

    const oldStatuses = new Map<string, ContainerStatus>();
    for (const s of [...(previous.initContainerStatuses ?? []), ...(previous.containerStatuses ?? [])])
      oldStatuses.set(s.name, s);
    const init = (spec.initContainers ?? []).map((c) =>
      c.restartPolicy === 'Always'
        ? runningContainer(c, oldStatuses.get(c.name ?? ''), uid, now)
        : completedContainer(c, oldStatuses.get(c.name ?? ''), uid, now),
    );
    if (init.length > 0) next.initContainerStatuses = init;
    else delete next.initContainerStatuses;
    // The kubelet lists regular container statuses by name.
    next.containerStatuses = (spec.containers ?? [])
      .map((c) => runningContainer(c, oldStatuses.get(c.name ?? ''), uid, now))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const gates = readinessGateProblems(spec, previous.conditions ?? []);
    const wanted: PodCondition[] = [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      gates.length === 0
        ? { type: 'Ready', status: 'True' }
        : { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: gates.join(', ') },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ];
    let conditions = previous.conditions ?? [];
    for (const c of wanted) conditions = upsertCondition(conditions, c, now);
    // Kubelet conditions first in the kubelet's order, then everybody else's as they were.
    next.conditions = [
      ...KUBELET_CONDITIONS.map((type) => conditions.find((c) => c.type === type)!),
      ...conditions.filter((c) => !KUBELET_CONDITIONS.includes(c.type)),
    ];
    return next;
  }

  /** A free address of the node's block, starting from one derived from the pod uid. */
  #allocateIP(selfKey: string, nodeName: string, subnet: Subnet, uid: string): string {
    const used = new Set<number>();
    for (const kv of this.#podsOn(nodeName)) {
      if (kv.key === selfKey) continue;
      const other = parseObject(kv.value);
      const spec = other?.spec as PodSpec | undefined;
      if (!spec || spec.nodeName !== nodeName || spec.hostNetwork) continue;
      const ip = parseIPv4((other?.status as PodStatus | undefined)?.podIP);
      if (ip !== undefined) used.add(ip);
    }
    // Offsets 2 .. size-2: not the network address, the bridge's .1 nor the broadcast address.
    const hosts = subnet.size - 3;
    const start = hash32(uid) % hosts;
    for (let i = 0; i < hosts; i++) {
      const ip = subnet.base + 2 + ((start + i) % hosts);
      if (!used.has(ip)) return formatIPv4(ip);
    }
    return formatIPv4(subnet.base + 2 + start);
  }
}

/** Upstream's `MarkPodsNotReady`: only Ready turns False; undefined when there is nothing to change. */
function notReadyStatus(status: PodStatus, now: string): PodStatus | undefined {
  const ready = (status.conditions ?? []).find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  return {
    ...status,
    conditions: (status.conditions ?? []).map((c) =>
      c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c,
    ),
  };
}

/** `status.GeneratePodReadyCondition`'s messages for readiness gates that are not True. */
function readinessGateProblems(spec: PodSpec, conditions: PodCondition[]): string[] {
  const problems: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const type = gate.conditionType ?? '';
    const condition = conditions.find((c) => c.type === type);
    if (!condition) problems.push(`corresponding condition of pod readiness gate "${type}" does not exist.`);
    else if (condition.status !== 'True')
      problems.push(`the status of pod readiness gate "${type}" is not "True", but ${condition.status}`);
  }
  return problems;
}

function runningContainer(
  container: Container,
  previous: ContainerStatus | undefined,
  podUid: string,
  now: string,
): ContainerStatus {
  const name = container.name ?? '';
  const image = normalizeImage(container.image ?? '');
  if (previous?.state.running && previous.image === image) return { ...previous, ready: true, started: true };
  // A new image is a new container: the old one shows as last state, the restart is counted.
  const restarted = previous?.state.running !== undefined || previous?.state.terminated !== undefined;
  const restartCount = restarted ? previous.restartCount + 1 : 0;
  return {
    name,
    state: { running: { startedAt: now } },
    lastState: previous?.state.running
      ? {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            ...(previous.state.running.startedAt ? { startedAt: previous.state.running.startedAt } : {}),
            finishedAt: now,
            containerID: previous.containerID,
          },
        }
      : {},
    ready: true,
    restartCount,
    image,
    imageID: imageID(image),
    containerID: containerID(podUid, name, restartCount),
    started: true,
  };
}

/** An init container that ran to completion. */
function completedContainer(
  container: Container,
  previous: ContainerStatus | undefined,
  podUid: string,
  now: string,
): ContainerStatus {
  const name = container.name ?? '';
  const image = normalizeImage(container.image ?? '');
  if (previous?.state.terminated?.exitCode === 0 && previous.image === image) return previous;
  const id = containerID(podUid, name, 0);
  return {
    name,
    state: {
      terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, containerID: id },
    },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID: imageID(image),
    containerID: id,
    started: false,
  };
}

/** The image as containerd reports it: registry and `library/` made explicit, `:latest` when untagged. */
export function normalizeImage(image: string): string {
  const at = image.indexOf('@');
  let name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at) : '';
  const first = name.split('/')[0] ?? '';
  const hasRegistry =
    name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  if (digest) return `${name}${digest}`;
  return name.lastIndexOf(':') > name.lastIndexOf('/') ? name : `${name}:latest`;
}

/** `repository@sha256:...`: the digest given in the reference, or one derived from it. */
function imageID(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image;
  const repository = image.slice(0, image.lastIndexOf(':'));
  return `${repository}@sha256:${sha256Hex(image)}`;
}

function containerID(podUid: string, name: string, restartCount: number): string {
  return `containerd://${sha256Hex(`${podUid}/${name}/${restartCount}`)}`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

function isBound(value: string): boolean {
  return value.includes('"nodeName":"');
}

function nodeView(name: string, node: KubeObject): NodeView {
  const status = (node.status ?? {}) as {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
  };
  const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  return {
    ready:
      Array.isArray(status.conditions) &&
      status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    hostIP: Array.isArray(status.addresses)
      ? status.addresses.find((a) => a.type === 'InternalIP')?.address
      : undefined,
    subnet: subnetOf(spec.podCIDR || spec.podCIDRs?.[0], name),
  };
}

/**
 * The first /24 of the node's IPv4 podCIDR (or the whole block when smaller, down to /28); without one, a
 * /24 of 10.128.0.0/9 chosen by the node name, so pods of different nodes rarely share addresses.
 */
function subnetOf(cidr: string | undefined, nodeName: string): Subnet {
  const match = cidr ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr) : null;
  const address = match ? parseIPv4(match[1]) : undefined;
  const prefix = match ? Number(match[2]) : NaN;
  if (address !== undefined && prefix >= 0 && prefix <= 28) {
    const size = prefix <= 24 ? 256 : 2 ** (32 - prefix);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return { base: (address & mask) >>> 0, size };
  }
  const h = hash32(nodeName);
  return { base: ((10 << 24) | ((128 + ((h >>> 8) & 127)) << 16) | ((h & 255) << 8)) >>> 0, size: 256 };
}

function parseIPv4(text: string | undefined): number | undefined {
  const m = text ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text) : null;
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
