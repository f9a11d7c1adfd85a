import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { keyString, type KubeObject, parseApiVersion } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { isFalse, isTrue, setCondition } from '../../../controller-runtime/conditions/index.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import {
  type CacheConsistency,
  STALE_CACHE_REQUEUE_MS,
} from '../../../controller-runtime/helpers/cache-consistency.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { type FeatureGates, resolveFeatureGates } from '../../../core/api/feature-gates.js';
import { GROUP as CORE_GROUP } from '../../../core/api/v1beta2/group.js';
import { CommonCondition, Label } from '../../../core/api/v1beta2/index.js';
import { ContractResolver, getExternal } from '../../../core/contract/index.js';
import { isPaused, setPausedCondition } from '../../../core/contract/paused.js';
import {
  certificateSettingsFrom,
  ClusterCertificates,
  reconcileAdminKubeconfigSecret,
} from '../../../core/secret/index.js';
import { randomString, TEMPLATE_SUFFIX } from '../../../core/util/index.js';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from '../../../pki/index.js';
import {
  API_VERSION,
  KUBEADM_CONTROL_PLANE_FINALIZER,
  KubeadmControlPlaneConditionType as T,
  KubeadmControlPlaneReason as R,
} from '../api/index.js';
import {
  applyKcpStatus,
  classifyControlPlaneMachines,
  type ClusterObject,
  computeKcpStatus,
  ControlPlane,
  DELETE_REQUEUE_MS,
  type KcpObject,
  type MachineObject,
  MIXED_MANAGEMENT_MESSAGE,
  planControlPlaneOperation,
  planDeletion,
  type Random,
  shouldCheckControlPlaneInitialized,
  waitingForClusterConditions,
} from '../internal/index.js';
import { KubeadmControlPlaneMetrics } from '../metrics.js';
import {
  adoptMachines,
  createMachine,
  deleteMachine,
  readMachineObjects,
  removePreTerminateHook,
  syncMachines,
} from './control-plane-machines.js';
import { reconcileUnhealthyMachines } from './control-plane-remediation.js';
import {
  clusterKeyOf,
  prepareWorkloadForRollout,
  reconcileStableControlPlane,
  recordCertificateExpiry,
} from './control-plane-upgrade.js';
import {
  forwardEtcdLeadership,
  reconcileConditions,
  reconcileEtcdMembers,
  reconcilePreTerminateHook,
  workloadClient,
} from './control-plane-workload.js';
import { EtcdClientCertificates } from './etcd-client-certificates.js';
import {
  ClusterType,
  errorText,
  type KcpDeps,
  type KcpScope,
  KubeadmControlPlaneType,
  MachinePoolType,
  MachineType,
} from './kubeadm-control-plane-scope.js';
import { WorkloadCluster } from './workload-cluster.js';
import { isWorkloadClusterConnectionError, type KcpWorkloadClusters } from './workload-clusters.js';

/** Upstream `--remote-conditions-grace-period`. */
export const DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS = 5 * 60_000;
/** Upstream's etcd call timeout (the dial has 10 s of it). */
const DEFAULT_ETCD_TIMEOUT_MS = 15_000;
/** Upstream requeues this often while not initialized or while control plane components are unhealthy. */
export const WORKLOAD_REQUEUE_MS = 20_000;
const INTERNAL_ERROR_MESSAGE = 'Please check controller logs for errors';

/** Conditions this controller owns on the KCP: its values win over concurrent writers'. */
const OWNED_CONDITIONS = [
  CommonCondition.Paused,
  T.Available,
  T.Initialized,
  T.CertificatesAvailable,
  T.EtcdClusterHealthy,
  T.ControlPlaneComponentsHealthy,
  T.MachinesReady,
  T.MachinesUpToDate,
  T.RollingOut,
  T.ScalingUp,
  T.ScalingDown,
  T.Remediating,
  T.Deleting,
];

