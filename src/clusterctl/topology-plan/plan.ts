// `capi topology plan`: what applying some objects (Clusters, ClusterClasses, templates) would do to the clusters
// with managed topology. The objects are dry-run applied (defaulting and validation as on the real apply), the
// desired state is computed by the topology controller's own code through an overlay of them, and the difference
// with what exists is classified: objects created, updated (field by field, as server-side apply would leave them)
// or deleted, and the Machines their controllers would then replace, judged by the KubeadmControlPlane and
// MachineDeployment controllers' own up-to-date checks.
import { type KubeObject, parseApiVersion } from '../../controller-runtime/api/object.js';
import type { Client, Reader } from '../../controller-runtime/client/client.js';
import type { Cluster } from '../../core/api/v1beta2/cluster-types.js';
import type { ClusterClass } from '../../core/api/v1beta2/cluster-class-types.js';
import type { MachineDeployment } from '../../core/api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../core/api/v1beta2/machine-set-types.js';
import type { Machine } from '../../core/api/v1beta2/machine-types.js';
import { Label } from '../../core/api/v1beta2/well-known.js';
import { ContractResolver } from '../../core/contract/contract-version.js';
import { templateRefsOf } from '../../core/reconcilers/cluster-class/cluster-class-reconciler.js';
import { inlineStatusVariables } from '../../core/reconcilers/cluster-class/cluster-class-status.js';
import { machineTemplateUpToDate } from '../../core/reconcilers/machine-deployment/machine-template.js';
import { ClusterType } from '../../core/reconcilers/cluster/cluster-reconciler.js';
import { computeTopology } from '../../core/reconcilers/topology/compute.js';
import {
  type Blueprint,
  ClusterClassType,
  type LoadedCurrentState,
  loadBlueprint,
  getOptional,
  loadCurrentState,
  MachineSetType,
  MachineType,
  readReferenced,
} from '../../core/reconcilers/topology/current-state.js';
import { TOPOLOGY_FIELD_MANAGER } from '../../core/reconcilers/topology/reconcile-state.js';
import type { DesiredState } from '../../core/topology/desired-state/index.js';
import type { KubeadmControlPlane } from '../../providers/control-plane-kubeadm/api/index.js';
import { upToDate } from '../../providers/control-plane-kubeadm/internal/up-to-date.js';
import { clusterWebhook } from '../../core/webhooks/cluster-webhook.js';
import { webhookContext } from '../../core/webhooks/webhook-options.js';
import { MANAGEMENT_PLANE_FEATURE_GATES } from '../../main/webhooks.js';
import { fieldChanges, type FieldChange } from './field-changes.js';
import { dryRunKubectlApply } from './kubectl-apply.js';
import { OverlayReader } from './overlay-reader.js';

export interface ObjectChange {
  action: 'create' | 'update' | 'delete';
  kind: string;
  name: string;
  /** Why, when it is not obvious (a rotated template, a MachineDeployment created once the control plane is up). */
  note?: string;
  /** For updates: the fields that change. */
  fields?: FieldChange[];
}

export interface MachineReplacement {
  machine: string;
  /** `control plane`, or the MachineDeployment topology name. */
  part: string;
  reasons: string[];
}

export interface ClusterPlan {
  namespace: string;
  name: string;
  clusterClass: string;
  changes: ObjectChange[];
  /** Machines their controller will replace with new ones, control plane first, then workers in topology order. */
  replaced: MachineReplacement[];
  /** Machines deleted with no replacement (their MachineDeployment topology was removed). */
  deleted: MachineReplacement[];
  /** Versions the control plane goes through, when `spec.topology.version` changes. */
  upgrade?: { from: string; to: string; controlPlaneSteps: string[] };
  notes: string[];
}

export interface TopologyPlan {
  clusters: ClusterPlan[];
}

/** An object of the input the API server would refuse: the plan stops at it, as `kubectl apply` would. */
export class PlanInputRejectedError extends Error {
  override readonly name = 'PlanInputRejectedError';
}

