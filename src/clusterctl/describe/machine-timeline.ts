// The story of one Machine, oldest first: when it was created and deleted, every condition transition on it,
// its infrastructure machine and its bootstrap config, and the Events about them; plus what it is waiting for
// now. Everything is read from the API server (Events and condition transition times), so it survives
// controller restarts. See docs/machine-timeline.md.
import pc from 'picocolors';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import {
  ApiError,
  isNoKindMatch,
  isNotFound,
  isNotFoundOrNoKind,
} from '../../controller-runtime/client/errors.js';
import type { Condition } from '../../controller-runtime/conditions/condition.js';
import { API_VERSION } from '../../core/api/v1beta2/group.js';
import { MachineCondition, MachineReason } from '../../core/api/v1beta2/well-known.js';
import {
  type ContractReference,
  ContractResolver,
  isUnsupportedContract,
} from '../../core/contract/contract-version.js';
import { MachineNotFoundError } from '../errors.js';
import { shortDuration, visibleWidth } from '../output.js';
import { contractRef, isPositivePolarity } from './describe-tree.js';
import { wrapParagraph } from './render-tree.js';

export { MachineNotFoundError } from '../errors.js';

export interface TimelineEntry {
  time: string; // RFC 3339
  source: { kind: string; name: string }; // Machine, DevMachine, KubeadmConfig, Node, MachineHealthCheck, ...
  category: 'lifecycle' | 'condition' | 'event';
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count?: number; // aggregated Events
}
export interface WaitingReason {
  reason: string;
  message: string;
  since?: string;
}
export interface MachineTimeline {
  machine: {
    namespace: string;
    name: string;
    cluster: string;
    phase: string;
    version?: string;
    nodeName?: string;
    deleting: boolean;
  };
  entries: TimelineEntry[]; // oldest first
  waiting?: WaitingReason; // absent when nothing is awaited (Running and healthy)
}

/** Reasons of the lifecycle entries (ours: no condition or Event carries them). */
export const TimelineLifecycleReason = {
  Created: 'Created',
  DeletionRequested: 'DeletionRequested',
} as const;

/** Reasons of `waiting` that are not a v1beta2 condition reason (those are used as they are). */
export const WaitingFor = {
  NotReconciled: 'NotReconciled',
  Paused: 'Paused',
  BootstrapData: 'WaitingForBootstrapData',
  Infrastructure: 'WaitingForInfrastructure',
  Node: 'WaitingForNode',
  NodeNotReady: 'NodeNotReady',
  NodeNotHealthy: 'NodeNotHealthy',
  NotReady: 'NotReady',
  MinReadySeconds: 'WaitingForMinReadySeconds',
  DeletionStarting: 'DeletionStarting',
  Finalizers: 'WaitingForFinalizers',
} as const;

/** What `buildMachineTimeline` needs: the Machine, what it references (when readable), and the Events. */
export interface MachineTimelineObjects {
  machine: KubeObject;
  infrastructure?: KubeObject;
  bootstrap?: KubeObject;
  /** core/v1 Events about the Machine, its infrastructure machine and bootstrap config, and related ones. */
  events: readonly KubeObject[];
}

const MACHINE_TYPE: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
const EVENT_TYPE: TypeRef = { apiVersion: 'v1', kind: 'Event' };

/**
 * Kinds whose Events name a Machine in their message rather than being about it (remediation, scaling):
 * those that mention the Machine by name join its timeline.
 */
const RELATED_EVENT_KINDS = ['MachineHealthCheck'] as const;
const OWNER_EVENT_KINDS = new Set(['MachineSet', 'KubeadmControlPlane', 'MachinePool']);

/**
 * The Machine's timeline, read through `reader`: the Machine (or `MachineNotFoundError`), its infrastructure
 * machine and bootstrap config (at the version their CRD declares for the contract; an unreadable one is
 * left out), and the Events about the three, listed with `involvedObject` field selectors. Events of the
 * Machine's controller owner (MachineSet, KubeadmControlPlane) and of MachineHealthChecks join when their
 * message names the Machine.
 */
