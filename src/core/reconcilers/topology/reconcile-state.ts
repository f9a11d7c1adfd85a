// Applies a computed topology in upstream's order: infrastructure cluster, control plane (with its machine
// template), the Cluster's references, MachineDeployments (only those upgrade sequencing lets through), their
// MachineHealthChecks; then removes what the topology no longer has.
import type { Logger } from 'pino';
import { type KubeObject, parseApiVersion, type TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client, Reader } from '../../../controller-runtime/client/client.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { ContractVersionedObjectReference } from '../../api/v1beta2/common-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import { contractRefTo, topologyLabels } from '../../topology/desired-state/index.js';
import type { ComputedTopology } from './compute.js';
import {
  type Blueprint,
  type LoadedCurrentState,
  MachineDeploymentType,
  MachineSetType,
} from './current-state.js';

/** Upstream's field manager for everything the topology controller applies. */
export const TOPOLOGY_FIELD_MANAGER = 'capi-topology';

export interface ReconcileStateInput {
  client: Client;
  /** Live reads (not the cache): the template clean-up confirms with them before deleting. */
  reader: Reader;
  /** Cached reads: finding clean-up candidates. */
  cached: Reader;
  /** What was applied last, so an unchanged object is not sent again. */
  applied: AppliedObjects;
  cluster: Cluster & KubeObject;
  blueprint: Blueprint;
  current: LoadedCurrentState;
  computed: ComputedTopology;
  log: Logger;
  /** TopologyCreate/TopologyUpdate/TopologyDelete Events on the Cluster (upstream's reasons); none without it. */
  recorder?: EventRecorder;
}

const key = (o: KubeObject): string => `${o.kind ?? ''}/${o.metadata.name ?? ''}`;

const sameRef = (
  a: { apiGroup?: string; kind?: string; name?: string } | undefined,
  b: ContractVersionedObjectReference,
) => a?.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;

/** `desired` sets nothing that `current` does not already have (maps key by key, lists whole). */
export function isSubset(desired: unknown, current: unknown): boolean {
  if (desired === null || typeof desired !== 'object') return desired === current;
  if (Array.isArray(desired))
    return Array.isArray(current) && JSON.stringify(desired) === JSON.stringify(current);
  if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
  return Object.entries(desired).every(([k, v]) => isSubset(v, (current as Record<string, unknown>)[k]));
}

/**
 * The objects this controller applied, as it sent them (upstream decides the same with a dry-run apply first). An
 * apply is skipped when the object to send is the one sent last time and the live object still has all of it:
 * nothing to add, and nothing to take away (a field dropped from the desired state changes what is sent). After a
 * restart every object is applied once.
 *
 * It also tells drift from the controller's own changes: when the object to send is the one sent last time, the
 * apply's answer held all of it, and the live object is a later version that no longer does, someone else changed
 * a field this controller owns. Re-applying puts it back, and `onCorrected` hears of it once per such apply. The
 * first apply after a restart is never counted (nothing was sent yet), and neither is an object whose apply answer
 * already differed from what was sent (server-side defaulting or normalisation: nothing can be told apart there).
 */
export class AppliedObjects {
  readonly #sent = new Map<string, { json: string; resourceVersion?: string; held: boolean }>();
  readonly #onCorrected: ((obj: KubeObject) => void) | undefined;

  constructor(onCorrected?: (obj: KubeObject) => void) {
    this.#onCorrected = onCorrected;
  }

