import {
  aggregateCondition,
  computeMergeReason,
  defaultMergePriority,
  defaultMergeStrategy,
  type GetMergePriority,
  isTrue,
  MergePriority,
  mirrorCondition,
  type NewCondition,
  setCondition,
  setSummaryCondition,
} from '../../../controller-runtime/conditions/index.js';
import { ClusterPhase } from '../../api/v1beta2/cluster-types.js';
import {
  ClusterCondition,
  ClusterReason,
  CommonCondition,
  CommonReason,
} from '../../api/v1beta2/well-known.js';
import { ControlPlane } from '../../contract/accessors.js';
import type { ClusterScope, Stored } from './cluster-scope.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';

type Counters = {
  desiredReplicas?: number;
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  upToDateReplicas?: number;
};

const add = (a: number | undefined, b: number | undefined): number | undefined =>
  b === undefined ? a : (a ?? 0) + b;

/** Counters of stand-alone Machines: each one counts as desired, and by its Ready/Available/UpToDate conditions. */
function countMachines(machines: readonly Stored<Machine>[]): Counters {
  const c: Counters = {};
  for (const m of machines) {
    c.replicas = add(c.replicas, 1);
    c.desiredReplicas = add(c.desiredReplicas, 1);
    if (isTrue(m, 'Ready')) c.readyReplicas = add(c.readyReplicas, 1);
    if (isTrue(m, 'Available')) c.availableReplicas = add(c.availableReplicas, 1);
    if (isTrue(m, 'UpToDate')) c.upToDateReplicas = add(c.upToDateReplicas, 1);
  }
  return c;
}

/** Phase, replica counters and every v1beta2 condition the Cluster controller owns. */
export function updateClusterStatus(s: ClusterScope, remoteProbe: NewCondition | undefined): void {
  const cluster = s.cluster;
  cluster.status ??= {};
  setPhase(s);
  setCounters(s);
  setInfrastructureReady(s);
  setControlPlaneInitialized(s);
  setControlPlaneAvailable(s);
  setWorkersAvailable(s);
  setMachinesCondition(s, 'controlPlane');
  setMachinesCondition(s, 'workers');
  if (remoteProbe) setCondition(cluster, remoteProbe);
  setCondition(cluster, {
    type: CommonCondition.Deleting,
    status: cluster.metadata.deletionTimestamp ? 'True' : 'False',
    reason: cluster.metadata.deletionTimestamp
      ? (s.deletingReason ?? CommonReason.Deleting)
      : CommonReason.NotDeleting,
    ...(cluster.metadata.deletionTimestamp && s.deletingMessage ? { message: s.deletingMessage } : {}),
  });
  const availabilityGates = (cluster.spec?.availabilityGates ?? []).map((g) => g.conditionType);
  setSummaryCondition(cluster, {
    targetType: ClusterCondition.Available,
    forConditionTypes: [
      CommonCondition.Deleting,
      ClusterCondition.RemoteConnectionProbe,
      ClusterCondition.InfrastructureReady,
      ClusterCondition.ControlPlaneAvailable,
      ClusterCondition.WorkersAvailable,
      ...(cluster.spec?.topology ? [ClusterCondition.TopologyReconciled] : []),
      ...availabilityGates,
    ],
    negativePolarityConditionTypes: [CommonCondition.Deleting],
    ignoreTypesIfMissing: [ClusterCondition.RemoteConnectionProbe, ClusterCondition.TopologyReconciled],
    mergeStrategy: defaultMergeStrategy({
      computeReason: computeMergeReason(
        ClusterReason.NotAvailable,
        ClusterReason.AvailableUnknown,
        ClusterReason.Available,
      ),
      getPriority: availablePriority(cluster),
    }),
  });
}

/**
 * Upstream's priorities for the Available summary: a TopologyReconciled that is False because an upgrade (or a
 * pause, a deferral) is under way is information, not a problem (only ReconcileFailed and ClusterClassNotReconciled
 * count), so a cluster stays Available while it upgrades; while the Cluster is deleting, infrastructure and control
 * plane that are gone are expected.
 */