export async function machineTimeline(
  reader: Reader,
  namespace: string,
  name: string,
  options: { signal?: AbortSignal } = {},
): Promise<MachineTimeline> {
  const signal = options.signal ? { signal: options.signal } : {};
  let machine: KubeObject;
  try {
    machine = await reader.get(MACHINE_TYPE, { namespace, name }, signal);
  } catch (err) {
    if (isNotFoundOrNoKind(err)) throw new MachineNotFoundError(namespace, name);
    throw err;
  }
  machine = { ...machine, ...MACHINE_TYPE };
  const spec = record(machine['spec']);
  const resolver = new ContractResolver(reader);
  const [infrastructure, bootstrap] = await Promise.all([
    readReferenced(reader, resolver, namespace, contractRef(spec['infrastructureRef']), options.signal),
    readReferenced(
      reader,
      resolver,
      namespace,
      contractRef(record(spec['bootstrap'])['configRef']),
      options.signal,
    ),
  ]);

  const about = [machine, infrastructure, bootstrap].filter((o): o is KubeObject => o !== undefined);
  const lists: Promise<KubeObject[]>[] = about.map((obj) =>
    listEvents(reader, namespace, { kind: obj.kind ?? '', name: obj.metadata.name ?? '' }, signal).then(
      (events) => events.filter((e) => sameObject(e, obj)),
    ),
  );
  const mentions = (events: KubeObject[]) => events.filter((e) => mentionsName(eventMessage(e), name));
  const owner = (machine.metadata.ownerReferences ?? []).find(
    (r) => r.controller && OWNER_EVENT_KINDS.has(r.kind),
  );
  if (owner)
    lists.push(listEvents(reader, namespace, { kind: owner.kind, name: owner.name }, signal).then(mentions));
  for (const kind of RELATED_EVENT_KINDS)
    lists.push(listEvents(reader, namespace, { kind }, signal).then(mentions));
  const events = (await Promise.all(lists)).flat();

  return buildMachineTimeline({
    machine,
    ...(infrastructure ? { infrastructure } : {}),
    ...(bootstrap ? { bootstrap } : {}),
    events,
  });
}

/** The timeline of already-read objects (pure; `machineTimeline` reads them). */
export function buildMachineTimeline(objects: MachineTimelineObjects): MachineTimeline {
  const { machine, infrastructure, bootstrap } = objects;
  const spec = record(machine['spec']);
  const status = record(machine['status']);
  const meta = machine.metadata;
  const sorted: Sortable[] = [];
  const machineSource = { kind: 'Machine', name: meta.name ?? '' };

  if (meta.creationTimestamp)
    sorted.push(
      sortable(
        {
          time: normalizeTime(meta.creationTimestamp),
          source: machineSource,
          category: 'lifecycle',
          type: 'Normal',
          reason: TimelineLifecycleReason.Created,
          message: 'Machine created',
        },
        Date.parse(meta.creationTimestamp),
      ),
    );
  if (meta.deletionTimestamp)
    sorted.push(
      sortable(
        {
          time: normalizeTime(meta.deletionTimestamp),
          source: machineSource,
          category: 'lifecycle',
          type: 'Normal',
          reason: TimelineLifecycleReason.DeletionRequested,
          message: 'Machine deletion requested',
        },
        Date.parse(meta.deletionTimestamp),
      ),
    );

  const machineConditions = conditionsOf(machine);
  const mirrorOf: [KubeObject | undefined, string][] = [
    [infrastructure, MachineCondition.InfrastructureReady],
    [bootstrap, MachineCondition.BootstrapConfigReady],
  ];
  sorted.push(...conditionEntries(machine, () => false));
  for (const [obj, mirrorType] of mirrorOf) {
    if (!obj) continue;
    const mirror = machineConditions.find((c) => c.type === mirrorType);
    // The Machine mirrors the object's Ready condition; the same words twice say nothing new.
    sorted.push(
      ...conditionEntries(
        obj,
        (c) =>
          c.type === 'Ready' &&
          mirror !== undefined &&
          mirror.status === c.status &&
          mirror.reason === c.reason &&
          (mirror.message ?? '') === (c.message ?? ''),
      ),
    );
  }
  sorted.push(...eventEntries(objects.events));
  sorted.sort(compareSortable);

  const nodeName = str(record(status['nodeRef'])['name']);
  const version = str(spec['version']);
  return {
    machine: {
      namespace: meta.namespace ?? '',
      name: meta.name ?? '',
      cluster: str(spec['clusterName']) ?? meta.labels?.['cluster.x-k8s.io/cluster-name'] ?? '',
      phase: str(status['phase']) ?? '',
      ...(version ? { version } : {}),
      ...(nodeName ? { nodeName } : {}),
      deleting: !!meta.deletionTimestamp,
    },
    entries: sorted.map((s) => s.entry),
    ...waitingField(waitingReason(objects)),
  };
}

