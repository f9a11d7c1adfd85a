import { keyString, type KubeObject, type TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { getCondition, hasSameState, setCondition } from '../../../controller-runtime/conditions/index.js';
import {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  TerminalError,
} from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  CommonCondition,
  Finalizer,
  Label,
  MachineCondition,
  MachineDeploymentCondition,
} from '../../api/v1beta2/well-known.js';
import type { ContractReference, ContractResolver } from '../../contract/contract-version.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import {
  isSelectorError,
  labelSelectorAsSelector,
  type Selector,
} from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { ApplyCache } from './apply-cache.js';
import { CacheExpectations } from './cache-expectations.js';
import {
  applyConfiguration,
  computeDesiredNewMachineSet,
  computeDesiredOldMachineSet,
} from './desired-machine-set.js';
import type { MachineDeploymentScope } from './machine-deployment-scope.js';
import { updateMachineDeploymentStatus } from './machine-deployment-status.js';
import { findNewAndOldMachineSets, timeSeconds } from './machine-template.js';
import { machineUpToDateCondition } from './machine-up-to-date.js';
import { isRollingUpdate } from './rollout-limits.js';
import {
  byCreationTimestamp,
  deploymentComplete,
  planOnDelete,
  planRollingUpdate,
  planScale,
  type RolloutPlan,
  statusSum,
} from './rollout-planner.js';

export const MachineDeploymentType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDeployment' };
export const MachineSetType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineSet' };
export const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
export const ClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };

/** The server-side apply field manager upstream's MachineDeployment controller writes MachineSets with. */
export const MACHINE_DEPLOYMENT_FIELD_MANAGER = 'capi-machinedeployment';

/** How long to wait before retrying when the templates a new MachineSet needs do not exist yet. */
const MISSING_TEMPLATE_REQUEUE_MS = 10_000;
/** How soon to look again while the cache has not shown this controller's last MachineSet writes. */
const CACHE_WAIT_REQUEUE_MS = 100;

const OWNED_CONDITIONS = [
  CommonCondition.Paused,
  MachineDeploymentCondition.Available,
  MachineDeploymentCondition.MachinesReady,
  MachineDeploymentCondition.MachinesUpToDate,
  MachineDeploymentCondition.RollingOut,
  MachineDeploymentCondition.ScalingDown,
  MachineDeploymentCondition.ScalingUp,
  MachineDeploymentCondition.Remediating,
  MachineDeploymentCondition.Deleting,
];

export interface MachineDeploymentReconcilerOptions {
  /** The manager's client (cached reads). */
  client: Client;
  resolver: ContractResolver;
  recorder?: EventRecorder;
  now?: () => number;
}

/** The MachineDeployment's selector; an empty or invalid one would select everything or nothing. */
function selectorOf(md: Stored<MachineDeployment>): Selector {
  const selector = labelSelectorAsSelector(md.spec.selector);
  if (isSelectorError(selector))
    throw new TerminalError(
      `invalid spec.selector of MachineDeployment ${md.metadata.name ?? ''}: ${selector.error}`,
    );
  if (selector.empty)
    throw new TerminalError(`spec.selector of MachineDeployment ${md.metadata.name ?? ''} is empty`);
  return selector;
}

const controllerUid = (obj: KubeObject): string | undefined =>
  (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true)?.uid;

/**
 * The MachineDeployment controller: owns MachineSets stamped from the MachineDeployment's template, rolls
 * Machines out by creating a new MachineSet and shifting replicas to it (RollingUpdate within maxSurge and
 * maxUnavailable, or OnDelete as users delete old Machines), propagates in-place fields to every MachineSet,
 * deletes old MachineSets once they are empty, sets `UpToDate` on its Machines, and reports counters, phase
 * and v1beta2 conditions. Deleting a MachineDeployment deletes its MachineSets and waits for them.
 */
export class MachineDeploymentReconciler implements Reconciler {
  readonly #o: MachineDeploymentReconcilerOptions;
  readonly #now: () => number;
  readonly #expectations = new CacheExpectations();
  readonly #applied = new ApplyCache();