const gk = (o: { apiVersion?: string; kind?: string }) =>
  `${parseApiVersion(o.apiVersion ?? '').group}/${o.kind ?? ''}`;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Order of dry runs: templates, then classes, then Clusters (a Cluster is validated against its class). */
function applyOrder(o: KubeObject): number {
  if (o.kind === 'Cluster') return 2;
  if (o.kind === 'ClusterClass') return 1;
  return 0;
}

export interface PlanOptions {
  client: Client;
  /** The objects a user is about to apply (namespace defaulted by the caller). */
  objects: readonly KubeObject[];
  now?: number;
}

export async function planTopology(options: PlanOptions): Promise<TopologyPlan> {
  const { client } = options;
  const overlay = new OverlayReader(client);
  const notes = new Map<string, string>();
  for (const obj of [...options.objects].sort((a, b) => applyOrder(a) - applyOrder(b))) {
    let stored: KubeObject | undefined;
    let rejection: unknown;
    try {
      stored = await dryRunKubectlApply(client, obj);
    } catch (err) {
      rejection = err;
    }
    // The server admits a Cluster whose ClusterClass it does not have yet, without defaulting its variables.
    const local = await admitWithNewClass(client, overlay, stored ?? obj);
    if (local) {
      stored = local.object;
      notes.set(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, local.note);
    }
    if (!stored)
      throw new PlanInputRejectedError(
        `${obj.kind ?? ''} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''} would be rejected: ${errorText(rejection)}`,
      );
    if (stored.kind === 'ClusterClass') {
      // What the ClusterClass controller will publish for it: the plan does not wait for it.
      const cc = stored as ClusterClass & KubeObject;
      cc.status = {
        ...cc.status,
        variables: inlineStatusVariables(cc),
        ...(cc.metadata.generation !== undefined ? { observedGeneration: cc.metadata.generation } : {}),
      };
    }
    overlay.set(stored);
  }

  const clusters = await affectedClusters(overlay, options.objects);
  const plans: ClusterPlan[] = [];
  const resolver = new ContractResolver(client);
  for (const cluster of clusters) {
    const plan = await planCluster(client, overlay, resolver, cluster, options.now ?? Date.now());
    const note = notes.get(`${plan.namespace}/${plan.name}`);
    if (note) plan.notes.unshift(note);
    plans.push(plan);
  }
  return { clusters: plans };
}

/**
 * A Cluster whose ClusterClass is new too is not defaulted against it by the server's dry run (the class is
 * created by the real apply first). The Cluster webhook then runs here, reading through the overlay that holds
 * the class: the same defaulting (variables from the class's schemas) and validation. Undefined when the Cluster
 * does not name a new class of the input, or the webhook refuses it (the server's answer then stands).
 */
async function admitWithNewClass(
  client: Client,
  overlay: OverlayReader,
  obj: KubeObject,
): Promise<{ object: KubeObject; note: string } | undefined> {
  if (obj.kind !== 'Cluster' || gk(obj) !== gk(ClusterType)) return undefined;
  const cluster = structuredClone(obj) as Cluster & KubeObject;
  const ref = cluster.spec?.topology?.classRef;
  if (!ref?.name) return undefined;
  const namespace = ref.namespace || cluster.metadata.namespace;
  const inInput = overlay
    .objects()
    .some(
      (o) => o.kind === 'ClusterClass' && o.metadata.namespace === namespace && o.metadata.name === ref.name,
    );
  if (!inInput || (await getOptional(client, ClusterClassType, namespace, ref.name))) return undefined;
  const webhook = clusterWebhook(
    webhookContext({
      reader: overlay,
      featureGates: MANAGEMENT_PLANE_FEATURE_GATES,
      clusterClassPollTimeoutMs: 0,
    }),
  );
  const request = {
    operation: 'CREATE' as const,
    userInfo: { username: 'capi topology plan', groups: [] },
    dryRun: true,
  };
  try {
    await webhook.defaulter?.default(cluster, request);
    await webhook.validator?.validateCreate?.(cluster, request);
  } catch {
    return undefined;
  }
  return {
    object: cluster,
    note: `ClusterClass ${ref.name} is new: the Cluster was defaulted and validated here by the Cluster webhook against it (the server checks it again on apply)`,
  };
}