const waitingField = (waiting: WaitingReason | undefined): { waiting?: WaitingReason } =>
  waiting ? { waiting } : {};

// ------------------------------------------------------------------------------------------ reading

async function readReferenced(
  reader: Reader,
  resolver: ContractResolver,
  namespace: string,
  ref: ContractReference | undefined,
  signal: AbortSignal | undefined,
): Promise<KubeObject | undefined> {
  if (!ref) return undefined;
  try {
    const { apiVersion } = await resolver.resolve(ref);
    const obj = await reader.get(
      { apiVersion, kind: ref.kind },
      { namespace, name: ref.name },
      signal ? { signal } : {},
    );
    return { ...obj, apiVersion, kind: ref.kind };
  } catch (err) {
    // Gone, not installed or not readable: the Machine's own conditions still tell its side of the story.
    if (isUnsupportedContract(err) || isNotFound(err) || isNoKindMatch(err) || err instanceof ApiError)
      return undefined;
    throw err;
  }
}

/** Events in `namespace` about objects of `kind` (and `name`), selected by the API server. */
async function listEvents(
  reader: Reader,
  namespace: string,
  about: { kind: string; name?: string },
  signal: { signal?: AbortSignal },
): Promise<KubeObject[]> {
  const selector = [`involvedObject.kind=${about.kind}`];
  if (about.name) selector.push(`involvedObject.name=${about.name}`);
  try {
    const list = await reader.list(EVENT_TYPE, { namespace, fieldSelector: selector.join(','), ...signal });
    return list.items;
  } catch (err) {
    // Not allowed to read Events: the timeline still has the conditions.
    if (err instanceof ApiError && !isNotFound(err)) return [];
    throw err;
  }
}

/** An Event about an earlier object of the same name (another uid) is not about this one. */
function sameObject(event: KubeObject, obj: KubeObject): boolean {
  const uid = str(record(event['involvedObject'])['uid']);
  return !uid || !obj.metadata.uid || uid === obj.metadata.uid;
}