  constructor(options: MachineDeploymentReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const client = this.#o.client;
    const key = keyString(request);
    let md: Stored<MachineDeployment>;
    try {
      md = await client.get<Stored<MachineDeployment>>(MachineDeploymentType, request);
    } catch (err) {
      if (isNotFound(err)) {
        this.#expectations.forget(key);
        return undefined;
      }
      throw err;
    }
    let cluster: Stored<Cluster> | undefined;
    try {
      cluster = await client.get<Stored<Cluster>>(ClusterType, {
        namespace: md.metadata.namespace,
        name: md.spec.clusterName,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // Without its Cluster nothing can be decided (the Cluster watch brings the MachineDeployment back);
    // deletion still goes ahead.
    if (!cluster && !md.metadata.deletionTimestamp) {
      log.info({ cluster: md.spec.clusterName }, 'waiting for the Cluster to exist');
      return undefined;
    }
    const s: MachineDeploymentScope = {
      machineDeployment: md,
      ...(cluster ? { cluster } : {}),
      log,
      now: this.#now(),
      machines: [],
      bootstrapTemplateNotFound: false,
      infrastructureTemplateNotFound: false,
      paused: false,
      waitingForCache: false,
    };
    return withPatch(
      client,
      md,
      OWNED_CONDITIONS,
      async () => {
        if (setPausedCondition(md, isPaused(cluster, md))) {
          s.paused = true;
          return undefined;
        }
        const deleting = !!md.metadata.deletionTimestamp;
        if (!deleting) this.#ensureLabelsAndOwner(s);
        const listed = await client.list<Stored<MachineSet>>(MachineSetType, {
          namespace: md.metadata.namespace,
        });
        if (!this.#expectations.satisfied(key, listed.items)) {
          s.waitingForCache = true;
          return { requeueAfterMs: CACHE_WAIT_REQUEUE_MS };
        }
        s.machineSets = await this.#adoptMachineSets(s, listed.items);
        s.machines = (
          await client.list<Stored<Machine>>(MachineType, {
            namespace: md.metadata.namespace,
            labelSelector: { [Label.MachineDeploymentName]: md.metadata.name ?? '' },
          })
        ).items;
        if (deleting) return this.#reconcileDelete(s);
        addFinalizer(md, Finalizer.MachineDeployment);
        return this.#reconcileNormal(s);
      },
      (error) => {
        if (!s.paused && !s.waitingForCache) updateMachineDeploymentStatus(s, error === undefined);
      },
    );
  }

  /** The cluster-name label on the MachineDeployment, its selector and template; the Cluster as an owner. */
  #ensureLabelsAndOwner(s: MachineDeploymentScope): void {
    const md = s.machineDeployment;
    const clusterName = md.spec.clusterName;
    if (md.metadata.labels?.[Label.ClusterName] !== clusterName)
      md.metadata.labels = { ...md.metadata.labels, [Label.ClusterName]: clusterName };
    if (md.spec.selector.matchLabels?.[Label.ClusterName] !== clusterName)
      md.spec.selector.matchLabels = { ...md.spec.selector.matchLabels, [Label.ClusterName]: clusterName };
    if (md.spec.template.metadata?.labels?.[Label.ClusterName] !== clusterName)
      md.spec.template.metadata = {
        ...md.spec.template.metadata,
        labels: { ...md.spec.template.metadata?.labels, [Label.ClusterName]: clusterName },
      };
    const cluster = s.cluster;
    if (!cluster?.metadata.uid) return;
    const refs = md.metadata.ownerReferences ?? [];
    if (refs.some((r) => r.kind === 'Cluster' && r.uid === cluster.metadata.uid)) return;
    // Not a controller reference: the MachineDeployment may be controlled by something else (topology).
    md.metadata.ownerReferences = [
      ...refs.filter((r) => !(r.kind === 'Cluster' && r.name === cluster.metadata.name)),
      {
        apiVersion: API_VERSION,
        kind: 'Cluster',
        name: cluster.metadata.name ?? '',
        uid: cluster.metadata.uid,
      },
    ];
  }

  /**
   * The MachineSets it controls, adopting orphans its selector matches (upstream lists every MachineSet of
   * the namespace, so it also finds those it controls that no longer match).
   */
  async #adoptMachineSets(
    s: MachineDeploymentScope,
    all: Stored<MachineSet>[],
  ): Promise<Stored<MachineSet>[]> {
    const md = s.machineDeployment;
    const selector = selectorOf(md);
    const uid = md.metadata.uid;
    const out: Stored<MachineSet>[] = [];
    for (const ms of all) {
      const mine = controllerUid(ms) === uid;
      if (!mine && !selector.matches(ms.metadata.labels)) continue;
      if (!controllerUid(ms)) {
        try {
          await this.#adopt(md, ms);
          s.log.info({ machineSet: ms.metadata.name }, 'adopted MachineSet into MachineDeployment');
          this.#event(md, 'Normal', 'SuccessfulAdopt', `Adopted MachineSet "${ms.metadata.name ?? ''}"`);
        } catch (err) {
          s.log.error(
            { err, machineSet: ms.metadata.name },
            'failed to adopt MachineSet into MachineDeployment',
          );
          this.#event(
            md,
            'Warning',
            'FailedAdopt',
            `Failed to adopt MachineSet "${ms.metadata.name ?? ''}": ${(err as Error).message}`,
          );
          continue;
        }
      }
      if (controllerUid(ms) !== uid) continue;
      out.push(ms);
    }
    return out;
  }