/** The Clusters with topology that the objects touch: themselves, through their ClusterClass, or its templates. */
async function affectedClusters(
  overlay: OverlayReader,
  objects: readonly KubeObject[],
): Promise<(Cluster & KubeObject)[]> {
  const out = new Map<string, Cluster & KubeObject>();
  const add = (c: Cluster & KubeObject) => {
    if (c.spec?.topology) out.set(`${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`, c);
  };
  const classes = new Set<string>();
  const classKey = (namespace: string | undefined, name: string | undefined) =>
    `${namespace ?? ''}/${name ?? ''}`;
  const inputKeys = new Set(
    objects.map((o) => `${gk(o)}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`),
  );
  const allClasses = (await overlay.list<ClusterClass & KubeObject>(ClusterClassType)).items;
  for (const cc of allClasses) {
    const changed =
      inputKeys.has(`${gk(cc)}/${cc.metadata.namespace ?? ''}/${cc.metadata.name ?? ''}`) ||
      templateRefsOf(cc).some((ref) =>
        inputKeys.has(`${gk(ref)}/${cc.metadata.namespace ?? ''}/${ref.name}`),
      );
    if (changed) classes.add(classKey(cc.metadata.namespace, cc.metadata.name));
  }
  for (const c of (await overlay.list<Cluster & KubeObject>(ClusterType)).items) {
    const ref = c.spec?.topology?.classRef;
    const viaClass = ref && classes.has(classKey(ref.namespace || c.metadata.namespace, ref.name));
    const itself = inputKeys.has(`${gk(c)}/${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
    if (viaClass || itself) add(c);
  }
  return [...out.values()].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
}

/** What the topology controller's server-side apply would leave on an existing object. */
async function dryRunTopologyApply(client: Client, obj: KubeObject): Promise<KubeObject> {
  return client.apply(obj, { fieldManager: TOPOLOGY_FIELD_MANAGER, force: true, dryRun: true });
}

async function planCluster(
  client: Client,
  overlay: OverlayReader,
  resolver: ContractResolver,
  cluster: Cluster & KubeObject,
  now: number,
): Promise<ClusterPlan> {
  const namespace = cluster.metadata.namespace ?? '';
  const plan: ClusterPlan = {
    namespace,
    name: cluster.metadata.name ?? '',
    clusterClass: cluster.spec.topology!.classRef.name,
    changes: [],
    replaced: [],
    deleted: [],
    notes: [],
  };
  // The Cluster itself, as the user's apply changes it.
  const liveCluster = await getOptional(client, ClusterType, namespace, plan.name);
  if (!liveCluster) plan.changes.push({ action: 'create', kind: 'Cluster', name: plan.name });
  else {
    const fields = fieldChanges(liveCluster, cluster);
    if (fields.length > 0) plan.changes.push({ action: 'update', kind: 'Cluster', name: plan.name, fields });
  }

  let blueprint: Blueprint;
  let current: LoadedCurrentState;
  let desired: DesiredState;
  try {
    blueprint = await loadBlueprint(overlay, cluster);
    current = await loadCurrentState(overlay, resolver, cluster, blueprint);
    desired = computeTopology({ cluster, blueprint, current, versions: 'final' }).desired;
  } catch (err) {
    plan.notes.push(`the topology cannot be computed: ${errorText(err)}`);
    return plan;
  }
  const sequenced = computeTopology({ cluster, blueprint, current });

  const cpVersion = (current.controlPlane?.spec as { version?: string } | undefined)?.version;
  const target = cluster.spec.topology!.version;
  if (cpVersion && cpVersion !== target) {
    const steps = sequenced.upgrade.upgradePlan.controlPlane;
    plan.upgrade = { from: cpVersion, to: target, controlPlaneSteps: steps.length ? steps : [target] };
  }

  // Objects: create, or update as the controller's server-side apply would.
  const change = async (obj: KubeObject, existing: KubeObject | undefined, note?: string) => {
    if (!existing || existing.metadata.name !== obj.metadata.name) {
      plan.changes.push({
        action: 'create',
        kind: obj.kind ?? '',
        name: obj.metadata.name ?? '',
        ...(note ? { note } : {}),
      });
      return obj;
    }
    const after = await dryRunTopologyApply(client, obj);
    const fields = fieldChanges(existing, after);
    if (fields.length > 0)
      plan.changes.push({ action: 'update', kind: obj.kind ?? '', name: obj.metadata.name ?? '', fields });
    return after;
  };
  const rotated = (kind: string, from: KubeObject | undefined, to: KubeObject) => {
    if (from && from.metadata.name !== to.metadata.name)
      plan.changes.push({
        action: 'delete',
        kind,
        name: from.metadata.name ?? '',
        note: `replaced by ${to.metadata.name ?? ''}; deleted once nothing uses it`,
      });
  };

  await change(desired.infrastructureCluster, current.infrastructureCluster);
  const cpTemplate = desired.controlPlaneInfrastructureMachineTemplate;
  if (cpTemplate) {
    await change(
      cpTemplate,
      current.controlPlaneInfrastructureMachineTemplate,
      current.controlPlaneInfrastructureMachineTemplate
        ? 'a new template: templates are rotated, not edited'
        : undefined,
    );
    rotated(cpTemplate.kind ?? '', current.controlPlaneInfrastructureMachineTemplate, cpTemplate);
  }
  const cpAfter = await change(desired.controlPlane, current.controlPlane);
  if (current.controlPlane)
    plan.replaced.push(...(await controlPlaneReplacements(client, resolver, current, cpAfter, now)));

  // The control plane's MachineHealthCheck (the MachineDeployments' come with them).
  for (const mhc of desired.machineHealthChecks) {
    if ([...desired.machineDeployments.values()].some((md) => md.machineHealthCheck === mhc)) continue;
    const live = current.machineHealthChecks.find((m) => m.metadata.name === mhc.metadata?.name);
    await change(mhc as KubeObject, live);
  }

  const pendingCreate = new Set(sequenced.upgrade.machineDeployments.pendingCreate);
  for (const [topologyName, md] of desired.machineDeployments) {
    const existing = current.machineDeployments.get(topologyName);
    const templateNote = existing ? 'a new template: templates are rotated, not edited' : undefined;
    await change(md.bootstrapTemplate, existing?.bootstrapTemplate, templateNote);
    rotated(md.bootstrapTemplate.kind ?? '', existing?.bootstrapTemplate, md.bootstrapTemplate);
    await change(md.infrastructureTemplate, existing?.infrastructureTemplate, templateNote);
    rotated(
      md.infrastructureTemplate.kind ?? '',
      existing?.infrastructureTemplate,
      md.infrastructureTemplate,
    );
    const note =
      !existing && pendingCreate.has(topologyName)
        ? `topology ${topologyName}; created once the control plane is stable`
        : !existing
          ? `topology ${topologyName}`
          : undefined;
    const after = await change(md.object as KubeObject, existing?.object, note);
    if (existing)
      plan.replaced.push(
        ...(await workerReplacements(
          overlay,
          existing.object,
          after as MachineDeployment & KubeObject,
          topologyName,
        )),
      );
    if (md.machineHealthCheck) {
      const mhc = md.machineHealthCheck as KubeObject;
      const live = current.machineHealthChecks.find((m) => m.metadata.name === mhc.metadata.name);
      await change(mhc, live);
    }
  }
  const wantedChecks = new Set(desired.machineHealthChecks.map((m) => m.metadata?.name));
  for (const mhc of current.machineHealthChecks)
    if (!wantedChecks.has(mhc.metadata.name))
      plan.changes.push({ action: 'delete', kind: 'MachineHealthCheck', name: mhc.metadata.name ?? '' });
  for (const md of current.allMachineDeployments) {
    const topologyName = md.metadata.labels?.[Label.ClusterTopologyMachineDeploymentName] ?? '';
    if (md.metadata.deletionTimestamp || desired.machineDeployments.has(topologyName)) continue;
    plan.changes.push({
      action: 'delete',
      kind: 'MachineDeployment',
      name: md.metadata.name ?? '',
      note: `topology ${topologyName} was removed`,
    });
    for (const m of current.machineDeployments.get(topologyName)?.machines ?? (await machinesOf(overlay, md)))
      plan.deleted.push({
        machine: m.metadata.name ?? '',
        part: topologyName,
        reasons: ['MachineDeployment deleted'],
      });
  }
  if (sequenced.upgrade.machineDeployments.deferred.length > 0)
    plan.notes.push(
      `upgrade deferred for ${sequenced.upgrade.machineDeployments.deferred.join(', ')} (defer-upgrade or hold-upgrade-sequence annotation): listed, but replaced only once the annotation is removed`,
    );
  return plan;
}

async function machinesOf(reader: Reader, md: KubeObject): Promise<KubeObject[]> {
  return (
    await reader.list(MachineType, {
      namespace: md.metadata.namespace,
      labelSelector: { [Label.MachineDeploymentName]: md.metadata.name ?? '' },
    })
  ).items.filter((m) => !m.metadata.deletionTimestamp);
}

/** Control plane Machines that would not be up to date with the control plane after the change. */
async function controlPlaneReplacements(
  client: Client,
  resolver: ContractResolver,
  current: LoadedCurrentState,
  cpAfter: KubeObject,
  now: number,
): Promise<MachineReplacement[]> {
  const out: MachineReplacement[] = [];
  const isKcp = cpAfter.kind === 'KubeadmControlPlane';
  const version = (cpAfter.spec as { version?: string } | undefined)?.version;
  for (const m of current.controlPlaneMachines) {
    if (m.metadata.deletionTimestamp) continue;
    const machine = m as Machine & KubeObject;
    let reasons: string[];
    if (isKcp) {
      const read = (ref: { apiGroup?: string; kind?: string; name?: string } | undefined) =>
        readReferenced(client, resolver, m.metadata.namespace, ref);
      const verdict = upToDate({
        kcp: cpAfter as unknown as KubeadmControlPlane,
        machine,
        kubeadmConfig: await read(machine.spec.bootstrap?.configRef),
        infraMachine: await read(machine.spec.infrastructureRef),
        now,
      });
      reasons = verdict.upToDate ? [] : verdict.conditionMessages;
    } else {
      reasons =
        machine.spec.version !== version
          ? [`Version ${machine.spec.version ?? ''}, ${version ?? ''} required`]
          : [];
    }
    if (reasons.length > 0) out.push({ machine: m.metadata.name ?? '', part: 'control plane', reasons });
  }
  return out;
}

/** Workers whose MachineSet template would no longer match the MachineDeployment after the change. */
async function workerReplacements(
  reader: Reader,
  md: MachineDeployment & KubeObject,
  after: MachineDeployment & KubeObject,
  topologyName: string,
): Promise<MachineReplacement[]> {
  const sets = (
    await reader.list<MachineSet & KubeObject>(MachineSetType, {
      namespace: md.metadata.namespace,
      labelSelector: { [Label.MachineDeploymentName]: md.metadata.name ?? '' },
    })
  ).items;
  const machines = await machinesOf(reader, md);
  const out: MachineReplacement[] = [];
  for (const ms of sets) {
    const verdict = machineTemplateUpToDate(ms.spec.template, after.spec.template);
    if (verdict.upToDate) continue;
    for (const m of machines)
      if (m.metadata.labels?.[Label.MachineSetName] === ms.metadata.name || ownedBy(m, ms))
        out.push({ machine: m.metadata.name ?? '', part: topologyName, reasons: verdict.conditionMessages });
  }
  return out;
}

const ownedBy = (m: KubeObject, owner: KubeObject): boolean =>
  (m.metadata.ownerReferences ?? []).some((r) => r.kind === owner.kind && r.name === owner.metadata.name);