function mentionsName(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9.-])${escaped}($|[^a-z0-9-]|\\.(?![a-z0-9]))`).test(message);
}

// ------------------------------------------------------------------------------------------ entries

interface Sortable {
  entry: TimelineEntry;
  /** Milliseconds; sub-second where the source knows it (Event names), whole seconds otherwise. */
  at: number;
  order: number;
  /** Nanoseconds from the Event's name: orders Events recorded within the same millisecond. */
  nanos?: bigint;
}

const CATEGORY_ORDER: Record<TimelineEntry['category'], number> = { lifecycle: 0, condition: 1, event: 2 };

function sortable(entry: TimelineEntry, at: number, nanos?: bigint): Sortable {
  // A condition's lastTransitionTime has whole seconds: the change happened somewhere in that second. Placed
  // at its end, the Events of the same second (ordered to the nanosecond) tell the story first, and the
  // conditions then show the state it ended in.
  const end = entry.category === 'condition' ? 999 : 0;
  return {
    entry,
    at: Number.isNaN(at) ? 0 : at + end,
    order: CATEGORY_ORDER[entry.category],
    ...(nanos !== undefined ? { nanos } : {}),
  };
}

const compareNanos = (a: bigint | undefined, b: bigint | undefined): number =>
  a === undefined || b === undefined || a === b ? 0 : a < b ? -1 : 1;

function compareSortable(a: Sortable, b: Sortable): number {
  return (
    a.at - b.at ||
    a.order - b.order ||
    compareNanos(a.nanos, b.nanos) ||
    // The Machine's own entries first, then what it references.
    Number(a.entry.source.kind !== 'Machine') - Number(b.entry.source.kind !== 'Machine') ||
    compareText(a.entry.source.kind, b.entry.source.kind) ||
    compareText(a.entry.source.name, b.entry.source.name) ||
    compareText(a.entry.reason, b.entry.reason) ||
    compareText(a.entry.message, b.entry.message)
  );
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function conditionEntries(obj: KubeObject, skip: (c: Condition) => boolean): Sortable[] {
  const source = { kind: obj.kind ?? '', name: obj.metadata.name ?? '' };
  const out: Sortable[] = [];
  for (const c of conditionsOf(obj)) {
    if (!c.lastTransitionTime || skip(c)) continue;
    const negative = !isPositivePolarity(c.type);
    if (negative && c.status === 'False') continue;
    out.push(
      sortable(
        {
          time: normalizeTime(c.lastTransitionTime),
          source,
          category: 'condition',
          type: !negative && c.status === 'False' ? 'Warning' : 'Normal',
          reason: c.reason || c.type,
          message: `${c.type}=${c.status}${c.message ? `: ${c.message}` : ''}`,
        },
        Date.parse(c.lastTransitionTime),
      ),
    );
  }
  return out;
}

function eventEntries(events: readonly KubeObject[]): Sortable[] {
  const seen = new Set<string>();
  const merged = new Map<string, Sortable>();
  for (const event of events) {
    const id = event.metadata.uid ?? `${event.metadata.namespace}/${event.metadata.name}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const involved = record(event['involvedObject']);
    const first = str(event['firstTimestamp']) ?? str(event['eventTime']) ?? str(event['lastTimestamp']);
    const stamp = first ?? event.metadata.creationTimestamp;
    if (!stamp) continue;
    const time = normalizeTime(stamp);
    const countValue = event['count'];
    const series = record(event['series'])['count'];
    const count =
      typeof countValue === 'number' && countValue > 0
        ? countValue
        : typeof series === 'number' && series > 0
          ? series
          : 1;
    const entry: TimelineEntry = {
      time,
      source: { kind: str(involved['kind']) ?? '', name: str(involved['name']) ?? '' },
      category: 'event',
      type: event['type'] === 'Warning' ? 'Warning' : 'Normal',
      reason: str(event['reason']) ?? '',
      message: eventMessage(event),
    };
    // A controller restarted within the aggregation window records the same Event afresh: one entry.
    const key = [
      entry.source.kind,
      entry.source.name,
      entry.type,
      entry.reason,
      entry.message,
      entry.time,
    ].join('\u0000');
    const existing = merged.get(key);
    if (existing) {
      existing.entry.count = (existing.entry.count ?? 1) + count;
      continue;
    }
    if (count > 1) entry.count = count;
    const instant = eventInstant(event, Date.parse(time));
    merged.set(key, sortable(entry, instant.ms, instant.nanos));
  }
  return [...merged.values()];
}

const eventMessage = (event: KubeObject): string => str(event['message']) ?? str(event['note']) ?? '';

/**
 * client-go (and our recorder) name Events `<object>.<UnixNano in hex>`: when that agrees with the recorded
 * second, it orders Events recorded within the same second.
 */
function eventInstant(event: KubeObject, seconds: number): { ms: number; nanos?: bigint } {
  const match = /\.([0-9a-f]{12,16})$/.exec(event.metadata.name ?? '');
  if (!match || Number.isNaN(seconds)) return { ms: seconds };
  const nanos = BigInt(`0x${match[1]!}`);
  const ms = Number(nanos / 1_000_000n);
  return Math.floor(ms / 1000) * 1000 === seconds ? { ms, nanos } : { ms: seconds };
}

// ------------------------------------------------------------------------------------------ waiting