  static #key(obj: KubeObject): string {
    return `${parseApiVersion(obj.apiVersion ?? '').group}/${obj.kind ?? ''}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
  }

  unchanged(obj: KubeObject, current: KubeObject | undefined): boolean {
    if (!current || current.metadata.name !== obj.metadata.name) return false;
    return this.#sent.get(AppliedObjects.#key(obj))?.json === JSON.stringify(obj) && isSubset(obj, current);
  }

  /** Someone else changed a field of `current` that the last apply of this very `obj` had set. */
  drifted(obj: KubeObject, current: KubeObject | undefined): boolean {
    if (!current || current.metadata.name !== obj.metadata.name) return false;
    const last = this.#sent.get(AppliedObjects.#key(obj));
    if (!last?.held || last.json !== JSON.stringify(obj)) return false;
    return isLaterVersion(current.metadata.resourceVersion, last.resourceVersion) && !isSubset(obj, current);
  }

  /** `obj` was applied; `result` is the API server's answer. */
  sent(obj: KubeObject, result?: KubeObject): void {
    this.#sent.set(AppliedObjects.#key(obj), {
      json: JSON.stringify(obj),
      ...(result?.metadata.resourceVersion ? { resourceVersion: result.metadata.resourceVersion } : {}),
      held: result !== undefined && isSubset(obj, result),
    });
  }

  /** An apply put back what `drifted` found changed. */
  corrected(obj: KubeObject): void {
    this.#onCorrected?.(obj);
  }

  forget(obj: KubeObject): void {
    this.#sent.delete(AppliedObjects.#key(obj));
  }
}

/**
 * Whether resourceVersion `rv` comes after `applied`. They are opaque to clients, but both this API server and
 * etcd-backed ones use the store revision, a decimal number; anything else counts as later only if different.
 */
function isLaterVersion(rv: string | undefined, applied: string | undefined): boolean {
  if (!rv || !applied) return false;
  if (/^\d+$/.test(rv) && /^\d+$/.test(applied)) return BigInt(rv) > BigInt(applied);
  return rv !== applied;
}

async function apply(input: ReconcileStateInput, obj: KubeObject, current?: KubeObject): Promise<void> {
  if (input.applied.unchanged(obj, current)) return;
  const drifted = input.applied.drifted(obj, current);
  const result = await input.client.apply(obj, { fieldManager: TOPOLOGY_FIELD_MANAGER, force: true });
  input.applied.sent(obj, result);
  if (drifted) input.applied.corrected(obj);
  recordApplied(input, obj, current, result);
}

/**
 * TopologyCreate when the object did not exist, TopologyUpdate when the apply changed it (a new resourceVersion:
 * a no-op apply, as after a restart, records nothing), naming a version change, the step of an upgrade.
 */
function recordApplied(
  input: ReconcileStateInput,
  obj: KubeObject,
  current: KubeObject | undefined,
  result: KubeObject,
): void {
  const recorder = input.recorder;
  if (!recorder) return;
  const what = `${obj.kind ?? ''} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
  if (!current || current.metadata.name !== obj.metadata.name) {
    recorder.event(input.cluster, 'Normal', 'TopologyCreate', `Created ${what}`);
    return;
  }
  if (result.metadata.resourceVersion === current.metadata.resourceVersion) return;
  const version = (o: KubeObject): unknown => (o['spec'] as { version?: unknown } | undefined)?.version;
  const from = version(current);
  const to = version(result);
  const change =
    typeof from === 'string' && typeof to === 'string' && from !== to
      ? ` with version change from ${from} to ${to}`
      : '';
  recorder.event(input.cluster, 'Normal', 'TopologyUpdate', `Updated ${what}${change}`);
}