export interface KubeadmControlPlaneReconcilerOptions {
  /** The manager's client (cached reads). */
  client: Client;
  /** Uncached: Secrets, and the KCP read right before adopting Machines. */
  apiClient: Client;
  workloadClusters: KcpWorkloadClusters;
  consistency: CacheConsistency;
  recorder?: EventRecorder;
  featureGates?: Partial<FeatureGates>;
  /** How long workload-derived conditions keep their last values while the connection is down (upstream 5m). */
  remoteConditionsGracePeriodMs?: number;
  /** Per etcd call, the port-forward tunnel included (upstream: 10 s dial + 15 s call). */
  etcdTimeoutMs?: number;
  /** Requeue while not initialized or with unhealthy components (upstream 20 s; tests shorten it). */
  workloadRequeueMs?: number;
  now?: () => number;
  /** Ties between failure domains (tests pin it). */
  random?: Random;
  /** The random part of new Machine names (tests pin it). */
  randomName?: () => string;
  /**
   * `capi_kubeadmcontrolplane_*` (setup passes `kubeadmControlPlaneMetricsFor(manager.registry)`); a private
   * registry's when unset. Phases reach it as `KcpDeps.metrics`.
   */
  metrics?: KubeadmControlPlaneMetrics;
}

const endpointValid = (cluster: ClusterObject): boolean => {
  const e = cluster.spec?.controlPlaneEndpoint;
  return Boolean(e?.host) && (e?.port ?? 0) !== 0;
};
const infrastructureProvisioned = (cluster: ClusterObject): boolean =>
  cluster.status?.initialization?.infrastructureProvisioned === true;

/**
 * The KubeadmControlPlane controller (upstream KCP): the cluster certificates and admin kubeconfig, control
 * plane Machines created one at a time (the first with `kubeadm init`, then joins) across failure domains,
 * scale down and rollouts with etcd leadership moved and members removed through the kcp-cleanup pre-terminate
 * hook, remediation of unhealthy Machines, conditions from the workload cluster's Nodes, static Pods and etcd,
 * and deletion after the workers. The decisions are `internal/`'s; this class reads, writes and sequences.
 */
export class KubeadmControlPlaneReconciler implements Reconciler {
  readonly #o: KubeadmControlPlaneReconcilerOptions;
  readonly #deps: KcpDeps;
  readonly #gates: FeatureGates;
  readonly #certificates: EtcdClientCertificates;
  readonly #now: () => number;

