import { parseApiVersion, type KubeObject } from '../../controller-runtime/api/object.js';
import {
  getConditions,
  type Condition,
  type ConditionStatus,
} from '../../controller-runtime/conditions/condition.js';
import { CommonCondition, Label, MachineCondition } from '../../core/api/v1beta2/well-known.js';
import type { ContractReference } from '../../core/contract/contract-version.js';

/** Everything `describe cluster` shows, already read from the management plane. */
export interface ClusterObjects {
  cluster: KubeObject;
  /** Machines of the cluster (label `cluster.x-k8s.io/cluster-name`). */
  machines?: readonly KubeObject[];
  machineSets?: readonly KubeObject[];
  machineDeployments?: readonly KubeObject[];
  machinePools?: readonly KubeObject[];
  /**
   * The objects the Cluster, its Machines and MachinePools reference (infrastructure cluster, control plane,
   * infrastructure machines, bootstrap configs), of any kind. A reference with no object here shows as missing.
   */
  referenced?: readonly KubeObject[];
  /** Why a reference could not be read (no CRD for its kind, not found, forbidden), shown on its missing row. */
  unresolved?: readonly UnresolvedReference[];
  /** The Cluster's ClusterResourceSetBinding, if it has one. */
  resourceSetBinding?: KubeObject;
}

export interface UnresolvedReference {
  ref: ContractReference;
  reason: string;
}

export interface BuildTreeOptions {
  /**
   * `all`, or comma-separated `Kind` / `Kind/name` whose objects get one row per condition; a `+` suffix
   * (`all+`, `Machine+`) keeps only conditions that say something (not in their good state, or with a message).
   */
  showConditions?: string;
  /** Show MachineSets between MachineDeployments and their Machines. */
  showMachineSets?: boolean;
  /** Show the ClusterResourceSets the Cluster's binding names, under a `ClusterResourceSets` heading. */
  showResourceSets?: boolean;
  /** Show infrastructure machines and bootstrap configs even when they only repeat their Machine's state. */
  echo?: boolean;
  /** Fold sibling Machines in the same state into one `N Machines...` row (default true). */
  grouping?: boolean;
}

/** What a row stands for: an object, a heading (`Workers`), several identical Machines, or a dangling reference. */
export type DescribeNodeType = 'object' | 'virtual' | 'group' | 'missing';

/** The part an object plays for its parent, shown before its kind: `ClusterInfrastructure - DevCluster/demo`. */
export type DescribeRole =
  | 'ClusterInfrastructure'
  | 'ControlPlane'
  | 'MachineInfrastructure'
  | 'BootstrapConfig'
  | 'MachinePoolInfrastructure';

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime?: string;
  /** False for conditions whose True is the unusual state (Paused, Deleting, ScalingUp, ...): colours flip. */
  positivePolarity: boolean;
}

/** One row of the tree (and the JSON `-o json|yaml` prints): plain data only. */
export interface DescribeNode {
  type: DescribeNodeType;
  kind: string;
  name: string;
  role?: DescribeRole;
  /** `ControlPlane - KubeadmControlPlane/demo, v1.31.0`, `Workers`, `3 Machines...`. */
  displayName: string;
  version?: string;
  /** The object has a deletionTimestamp. */
  deleting?: boolean;
  /** `current/desired`, or `1` for a Machine. */
  replicas?: string;
  available?: string;
  ready?: string;
  upToDate?: string;
  /**
   * The condition the row shows: Available for the Cluster, its control plane and MachineDeployments, Ready for
   * everything else; absent for MachineSets, headings and objects without it.
   */
  summary?: NodeCondition;
  /** A message that is not the summary's: `See m-1, m-2, ...` for groups, why a reference is missing. */
  note?: string;
  /** Every condition, in the object's order, when `showConditions` selects the object. */
  conditions?: NodeCondition[];
  /** Names of the Machines a group stands for, sorted. */
  groupItems?: string[];
  children: DescribeNode[];
}

/** Conditions whose True is the exceptional state. */
const NEGATIVE_POLARITY: ReadonlySet<string> = new Set([
  CommonCondition.Paused,
  CommonCondition.Deleting,
  CommonCondition.RollingOut,
  CommonCondition.ScalingUp,
  CommonCondition.ScalingDown,
  CommonCondition.Remediating,
  MachineCondition.Updating,
]);

/** Whether `True` is the good state of a condition type (false for Paused, Deleting, RollingOut, ...). */
export const isPositivePolarity = (type: string): boolean => !NEGATIVE_POLARITY.has(type);