/** What the Machine waits for now, from its state (and its infrastructure machine's and bootstrap config's). */
export function waitingReason(objects: Omit<MachineTimelineObjects, 'events'>): WaitingReason | undefined {
  const { machine, infrastructure, bootstrap } = objects;
  const status = record(machine['status']);
  const cond = (type: string) => conditionsOf(machine).find((c) => c.type === type);
  if (machine.metadata.deletionTimestamp) return deletingReason(objects);

  if (conditionsOf(machine).length === 0)
    return {
      reason: WaitingFor.NotReconciled,
      message: 'The Machine controller has not reported on this Machine yet (is it running?)',
      ...since(machine.metadata.creationTimestamp),
    };
  const paused = cond(MachineCondition.Paused);
  if (paused?.status === 'True')
    return {
      reason: WaitingFor.Paused,
      message: paused.message || 'The Machine or its Cluster is paused',
      ...since(paused.lastTransitionTime),
    };

  const initialization = record(status['initialization']);
  const bootstrapReady = cond(MachineCondition.BootstrapConfigReady);
  if (initialization['bootstrapDataSecretCreated'] !== true && bootstrapReady?.status !== 'True') {
    const detail = objectDetail(bootstrap) ?? bootstrapReady?.message;
    return {
      reason: WaitingFor.BootstrapData,
      message: `Waiting for bootstrap data${detail ? `: ${detail}` : ''}`,
      ...since(bootstrapReady?.lastTransitionTime ?? machine.metadata.creationTimestamp),
    };
  }

  const infraReady = cond(MachineCondition.InfrastructureReady);
  if (infraReady?.status !== 'True') {
    const detail = objectDetail(infrastructure) ?? infraReady?.message;
    return {
      reason: WaitingFor.Infrastructure,
      message: `Waiting for infrastructure${detail ? `: ${detail}` : ''}`,
      ...since(infraReady?.lastTransitionTime ?? machine.metadata.creationTimestamp),
    };
  }

  const nodeName = str(record(status['nodeRef'])['name']);
  const nodeHealthy = cond(MachineCondition.NodeHealthy);
  if (!nodeName) {
    const providerID = str(record(machine['spec'])['providerID']);
    return {
      reason: WaitingFor.Node,
      message:
        `Waiting for the Node${providerID ? ` with providerID ${providerID}` : ''} to join the workload cluster` +
        (nodeHealthy?.message ? `: ${nodeHealthy.message}` : ''),
      ...since(infraReady.lastTransitionTime),
    };
  }
  const nodeReady = cond(MachineCondition.NodeReady);
  if (nodeReady && nodeReady.status !== 'True')
    return {
      reason: WaitingFor.NodeNotReady,
      message: `Node ${nodeName} is not Ready${nodeReady.message ? `: ${nodeReady.message}` : ''}`,
      ...since(nodeReady.lastTransitionTime),
    };
  if (nodeHealthy && nodeHealthy.status !== 'True')
    return {
      reason: WaitingFor.NodeNotHealthy,
      message: `Node ${nodeName} is not healthy${nodeHealthy.message ? `: ${nodeHealthy.message}` : ''}`,
      ...since(nodeHealthy.lastTransitionTime),
    };
  const ready = cond(MachineCondition.Ready);
  if (ready && ready.status !== 'True')
    return {
      reason: WaitingFor.NotReady,
      message: ready.message || `Machine is not Ready (${ready.reason})`,
      ...since(ready.lastTransitionTime),
    };
  const available = cond(MachineCondition.Available);
  if (available?.status !== 'True' && available?.reason === MachineReason.WaitingForMinReadySeconds)
    return {
      reason: WaitingFor.MinReadySeconds,
      message: 'Ready, waiting for spec.minReadySeconds to pass before it counts as Available',
      ...since(ready?.lastTransitionTime),
    };
  return undefined;
}

function deletingReason(objects: Omit<MachineTimelineObjects, 'events'>): WaitingReason {
  const { machine, infrastructure, bootstrap } = objects;
  const deleting = conditionsOf(machine).find((c) => c.type === MachineCondition.Deleting);
  const deletion = record(record(machine['status'])['deletion']);
  const nodeName = str(record(record(machine['status'])['nodeRef'])['name']);
  if (deleting?.status !== 'True')
    return {
      reason: WaitingFor.DeletionStarting,
      message: 'Deletion requested; the Machine controller has not started deleting yet',
      ...since(machine.metadata.deletionTimestamp),
    };
  const started = (field: string) => since(str(deletion[field]) ?? deleting.lastTransitionTime);
  switch (deleting.reason) {
    case MachineReason.DeletingDrainingNode:
      return {
        reason: deleting.reason,
        message: drainMessage(deleting.message, nodeName),
        ...started('nodeDrainStartTime'),
      };
    case MachineReason.DeletingWaitingForVolumeDetach:
      return {
        reason: deleting.reason,
        message: deleting.message || 'Waiting for Node volumes to be detached',
        ...started('waitForNodeVolumeDetachStartTime'),
      };
    case MachineReason.DeletingWaitingForPreDrainHook:
      return {
        reason: deleting.reason,
        message: deleting.message || 'Waiting for pre-drain hooks to succeed',
        ...started('waitForPreDrainHookStartTime'),
      };
    case MachineReason.DeletingWaitingForPreTerminateHook:
      return {
        reason: deleting.reason,
        message: deleting.message || 'Waiting for pre-terminate hooks to succeed',
        ...started('waitForPreTerminateHookStartTime'),
      };
    case MachineReason.DeletingWaitingForInfrastructureDeletion:
    case MachineReason.DeletingWaitingForBootstrapDeletion: {
      const obj =
        deleting.reason === MachineReason.DeletingWaitingForInfrastructureDeletion
          ? infrastructure
          : bootstrap;
      const detail = objectDetail(obj, true);
      return {
        reason: deleting.reason,
        message: `${deleting.message || 'Waiting for deletion'}${detail ? `: ${detail}` : ''}`,
        ...since(deleting.lastTransitionTime),
      };
    }
    case MachineReason.DeletingDeletionCompleted: {
      const finalizers = machine.metadata.finalizers ?? [];
      return {
        reason: WaitingFor.Finalizers,
        message: finalizers.length
          ? `Deletion completed; waiting for finalizers ${finalizers.join(', ')} to be removed`
          : 'Deletion completed; the Machine is about to disappear',
        ...since(deleting.lastTransitionTime),
      };
    }
    default:
      return {
        reason: deleting.reason,
        message: deleting.message || `Deleting (${deleting.reason})`,
        ...since(deleting.lastTransitionTime),
      };
  }
}