function availablePriority(cluster: ClusterScope['cluster']): GetMergePriority {
  const base = defaultMergePriority([CommonCondition.Deleting]);
  const deleting = !!cluster.metadata.deletionTimestamp;
  const goneWhileDeleting: Record<string, readonly string[]> = {
    [ClusterCondition.InfrastructureReady]: [
      ClusterReason.InfrastructureDeleted,
      ClusterReason.InfrastructureDoesNotExist,
    ],
    [ClusterCondition.ControlPlaneAvailable]: [
      ClusterReason.ControlPlaneDeleted,
      ClusterReason.ControlPlaneDoesNotExist,
    ],
  };
  return (condition) => {
    if (deleting && goneWhileDeleting[condition.type]?.includes(condition.reason ?? ''))
      return MergePriority.Info;
    if (
      condition.type === ClusterCondition.TopologyReconciled &&
      condition.status === 'False' &&
      condition.reason !== ClusterReason.TopologyReconciledFailed &&
      condition.reason !== ClusterReason.TopologyReconciledClusterClassNotReconciled
    )
      return MergePriority.Info;
    return base(condition);
  };
}

function setPhase({ cluster }: ClusterScope): void {
  const status = cluster.status!;
  let phase = status.phase ?? ClusterPhase.Pending;
  if (cluster.spec?.infrastructureRef?.name) phase = ClusterPhase.Provisioning;
  const endpoint = cluster.spec?.controlPlaneEndpoint;
  if (status.initialization?.infrastructureProvisioned && endpoint?.host && endpoint.port)
    phase = ClusterPhase.Provisioned;
  if (cluster.metadata.deletionTimestamp) phase = ClusterPhase.Deleting;
  status.phase = phase;
}

function setCounters(s: ClusterScope): void {
  const status = s.cluster.status!;
  // The topology controller owns the upgrade plans; the counters are rebuilt around them.
  const plans = {
    controlPlane: status.controlPlane?.upgradePlan,
    workers: status.workers?.upgradePlan,
  };
  try {
    setCounterValues(s);
  } finally {
    for (const part of ['controlPlane', 'workers'] as const) {
      const plan = plans[part];
      if (plan) status[part] = { ...status[part], upgradePlan: plan };
    }
  }
}

function setCounterValues(s: ClusterScope): void {
  const status = s.cluster.status!;
  const cp = s.controlPlane?.object;
  if (s.cluster.spec?.controlPlaneRef?.name) {
    if (cp && s.controlPlane?.contract) {
      const contract = s.controlPlane.contract;
      status.controlPlane = clean({
        desiredReplicas: ControlPlane.replicas(cp),
        replicas: ControlPlane.statusReplicas(cp),
        readyReplicas: ControlPlane.readyReplicas(cp, contract),
        availableReplicas: ControlPlane.availableReplicas(cp, contract),
        upToDateReplicas: ControlPlane.upToDateReplicas(cp, contract),
      });
    } else delete status.controlPlane;
  } else if (s.descendants) {
    status.controlPlane = clean(countMachines(s.descendants.controlPlaneMachines));
  }
  if (!s.descendants) return;
  let w: Counters = {};
  for (const owner of [...s.descendants.machineDeployments, ...s.descendants.machineSets]) {
    const st = owner.status;
    w = {
      desiredReplicas: add(w.desiredReplicas, owner.spec?.replicas),
      replicas: add(w.replicas, st?.replicas ?? 0),
      readyReplicas: add(w.readyReplicas, st?.readyReplicas),
      availableReplicas: add(w.availableReplicas, st?.availableReplicas),
      upToDateReplicas: add(w.upToDateReplicas, st?.upToDateReplicas),
    };
  }
  const standalone = s.descendants.workerMachines.filter((m) =>
    (m.metadata.ownerReferences ?? []).every((r) => r.kind === 'Cluster'),
  );
  const m = countMachines(standalone);
  status.workers = clean({
    desiredReplicas: add(w.desiredReplicas, m.desiredReplicas),
    replicas: add(w.replicas, m.replicas),
    readyReplicas: add(w.readyReplicas, m.readyReplicas),
    availableReplicas: add(w.availableReplicas, m.availableReplicas),
    upToDateReplicas: add(w.upToDateReplicas, m.upToDateReplicas),
  });
}