  async #adopt(md: Stored<MachineDeployment>, ms: Stored<MachineSet>): Promise<void> {
    const refs = (ms.metadata.ownerReferences ?? []).filter(
      (r) => !(r.kind === 'MachineDeployment' && r.name === md.metadata.name),
    );
    const before = ms.metadata.resourceVersion ?? '';
    const patched = await this.#o.client.patch(ms, {
      type: 'merge',
      data: {
        metadata: {
          resourceVersion: before,
          ownerReferences: [
            ...refs,
            {
              apiVersion: API_VERSION,
              kind: 'MachineDeployment',
              name: md.metadata.name ?? '',
              uid: md.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    ms.metadata = patched.metadata;
    this.#expectChanged(md, ms.metadata.name ?? '', before, patched);
  }

  #expectChanged(md: KubeObject, name: string, before: string, after: KubeObject): void {
    if (after.metadata.resourceVersion !== before)
      this.#expectations.expect(keyOf(md), { name, kind: 'changed', previousResourceVersion: before });
  }

  #event(md: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.#o.recorder?.event(md, type, reason, message);
  }

  async #reconcileNormal(s: MachineDeploymentScope): Promise<Result | undefined> {
    const md = s.machineDeployment;
    const templatesExist = await this.#reconcileTemplates(s);
    await this.#ensureDeploymentNameLabels(s);
    if (md.spec.replicas === undefined) {
      s.log.info('spec.replicas is not set; waiting for it');
      return undefined;
    }
    const result = await this.#rollout(s, templatesExist);
    const upToDate = await this.#reconcileMachinesUpToDate(s);
    return lowest([result, upToDate, this.#rolloutAfterRequeue(s)]);
  }

  /**
   * The templates a new MachineSet is stamped from (kinds ending in `Template`) get the Cluster as an owner,
   * so they move and are deleted with it; returns whether they exist.
   */
  async #reconcileTemplates(s: MachineDeploymentScope): Promise<boolean> {
    const spec = s.machineDeployment.spec.template.spec;
    const infraExists = await this.#reconcileTemplate(s, spec.infrastructureRef);
    s.infrastructureTemplateNotFound = !infraExists;
    const configRef = spec.bootstrap.configRef;
    if (!configRef?.name) return infraExists;
    const bootstrapExists = await this.#reconcileTemplate(s, configRef);
    s.bootstrapTemplateNotFound = !bootstrapExists;
    return infraExists && bootstrapExists;
  }

  async #reconcileTemplate(s: MachineDeploymentScope, ref: ContractReference): Promise<boolean> {
    if (!ref.kind.endsWith('Template')) return true;
    const type = await this.#o.resolver.typeOf(ref);
    let template: KubeObject;
    try {
      template = await this.#o.client.get(
        { apiVersion: type.apiVersion, kind: type.kind },
        {
          namespace: s.machineDeployment.metadata.namespace,
          name: ref.name,
        },
      );
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    const cluster = s.cluster;
    if (!cluster?.metadata.uid) return true;
    const refs = template.metadata.ownerReferences ?? [];
    if (
      refs.some((r) => r.kind === 'Cluster' && r.uid === cluster.metadata.uid && r.apiVersion === API_VERSION)
    )
      return true;
    await this.#o.client.patch(template, {
      type: 'merge',
      data: {
        metadata: {
          resourceVersion: template.metadata.resourceVersion,
          ownerReferences: [
            ...refs.filter((r) => !(r.kind === 'Cluster' && r.name === cluster.metadata.name)),
            {
              apiVersion: API_VERSION,
              kind: 'Cluster',
              name: cluster.metadata.name ?? '',
              uid: cluster.metadata.uid,
            },
          ],
        },
      },
    });
    return true;
  }

  /** MachineSets created before the label existed (or stripped of it by a user) get `deployment-name` back. */
  async #ensureDeploymentNameLabels(s: MachineDeploymentScope): Promise<void> {
    const md = s.machineDeployment;
    const name = md.metadata.name ?? '';
    for (const ms of s.machineSets ?? []) {
      if (ms.metadata.labels?.[Label.MachineDeploymentName] === name) continue;
      const before = ms.metadata.resourceVersion ?? '';
      const patched = await this.#o.client.patch(ms, {
        type: 'merge',
        data: { metadata: { labels: { [Label.MachineDeploymentName]: name } } },
      });
      ms.metadata = patched.metadata;
      this.#expectChanged(md, ms.metadata.name ?? '', before, patched);
    }
  }

  /**
   * One step of the rollout: find (or create) the current MachineSet, compute every MachineSet's desired
   * state and replicas, write them, and delete old MachineSets once the rollout is complete. While
   * spec.paused is set no new MachineSet is created and nothing is deleted; replicas still follow
   * spec.replicas (proportionally across MachineSets) and in-place fields still propagate.
   */
  async #rollout(s: MachineDeploymentScope, templatesExist: boolean): Promise<Result | undefined> {
    const md = s.machineDeployment;
    const current = s.machineSets ?? [];
    const paused = md.spec.paused === true;
    const found = findNewAndOldMachineSets(md, current, s.now);
    const oldMSs = found.oldMSs.map((ms) => computeDesiredOldMachineSet(md, ms));
    let newMS: Stored<MachineSet> | undefined;
    let revision: string | undefined;
    if (found.newMS) {
      ({ ms: newMS, revision } = computeDesiredNewMachineSet(md, found.newMS, oldMSs));
    } else if (!paused) {
      if (!templatesExist) {
        s.log.info('cannot create a MachineSet while the templates do not exist');
        return { requeueAfterMs: MISSING_TEMPLATE_REQUEUE_MS };
      }
      ({ ms: newMS, revision } = computeDesiredNewMachineSet(md, undefined, oldMSs, {
        now: new Date(s.now),
      }));
    }
    let plan: RolloutPlan;
    if (paused) plan = planScale(md, newMS, oldMSs);
    else if (isRollingUpdate(md)) plan = planRollingUpdate(md, newMS!, oldMSs);
    else plan = planOnDelete(md, newMS!, oldMSs);
    const all = [...(newMS ? [newMS] : []), ...oldMSs];
    for (const ms of all) {
      const intent = plan.scaleIntents.get(ms.metadata.name ?? '');
      if (intent !== undefined) ms.spec.replicas = intent;
    }
    const byName = new Map(current.map((ms) => [ms.metadata.name ?? '', ms]));
    for (const ms of all)
      await this.#applyMachineSet(
        s,
        ms,
        byName.get(ms.metadata.name ?? ''),
        newMS === ms,
        plan,
        found.createReason,
      );
    if (
      revision !== undefined &&
      md.metadata.annotations?.[Annotation.MachineDeploymentRevision] !== revision
    )
      md.metadata.annotations = {
        ...md.metadata.annotations,
        [Annotation.MachineDeploymentRevision]: revision,
      };
    if (paused) return undefined;
    const status = {
      replicas: statusSum(all, 'replicas'),
      upToDateReplicas: statusSum(all, 'upToDateReplicas'),
      availableReplicas: statusSum(all, 'availableReplicas'),
      observedGeneration: md.status?.observedGeneration,
    };
    if (deploymentComplete(md, status)) await this.#cleanupOldMachineSets(s, oldMSs);
    return undefined;
  }

  /** Creates or updates one MachineSet with server-side apply (force: this controller owns these fields). */
  async #applyMachineSet(
    s: MachineDeploymentScope,
    ms: Stored<MachineSet>,
    original: Stored<MachineSet> | undefined,
    isCurrent: boolean,
    plan: RolloutPlan,
    createReason: string,
  ): Promise<void> {
    const md = s.machineDeployment;
    const name = ms.metadata.name ?? '';
    // A MachineSet on its way out is left alone: applying to it after it is gone would create it again.
    if (ms.metadata.deletionTimestamp) return;
    const log = s.log.child({ machineSet: name });
    const notes = (plan.notes.get(name) ?? []).join(', ');
    if (!original) {
      const intent = applyConfiguration(ms);
      let created: Stored<MachineSet>;
      try {
        created = await this.#o.client.apply(intent, {
          fieldManager: MACHINE_DEPLOYMENT_FIELD_MANAGER,
          force: true,
        });
      } catch (err) {
        this.#event(
          md,
          'Warning',
          'FailedCreate',
          `Failed to create MachineSet ${name}: ${(err as Error).message}`,
        );
        throw err;
      }
      this.#expectations.expect(keyOf(md), { name, kind: 'present' });
      this.#applied.add(ApplyCache.key(created.metadata.uid, created.metadata.resourceVersion, intent));
      ms.metadata = { ...ms.metadata, ...created.metadata };
      log.info({ reason: createReason }, `MachineSet ${name} created, it is now the current MachineSet`);
      this.#event(
        md,
        'Normal',
        'SuccessfulCreate',
        `Created MachineSet ${name} with ${ms.spec.replicas ?? 0} replicas`,
      );
      return;
    }
    const intent = applyConfiguration(ms);
    if (this.#applied.has(ApplyCache.key(original.metadata.uid, original.metadata.resourceVersion, intent)))
      return;
    let applied: Stored<MachineSet>;
    try {
      applied = await this.#o.client.apply(intent, {
        fieldManager: MACHINE_DEPLOYMENT_FIELD_MANAGER,
        force: true,
      });
    } catch (err) {
      this.#event(
        md,
        'Warning',
        'FailedUpdate',
        `Failed to update MachineSet ${name}: ${(err as Error).message}`,
      );
      throw err;
    }
    this.#applied.add(ApplyCache.key(applied.metadata.uid, applied.metadata.resourceVersion, intent));
    const before = original.metadata.resourceVersion ?? '';
    this.#expectChanged(md, name, before, applied);
    const from = original.spec.replicas ?? 0;
    const to = ms.spec.replicas ?? 0;
    const kind = isCurrent ? 'current' : 'old';
    if (to < from) {
      log.info(
        { reason: notes },
        `Scaled down ${kind} MachineSet ${name} from ${from} to ${to} replicas (-${from - to})`,
      );
      this.#event(md, 'Normal', 'SuccessfulScale', `Scaled down MachineSet ${name}: ${from} -> ${to}`);
    } else if (to > from) {
      log.info(
        { reason: notes },
        `Scaled up ${kind} MachineSet ${name} from ${from} to ${to} replicas (+${to - from})`,
      );
      this.#event(md, 'Normal', 'SuccessfulScale', `Scaled up MachineSet ${name}: ${from} -> ${to}`);
    } else if (applied.metadata.resourceVersion !== before) {
      log.info(`Updated ${kind} MachineSet ${name}`);
    }
  }

  /** Old MachineSets with no replicas left (as their controller has observed) are deleted; no history is kept. */
  async #cleanupOldMachineSets(
    s: MachineDeploymentScope,
    oldMSs: readonly Stored<MachineSet>[],
  ): Promise<void> {
    const md = s.machineDeployment;
    const cleanable = oldMSs.filter((ms) => !ms.metadata.deletionTimestamp).sort(byCreationTimestamp);
    for (const ms of cleanable) {
      if (
        (ms.status?.replicas ?? 0) !== 0 ||
        (ms.spec.replicas ?? 0) !== 0 ||
        (ms.metadata.generation ?? 0) > (ms.status?.observedGeneration ?? 0)
      )
        continue;
      await this.#delete(ms);
      this.#expectations.expect(keyOf(md), { name: ms.metadata.name ?? '', kind: 'gone' });
      s.log.info(
        { machineSet: ms.metadata.name },
        `MachineSet ${ms.metadata.name ?? ''} deleting (cleanup of old MachineSets)`,
      );
      this.#event(md, 'Normal', 'SuccessfulDelete', `Deleted MachineSet "${ms.metadata.name ?? ''}"`);
    }
  }

  async #delete(obj: KubeObject): Promise<void> {
    try {
      await this.#o.client.delete(obj);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * The `UpToDate` condition of each Machine of its MachineSets: the owning MachineSet's template against the
   * MachineDeployment's (see machine-up-to-date.ts). Written through the status subresource, only when it
   * changes; a failed write is retried on the next reconcile.
   */
  async #reconcileMachinesUpToDate(s: MachineDeploymentScope): Promise<Result | undefined> {
    const md = s.machineDeployment;
    const byUid = new Map((s.machineSets ?? []).map((ms) => [ms.metadata.uid ?? '', ms]));
    let failed = false;
    for (const machine of s.machines) {
      if (machine.metadata.deletionTimestamp) continue;
      const ref = (machine.metadata.ownerReferences ?? []).find((r) => r.controller === true);
      const ms = ref?.kind === 'MachineSet' ? byUid.get(ref.uid) : undefined;
      if (!ms) continue;
      const condition = machineUpToDateCondition(machine, ms, md, s.now);
      const existing = getCondition(machine, MachineCondition.UpToDate);
      if (
        existing &&
        hasSameState(existing, { ...condition, observedGeneration: existing.observedGeneration })
      )
        continue;
      const helper = PatchHelper.create(machine, this.#o.client);
      setCondition(machine, condition);
      try {
        await helper.patch(machine, { ownedConditions: [MachineCondition.UpToDate] });
      } catch (err) {
        if (!isNotFound(err)) {
          failed = true;
          s.log.info(
            { err: (err as Error).message, machine: machine.metadata.name },
            'could not set UpToDate on Machine',
          );
        }
      }
    }
    return failed ? { requeueAfterMs: 1000 } : undefined;
  }

  /** A rollout.after in the future: come back when it passes (nothing else would wake the controller then). */
  #rolloutAfterRequeue(s: MachineDeploymentScope): Result | undefined {
    const after = timeSeconds(s.machineDeployment.spec.rollout?.after);
    if (after === undefined || after <= s.now || s.machineDeployment.spec.paused) return undefined;
    return { requeueAfterMs: after - s.now + 1000 };
  }

  /** Deletes its MachineSets (their controller deletes the Machines) and drops the finalizer once they are gone. */
  async #reconcileDelete(s: MachineDeploymentScope): Promise<Result | undefined> {
    const md = s.machineDeployment;
    if (!hasFinalizer(md, Finalizer.MachineDeployment)) return undefined;
    const machineSets = s.machineSets ?? [];
    if (machineSets.length === 0) {
      this.#expectations.forget(keyOf(md));
      removeFinalizer(md, Finalizer.MachineDeployment);
      return undefined;
    }
    for (const ms of machineSets) {
      if (ms.metadata.deletionTimestamp) continue;
      await this.#delete(ms);
      this.#expectations.expect(keyOf(md), { name: ms.metadata.name ?? '', kind: 'gone' });
      s.log.info(
        { machineSet: ms.metadata.name },
        `MachineSet ${ms.metadata.name ?? ''} deleting (MachineDeployment deleting)`,
      );
    }
    return undefined;
  }
}

const keyOf = (obj: KubeObject): string =>
  keyString({ namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' });

function lowest(results: (Result | undefined)[]): Result | undefined {
  const delays = results.map((r) => r?.requeueAfterMs).filter((d): d is number => d !== undefined);
  return delays.length ? { requeueAfterMs: Math.min(...delays) } : undefined;
}