const PDB_LINE =
  /^\* Pods? (.+?): cannot evict pod as it would violate the pod's disruption budget\.(?: The disruption budget (\S+) needs (.+))?$/;

/**
 * The drain's state in one sentence when PodDisruptionBudgets block it (each Pod and its budget named),
 * otherwise the Deleting condition's message as it is.
 */
export function drainMessage(conditionMessage: string, nodeName: string | undefined): string {
  const lines = conditionMessage.split('\n');
  const blocked: string[] = [];
  const others: string[] = [];
  for (const line of lines.slice(1)) {
    const match = PDB_LINE.exec(line.trim());
    if (match) {
      const [, pods, budget, needs] = match;
      const plural = (pods ?? '').includes(', ');
      blocked.push(
        `Pod${plural ? 's' : ''} ${pods} cannot be evicted: ` +
          (budget
            ? `PodDisruptionBudget ${budget} needs ${needs}`
            : 'eviction would violate a PodDisruptionBudget'),
      );
    } else if (line.startsWith('* ') || line.startsWith('After ')) others.push(line.replace(/^\* /, ''));
  }
  const node = nodeName ? `Node ${nodeName}` : 'the Node';
  if (blocked.length === 0) return conditionMessage || `Draining ${node}`;
  return (
    `Drain of ${node} is blocked by a PodDisruptionBudget: ${blocked.join('; ')}` +
    (others.length > 0 ? `; also: ${others.join('; ')}` : '')
  );
}

/**
 * `<Kind> <name>: <what its Ready condition says>` for the infrastructure machine or bootstrap config, or for
 * a deleting one `<Kind> <name> is being deleted`; undefined without a useful message.
 */
function objectDetail(obj: KubeObject | undefined, deleting = false): string | undefined {
  if (!obj) return undefined;
  const label = `${obj.kind ?? ''} ${obj.metadata.name ?? ''}`;
  const conditions = conditionsOf(obj);
  const ready = conditions.find((c) => c.type === 'Ready');
  if (deleting) {
    const d = conditions.find((c) => c.type === 'Deleting' && c.status === 'True');
    const text = d?.message || (ready?.status !== 'True' ? ready?.message : undefined);
    if (text) return `${label}: ${text}`;
    return obj.metadata.deletionTimestamp ? `${label} is being deleted` : undefined;
  }
  if (ready?.message) return `${label}: ${ready.message}`;
  // No summary message: the first condition that is not in its good state and says why.
  const bad = conditions.find((c) => isPositivePolarity(c.type) && c.status !== 'True' && c.message !== '');
  return bad ? `${label}: ${bad.type}: ${bad.message}` : undefined;
}

const since = (time: string | undefined): { since?: string } =>
  time && !Number.isNaN(Date.parse(time)) ? { since: normalizeTime(time) } : {};

// ------------------------------------------------------------------------------------------ rendering

export interface RenderMachineTimelineOptions {
  /** The CLI decides (TTY, `NO_COLOR`, `--color`); without colour the output holds no escape codes. */
  color: boolean;
  /** The clock ages are measured against (tests pin it). */
  now?: Date;
}