const NON_ZERO_SUFFIX = '+';

type ConditionFilter = 'none' | 'all' | 'nonZero';

/**
 * The tree `clusterctl describe cluster` prints, from objects already read: Cluster, then
 * `ClusterInfrastructure`, `ControlPlane` (its Machines below it) and `Workers` (MachineDeployments with their
 * MachineSets and Machines, MachinePools, and an `Other` heading for Machines nothing owns). Infrastructure
 * machines and bootstrap configs appear under their Machine only when they add something (see `echo`).
 */
export function buildClusterTree(objects: ClusterObjects, options: BuildTreeOptions = {}): DescribeNode {
  return new TreeBuilder(objects, options).build();
}

class TreeBuilder {
  readonly #objects: ClusterObjects;
  readonly #options: BuildTreeOptions;
  readonly #referenced = new Map<string, KubeObject>();
  readonly #unresolved = new Map<string, string>();
  readonly #placed = new Set<KubeObject>();

  constructor(objects: ClusterObjects, options: BuildTreeOptions) {
    this.#objects = objects;
    this.#options = options;
    for (const obj of objects.referenced ?? []) {
      if (!obj.apiVersion || !obj.kind || !obj.metadata.name) continue;
      const { group } = parseApiVersion(obj.apiVersion);
      this.#referenced.set(refKey({ apiGroup: group, kind: obj.kind, name: obj.metadata.name }), obj);
    }
    for (const u of objects.unresolved ?? []) this.#unresolved.set(refKey(u.ref), u.reason);
  }

