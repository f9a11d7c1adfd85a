import { keyString, type KubeObject, type TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import {
  deleteCondition,
  getCondition,
  isFalse,
  isTrue,
  type NewCondition,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  TerminalError,
} from '../../../controller-runtime/controller/reconciler.js';
import { addFinalizer, removeFinalizer } from '../../../controller-runtime/helpers/finalizers.js';
import {
  getControllerOf,
  isControlledBy,
  type OwnerReference,
} from '../../../controller-runtime/helpers/owner-references.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { FeatureGates } from '../../api/feature-gates.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  Finalizer,
  Label,
  MachineCondition,
  MachineSetCondition,
  MachineSetReason,
} from '../../api/v1beta2/well-known.js';
import type { ContractReference, ContractResolver } from '../../contract/contract-version.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import {
  type CacheConsistency,
  STALE_CACHE_REQUEUE_MS,
} from '../../../controller-runtime/helpers/cache-consistency.js';
import {
  deletePriorityFunc,
  machinesToDeletePrioritized,
  sortMachinesToRemediate,
} from './machine-set-delete-policy.js';
import {
  computeDesiredMachine,
  machineAnnotationsFromMachineSet,
  machineLabelsFromMachineSet,
} from './machine-set-machines.js';
import {
  parseSkippedChecks,
  PREFLIGHT_FAILED_REQUEUE_MS,
  runPreflightChecks,
  skipAnnotation,
} from './machine-set-preflight.js';
import type { MachineSetScope } from './machine-set-scope.js';
import { isUnhealthyAndOwnerRemediated, updateMachineSetStatus } from './machine-set-status.js';
import {
  deletingMachinePatch,
  desiredMetadata,
  FieldManager,
  machineNeedsApply,
} from './machine-set-sync.js';
import { scaledIntOrPercent } from './int-or-percent.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import { generateFromTemplate, randomString, TEMPLATE_SUFFIX } from '../../util/index.js';

export const MachineSetType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineSet' };
export const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
export const MachineDeploymentType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDeployment' };
export const ClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };

export interface MachineSetReconcilerOptions {
  /** The manager's client (cached reads). */
  client: Client;
  resolver: ContractResolver;
  /** Guards against acting on a cache that does not show this controller's own writes yet. */
  consistency: CacheConsistency;
  featureGates: FeatureGates;
  /** Preflight checks enabled for the manager (`All` or check names); upstream's default is `All`. */
  preflightChecks: ReadonlySet<string>;
  now?: () => number;
  /** The random part of new Machine names (tests pin it). */
  random?: () => string;
  /** Events on the MachineSet for each Machine created or deleted (upstream's reasons); none without it. */
  recorder?: EventRecorder;
}

const OWNED_CONDITIONS = [
  MachineSetCondition.Paused,
  MachineSetCondition.ScalingUp,
  MachineSetCondition.ScalingDown,
  MachineSetCondition.MachinesReady,
  MachineSetCondition.MachinesUpToDate,
  MachineSetCondition.Remediating,
  MachineSetCondition.Deleting,
];

/** Upstream requeues every 15 s until all replicas are ready, so counters catch up without events. */
const REPLICA_COUNTERS_REQUEUE_MS = 15_000;

interface PhaseOutcome {
  result?: Result | undefined;
  /** Skip the phases after this one (a blocking phase could not do its job). */
  stop?: boolean;
}

type Phase = {
  name: string;
  blocking: boolean;
  run: (s: MachineSetScope) => Promise<PhaseOutcome | undefined>;
};

const refName = (ref: { name?: string } | undefined): string | undefined => ref?.name || undefined;
const isDeploymentChild = (ms: Stored<MachineSet>): boolean =>
  (ms.metadata.labels ?? {})[Label.MachineDeploymentName] !== undefined;

/**
 * The MachineSet controller: keeps `spec.replicas` Machines cloned from the template (InfraMachine and
 * BootstrapConfig from their templates, then the Machine), adopts orphan Machines its selector matches,
 * deletes surplus Machines by `spec.deletion.order`, remediates Machines a MachineHealthCheck marked, keeps
 * in-place fields of existing Machines in line with the template, and reports upstream's v1beta2 status.
 */
export class MachineSetReconciler implements Reconciler {
  readonly #o: MachineSetReconcilerOptions;
  readonly #now: () => number;
  readonly #random: () => string;