/** Drops undefined counters (the API omits a counter nobody reports). */
function clean(c: Counters): Counters {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

/** Mirror of a provider object's condition, or why there is none (upstream's wording). */
function referencedCondition(
  s: ClusterScope,
  which: 'infrastructure' | 'controlPlane',
  opts: {
    type: string;
    sourceType: string;
    fallbackTrue: boolean;
    fallbackTrueReason: string;
    fallbackFalseReason: string;
    doesNotExist: string;
    deleted: string;
    wasReady: boolean;
  },
): NewCondition {
  const cluster = s.cluster;
  const ref = which === 'infrastructure' ? cluster.spec?.infrastructureRef : cluster.spec?.controlPlaneRef;
  const ext = which === 'infrastructure' ? s.infraCluster : s.controlPlane;
  const deleting = !!cluster.metadata.deletionTimestamp;
  if (!ref?.name && cluster.spec?.topology) {
    return {
      type: opts.type,
      status: 'Unknown',
      reason: opts.doesNotExist,
      message: deleting ? '' : 'Waiting for cluster topology to be reconciled',
    };
  }
  const kind = ref?.kind ?? '';
  if (ext?.object) {
    const mirrored = mirrorCondition(ext.object, opts.sourceType, {
      targetType: opts.type,
      fallback: {
        status: opts.fallbackTrue ? 'True' : 'False',
        reason: opts.fallbackTrue ? opts.fallbackTrueReason : opts.fallbackFalseReason,
        message: opts.fallbackTrue ? '' : `${kind} status.initialization is not set yet`,
      },
    });
    if (mirrored.reason === 'NoReasonReported' && mirrored.status === 'True')
      mirrored.reason = opts.fallbackTrueReason;
    return mirrored;
  }
  if (deleting || !opts.wasReady) {
    return {
      type: opts.type,
      status: 'Unknown',
      reason: deleting && opts.wasReady ? opts.deleted : opts.doesNotExist,
      message: deleting && opts.wasReady ? `${kind} has been deleted` : `${kind} does not exist`,
    };
  }
  return {
    type: opts.type,
    status: 'Unknown',
    reason: opts.deleted,
    message: `${kind} has been deleted while the cluster still exists`,
  };
}

function setInfrastructureReady(s: ClusterScope): void {
  const provisioned = s.cluster.status?.initialization?.infrastructureProvisioned === true;
  if (!s.cluster.spec?.infrastructureRef?.name && !s.cluster.spec?.topology) {
    // No InfraCluster: the infrastructure is provided otherwise (endpoint set by hand).
    setCondition(s.cluster, {
      type: ClusterCondition.InfrastructureReady,
      status: 'True',
      reason: ClusterReason.InfrastructureReady,
    });
    return;
  }
  setCondition(
    s.cluster,
    referencedCondition(s, 'infrastructure', {
      type: ClusterCondition.InfrastructureReady,
      sourceType: 'Ready',
      fallbackTrue: provisioned,
      fallbackTrueReason: ClusterReason.InfrastructureReady,
      fallbackFalseReason: ClusterReason.InfrastructureNotReady,
      doesNotExist: ClusterReason.InfrastructureDoesNotExist,
      deleted: ClusterReason.InfrastructureDeleted,
      wasReady: provisioned,
    }),
  );
}

function setControlPlaneAvailable(s: ClusterScope): void {
  const cluster = s.cluster;
  if (cluster.spec?.controlPlaneRef?.name || cluster.spec?.topology) {
    const initialized = cluster.status?.initialization?.controlPlaneInitialized === true;
    setCondition(
      cluster,
      referencedCondition(s, 'controlPlane', {
        type: ClusterCondition.ControlPlaneAvailable,
        sourceType: 'Available',
        fallbackTrue: false,
        fallbackTrueReason: ClusterReason.ControlPlaneAvailable,
        fallbackFalseReason: ClusterReason.ControlPlaneNotAvailable,
        doesNotExist: ClusterReason.ControlPlaneDoesNotExist,
        deleted: ClusterReason.ControlPlaneDeleted,
        wasReady: initialized,
      }),
    );
    return;
  }
  // A control plane of stand-alone Machines is available when one of its Machines is.
  const machines = s.descendants?.controlPlaneMachines ?? [];
  const available = machines.filter((m) => isTrue(m, 'Available'));
  setCondition(cluster, {
    type: ClusterCondition.ControlPlaneAvailable,
    status: available.length > 0 ? 'True' : 'False',
    reason:
      available.length > 0 ? ClusterReason.ControlPlaneAvailable : ClusterReason.ControlPlaneNotAvailable,
    ...(available.length > 0
      ? {}
      : {
          message: machines.length
            ? 'No control plane Machine is available yet'
            : 'No control plane Machines exist',
        }),
  });
}

function setControlPlaneInitialized(s: ClusterScope): void {
  const cluster = s.cluster;
  if (isTrue(cluster, ClusterCondition.ControlPlaneInitialized)) return;
  const initialized = cluster.status?.initialization?.controlPlaneInitialized === true;
  if (initialized) {
    setCondition(cluster, {
      type: ClusterCondition.ControlPlaneInitialized,
      status: 'True',
      reason: ClusterReason.ControlPlaneInitialized,
    });
    return;
  }
  const ref = cluster.spec?.controlPlaneRef;
  let message: string;
  if (!ref?.name && cluster.spec?.topology) message = 'Waiting for cluster topology to be reconciled';
  else if (ref?.name)
    message = s.controlPlane?.object
      ? `Waiting for the ${ref.kind} to have status.initialization.controlPlaneInitialized set to true`
      : `${ref.kind} does not exist`;
  else message = 'Waiting for the first control plane machine to have status.nodeRef set';
  setCondition(cluster, {
    type: ClusterCondition.ControlPlaneInitialized,
    status: ref?.name && !s.controlPlane?.object ? 'Unknown' : 'False',
    reason:
      ref?.name && !s.controlPlane?.object
        ? ClusterReason.ControlPlaneDoesNotExist
        : ClusterReason.ControlPlaneNotInitialized,
    message,
  });
}

function setWorkersAvailable(s: ClusterScope): void {
  const mds = s.descendants?.machineDeployments ?? [];
  if (mds.length === 0) {
    setCondition(s.cluster, {
      type: ClusterCondition.WorkersAvailable,
      status: 'True',
      reason: ClusterReason.WorkersAvailableNoWorkers,
    });
    return;
  }
  setCondition(
    s.cluster,
    aggregateCondition(mds, 'Available', {
      targetType: ClusterCondition.WorkersAvailable,
      mergeStrategy: defaultMergeStrategy({
        computeReason: computeMergeReason(
          ClusterReason.WorkersNotAvailable,
          ClusterReason.WorkersAvailableUnknown,
          ClusterReason.WorkersAvailable,
        ),
      }),
    }),
  );
}

/** ControlPlaneMachinesReady/UpToDate or WorkerMachinesReady/UpToDate: aggregates of the Machines' conditions. */
function setMachinesCondition(s: ClusterScope, which: 'controlPlane' | 'workers'): void {
  const machines =
    (which === 'controlPlane' ? s.descendants?.controlPlaneMachines : s.descendants?.workerMachines) ?? [];
  const cp = which === 'controlPlane';
  const sets = [
    {
      source: 'Ready',
      target: cp ? ClusterCondition.ControlPlaneMachinesReady : ClusterCondition.WorkerMachinesReady,
      reasons: cp
        ? [
            ClusterReason.ControlPlaneMachinesNotReady,
            ClusterReason.ControlPlaneMachinesReadyUnknown,
            ClusterReason.ControlPlaneMachinesReady,
            ClusterReason.ControlPlaneMachinesReadyNoReplicas,
          ]
        : [
            ClusterReason.WorkerMachinesNotReady,
            ClusterReason.WorkerMachinesReadyUnknown,
            ClusterReason.WorkerMachinesReady,
            ClusterReason.WorkerMachinesReadyNoReplicas,
          ],
    },
    {
      source: 'UpToDate',
      target: cp ? ClusterCondition.ControlPlaneMachinesUpToDate : ClusterCondition.WorkerMachinesUpToDate,
      reasons: cp
        ? [
            ClusterReason.ControlPlaneMachinesNotUpToDate,
            ClusterReason.ControlPlaneMachinesUpToDateUnknown,
            ClusterReason.ControlPlaneMachinesUpToDate,
            ClusterReason.ControlPlaneMachinesUpToDateNoReplicas,
          ]
        : [
            ClusterReason.WorkerMachinesNotUpToDate,
            ClusterReason.WorkerMachinesUpToDateUnknown,
            ClusterReason.WorkerMachinesUpToDate,
            ClusterReason.WorkerMachinesUpToDateNoReplicas,
          ],
    },
  ];
  for (const { source, target, reasons } of sets) {
    const [issue, unknown, info, none] = reasons as [string, string, string, string];
    if (machines.length === 0) {
      setCondition(s.cluster, { type: target, status: 'True', reason: none });
      continue;
    }
    setCondition(
      s.cluster,
      aggregateCondition(machines, source, {
        targetType: target,
        mergeStrategy: defaultMergeStrategy({ computeReason: computeMergeReason(issue, unknown, info) }),
      }),
    );
  }
}