  constructor(options: KubeadmControlPlaneReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#gates = resolveFeatureGates(options.featureGates);
    this.#deps = {
      client: options.client,
      apiClient: options.apiClient,
      resolver: new ContractResolver(options.client),
      consistency: options.consistency,
      ...(options.recorder ? { recorder: options.recorder } : {}),
      metrics: options.metrics ?? new KubeadmControlPlaneMetrics(new Registry(), { now: this.#now }),
      random: options.random ?? Math.random,
      randomName: options.randomName ?? (() => randomString()),
    };
    this.#certificates = new EtcdClientCertificates({ reader: options.apiClient, now: this.#now });
  }

  async reconcile(request: Request, { log, signal }: ReconcileContext): Promise<Result | undefined> {
    const key = keyString(request);
    const stale = this.#o.consistency.stale(key);
    if (stale.length > 0) {
      log.debug({ kinds: stale }, 'cache does not show our writes yet; requeueing');
      return { requeueAfterMs: STALE_CACHE_REQUEUE_MS };
    }
    const client = this.#o.client;
    let kcp: KcpObject;
    try {
      kcp = await client.get<KcpObject>(KubeadmControlPlaneType, request);
    } catch (err) {
      if (isNotFound(err)) {
        this.#o.consistency.clear(key);
        return undefined;
      }
      throw err;
    }
    const cluster = await this.#ownerCluster(kcp);
    if (!cluster) {
      log.info('Cluster Controller has not yet set OwnerRef');
      return undefined;
    }
    log = log.child({ cluster: cluster.metadata.name });

    // The finalizer is written first, on its own, so no Machine exists before it does.
    if (!kcp.metadata.deletionTimestamp && !hasFinalizer(kcp, KUBEADM_CONTROL_PLANE_FINALIZER)) {
      const helper = PatchHelper.create(kcp, client);
      addFinalizer(kcp, KUBEADM_CONTROL_PLANE_FINALIZER);
      await helper.patch(kcp);
      return undefined;
    }

    const helper = PatchHelper.create(kcp, client);
    if (setPausedCondition(kcp, isPaused(cluster, kcp))) {
      await helper.patch(kcp, { ownedConditions: [CommonCondition.Paused] });
      return undefined;
    }

    let scope: KcpScope | undefined;
    try {
      scope = await this.#initScope(key, kcp, cluster, log, signal);
    } catch (err) {
      await helper.patch(kcp, { ownedConditions: OWNED_CONDITIONS });
      throw err;
    }
    if (!scope) {
      // Machines were adopted: their update events bring the KCP back with them owned.
      await helper.patch(kcp, { ownedConditions: OWNED_CONDITIONS });
      return undefined;
    }
    const s = scope;
    const errors: unknown[] = [];
    let result: Result | undefined;
    try {
      result = kcp.metadata.deletionTimestamp
        ? await this.#reconcileDelete(s)
        : await this.#reconcileNormal(s);
    } catch (err) {
      errors.push(err);
    }
    try {
      await this.#updateStatus(s);
    } catch (err) {
      errors.push(err);
    } finally {
      s.workload.close();
    }
    try {
      await helper.patch(kcp, {
        ownedConditions: OWNED_CONDITIONS,
        setObservedGeneration: errors.length === 0,
      });
    } catch (err) {
      errors.push(err);
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map(errorText).join('; '));

    if (!kcp.metadata.deletionTimestamp && !result?.requeue && !result?.requeueAfterMs) {
      // Node and static Pod health is not watched (too many Pods across workload clusters): look again soon.
      const unhealthy = isFalse(kcp, T.ControlPlaneComponentsHealthy);
      if (!s.cp.initialized || unhealthy)
        return { requeueAfterMs: this.#o.workloadRequeueMs ?? WORKLOAD_REQUEUE_MS };
    }
    return result;
  }

  /** The Cluster named by the KCP's owner reference (set by the Cluster controller); undefined until then. */
  async #ownerCluster(kcp: KcpObject): Promise<ClusterObject | undefined> {
    const ref = (kcp.metadata.ownerReferences ?? []).find(
      (r) => r.kind === 'Cluster' && parseApiVersion(r.apiVersion).group === CORE_GROUP,
    );
    if (!ref) return undefined;
    try {
      return await this.#o.client.get<ClusterObject>(ClusterType, {
        namespace: kcp.metadata.namespace,
        name: ref.name,
      });
    } catch (err) {
      throw new Error(`failed to retrieve owner Cluster: ${errorText(err)}`, { cause: err });
    }
  }

  /**
   * Upstream `initControlPlaneScope`: the KCP's Machines (none before the Cluster's infrastructure and endpoint
   * exist), their KubeadmConfigs and InfraMachines. Stand-alone control plane Machines are adopted first
   * (undefined: stop here); Machines controlled by someone else make KCP refuse to work.
   */
  async #initScope(
    key: string,
    kcp: KcpObject,
    cluster: ClusterObject,
    log: Logger,
    signal: AbortSignal,
  ): Promise<KcpScope | undefined> {
    const deps = this.#deps;
    const deleting = Boolean(kcp.metadata.deletionTimestamp);
    let infraTemplate: KubeObject | undefined;
    let infraTemplateError: Error | undefined;
    let infraTemplateNotFound = false;
    if (!deleting) {
      try {
        const ref = kcp.spec.machineTemplate.spec.infrastructureRef;
        const found = await getExternal(deps.client, deps.resolver, kcp.metadata.namespace, ref);
        if (found) infraTemplate = found.object;
        else infraTemplateNotFound = true;
      } catch (err) {
        infraTemplateError = err instanceof Error ? err : new Error(String(err));
      }
    }

    let owned: MachineObject[] = [];
    if (infrastructureProvisioned(cluster) && endpointValid(cluster)) {
      const list = await deps.client.list<MachineObject>(MachineType, {
        namespace: kcp.metadata.namespace,
        labelSelector: { [Label.ClusterName]: cluster.metadata.name ?? '' },
      });
      const machines = classifyControlPlaneMachines(kcp, cluster.metadata.name ?? '', list.items);
      if (!deleting && machines.adoptable.length > 0) {
        await adoptMachines(deps, kcp, cluster, machines.adoptable);
        return undefined;
      }
      if (!deleting && machines.foreign.length > 0) {
        log.error({ err: MIXED_MANAGEMENT_MESSAGE }, 'KCP cannot reconcile');
        throw new Error(MIXED_MANAGEMENT_MESSAGE);
      }
      owned = machines.owned;
    }
    const { kubeadmConfigs, infraMachines } = await readMachineObjects(deps, kcp.metadata.namespace, owned);
    const cp = new ControlPlane({
      kcp,
      cluster,
      machines: owned,
      kubeadmConfigs,
      infraMachines,
      now: this.#now(),
      featureGates: this.#gates,
      infraMachineTemplateNotFound: infraTemplateNotFound,
    });
    const clusterKey = {
      namespace: cluster.metadata.namespace ?? '',
      name: cluster.metadata.name ?? '',
    };
    const algorithm = this.#keyAlgorithm(kcp);
    const workload = new WorkloadCluster({
      clusters: this.#o.workloadClusters,
      cluster: clusterKey,
      etcdTls: () =>
        this.#certificates.forCluster({ ...clusterKey, uid: cluster.metadata.uid ?? '' }, algorithm, signal),
      etcdTimeoutMs: this.#o.etcdTimeoutMs ?? DEFAULT_ETCD_TIMEOUT_MS,
      signal,
    });
    return {
      key,
      kcp,
      cluster,
      cp,
      log,
      signal,
      workload,
      ...(infraTemplate ? { infraTemplate } : {}),
      ...(infraTemplateError ? { infraTemplateError } : {}),
    };
  }

  /** kubeadm's `encryptionAlgorithm` of the KCP; RSA-2048 unless set, as upstream. */
  #keyAlgorithm(kcp: KcpObject): KeyAlgorithm {
    try {
      return (
        certificateSettingsFrom(kcp.spec.kubeadmConfigSpec?.clusterConfiguration).algorithm ??
        DEFAULT_KEY_ALGORITHM
      );
    } catch {
      return DEFAULT_KEY_ALGORITHM;
    }
  }

  // ------------------------------------------------------------------------------------------ normal

  async #reconcileNormal(s: KcpScope): Promise<Result | undefined> {
    const { kcp, cluster, log } = s;
    log.info('Reconcile KubeadmControlPlane');
    await this.#reconcileExternalReference(s);

    if (!infrastructureProvisioned(cluster)) {
      for (const c of waitingForClusterConditions(
        'Waiting for Cluster status.infrastructureReady to be true',
      ))
        setCondition(kcp, c);
      log.info('Cluster infrastructure is not ready yet');
      return undefined;
    }
    await this.#reconcileClusterCertificates(s);
    if (!endpointValid(cluster)) {
      for (const c of waitingForClusterConditions('Waiting for Cluster spec.controlPlaneEndpoint to be set'))
        setCondition(kcp, c);
      log.info('Cluster does not yet have a ControlPlaneEndpoint defined');
      return undefined;
    }
    const kubeconfig = await this.#reconcileKubeconfig(s);
    if (kubeconfig) return kubeconfig;

    try {
      await syncMachines(this.#deps, s);
    } catch (err) {
      // A Machine went away: the next reconcile starts from the new list (its deletion brings us back).
      if (isNotFound(err)) return undefined;
      throw new Error(`failed to sync Machines: ${errorText(err)}`, { cause: err });
    }

    await reconcileConditions(this.#deps, s, this.#workloadOptions());
    const etcd = await reconcileEtcdMembers(s);
    if (etcd) return etcd;
    const hook = await reconcilePreTerminateHook(this.#deps, s);
    if (hook) return hook;
    const remediation = await reconcileUnhealthyMachines(this.#deps, s);
    if (remediation) return remediation;
    return this.#reconcileReplicas(s);
  }

  #workloadOptions() {
    return {
      workloadClusters: this.#o.workloadClusters,
      remoteConditionsGracePeriodMs:
        this.#o.remoteConditionsGracePeriodMs ?? DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS,
    };
  }

  /**
   * The infrastructure template of the machine template gets the Cluster as (non-controller) owner, so it
   * moves and goes with the Cluster; a missing template is an error.
   */
  async #reconcileExternalReference(s: KcpScope): Promise<void> {
    const ref = s.kcp.spec.machineTemplate.spec.infrastructureRef;
    if (!ref.kind.endsWith(TEMPLATE_SUFFIX)) return;
    if (s.infraTemplateError) throw s.infraTemplateError;
    const template = s.infraTemplate;
    if (!template)
      throw new Error(
        `failed to retrieve ${ref.kind} ${s.kcp.metadata.namespace ?? ''}/${ref.name}: not found`,
      );
    const cluster = s.cluster;
    const desired = {
      apiVersion: `${CORE_GROUP}/v1beta2`,
      kind: 'Cluster',
      name: cluster.metadata.name ?? '',
      uid: cluster.metadata.uid ?? '',
    };
    const refs = template.metadata.ownerReferences ?? [];
    if (
      refs.some(
        (r) =>
          r.apiVersion === desired.apiVersion &&
          r.kind === desired.kind &&
          r.name === desired.name &&
          r.uid === desired.uid,
      )
    )
      return;
    const others = refs.filter(
      (r) =>
        !(
          r.kind === 'Cluster' &&
          r.name === desired.name &&
          parseApiVersion(r.apiVersion).group === CORE_GROUP
        ),
    );
    const patched = await this.#deps.client.patch(template, {
      type: 'merge',
      data: { metadata: { ownerReferences: [...others, desired] } },
    });
    s.infraTemplate = patched;
  }

  /**
   * Upstream `reconcileClusterCertificates`: until the control plane is initialized the certificates are looked
   * up or generated (owned by the KCP); afterwards only looked up, missing ones reported (CAs are never made
   * again). Generated Secrets the KCP finds (e.g. a first Machine's KubeadmConfig made them) become its own.
   */
  async #reconcileClusterCertificates(s: KcpScope): Promise<void> {
    const { kcp, cluster } = s;
    const clusterKey = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
    const owner = kcpOwner(kcp);
    const internalError = (): void => {
      setCondition(kcp, {
        type: T.CertificatesAvailable,
        status: 'Unknown',
        reason: R.CertificatesAvailable.InternalError,
        message: INTERNAL_ERROR_MESSAGE,
      });
    };
    let certificates: ClusterCertificates;
    try {
      const settings = certificateSettingsFrom(kcp.spec.kubeadmConfigSpec?.clusterConfiguration);
      if (!isTrue(kcp, T.Initialized)) {
        certificates = await ClusterCertificates.lookupOrGenerate(this.#o.apiClient, {
          cluster: clusterKey,
          owner,
          ...settings,
          reader: this.#o.apiClient,
          signal: s.signal,
        });
      } else {
        certificates = await ClusterCertificates.lookup(this.#o.apiClient, {
          cluster: clusterKey,
          externalEtcd: settings.externalEtcd ?? false,
          signal: s.signal,
        });
        const missing = certificates.missing();
        if (missing.length > 0) {
          const message =
            missing.length === 1
              ? `Cluster certificate for ${missing[0]} is not available, please check cluster certificate secrets`
              : `Cluster certificates for ${missing.join(', ')} are not available, please check cluster certificate secrets`;
          setCondition(kcp, {
            type: T.CertificatesAvailable,
            status: 'False',
            reason: R.CertificatesAvailable.NotAvailable,
            message,
          });
          return;
        }
      }
    } catch (err) {
      internalError();
      throw new Error(`error in look up or create cluster certificates: ${errorText(err)}`, { cause: err });
    }
    try {
      await certificates.adopt(this.#o.apiClient, owner, s.signal);
    } catch (err) {
      internalError();
      throw new Error(`error in ensuring cluster certificates ownership: ${errorText(err)}`, { cause: err });
    }
    setCondition(kcp, {
      type: T.CertificatesAvailable,
      status: 'True',
      reason: R.CertificatesAvailable.Available,
    });
  }

  /**
   * `<cluster>-kubeconfig` with an admin certificate from `<cluster>-ca` (KCP as controller owner), adopted
   * when generated by someone else, rotated when its certificate expires within six months.
   */
  async #reconcileKubeconfig(s: KcpScope): Promise<Result | undefined> {
    const endpoint = s.cluster.spec.controlPlaneEndpoint ?? {};
    try {
      const result = await reconcileAdminKubeconfigSecret(this.#o.apiClient, {
        cluster: { namespace: s.cluster.metadata.namespace ?? '', name: s.cluster.metadata.name ?? '' },
        endpoint: { host: endpoint.host ?? '', port: endpoint.port ?? 0 },
        owner: kcpOwner(s.kcp),
        controller: true,
        rotate: true,
        algorithm: this.#keyAlgorithm(s.kcp),
        reader: this.#o.apiClient,
        signal: s.signal,
      });
      if (result.action === 'WaitingForClusterCA') return { requeueAfterMs: result.requeueAfterMs };
      if (result.action === 'Rotated') s.log.info('Rotating kubeconfig secret');
      return undefined;
    } catch (err) {
      s.log.error({ err: errorText(err) }, 'Failed to reconcile Kubeconfig');
      throw err;
    }
  }

  /**
   * What `planControlPlaneOperation` says: the first Machine, one more (scale up or rollout surge), one less
   * (scale down or rollout), after the preflight checks.
   */
  async #reconcileReplicas(s: KcpScope): Promise<Result | undefined> {
    const { cp, log } = s;
    const op = planControlPlaneOperation(cp, this.#deps.random);
    const recorder = this.#deps.recorder;
    switch (op.type) {
      case 'waitForInPlaceUpdates':
        for (const m of op.machines)
          log.info(
            { machine: m.metadata.name },
            `Waiting for in-place update of Machine ${m.metadata.name ?? ''} to complete`,
          );
        return undefined;
      case 'error':
        throw new Error(op.error);
      case 'none':
        await reconcileStableControlPlane(this.#deps, s);
        return undefined;
      case 'initialize': {
        log.info(
          { desiredReplicas: cp.desiredReplicas, replicas: cp.machines.length },
          'Initializing control plane',
        );
        try {
          const m = await createMachine(this.#deps, s, false, op.failureDomain);
          recorder?.event(
            s.kcp,
            'Normal',
            'SuccessfulCreate',
            `Created Machine "${m.metadata.name ?? ''}" (initializing the control plane)`,
          );
          log.info(
            { machine: m.metadata.name, failureDomain: op.failureDomain },
            `Machine ${m.metadata.name ?? ''} created (init)`,
          );
        } catch (err) {
          recorder?.event(
            s.kcp,
            'Warning',
            'FailedInitialization',
            `Failed to create initial control plane Machine for cluster ${s.cluster.metadata.namespace ?? ''}/${s.cluster.metadata.name ?? ''} control plane: ${errorText(err)}`,
          );
          throw err;
        }
        return undefined;
      }
      case 'scaleUp': {
        if (op.rollout) {
          this.#logRollout(s);
          await prepareWorkloadForRollout(this.#deps, s);
        }
        s.preflight = op.preflight.results;
        if (!op.preflight.ok)
          return this.#preflightFailed(s, op.preflight.failures, op.preflight.requeueAfterMs);
        try {
          const m = await createMachine(this.#deps, s, true, op.failureDomain);
          recorder?.event(
            s.kcp,
            'Normal',
            'SuccessfulCreate',
            `Created Machine "${m.metadata.name ?? ''}" (${op.rollout ? `rollout: replacing ${this.#outdatedNames(s)}` : 'scale up'})`,
          );
          log.info(
            {
              machine: m.metadata.name,
              failureDomain: op.failureDomain,
              desiredReplicas: cp.desiredReplicas,
              replicas: cp.machines.length,
            },
            `Machine ${m.metadata.name ?? ''} created (scale up)`,
          );
        } catch (err) {
          recorder?.event(
            s.kcp,
            'Warning',
            'FailedScaleUp',
            `Failed to create additional control plane Machine for cluster ${s.cluster.metadata.namespace ?? ''}/${s.cluster.metadata.name ?? ''}: ${errorText(err)}`,
          );
          throw err;
        }
        return undefined;
      }
      case 'scaleDown': {
        if (op.rollout) {
          this.#logRollout(s);
          await prepareWorkloadForRollout(this.#deps, s);
        }
        s.preflight = op.preflight.results;
        if (!op.preflight.ok)
          return this.#preflightFailed(s, op.preflight.failures, op.preflight.requeueAfterMs);
        const machine = op.machine;
        workloadClient(s);
        if (cp.isEtcdManaged) {
          if (cp.workload.nodeListError !== undefined)
            throw new Error(`unable to forward etcd leadership: ${cp.workload.nodeListError}`);
          // The member itself goes through the kcp-cleanup hook, once the Machine is drained.
          await forwardEtcdLeadership(s, machine);
        }
        try {
          await deleteMachine(this.#deps, s, machine);
        } catch (err) {
          recorder?.event(
            s.kcp,
            'Warning',
            'FailedScaleDown',
            `Failed to delete control plane Machine ${machine.metadata.name ?? ''} for cluster ${s.cluster.metadata.namespace ?? ''}/${s.cluster.metadata.name ?? ''} control plane: ${errorText(err)}`,
          );
          throw err;
        }
        recorder?.event(
          s.kcp,
          'Normal',
          'SuccessfulDelete',
          `Deleted Machine "${machine.metadata.name ?? ''}" (${op.rollout ? `rollout: ${this.#rolloutReasons(s, machine)}` : 'scale down'})`,
        );
        log.info(
          {
            machine: machine.metadata.name,
            desiredReplicas: cp.desiredReplicas,
            replicas: cp.machines.length,
          },
          `Machine ${machine.metadata.name ?? ''} deleting (${op.rollout ? 'rollout' : 'scale down'})`,
        );
        return undefined;
      }
    }
  }

  /** The Machines a rollout replaces, for Events: `a, b`. */
  #outdatedNames(s: KcpScope): string {
    return s.cp
      .machinesNeedingRollout()
      .map((m) => m.metadata.name ?? '')
      .sort()
      .join(', ');
  }

  /** Why `machine` is rolled out (`Version v1.32.0, v1.33.1 required`), for Events. */
  #rolloutReasons(s: KcpScope, machine: { metadata: { name?: string } }): string {
    const reasons = s.cp.upToDateResults.get(machine.metadata.name ?? '')?.logMessages ?? [];
    return reasons.length ? `outdated, ${reasons.join(', ')}` : 'outdated';
  }

  #logRollout(s: KcpScope): void {
    const outdated = s.cp.machinesNeedingRollout();
    const reasons = outdated
      .map(
        (m) =>
          `Machine ${m.metadata.name ?? ''} needs rollout: ${(s.cp.upToDateResults.get(m.metadata.name ?? '')?.logMessages ?? []).join(', ')}`,
      )
      .sort();
    s.log.info(
      { reason: reasons.join(', ') },
      `Machines need rollout: ${outdated
        .map((m) => m.metadata.name)
        .sort()
        .join(',')}`,
    );
  }

  #preflightFailed(s: KcpScope, failures: string[], requeueAfterMs: number): Result {
    const message = failures.join(', ');
    s.log.info(`Waiting for control plane to pass preflight checks to continue reconciliation: ${message}`);
    this.#deps.recorder?.event(
      s.kcp,
      'Warning',
      'ControlPlaneUnhealthy',
      `Waiting for control plane to pass preflight checks to continue reconciliation: ${message}`,
    );
    return { requeueAfterMs };
  }

  // ------------------------------------------------------------------------------------------ delete

  /**
   * Upstream `reconcileDelete`: the workers (Machines and MachinePools of the Cluster) go first; then every
   * control plane Machine is deleted at once, without the kcp-cleanup hook (no etcd work while everything
   * goes); the finalizer goes with the last Machine.
   */
  async #reconcileDelete(s: KcpScope): Promise<Result | undefined> {
    const { cp, kcp, cluster, log } = s;
    log.info('Reconcile KubeadmControlPlane deletion');
    // Deleting the control plane abandons an upgrade in progress.
    this.#deps.metrics.upgradeFinished(clusterKeyOf(s), false);
    if (cp.machines.length === 0) {
      const plan = planDeletion(cp, { clusterMachines: [], machinePoolNames: [] });
      s.deletion = { reason: plan.reason, message: plan.message };
      this.#o.consistency.clear(s.key);
      this.#deps.metrics.forget(clusterKeyOf(s));
      removeFinalizer(kcp, KUBEADM_CONTROL_PLANE_FINALIZER);
      return undefined;
    }
    try {
      await reconcileConditions(this.#deps, s, this.#workloadOptions());
    } catch (err) {
      log.error({ err: errorText(err) }, 'Failed to reconcile conditions');
    }
    let clusterMachines: MachineObject[];
    let machinePoolNames: string[] = [];
    try {
      const selector = {
        namespace: cluster.metadata.namespace,
        labelSelector: { [Label.ClusterName]: cluster.metadata.name ?? '' },
      };
      clusterMachines = (await this.#deps.client.list<MachineObject>(MachineType, selector)).items;
      if (this.#gates.MachinePool) {
        machinePoolNames = (await this.#deps.client.list(MachinePoolType, selector)).items.map(
          (p) => p.metadata.name ?? '',
        );
      }
    } catch (err) {
      s.deletion = { reason: R.Deleting.InternalError, message: INTERNAL_ERROR_MESSAGE };
      throw err;
    }
    const plan = planDeletion(cp, { clusterMachines, machinePoolNames });
    s.deletion = { reason: plan.reason, message: plan.message };
    switch (plan.action) {
      case 'removeFinalizer':
        this.#deps.metrics.forget(clusterKeyOf(s));
        removeFinalizer(kcp, KUBEADM_CONTROL_PLANE_FINALIZER);
        return undefined;
      case 'waitForWorkers':
        log.info('Waiting for worker nodes to be deleted first');
        return { requeueAfterMs: DELETE_REQUEUE_MS };
      case 'deleteMachines': {
        const errors: string[] = [];
        for (const m of plan.removeHookFrom) {
          try {
            await removePreTerminateHook(this.#deps, m, log);
          } catch (err) {
            errors.push(errorText(err));
          }
        }
        for (const m of plan.deleteMachines) {
          if (errors.length > 0) break;
          try {
            await this.#deps.client.delete(m);
            log.info({ machine: m.metadata.name }, 'Deleting Machine (KubeadmControlPlane deleted)');
          } catch (err) {
            if (!isNotFound(err))
              errors.push(
                `failed to delete control plane Machine ${m.metadata.namespace ?? ''}/${m.metadata.name ?? ''}: ${errorText(err)}`,
              );
          }
        }
        if (errors.length > 0) {
          this.#deps.recorder?.event(
            kcp,
            'Warning',
            'FailedDelete',
            `Failed to delete control plane Machines for cluster ${cluster.metadata.namespace ?? ''}/${cluster.metadata.name ?? ''} control plane: ${errors.join('; ')}`,
          );
          s.deletion = { reason: R.Deleting.InternalError, message: INTERNAL_ERROR_MESSAGE };
          throw new Error(errors.join('; '));
        }
        log.info('Waiting for control plane Machines to not exist anymore');
        return { requeueAfterMs: DELETE_REQUEUE_MS };
      }
    }
  }

  // ------------------------------------------------------------------------------------------ status

  /**
   * Upstream `updateStatus`: `status.initialization.controlPlaneInitialized` once the workload cluster has the
   * `kubeadm-config` ConfigMap (never unset again), then counters, selector, versions and conditions. A workload
   * cluster that is not connected yet is only logged.
   */
  async #updateStatus(s: KcpScope): Promise<void> {
    const { cp, kcp } = s;
    if (shouldCheckControlPlaneInitialized(cp)) {
      try {
        if (await s.workload.hasKubeadmConfig()) {
          kcp.status = {
            ...kcp.status,
            initialization: { ...kcp.status?.initialization, controlPlaneInitialized: true },
          };
        }
      } catch (err) {
        if (!isWorkloadClusterConnectionError(err)) throw err;
        s.log.info(`Could not connect to workload cluster to fetch status: ${errorText(err)}`);
      }
    }
    if (!kcp.metadata.deletionTimestamp) recordCertificateExpiry(this.#deps, s);
    const update = computeKcpStatus({
      cp,
      ...(s.preflight ? { preflight: s.preflight } : {}),
      ...(s.deletion ? { deletion: s.deletion } : {}),
    });
    applyKcpStatus(kcp, update, cp.now);
  }
}

/** The KCP as the owner of what it creates (Secrets). */
function kcpOwner(kcp: KcpObject): { apiVersion: string; kind: string; metadata: KcpObject['metadata'] } {
  return { apiVersion: API_VERSION, kind: 'KubeadmControlPlane', metadata: kcp.metadata };
}