async function deleteIfPresent(
  client: Client,
  obj: KubeObject,
  input?: ReconcileStateInput,
): Promise<boolean> {
  try {
    await client.delete(obj);
    input?.recorder?.event(
      input.cluster,
      'Normal',
      'TopologyDelete',
      `Deleted ${obj.kind ?? ''} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`,
    );
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Writes the desired state. The Cluster's `spec.infrastructureRef`/`spec.controlPlaneRef` are written (and set on
 * `cluster`) before any MachineDeployment is created, so MachineSet preflight checks see the control plane.
 */
export async function reconcileState(input: ReconcileStateInput): Promise<void> {
  const { client, cluster, current, log } = input;
  const { desired, upgrade } = input.computed;

  // 1. Infrastructure cluster.
  await apply(input, desired.infrastructureCluster, current.infrastructureCluster);

  // 2. Control plane: a changed machine template is a new template (rotation), never an edit in place.
  const cpTemplate = desired.controlPlaneInfrastructureMachineTemplate;
  const currentCPTemplate = current.controlPlaneInfrastructureMachineTemplate;
  if (cpTemplate) {
    const rotated = currentCPTemplate && currentCPTemplate.metadata.name !== cpTemplate.metadata.name;
    await apply(input, cpTemplate, currentCPTemplate);
    if (rotated)
      log.info(
        { from: key(currentCPTemplate), to: key(cpTemplate) },
        'rotating the control plane machine template',
      );
  }
  await apply(input, desired.controlPlane, current.controlPlane);

  // 3. The Cluster's references.
  const refs: Record<string, ContractVersionedObjectReference> = {};
  const infraRef = contractRefTo(desired.infrastructureCluster);
  if (!sameRef(cluster.spec.infrastructureRef, infraRef)) refs['infrastructureRef'] = infraRef;
  const cpRef = contractRefTo(desired.controlPlane);
  if (!sameRef(cluster.spec.controlPlaneRef, cpRef)) refs['controlPlaneRef'] = cpRef;
  if (Object.keys(refs).length > 0) {
    await client.patch(cluster, { type: 'merge', data: { spec: refs } });
    Object.assign(cluster.spec, refs);
  }

  // 4. MachineDeployments, in topology order; creation waits until the control plane is stable.
  const pendingCreate = new Set(upgrade.machineDeployments.pendingCreate);
  const applied = new Set<string>();
  for (const [topologyName, md] of desired.machineDeployments) {
    const existing = current.machineDeployments.get(topologyName);
    if (!existing && pendingCreate.has(topologyName)) continue;
    await apply(input, md.bootstrapTemplate, existing?.bootstrapTemplate);
    await apply(input, md.infrastructureTemplate, existing?.infrastructureTemplate);
    await apply(input, md.object as KubeObject, existing?.object);
    if (!existing)
      log.info({ machineDeployment: md.object.metadata?.name, topologyName }, 'created MachineDeployment');
    applied.add(topologyName);
  }

  // 5. MachineHealthChecks: the control plane's, and those of the MachineDeployments that exist.
  const wantedChecks = new Set<string>();
  const mdChecks = new Set([...desired.machineDeployments.values()].map((md) => md.machineHealthCheck));
  const checks = [
    ...desired.machineHealthChecks.filter((mhc) => !mdChecks.has(mhc)),
    ...[...applied].map((name) => desired.machineDeployments.get(name)?.machineHealthCheck),
  ];
  for (const mhc of checks) {
    if (!mhc) continue;
    const live = current.machineHealthChecks.find((m) => m.metadata.name === mhc.metadata?.name);
    await apply(input, mhc as KubeObject, live);
    wantedChecks.add(mhc.metadata?.name ?? '');
  }
  for (const mhc of current.machineHealthChecks)
    if (!wantedChecks.has(mhc.metadata.name ?? '') && !mhc.metadata.deletionTimestamp) {
      await deleteIfPresent(client, mhc, input);
      log.info(
        { machineHealthCheck: mhc.metadata.name },
        'deleted MachineHealthCheck no longer in the topology',
      );
    }

  // 6. MachineDeployments whose topology was removed.
  for (const md of current.allMachineDeployments) {
    const topologyName = md.metadata.labels?.[Label.ClusterTopologyMachineDeploymentName];
    if (md.metadata.deletionTimestamp || (topologyName && desired.machineDeployments.has(topologyName)))
      continue;
    await deleteIfPresent(client, md, input);
    log.info(
      { machineDeployment: md.metadata.name, topologyName },
      'deleted MachineDeployment removed from the topology',
    );
  }

  await deleteUnusedTemplates(input);
}

interface Named {
  apiGroup?: string;
  apiVersion?: string;
  kind?: string;
  name?: string;
}

/**
 * Templates the topology cloned stay while anything may still clone Machines from them: the control plane, a
 * MachineDeployment or any of its MachineSets (old MachineSets of a rollout keep theirs until they are gone, as
 * upstream's topology MachineSet finalizer does). The rest go. Candidates come from the cache; the MachineDeployments
 * and MachineSets are read live before anything is deleted, so a MachineSet the cache has not seen yet still counts.
 */
async function deleteUnusedTemplates(input: ReconcileStateInput): Promise<void> {
  const { client, reader, cached, cluster, blueprint, computed } = input;
  const namespace = cluster.metadata.namespace;
  const clusterName = cluster.metadata.name ?? '';
  const selector = topologyLabels(clusterName);
  const used = new Set<string>();
  const use = (ref: Named | undefined) => {
    if (ref?.kind && ref.name) used.add(`${ref.kind}/${ref.name}`);
  };
  const useObject = (o: KubeObject | undefined) => use({ kind: o?.kind ?? '', name: o?.metadata.name ?? '' });
  const { desired } = computed;
  useObject(desired.controlPlaneInfrastructureMachineTemplate);
  for (const md of desired.machineDeployments.values()) {
    useObject(md.bootstrapTemplate);
    useObject(md.infrastructureTemplate);
  }
  const spec = (o: KubeObject | undefined) => o?.spec as Record<string, unknown> | undefined;
  // The live control plane (it may still name the template being rotated away in a failed apply).
  use(
    (
      spec(input.current.controlPlane)?.machineTemplate as
        { spec?: { infrastructureRef?: Named } } | undefined
    )?.spec?.infrastructureRef,
  );
  const useTemplatesOf = (owners: KubeObject[]) => {
    for (const o of owners) {
      const template = (
        spec(o)?.template as
          { spec?: { bootstrap?: { configRef?: Named }; infrastructureRef?: Named } } | undefined
      )?.spec;
      use(template?.bootstrap?.configRef);
      use(template?.infrastructureRef);
    }
  };
  useTemplatesOf(input.current.allMachineDeployments);

  const kinds = new Map<string, TypeRef>();
  const cc = blueprint.clusterClass.spec;
  const addKind = (ref: { apiVersion: string; kind: string } | undefined) => {
    if (ref) kinds.set(`${ref.apiVersion}/${ref.kind}`, { apiVersion: ref.apiVersion, kind: ref.kind });
  };
  addKind(cc.controlPlane.machineInfrastructure?.templateRef);
  for (const md of cc.workers?.machineDeployments ?? []) {
    addKind(md.bootstrap.templateRef);
    addKind(md.infrastructure.templateRef);
  }
  const candidates: { type: TypeRef; template: KubeObject }[] = [];
  for (const type of kinds.values())
    for (const t of (await cached.list(type, { namespace, labelSelector: selector })).items)
      if (!used.has(`${t.kind ?? type.kind}/${t.metadata.name ?? ''}`) && !t.metadata.deletionTimestamp)
        candidates.push({ type, template: t });
  if (candidates.length === 0) return;

  const byCluster = { namespace, labelSelector: { [Label.ClusterName]: clusterName } };
  useTemplatesOf([
    ...(await reader.list(MachineDeploymentType, byCluster)).items,
    ...(await reader.list(MachineSetType, byCluster)).items,
  ]);
  for (const { type, template } of candidates) {
    if (used.has(`${template.kind ?? type.kind}/${template.metadata.name ?? ''}`)) continue;
    const target = { ...template, apiVersion: type.apiVersion, kind: type.kind };
    if (await deleteIfPresent(client, target, input)) {
      input.applied.forget(target);
      input.log.info(
        { template: `${type.kind}/${template.metadata.name ?? ''}` },
        'deleted a template no longer used',
      );
    }
  }
}