  build(): DescribeNode {
    const cluster = this.#objects.cluster;
    const spec = record(cluster['spec']);
    const root = this.#objectNode(cluster, 'Cluster');

    const infraRef = contractRef(spec['infrastructureRef']);
    if (infraRef) root.children.push(this.#refNode(infraRef, 'ClusterInfrastructure'));
    const binding = this.#objects.resourceSetBinding;
    if (this.#options.showResourceSets && binding) root.children.push(resourceSetsNode(binding));

    const machines = this.#objects.machines ?? [];
    const cpRef = contractRef(spec['controlPlaneRef']);
    if (cpRef) {
      const cp = this.#refNode(cpRef, 'ControlPlane');
      const cpMachines = machines.filter((m) => m.metadata.labels?.[Label.ControlPlane] !== undefined);
      cp.children.push(...this.#machineNodes(cpMachines, true));
      root.children.push(cp);
    }

    const workers = this.#workers();
    if (workers.children.length > 0) root.children.push(workers);
    return root;
  }

  #workers(): DescribeNode {
    const workers = virtualNode('WorkerGroup', 'Workers');
    const machines = this.#objects.machines ?? [];
    const machineSets = this.#objects.machineSets ?? [];
    const showMachineSets = this.#options.showMachineSets === true;

    for (const md of sortByName(this.#objects.machineDeployments ?? [])) {
      const node = this.#objectNode(md, 'MachineDeployment');
      const owned = sortByName(machineSets.filter((ms) => controlledBy(ms, md)));
      for (const ms of owned) this.#placed.add(ms);
      if (showMachineSets) {
        for (const ms of owned) node.children.push(this.#machineSetNode(ms, machines));
      } else {
        const mdMachines = machines.filter((m) => owned.some((ms) => controlledBy(m, ms)));
        node.children.push(...this.#machineNodes(mdMachines, true));
      }
      workers.children.push(node);
    }
    // A MachineSet nothing owns still runs workers.
    for (const ms of sortByName(machineSets.filter((ms) => !this.#placed.has(ms)))) {
      workers.children.push(this.#machineSetNode(ms, machines));
    }
    for (const mp of sortByName(this.#objects.machinePools ?? [])) {
      const node = this.#objectNode(mp, 'MachinePool');
      const template = record(record(record(mp['spec'])['template'])['spec']);
      const details = [
        this.#detailNode(node, contractRef(record(template['bootstrap'])['configRef']), 'BootstrapConfig'),
        this.#detailNode(node, contractRef(template['infrastructureRef']), 'MachinePoolInfrastructure'),
      ];
      node.children.push(...details.filter((d): d is DescribeNode => d !== undefined));
      node.children.push(
        ...this.#machineNodes(
          machines.filter((m) => controlledBy(m, mp)),
          true,
        ),
      );
      workers.children.push(node);
    }

    const orphans = machines.filter((m) => !this.#placed.has(m));
    if (orphans.length > 0) {
      const other = virtualNode('OtherGroup', 'Other');
      other.children.push(...this.#machineNodes(orphans, false));
      workers.children.push(other);
    }
    return workers;
  }

  #machineSetNode(ms: KubeObject, machines: readonly KubeObject[]): DescribeNode {
    this.#placed.add(ms);
    const node = this.#objectNode(ms, 'MachineSet');
    node.children.push(
      ...this.#machineNodes(
        machines.filter((m) => controlledBy(m, ms)),
        true,
      ),
    );
    return node;
  }

  /** Machine rows under one parent; with `groupable`, look-alike Machines fold into one row. */
  #machineNodes(machines: readonly KubeObject[], groupable: boolean): DescribeNode[] {
    const single: DescribeNode[] = [];
    const buckets = new Map<string, { node: DescribeNode; machine: KubeObject }[]>();
    for (const machine of sortByName(machines)) {
      this.#placed.add(machine);
      const node = this.#machineNode(machine);
      // A Machine keeps its own row when its details or conditions are on show: folding would hide them.
      if (!groupable || this.#options.grouping === false || node.children.length > 0 || node.conditions) {
        single.push(node);
        continue;
      }
      const key = groupKey(machine);
      const bucket = buckets.get(key) ?? [];
      bucket.push({ node, machine });
      buckets.set(key, bucket);
    }
    const grouped: DescribeNode[] = [];
    for (const bucket of buckets.values()) {
      if (bucket.length === 1) single.push(bucket[0]!.node);
      else grouped.push(groupNode(bucket.map((b) => b.machine)));
    }
    return [...grouped, ...single].sort((a, b) => compareText(a.displayName, b.displayName));
  }

  #machineNode(machine: KubeObject): DescribeNode {
    const node = this.#objectNode(machine, 'Machine');
    const spec = record(machine['spec']);
    const details = [
      this.#detailNode(node, contractRef(spec['infrastructureRef']), 'MachineInfrastructure'),
      this.#detailNode(node, contractRef(record(spec['bootstrap'])['configRef']), 'BootstrapConfig'),
    ];
    node.children.push(...details.filter((d): d is DescribeNode => d !== undefined));
    return node;
  }

  /**
   * An infrastructure machine or bootstrap config below its owner, or nothing when it is only an echo of the
   * owner: Ready True, or Ready with the owner's status and reason. A dangling reference always shows.
   */
  #detailNode(
    parent: DescribeNode,
    ref: ContractReference | undefined,
    role: DescribeRole,
  ): DescribeNode | undefined {
    if (!ref) return undefined;
    const node = this.#refNode(ref, role);
    if (node.type === 'missing' || this.#options.echo === true || node.conditions) return node;
    const ready = node.summary;
    const parentReady = parent.summary;
    if (ready?.status === 'True') return undefined;
    if (sameStatusAndReason(ready, parentReady)) return undefined;
    return node;
  }

  #refNode(ref: ContractReference, role: DescribeRole): DescribeNode {
    const obj = this.#referenced.get(refKey(ref));
    if (!obj) {
      const node: DescribeNode = {
        type: 'missing',
        kind: ref.kind,
        name: ref.name,
        role,
        displayName: '',
        note: this.#unresolved.get(refKey(ref)) ?? `${ref.kind} "${ref.name}" not found`,
        children: [],
      };
      node.displayName = displayName(node);
      return node;
    }
    return this.#objectNode(obj, ref.kind, role);
  }

  #objectNode(obj: KubeObject, kind: string, role?: DescribeRole): DescribeNode {
    const node: DescribeNode = {
      type: 'object',
      kind: obj.kind ?? kind,
      name: obj.metadata.name ?? '',
      displayName: '',
      children: [],
    };
    if (role) node.role = role;
    if (obj.metadata.deletionTimestamp) node.deleting = true;
    const version = versionOf(obj, node.kind, role);
    if (version) node.version = version;
    Object.assign(node, counters(obj, node.kind, role));
    const summary = summaryCondition(obj, node.kind, role);
    if (summary) node.summary = summary;
    const filter = conditionFilter(node.kind, node.name, this.#options.showConditions);
    if (filter !== 'none') node.conditions = shownConditions(obj, filter);
    node.displayName = displayName(node);
    return node;
  }
}

function virtualNode(kind: string, name: string): DescribeNode {
  return { type: 'virtual', kind, name, displayName: name, children: [] };
}

function groupNode(machines: readonly KubeObject[]): DescribeNode {
  const names = machines.map((m) => m.metadata.name ?? '').sort(compareText);
  const first = machines[0]!;
  const count = (type: string): string =>
    String(
      machines.filter((m) => getConditions(m).some((c) => c.type === type && c.status === 'True')).length,
    );
  const node: DescribeNode = {
    type: 'group',
    kind: 'MachineGroup',
    name: names.join(', '),
    displayName: `${machines.length} Machines...`,
    available: count(MachineCondition.Available),
    ready: count(MachineCondition.Ready),
    upToDate: count(MachineCondition.UpToDate),
    groupItems: names,
    note: names.length <= 2 ? `See ${names.join(', ')}` : `See ${names.slice(0, 2).join(', ')}, ...`,
    children: [],
  };
  if (first.metadata.deletionTimestamp) node.deleting = true;
  const ready = findCondition(first, MachineCondition.Ready);
  if (ready) {
    // The group has been in this state since the earliest of its Machines got there.
    const since = machines
      .map((m) => findCondition(m, MachineCondition.Ready)?.lastTransitionTime)
      .filter((t): t is string => typeof t === 'string' && t !== '')
      .sort()[0];
    node.summary = { ...toNodeCondition(ready), message: '' };
    if (since) node.summary.lastTransitionTime = since;
    else delete node.summary.lastTransitionTime;
  }
  return node;
}

/** Machines fold together when Available, Ready and UpToDate agree in status and reason, and deletion too. */
function groupKey(machine: KubeObject): string {
  return JSON.stringify([
    Boolean(machine.metadata.deletionTimestamp),
    ...[MachineCondition.Available, MachineCondition.Ready, MachineCondition.UpToDate].map((type) => {
      const c = findCondition(machine, type);
      return c ? [c.status, c.reason] : null;
    }),
  ]);
}

function sameStatusAndReason(a: NodeCondition | undefined, b: NodeCondition | undefined): boolean {
  if (!a || !b) return a === b;
  return a.status === b.status && a.reason === b.reason;
}

function displayName(node: DescribeNode): string {
  if (node.type === 'virtual' || node.type === 'group') return node.displayName;
  const base = `${node.kind}/${node.name}${node.version ? `, ${node.version}` : ''}`;
  return node.role ? `${node.role} - ${base}` : base;
}

function versionOf(obj: KubeObject, kind: string, role: DescribeRole | undefined): string | undefined {
  const spec = record(obj['spec']);
  switch (role ?? kind) {
    case 'Cluster':
      return str(record(spec['topology'])['version']);
    case 'ControlPlane':
      return str(spec['version']);
    case 'Machine':
      return str(spec['version']);
    case 'MachineDeployment':
    case 'MachineSet':
    case 'MachinePool':
      return str(record(record(spec['template'])['spec'])['version']);
    default:
      return undefined;
  }
}

type Counters = Pick<DescribeNode, 'replicas' | 'available' | 'ready' | 'upToDate'>;

function counters(obj: KubeObject, kind: string, role: DescribeRole | undefined): Counters {
  const spec = record(obj['spec']);
  const status = record(obj['status']);
  const out: Counters = {};
  const set = (field: keyof Counters, value: number | undefined): void => {
    if (value !== undefined) out[field] = String(value);
  };
  if (
    role === 'ControlPlane' ||
    kind === 'MachineDeployment' ||
    kind === 'MachineSet' ||
    kind === 'MachinePool'
  ) {
    const desired = num(spec['replicas']);
    if (desired !== undefined) out.replicas = `${num(status['replicas']) ?? 0}/${desired}`;
    set('available', num(status['availableReplicas']));
    set('ready', num(status['readyReplicas']));
    set('upToDate', num(status['upToDateReplicas']));
    return out;
  }
  if (!role && kind === 'Cluster') {
    // Control plane and worker counters summed, as clusterctl does.
    const cp = record(status['controlPlane']);
    const w = record(status['workers']);
    const sum = (field: string): number | undefined => {
      const a = num(cp[field]);
      const b = num(w[field]);
      return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
    };
    const current = sum('replicas');
    const desired = sum('desiredReplicas');
    if (current !== undefined || desired !== undefined) out.replicas = `${current ?? 0}/${desired ?? 0}`;
    set('available', sum('availableReplicas'));
    set('ready', sum('readyReplicas'));
    set('upToDate', sum('upToDateReplicas'));
    return out;
  }
  if (!role && kind === 'Machine') {
    const isTrue = (type: string): string => (findCondition(obj, type)?.status === 'True' ? '1' : '0');
    return {
      replicas: '1',
      available: isTrue(MachineCondition.Available),
      ready: isTrue(MachineCondition.Ready),
      upToDate: isTrue(MachineCondition.UpToDate),
    };
  }
  return out;
}

function summaryCondition(
  obj: KubeObject,
  kind: string,
  role: DescribeRole | undefined,
): NodeCondition | undefined {
  let condition: Condition | undefined;
  if (role === 'ControlPlane') {
    condition = findCondition(obj, CommonCondition.Available) ?? findCondition(obj, CommonCondition.Ready);
  } else if (!role && (kind === 'Cluster' || kind === 'MachineDeployment')) {
    condition = findCondition(obj, CommonCondition.Available);
  } else if (!role && kind === 'MachineSet') {
    condition = undefined;
  } else {
    condition = findCondition(obj, CommonCondition.Ready);
  }
  return condition ? toNodeCondition(condition) : undefined;
}

function conditionFilter(kind: string, name: string, showConditions: string | undefined): ConditionFilter {
  if (!showConditions) return 'none';
  for (const raw of showConditions.split(',')) {
    const filter = raw.trim();
    if (!filter) continue;
    const nonZero = filter.endsWith(NON_ZERO_SUFFIX);
    const bare = nonZero ? filter.slice(0, -NON_ZERO_SUFFIX.length) : filter;
    const [k, n] = bare.split('/', 2);
    const matches =
      bare.toLowerCase() === 'all' ||
      (k !== undefined && equalFold(k, kind) && (n === undefined || equalFold(n, name)));
    if (matches) return nonZero ? 'nonZero' : 'all';
  }
  return 'none';
}

function shownConditions(obj: KubeObject, filter: ConditionFilter): NodeCondition[] {
  const all = getConditions(obj).map(toNodeCondition);
  if (filter !== 'nonZero') return all;
  return all.filter(
    (c) =>
      c.type === CommonCondition.Available ||
      c.type === CommonCondition.Ready ||
      c.status === 'Unknown' ||
      (c.status === 'True') !== c.positivePolarity ||
      c.message !== '',
  );
}

function toNodeCondition(c: Condition): NodeCondition {
  const out: NodeCondition = {
    type: c.type,
    status: c.status,
    reason: c.reason ?? '',
    message: c.message ?? '',
    positivePolarity: isPositivePolarity(c.type),
  };
  if (c.lastTransitionTime) out.lastTransitionTime = c.lastTransitionTime;
  return out;
}

function findCondition(obj: KubeObject, type: string): Condition | undefined {
  return getConditions(obj).find((c) => c.type === type);
}

/** True when `obj`'s controller owner reference names `owner` (by uid when both carry one). */
function controlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some(
    (r) =>
      r.controller === true &&
      r.kind === owner.kind &&
      r.name === owner.metadata.name &&
      (!r.uid || !owner.metadata.uid || r.uid === owner.metadata.uid),
  );
}

/** A `{apiGroup, kind, name}` reference, when the field holds one. */
export function contractRef(value: unknown): ContractReference | undefined {
  const r = record(value);
  const kind = str(r['kind']);
  const name = str(r['name']);
  if (!kind || !name) return undefined;
  const apiGroup =
    str(r['apiGroup']) ?? (str(r['apiVersion']) ? parseApiVersion(str(r['apiVersion'])!).group : '');
  return { apiGroup, kind, name };
}

export const refKey = (ref: ContractReference): string => `${ref.apiGroup}/${ref.kind}/${ref.name}`;

const sortByName = <T extends KubeObject>(objs: readonly T[]): T[] =>
  [...objs].sort((a, b) => compareText(a.metadata.name ?? '', b.metadata.name ?? ''));

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const equalFold = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * The sets a ClusterResourceSetBinding names, as clusterctl shows them: references under a
 * `ClusterResourceSets` heading, without state of their own (a set's ResourcesApplied covers every cluster it
 * selects, so it says nothing about this one).
 */
function resourceSetsNode(binding: KubeObject): DescribeNode {
  const group = virtualNode('ClusterResourceSetGroup', 'ClusterResourceSets');
  const bindings = record(binding['spec'])['bindings'];
  for (const entry of Array.isArray(bindings) ? bindings : []) {
    const name = record(entry)['clusterResourceSetName'];
    if (typeof name !== 'string' || name === '') continue;
    group.children.push({
      type: 'object',
      kind: 'ClusterResourceSet',
      name,
      displayName: `ClusterResourceSet/${name}`,
      children: [],
    });
  }
  return group;
}