const MESSAGE_WIDTH = 100;

/**
 * `describe machine --timeline`: the summary (`renderMachineSummary`), then one row per entry, oldest first,
 * under `AGE TIME SOURCE TYPE REASON MESSAGE`; long and multi-line messages continue under MESSAGE.
 */
export function renderMachineTimeline(
  timeline: MachineTimeline,
  options: RenderMachineTimelineOptions,
): string {
  const c = pc.createColors(options.color);
  const now = (options.now ?? new Date()).getTime();
  const header = ['AGE', 'TIME', 'SOURCE', 'TYPE', 'REASON', 'MESSAGE'];
  const rows: string[][] = [];
  for (const entry of timeline.entries) {
    const at = Date.parse(entry.time);
    const [first = '', ...more] = entry.message === '' ? [] : wrapParagraph(entry.message, MESSAGE_WIDTH);
    const count = entry.count && entry.count > 1 ? ` (x${entry.count})` : '';
    rows.push([
      Number.isNaN(at) ? '' : shortDuration(now - at),
      entry.time,
      `${entry.source.kind}/${entry.source.name}`,
      entry.type === 'Warning' ? c.yellow(entry.type) : entry.type,
      entry.category === 'condition'
        ? c.cyan(entry.reason)
        : entry.category === 'lifecycle'
          ? c.bold(entry.reason)
          : entry.reason,
      first + count,
    ]);
    for (const line of more) rows.push(['', '', '', '', '', line]);
  }
  const table = rows.length
    ? formatColumns([header.map((h) => c.bold(h)), ...rows])
    : `${c.gray('No events or condition transitions recorded.')}\n`;
  return `${renderMachineSummary(timeline, options)}\n${table}`;
}

/** `describe machine` without `--timeline`: who the Machine is, and what it waits for. */
export function renderMachineSummary(
  timeline: MachineTimeline,
  options: RenderMachineTimelineOptions,
): string {
  const c = pc.createColors(options.color);
  const now = (options.now ?? new Date()).getTime();
  const m = timeline.machine;
  const lines = [
    `${c.bold('Machine:')}  ${m.namespace}/${m.name}`,
    `${c.bold('Cluster:')}  ${m.cluster}`,
    `${c.bold('Phase:')}    ${m.deleting ? c.red(m.phase || 'Deleting') : m.phase === 'Running' ? c.green(m.phase) : m.phase || '-'}`,
  ];
  if (m.version) lines.push(`${c.bold('Version:')}  ${m.version}`);
  lines.push(`${c.bold('Node:')}     ${m.nodeName ?? c.gray('<none>')}`);
  const w = timeline.waiting;
  if (!w) {
    lines.push(`${c.bold('Waiting:')}  ${c.green('nothing')} (Running and healthy)`);
  } else {
    const at = w.since ? Date.parse(w.since) : Number.NaN;
    const age = Number.isNaN(at) ? '' : ` for ${shortDuration(now - at)}`;
    lines.push(`${c.bold('Waiting:')}  ${c.yellow(w.reason)}${age}`);
    for (const line of wrapParagraph(w.message, MESSAGE_WIDTH)) lines.push(`          ${line}`);
  }
  return lines.join('\n') + '\n';
}

/** Left-aligned columns two spaces apart; the last column unpadded, trailing blanks trimmed. */
function formatColumns(rows: readonly string[][]): string {
  const count = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) =>
    Math.max(...rows.map((r) => visibleWidth(r[i] ?? ''))),
  );
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => (i === count - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleWidth(cell) + 2)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

// ------------------------------------------------------------------------------------------ helpers

function conditionsOf(obj: KubeObject | undefined): Condition[] {
  const status = record(obj?.['status']);
  // v1beta1-contract providers keep their v1beta2 conditions under status.v1beta2.
  const v1beta2 = record(status['v1beta2'])['conditions'];
  const list = Array.isArray(v1beta2) ? v1beta2 : status['conditions'];
  return Array.isArray(list) ? (list as Condition[]).filter((c) => typeof c?.type === 'string') : [];
}

/** RFC 3339 in UTC, whole seconds (`2026-03-01T12:00:00Z`), as the API server stores timestamps. */
function normalizeTime(time: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