  constructor(options: MachineSetReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? (() => randomString());
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const key = keyString(request);
    const stale = this.#o.consistency.stale(key);
    if (stale.length > 0) {
      log.debug({ kinds: stale }, 'cache does not show our writes yet; requeueing');
      return { requeueAfterMs: STALE_CACHE_REQUEUE_MS };
    }
    const client = this.#o.client;
    let ms: Stored<MachineSet>;
    try {
      ms = await client.get<Stored<MachineSet>>(MachineSetType, request);
    } catch (err) {
      if (isNotFound(err)) {
        this.#o.consistency.clear(key);
        return undefined;
      }
      throw err;
    }
    let cluster: Stored<Cluster> | undefined;
    try {
      cluster = await client.get<Stored<Cluster>>(ClusterType, {
        namespace: ms.metadata.namespace,
        name: ms.spec.clusterName,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // The Cluster's creation brings the MachineSet back (the Cluster watch maps by spec.clusterName).
    if (!cluster && !ms.metadata.deletionTimestamp) {
      log.info({ cluster: ms.spec.clusterName }, 'waiting for the Cluster to exist');
      return undefined;
    }
    const s: MachineSetScope = {
      machineSet: ms,
      cluster,
      log,
      now: this.#now(),
      machines: [],
      machinesListed: false,
      bootstrapTemplateNotFound: false,
      infrastructureTemplateNotFound: false,
      scaleUpPreflightFailures: [],
    };
    let paused = false;
    const result = await withPatch(
      client,
      ms,
      OWNED_CONDITIONS,
      async () => {
        paused = setPausedCondition(ms, isPaused(cluster, ms));
        if (paused) return undefined;
        if (!ms.metadata.deletionTimestamp) addFinalizer(ms, Finalizer.MachineSet);
        return this.#reconcilePhases(s);
      },
      (error) => {
        if (paused) return;
        updateMachineSetStatus(s);
        // observedGeneration only when the whole reconcile went through, as upstream.
        if (!error && ms.metadata.generation !== undefined)
          ms.status!.observedGeneration = ms.metadata.generation;
      },
    );
    if (paused || ms.metadata.deletionTimestamp) return result;
    return lowest([result, requeueForReplicaCounters(ms)]);
  }

  /**
   * Upstream's phase runner: every phase runs even after an earlier one failed (so status reflects as much as
   * can be known), except after a failed blocking phase; the errors are reported together.
   */
  async #reconcilePhases(s: MachineSetScope): Promise<Result | undefined> {
    const deleting = !!s.machineSet.metadata.deletionTimestamp;
    if (isDeploymentChild(s.machineSet)) s.owningMachineDeployment = await this.#owningMachineDeployment(s);
    const phases: Phase[] = [
      {
        name: 'set MachineSet owner and labels',
        blocking: false,
        run: (x) => this.#reconcileOwnerAndLabels(x),
      },
      {
        name: 'reconcile infrastructure',
        blocking: false,
        run: (x) => this.#reconcileInfrastructureTemplate(x),
      },
      { name: 'reconcile bootstrapConfig', blocking: false, run: (x) => this.#reconcileBootstrapTemplate(x) },
      { name: 'get and adopt Machines', blocking: true, run: (x) => this.#getAndAdoptMachines(x) },
    ];
    if (deleting)
      phases.push({ name: 'reconcile delete', blocking: false, run: (x) => this.#reconcileDelete(x) });
    else
      phases.push(
        {
          name: 'reconcile unhealthy Machines',
          blocking: false,
          run: (x) => this.#reconcileUnhealthyMachines(x),
        },
        { name: 'sync Machines', blocking: true, run: (x) => this.#syncMachines(x) },
        { name: 'sync replicas', blocking: false, run: (x) => this.#syncReplicas(x) },
      );
    const errors: Error[] = [];
    const results: (Result | undefined)[] = [];
    for (const phase of phases) {
      let outcome: PhaseOutcome | undefined;
      try {
        outcome = await phase.run(s);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        errors.push(e);
        s.log.info({ err: e.message }, `failed to ${phase.name}`);
        if (phase.blocking) break;
        continue;
      }
      if (errors.length > 0) continue;
      results.push(outcome?.result);
      if (outcome?.stop) break;
    }
    if (errors.length === 1) throw errors[0]!;
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
    return lowest(results);
  }

  async #owningMachineDeployment(s: MachineSetScope): Promise<Stored<MachineDeployment>> {
    const name = s.machineSet.metadata.labels?.[Label.MachineDeploymentName] ?? '';
    try {
      return await this.#o.client.get<Stored<MachineDeployment>>(MachineDeploymentType, {
        namespace: s.machineSet.metadata.namespace,
        name,
      });
    } catch (err) {
      throw new Error(
        `failed to retrieve owner MachineDeployment for MachineSet ${key(s.machineSet)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  // --------------------------------------------------------------------------------- owner, labels, templates

  /**
   * The cluster-name label on the MachineSet, its selector and its template (so Machines are selected within
   * their Cluster), and the Cluster as owner of a stand-alone MachineSet.
   */
  #reconcileOwnerAndLabels(s: MachineSetScope): Promise<undefined> {
    const ms = s.machineSet;
    const clusterName = ms.spec.clusterName;
    ms.metadata.labels = { ...ms.metadata.labels, [Label.ClusterName]: clusterName };
    const refs = ms.metadata.ownerReferences ?? [];
    const ownedByDeploymentOrCluster = refs.some(
      (r) =>
        r.apiVersion.split('/')[0] === API_VERSION.split('/')[0] &&
        ['MachineDeployment', 'Cluster'].includes(r.kind),
    );
    const cluster = s.cluster;
    if (!ownedByDeploymentOrCluster && !isDeploymentChild(ms) && cluster?.metadata.uid)
      ms.metadata.ownerReferences = [
        ...refs,
        {
          apiVersion: API_VERSION,
          kind: 'Cluster',
          name: cluster.metadata.name ?? '',
          uid: cluster.metadata.uid,
        },
      ];
    ms.spec.selector.matchLabels = { ...ms.spec.selector.matchLabels, [Label.ClusterName]: clusterName };
    ms.spec.template.metadata = {
      ...ms.spec.template.metadata,
      labels: { ...ms.spec.template.metadata?.labels, [Label.ClusterName]: clusterName },
    };
    return Promise.resolve(undefined);
  }

  async #reconcileInfrastructureTemplate(s: MachineSetScope): Promise<undefined> {
    const ref = s.machineSet.spec.template.spec.infrastructureRef;
    const { notFound, error } = await this.#reconcileTemplate(s, ref);
    s.infrastructureTemplateNotFound = notFound;
    if (error) throw error;
    return undefined;
  }

  async #reconcileBootstrapTemplate(s: MachineSetScope): Promise<undefined> {
    const ref = s.machineSet.spec.template.spec.bootstrap.configRef;
    if (!refName(ref)) return undefined;
    const { notFound, error } = await this.#reconcileTemplate(s, ref!);
    s.bootstrapTemplateNotFound = notFound;
    if (error) throw error;
    return undefined;
  }

  /**
   * A referenced template gets the Cluster as (non-controller) owner, so it survives `clusterctl move` with
   * it. A missing template is an error unless the MachineSet is deleting or is an old revision of its
   * MachineDeployment (which is about to go anyway).
   */
  async #reconcileTemplate(
    s: MachineSetScope,
    ref: ContractReference,
  ): Promise<{ notFound: boolean; error?: Error }> {
    if (!ref.kind.endsWith(TEMPLATE_SUFFIX)) return { notFound: false };
    const ms = s.machineSet;
    const template = await this.#getExternal(ms.metadata.namespace, ref);
    if (!template) {
      const md = s.owningMachineDeployment;
      if (ms.metadata.deletionTimestamp || (md && !isCurrentMachineSet(ms, md))) return { notFound: true };
      return {
        notFound: true,
        error: new Error(
          `failed to retrieve ${ref.kind} ${ms.metadata.namespace ?? ''}/${ref.name}: not found`,
        ),
      };
    }
    const cluster = s.cluster;
    if (!cluster?.metadata.uid) return { notFound: false };
    const desired: OwnerReference = {
      apiVersion: API_VERSION,
      kind: 'Cluster',
      name: cluster.metadata.name ?? '',
      uid: cluster.metadata.uid,
    };
    const refs = template.metadata.ownerReferences ?? [];
    const exact = refs.some(
      (r) =>
        r.apiVersion === desired.apiVersion &&
        r.kind === desired.kind &&
        r.name === desired.name &&
        r.uid === desired.uid,
    );
    if (exact) return { notFound: false };
    const others = refs.filter(
      (r) => !(r.kind === 'Cluster' && r.name === desired.name && sameGroup(r.apiVersion)),
    );
    await this.#o.client.patch(template, {
      type: 'merge',
      data: {
        metadata: {
          resourceVersion: template.metadata.resourceVersion,
          ownerReferences: [...others, desired],
        },
      },
    });
    return { notFound: false };
  }

  async #getExternal(namespace: string | undefined, ref: ContractReference): Promise<KubeObject | undefined> {
    const type = await this.#o.resolver.typeOf(ref);
    try {
      return await this.#o.client.get(
        { apiVersion: type.apiVersion, kind: type.kind },
        { namespace, name: ref.name },
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ------------------------------------------------------------------------------------------- Machines

  /**
   * The Machines the selector matches that no one else controls; orphans among them become this MachineSet's
   * (controller reference). Deleting Machines are kept: they still count until they are gone.
   */
  async #getAndAdoptMachines(s: MachineSetScope): Promise<undefined> {
    const ms = s.machineSet;
    const selector = labelSelectorAsSelector(ms.spec.selector);
    if (isSelectorError(selector))
      throw new TerminalError(`failed to convert MachineSet ${key(ms)} label selector: ${selector.error}`);
    const list = await this.#o.client.list<Stored<Machine>>(MachineType, {
      namespace: ms.metadata.namespace,
    });
    const self = { apiVersion: API_VERSION, kind: 'MachineSet', metadata: ms.metadata };
    const machines: Stored<Machine>[] = [];
    for (const m of list.items) {
      if (!selector.matches(m.metadata.labels)) continue;
      const controller = getControllerOf(m);
      if (controller && !isControlledBy(m, self)) continue;
      if (!controller) {
        try {
          await this.#adopt(s, m);
        } catch (err) {
          s.log.info({ machine: m.metadata.name, err: (err as Error).message }, 'failed to adopt Machine');
          continue;
        }
        s.log.info({ machine: m.metadata.name }, 'adopted Machine');
      }
      machines.push(m);
    }
    s.machines = machines;
    s.machinesListed = true;
    return undefined;
  }

  async #adopt(s: MachineSetScope, m: Stored<Machine>): Promise<void> {
    const ms = s.machineSet;
    const refs = m.metadata.ownerReferences ?? [];
    const patched = await this.#o.client.patch(m, {
      type: 'merge',
      data: {
        metadata: {
          resourceVersion: m.metadata.resourceVersion,
          ownerReferences: [
            ...refs.filter((r) => r.uid !== ms.metadata.uid),
            {
              apiVersion: API_VERSION,
              kind: 'MachineSet',
              name: ms.metadata.name ?? '',
              uid: ms.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    m.metadata = patched.metadata;
    this.#wrote(s, MachineType, patched);
  }

  #wrote(s: MachineSetScope, type: TypeRef, obj: KubeObject): void {
    const ms = s.machineSet;
    this.#o.consistency.wroteAt(key(ms), ms.metadata.uid ?? '', type, obj.metadata.resourceVersion);
  }

  #deleted(s: MachineSetScope, type: TypeRef, obj: KubeObject): void {
    const ms = s.machineSet;
    this.#o.consistency.deleted(
      key(ms),
      ms.metadata.uid ?? '',
      type,
      obj.metadata.namespace,
      obj.metadata.name ?? '',
    );
  }

  async #deleteMachine(s: MachineSetScope, m: Stored<Machine>): Promise<void> {
    const name = m.metadata.name ?? '';
    try {
      await this.#o.client.delete(m);
      if (!m.metadata.deletionTimestamp)
        this.#o.recorder?.event(s.machineSet, 'Normal', 'SuccessfulDelete', `Deleted Machine "${name}"`);
    } catch (err) {
      if (!isNotFound(err)) {
        this.#o.recorder?.event(
          s.machineSet,
          'Warning',
          'FailedDelete',
          `Failed to delete machine "${name}": ${(err as Error).message}`,
        );
        throw err;
      }
    }
    this.#deleted(s, MachineType, m);
  }

  /** A deleting MachineSet deletes its Machines and lets its finalizer go once they are gone. */
  async #reconcileDelete(s: MachineSetScope): Promise<undefined> {
    const ms = s.machineSet;
    if (s.machines.length === 0) {
      this.#o.consistency.clear(key(ms));
      removeFinalizer(ms, Finalizer.MachineSet);
      return undefined;
    }
    for (const m of s.machines) {
      if (m.metadata.deletionTimestamp) continue;
      await this.#deleteMachine(s, m);
      s.log.info(
        { machine: m.metadata.name },
        `Deleting Machine ${m.metadata.name ?? ''} (MachineSet deleted)`,
      );
    }
    s.log.info(
      { machines: s.machines.map((m) => m.metadata.name).join(', ') },
      'waiting for Machines to be deleted',
    );
    return undefined;
  }

  // ---------------------------------------------------------------------------------------- remediation

  /**
   * Deletes the Machines a MachineHealthCheck marked (HealthCheckSucceeded=False, OwnerRemediated=False), at most
   * `maxInFlight` of the owning MachineDeployment at a time and only for its current revision; replacements
   * come from syncReplicas once the Machines are gone. Machines healthy again lose OwnerRemediated.
   */
  async #reconcileUnhealthyMachines(s: MachineSetScope): Promise<undefined | PhaseOutcome> {
    const ms = s.machineSet;
    const errors: Error[] = [];
    for (const m of s.machines) {
      if (m.metadata.deletionTimestamp) continue;
      if (!(isTrue(m, MachineCondition.HealthCheckSucceeded) && isFalse(m, MachineCondition.OwnerRemediated)))
        continue;
      try {
        const helper = PatchHelper.create(m, this.#o.client);
        deleteCondition(m, MachineCondition.OwnerRemediated);
        await helper.patch(m, { ownedConditions: [MachineCondition.OwnerRemediated] });
        this.#wrote(s, MachineType, m);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    if (errors.length > 0)
      throw new Error(
        `failed to remove OwnerRemediated condition from healthy Machines: ${errors.map((e) => e.message).join('; ')}`,
      );

    let toRemediate = s.machines.filter(
      (m) => isUnhealthyAndOwnerRemediated(m) && !m.metadata.deletionTimestamp,
    );
    if (toRemediate.length === 0) return undefined;

    let maxInFlight = Number.POSITIVE_INFINITY;
    const md = s.owningMachineDeployment;
    const mdMaxInFlight = md?.spec.remediation?.maxInFlight;
    if (isDeploymentChild(ms) && md) {
      if (!isCurrentMachineSet(ms, md)) {
        await this.#patchMachineConditions(s, toRemediate, {
          type: MachineCondition.OwnerRemediated,
          status: 'False',
          reason: MachineSetReason.MachineCannotBeRemediated,
          message: "Machine won't be remediated because it is pending removal due to rollout",
        });
        return undefined;
      }
      if (mdMaxInFlight !== undefined)
        maxInFlight = scaledIntOrPercent(mdMaxInFlight, md.spec.replicas ?? 1, true);
    }
    // Remediations this controller started that are still going through deletion use up the budget.
    for (const m of s.machines) {
      if (!m.metadata.deletionTimestamp) continue;
      const c = getCondition(m, MachineCondition.OwnerRemediated);
      if (c?.status === 'False' && c.reason === MachineSetReason.MachineRemediationMachineDeleting)
        maxInFlight--;
    }
    const deferred: NewCondition = {
      type: MachineCondition.OwnerRemediated,
      status: 'False',
      reason: MachineSetReason.MachineRemediationDeferred,
      message: `Waiting because there are already too many remediations in progress (spec.strategy.remediation.maxInFlight is ${String(mdMaxInFlight)})`,
    };
    if (maxInFlight <= 0) {
      s.log.info({ machines: toRemediate.length }, 'maximum remediations in flight reached');
      await this.#patchMachineConditions(s, toRemediate, deferred);
      return undefined;
    }
    toRemediate = sortMachinesToRemediate(toRemediate);
    if (toRemediate.length > maxInFlight) {
      const later = toRemediate.slice(maxInFlight);
      toRemediate = toRemediate.slice(0, maxInFlight);
      await this.#patchMachineConditions(s, later, deferred);
    }

    let failures: string[];
    try {
      failures = await this.#preflight(s, 'Machine remediation');
    } catch (err) {
      await this.#patchMachineConditions(s, toRemediate, {
        type: MachineCondition.OwnerRemediated,
        status: 'False',
        reason: MachineSetReason.MachineRemediationDeferred,
        message: `* ${(err as Error).message}`,
      });
      throw err;
    }
    if (failures.length > 0) {
      await this.#patchMachineConditions(s, toRemediate, {
        type: MachineCondition.OwnerRemediated,
        status: 'False',
        reason: MachineSetReason.MachineRemediationDeferred,
        message: failures.map((f) => `* ${f}`).join('\n'),
      });
      return { result: { requeueAfterMs: PREFLIGHT_FAILED_REQUEUE_MS } };
    }

    // The condition goes on before the deletion, so a retry after a failed delete still knows it started.
    await this.#patchMachineConditions(s, toRemediate, {
      type: MachineCondition.OwnerRemediated,
      status: 'False',
      reason: MachineSetReason.MachineRemediationMachineDeleting,
      message: 'Machine is deleting',
    });
    const deleteErrors: Error[] = [];
    for (const m of toRemediate) {
      try {
        await this.#deleteMachine(s, m);
        s.log.info(
          { machine: m.metadata.name },
          `Deleting Machine ${m.metadata.name ?? ''} (remediating unhealthy Machine)`,
        );
      } catch (err) {
        deleteErrors.push(err as Error);
      }
    }
    if (deleteErrors.length > 0)
      throw new Error(
        `failed to delete unhealthy Machines: ${deleteErrors.map((e) => e.message).join('; ')}`,
      );
    return undefined;
  }

  async #patchMachineConditions(
    s: MachineSetScope,
    machines: Stored<Machine>[],
    condition: NewCondition,
  ): Promise<void> {
    const errors: Error[] = [];
    for (const m of machines) {
      try {
        const helper = PatchHelper.create(m, this.#o.client);
        setCondition(m, condition);
        await helper.patch(m, { ownedConditions: [MachineCondition.OwnerRemediated] });
        this.#wrote(s, MachineType, m);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    if (errors.length > 0)
      throw new Error(`failed to patch Machines: ${errors.map((e) => e.message).join('; ')}`);
  }

  // ------------------------------------------------------------------------------------ in-place sync

  /**
   * Keeps existing Machines in line with the template without replacing them: labels, annotations and the
   * in-place spec fields through server-side apply (field manager `capi-machineset`), labels and annotations
   * of their InfraMachines and BootstrapConfigs (`capi-machineset-metadata`).
   */
  async #syncMachines(s: MachineSetScope): Promise<undefined> {
    const ms = s.machineSet;
    const client = this.#o.client;
    const labels = machineLabelsFromMachineSet(ms);
    const annotations = machineAnnotationsFromMachineSet(ms);
    for (let i = 0; i < s.machines.length; i++) {
      const m = s.machines[i]!;
      if (m.metadata.deletionTimestamp) {
        const patch = deletingMachinePatch(m, ms);
        if (patch) {
          const patched = await client.patch(m, { type: 'merge', data: patch });
          this.#wrote(s, MachineType, patched);
        }
        continue;
      }
      const desired = computeDesiredMachine(ms, m, this.#random);
      if (machineNeedsApply(m, desired)) {
        const applied = await client.apply<Stored<Machine>>(desired, {
          fieldManager: FieldManager.MachineSet,
          force: true,
        });
        this.#wrote(s, MachineType, applied);
        s.machines[i] = applied;
      }
      for (const ref of [m.spec.infrastructureRef, m.spec.bootstrap?.configRef]) {
        if (!refName(ref)) continue;
        const obj = await this.#getExternal(m.metadata.namespace, ref!);
        if (!obj)
          throw new Error(`failed to get ${ref!.kind} ${m.metadata.namespace ?? ''}/${ref!.name}: not found`);
        const apply = desiredMetadata(obj, labels, annotations);
        if (!apply) continue;
        const applied = await client.apply(apply, {
          fieldManager: FieldManager.MachineSetMetadata,
          force: true,
        });
        this.#wrote(s, { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '' }, applied);
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------------------------------------ replicas

  async #syncReplicas(s: MachineSetScope): Promise<PhaseOutcome | undefined> {
    const ms = s.machineSet;
    await this.#cleanupOrphanedClones(s);
    const replicas = ms.spec.replicas;
    if (replicas === undefined)
      throw new TerminalError(
        `the Replicas field in Spec for MachineSet ${ms.metadata.name ?? ''} is nil, this should not be allowed`,
      );
    const diff = s.machines.length - replicas;
    if (diff < 0) {
      if (ms.metadata.annotations?.[Annotation.DisableMachineCreate] === 'true') {
        s.log.info('automatic creation of new Machines disabled for MachineSet');
        return undefined;
      }
      return this.#createMachines(s, -diff).catch((err: unknown) => {
        this.#o.recorder?.event(ms, 'Warning', 'FailedCreate', (err as Error).message);
        throw err;
      });
    }
    if (diff > 0) {
      // Machines moved in from another MachineSet and not yet acknowledged are not in spec.replicas yet.
      const receiving = !!ms.metadata.annotations?.[Annotation.MachineSetReceiveMachinesFromMachineSets];
      const pending = receiving
        ? s.machines.filter((m) => Annotation.PendingAcknowledgeMove in (m.metadata.annotations ?? {})).length
        : 0;
      const toDelete = s.machines.length - pending - replicas;
      if (toDelete > 0) await this.#deleteMachines(s, toDelete);
    }
    return undefined;
  }

  /** InfraMachines and BootstrapConfigs cloned for a Machine that was never created (or lost its Machine). */
  async #cleanupOrphanedClones(s: MachineSetScope): Promise<void> {
    const ms = s.machineSet;
    const selector = labelSelectorAsSelector(ms.spec.selector);
    if (isSelectorError(selector)) return;
    const t = ms.spec.template.spec;
    const used = new Set<string>();
    for (const m of s.machines) {
      used.add(`i/${m.spec.infrastructureRef.name}`);
      if (m.spec.bootstrap?.configRef?.name) used.add(`b/${m.spec.bootstrap.configRef.name}`);
    }
    const errors: string[] = [];
    for (const [prefix, ref] of [
      ['i', t.infrastructureRef],
      ['b', t.bootstrap.configRef],
    ] as const) {
      if (!refName(ref)) continue;
      const kind = ref!.kind.endsWith(TEMPLATE_SUFFIX)
        ? ref!.kind.slice(0, -TEMPLATE_SUFFIX.length)
        : ref!.kind;
      const type = await this.#o.resolver.typeOf({ apiGroup: ref!.apiGroup, kind });
      const list = await this.#o.client.list(
        { apiVersion: type.apiVersion, kind },
        { namespace: ms.metadata.namespace },
      );
      for (const obj of list.items) {
        if (!selector.matches(obj.metadata.labels) || obj.metadata.deletionTimestamp) continue;
        if (
          !(obj.metadata.ownerReferences ?? []).some(
            (r) => r.kind === 'MachineSet' && r.uid === ms.metadata.uid,
          )
        )
          continue;
        if (used.has(`${prefix}/${obj.metadata.name ?? ''}`)) continue;
        try {
          await this.#o.client.delete(obj);
          s.log.info({ kind, name: obj.metadata.name }, 'deleted orphaned object of the MachineSet');
        } catch (err) {
          if (!isNotFound(err))
            errors.push(`failed to delete ${kind} ${key(obj)}: ${(err as Error).message}`);
        }
      }
    }
    if (errors.length > 0) throw new Error(`failed to cleanup orphaned objects: ${errors.join('; ')}`);
  }

  /**
   * Creates the missing Machines once the preflight checks pass: for each, the BootstrapConfig (when the
   * template has a configRef) and the InfraMachine cloned from their templates, then the Machine pointing at
   * them; clones are deleted again when a later step fails.
   */
  async #createMachines(s: MachineSetScope, count: number): Promise<PhaseOutcome | undefined> {
    const ms = s.machineSet;
    let failures: string[];
    try {
      failures = await this.#preflight(s, 'Scale up');
    } catch (err) {
      s.scaleUpPreflightFailures = [(err as Error).message];
      throw err;
    }
    if (failures.length > 0) {
      s.scaleUpPreflightFailures = failures;
      s.log.info(
        `Scale up on hold because ${failures.join('; ')}. The operation will continue after the preflight check(s) pass`,
      );
      return { result: { requeueAfterMs: PREFLIGHT_FAILED_REQUEUE_MS } };
    }
    const client = this.#o.client;
    const t = ms.spec.template.spec;
    for (let i = 0; i < count; i++) {
      const machine = computeDesiredMachine(ms, undefined, this.#random);
      let bootstrap: KubeObject | undefined;
      if (refName(t.bootstrap.configRef)) {
        try {
          bootstrap = await this.#createFromTemplate(s, t.bootstrap.configRef!, machine);
        } catch (err) {
          throw new Error(
            `failed to clone bootstrap configuration from ${t.bootstrap.configRef!.kind} ${ms.metadata.namespace ?? ''}/${t.bootstrap.configRef!.name} while creating a Machine: ${(err as Error).message}`,
            { cause: err },
          );
        }
        machine.spec.bootstrap = { configRef: refTo(bootstrap) };
      }
      let infra: KubeObject;
      try {
        infra = await this.#createFromTemplate(s, t.infrastructureRef, machine);
      } catch (err) {
        const cleanup = bootstrap ? await this.#deleteQuietly(bootstrap) : undefined;
        throw new Error(
          `failed to clone infrastructure machine from ${t.infrastructureRef.kind} ${ms.metadata.namespace ?? ''}/${t.infrastructureRef.name} while creating a Machine: ${(err as Error).message}${cleanup ? `; ${cleanup}` : ''}`,
          { cause: err },
        );
      }
      machine.spec.infrastructureRef = refTo(infra);
      let created: Stored<Machine>;
      try {
        created = await client.apply<Stored<Machine>>(machine, {
          fieldManager: FieldManager.MachineSet,
          force: true,
        });
      } catch (err) {
        const cleanups = [
          await this.#deleteQuietly(infra),
          bootstrap ? await this.#deleteQuietly(bootstrap) : undefined,
        ];
        const extra = cleanups.filter((c) => c).join('; ');
        throw new Error(
          `failed to create Machine ${machine.metadata.name ?? ''}: ${(err as Error).message}${extra ? `; ${extra}` : ''}`,
          {
            cause: err,
          },
        );
      }
      this.#wrote(s, MachineType, created);
      this.#o.recorder?.event(
        ms,
        'Normal',
        'SuccessfulCreate',
        `Created Machine "${created.metadata.name ?? ''}"`,
      );
      s.log.info(
        { machine: created.metadata.name, desiredReplicas: ms.spec.replicas, replicas: s.machines.length },
        `Machine ${created.metadata.name ?? ''} created (scale up, creating ${i + 1} of ${count})`,
      );
    }
    return undefined;
  }

  /** Creates an InfraMachine or BootstrapConfig from its template for `machine` (owned by the MachineSet until the Machine adopts it). */
  async #createFromTemplate(
    s: MachineSetScope,
    ref: ContractReference,
    machine: Stored<Machine>,
  ): Promise<KubeObject> {
    const ms = s.machineSet;
    const template = await this.#getExternal(ms.metadata.namespace, ref);
    if (!template) throw new Error(`${ref.kind} ${ms.metadata.namespace ?? ''}/${ref.name} not found`);
    const obj = generateFromTemplate({
      template,
      namespace: ms.metadata.namespace ?? '',
      name: machine.metadata.name ?? '',
      clusterName: ms.spec.clusterName,
      ownerReference: {
        apiVersion: API_VERSION,
        kind: 'MachineSet',
        name: ms.metadata.name ?? '',
        uid: ms.metadata.uid ?? '',
      },
      labels: machine.metadata.labels ?? {},
      annotations: machine.metadata.annotations ?? {},
    });
    const created = await this.#o.client.create(obj, { fieldManager: FieldManager.MachineSet });
    this.#wrote(
      s,
      { apiVersion: created.apiVersion ?? obj.apiVersion ?? '', kind: created.kind ?? obj.kind ?? '' },
      created,
    );
    return created;
  }

  /** Deletes a clone after a failed creation; the failure to do so, if any, as text for the error. */
  async #deleteQuietly(obj: KubeObject): Promise<string | undefined> {
    try {
      await this.#o.client.delete(obj);
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      return `failed to cleanup ${obj.kind ?? ''} ${key(obj)}: ${(err as Error).message}`;
    }
  }

  /** Deletes `count` surplus Machines, chosen by `spec.deletion.order`. */
  async #deleteMachines(s: MachineSetScope, count: number): Promise<void> {
    const ms = s.machineSet;
    s.log.info(
      {
        replicas: ms.spec.replicas,
        machineCount: s.machines.length,
        order: ms.spec.deletion?.order ?? 'Random',
      },
      `MachineSet is scaling down to ${ms.spec.replicas ?? 0} replicas by deleting ${count} Machines`,
    );
    const chosen = machinesToDeletePrioritized(s.machines, count, deletePriorityFunc(ms), s.now);
    const errors: Error[] = [];
    for (const [i, m] of chosen.entries()) {
      if (m.metadata.deletionTimestamp) continue;
      try {
        await this.#deleteMachine(s, m);
        s.log.info(
          { machine: m.metadata.name },
          `Machine ${m.metadata.name ?? ''} deleting (scale down, deleting ${i + 1} of ${count})`,
        );
      } catch (err) {
        errors.push(err as Error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  }

  // ----------------------------------------------------------------------------------------- preflight

  /** The failed preflight checks (empty: go ahead); throws when they cannot be evaluated. */
  async #preflight(s: MachineSetScope, action: string): Promise<string[]> {
    if (!this.#o.featureGates.MachineSetPreflightChecks) return [];
    const ms = s.machineSet;
    const cluster = s.cluster;
    if (!cluster) return [];
    let bootstrapTemplate: KubeObject | undefined;
    const configRef = ms.spec.template.spec.bootstrap.configRef;
    if (!ms.metadata.annotations?.[Annotation.MachineSetSkipPreflightChecks] && refName(configRef)) {
      bootstrapTemplate = await this.#getExternal(ms.metadata.namespace, configRef!);
      if (!bootstrapTemplate)
        throw new Error(
          `failed to read ${Annotation.MachineSetSkipPreflightChecks} annotation: ${configRef!.kind} ${ms.metadata.namespace ?? ''}/${configRef!.name} not found`,
        );
    }
    const skipped = parseSkippedChecks(skipAnnotation(ms, bootstrapTemplate));
    if (this.#o.preflightChecks.size === 0 || skipped.has('All')) return [];
    const cpRef = cluster.spec?.controlPlaneRef;
    if (!refName(cpRef)) return [];
    const controlPlane = await this.#getExternal(cluster.metadata.namespace, cpRef as ContractReference);
    if (!controlPlane)
      throw new Error(
        `failed to perform "${action}": failed to perform preflight checks: failed to get ControlPlane ${cluster.metadata.namespace ?? ''}/${cpRef!.name}: not found`,
      );
    return runPreflightChecks({
      cluster,
      ms,
      controlPlane,
      enabled: this.#o.preflightChecks,
      skipped,
      clusterTopology: this.#o.featureGates.ClusterTopology,
      action,
    });
  }
}

const key = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

const sameGroup = (apiVersion: string): boolean => apiVersion.split('/')[0] === API_VERSION.split('/')[0];

const refTo = (obj: KubeObject): ContractReference => ({
  apiGroup: (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/')[0]! : '',
  kind: obj.kind ?? '',
  name: obj.metadata.name ?? '',
});

/** The MachineSet of the MachineDeployment's current revision (the only one that remediates). */
function isCurrentMachineSet(ms: Stored<MachineSet>, md: Stored<MachineDeployment>): boolean {
  return (
    md.metadata.annotations?.[Annotation.MachineDeploymentRevision] ===
    ms.metadata.annotations?.[Annotation.MachineDeploymentRevision]
  );
}

/**
 * Upstream's periodic refresh while replicas are not all ready (15 s), or once after minReadySeconds when all
 * are ready but not yet available.
 */
export function requeueForReplicaCounters(ms: Stored<MachineSet>): Result | undefined {
  const minReadySeconds = ms.spec.template.spec.minReadySeconds ?? 0;
  const replicas = ms.spec.replicas ?? 0;
  const ready = ms.status?.readyReplicas ?? 0;
  const available = ms.status?.availableReplicas ?? 0;
  if (minReadySeconds > 0 && ready === replicas && available !== replicas)
    return { requeueAfterMs: minReadySeconds * 1000 };
  if (ready !== replicas) return { requeueAfterMs: REPLICA_COUNTERS_REQUEUE_MS };
  return undefined;
}

function lowest(results: (Result | undefined)[]): Result | undefined {
  const delays = results.map((r) => r?.requeueAfterMs).filter((d): d is number => d !== undefined && d > 0);
  return delays.length ? { requeueAfterMs: Math.min(...delays) } : undefined;
}
