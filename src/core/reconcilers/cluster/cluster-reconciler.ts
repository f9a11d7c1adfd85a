import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client, Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { NewCondition } from '../../../controller-runtime/conditions/index.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../controller-runtime/controller/reconciler.js';
import { addFinalizer, removeFinalizer } from '../../../controller-runtime/helpers/finalizers.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  clusterCASecretName,
  ClusterCondition,
  ClusterReason,
  CommonCondition,
  Finalizer,
  Label,
} from '../../api/v1beta2/well-known.js';
import { ControlPlane, InfraCluster } from '../../contract/accessors.js';
import type { ContractReference, ContractResolver } from '../../contract/contract-version.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import { reconcileAdminKubeconfigSecret } from '../../secret/index.js';
import { type ExternalTracker, lowestRequeue } from '../external-tracker.js';
import type { ClusterScope, Descendants, External, Stored } from './cluster-scope.js';
import { updateClusterStatus } from './cluster-status.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';

export const ClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };
export const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
export const MachineSetType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineSet' };
export const MachineDeploymentType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDeployment' };

/** Upstream requeues deletion every 5 s while descendants, the control plane or the infrastructure remain. */
const DELETE_REQUEUE_MS = 5000;

export interface ClusterReconcilerOptions {
  /** The manager's client (cached reads). */
  client: Client;
  /** Uncached reads (Secrets are not cached by the manager). */
  apiReader: Reader;
  resolver: ContractResolver;
  tracker: ExternalTracker;
  /** The Cluster's RemoteConnectionProbe condition, from the cluster cache (omitted when there is none). */
  remoteConnectionProbe?: (cluster: Stored<Cluster>) => NewCondition | undefined;
  /** Phase change Events (upstream: reason = the new phase, `Cluster <name> is <phase>`); none without it. */
  recorder?: EventRecorder;
}

const OWNED_CONDITIONS = [
  ClusterCondition.Available,
  ClusterCondition.InfrastructureReady,
  ClusterCondition.ControlPlaneInitialized,
  ClusterCondition.ControlPlaneAvailable,
  ClusterCondition.WorkersAvailable,
  ClusterCondition.ControlPlaneMachinesReady,
  ClusterCondition.WorkerMachinesReady,
  ClusterCondition.ControlPlaneMachinesUpToDate,
  ClusterCondition.WorkerMachinesUpToDate,
  ClusterCondition.RemoteConnectionProbe,
  CommonCondition.Deleting,
  CommonCondition.Paused,
];

const refName = (ref: { name?: string } | undefined): string | undefined => ref?.name || undefined;

/**
 * The Cluster controller: owns and reads the InfraCluster and the control plane object, copies the endpoint
 * and failure domains, records `status.initialization`, writes `<cluster>-kubeconfig` for clusters whose
 * control plane is made of plain Machines, summarises everything in conditions and counters, and deletes
 * in upstream's order (workers, control plane, infrastructure, then the finalizer).
 */
export class ClusterReconciler implements Reconciler {
  readonly #o: ClusterReconcilerOptions;

  constructor(options: ClusterReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    let cluster: Stored<Cluster>;
    try {
      cluster = await this.#o.client.get<Stored<Cluster>>(ClusterType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const s: ClusterScope = { cluster, log };
    return withPatch(
      this.#o.client,
      cluster,
      OWNED_CONDITIONS,
      async () => {
        if (setPausedCondition(cluster, isPaused(cluster, cluster))) return undefined;
        if (cluster.metadata.deletionTimestamp) return this.#reconcileDelete(s);
        addFinalizer(cluster, Finalizer.Cluster);
        // A topology Cluster waits for the topology controller to fill in its references.
        if (
          cluster.spec?.topology &&
          (!refName(cluster.spec.infrastructureRef) || !refName(cluster.spec.controlPlaneRef))
        )
          return undefined;
        const results = [
          await this.#reconcileInfrastructure(s),
          await this.#reconcileControlPlane(s),
          await this.#reconcileKubeconfig(s),
        ];
        s.descendants = await this.#descendants(cluster);
        this.#reconcileMachineControlPlaneInitialized(s);
        return lowestRequeue(results);
      },
      () => {
        const phase = cluster.status?.phase;
        updateClusterStatus(s, this.#o.remoteConnectionProbe?.(cluster));
        const now = cluster.status?.phase;
        if (now && now !== phase)
          this.#o.recorder?.event(cluster, 'Normal', now, `Cluster ${cluster.metadata.name} is ${now}`);
      },
    );
  }

  /** Reads a referenced provider object and starts watching its kind. */
  #external(cluster: Stored<Cluster>, ref: ContractReference): Promise<External> {
    return this.#o.tracker.read(this.#o.client, this.#o.resolver, cluster.metadata.namespace, ref);
  }

  /**
   * The Cluster becomes the controller owner of what it references (garbage collection, `clusterctl move`), and
   * labels it with its name (upstream `ensureOwnerRefAndLabel`: `kubectl get kcp` shows it in CLUSTER).
   */
  async #ensureOwner(cluster: Stored<Cluster>, obj: KubeObject): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    const mine = refs.find((r) => r.uid === cluster.metadata.uid);
    const labelled = obj.metadata.labels?.[Label.ClusterName] === cluster.metadata.name;
    if (mine?.controller === true && mine.apiVersion === API_VERSION && labelled) return;
    const others = refs.filter((r) => r.uid !== cluster.metadata.uid);
    const patched = await this.#o.client.patch(obj, {
      type: 'merge',
      data: {
        metadata: {
          resourceVersion: obj.metadata.resourceVersion,
          labels: { [Label.ClusterName]: cluster.metadata.name! },
          ownerReferences: [
            ...others,
            {
              apiVersion: API_VERSION,
              kind: 'Cluster',
              name: cluster.metadata.name!,
              uid: cluster.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    obj.metadata = patched.metadata;
  }

  async #reconcileInfrastructure(s: ClusterScope): Promise<Result | undefined> {
    const ref = s.cluster.spec?.infrastructureRef;
    if (!refName(ref)) return undefined;
    s.infraCluster = await this.#external(s.cluster, ref as ContractReference);
    const infra = s.infraCluster.object;
    if (!infra) return undefined;
    await this.#ensureOwner(s.cluster, infra);
    const contract = s.infraCluster.contract!;
    const status = (s.cluster.status ??= {});
    const failureDomains = InfraCluster.failureDomains(infra, contract);
    if (failureDomains) status.failureDomains = failureDomains;
    if (!InfraCluster.provisioned(infra, contract)) return undefined;
    const endpoint = InfraCluster.controlPlaneEndpoint(infra);
    const current = s.cluster.spec?.controlPlaneEndpoint;
    if (endpoint && !(current?.host && current.port)) s.cluster.spec.controlPlaneEndpoint = endpoint;
    status.initialization = { ...status.initialization, infrastructureProvisioned: true };
    return undefined;
  }

  async #reconcileControlPlane(s: ClusterScope): Promise<Result | undefined> {
    const ref = s.cluster.spec?.controlPlaneRef;
    if (!refName(ref)) return undefined;
    s.controlPlane = await this.#external(s.cluster, ref as ContractReference);
    const cp = s.controlPlane.object;
    if (!cp) return undefined;
    await this.#ensureOwner(s.cluster, cp);
    const endpoint = ControlPlane.controlPlaneEndpoint(cp);
    const current = s.cluster.spec?.controlPlaneEndpoint;
    if (endpoint && !(current?.host && current.port)) s.cluster.spec.controlPlaneEndpoint = endpoint;
    if (ControlPlane.initialized(cp, s.controlPlane.contract!)) {
      const status = (s.cluster.status ??= {});
      status.initialization = { ...status.initialization, controlPlaneInitialized: true };
    }
    return undefined;
  }

  /** Without a control plane object, control plane Machines make the cluster initialized once one has a Node. */
  #reconcileMachineControlPlaneInitialized(s: ClusterScope): void {
    if (refName(s.cluster.spec?.controlPlaneRef) || s.cluster.spec?.topology) return;
    if (!s.descendants?.controlPlaneMachines.some((m) => m.status?.nodeRef?.name)) return;
    const status = (s.cluster.status ??= {});
    status.initialization = { ...status.initialization, controlPlaneInitialized: true };
  }

  /**
   * `<cluster>-kubeconfig` for clusters without a control plane object (a control plane provider writes its
   * own): an admin client certificate from `<cluster>-ca` for the Cluster's endpoint, owned (not controlled)
   * by the Cluster. As upstream, an existing kubeconfig is never rewritten here; only KCP rotates its own.
   */
  async #reconcileKubeconfig(s: ClusterScope): Promise<Result | undefined> {
    const cluster = s.cluster;
    const endpoint = cluster.spec?.controlPlaneEndpoint;
    if (refName(cluster.spec?.controlPlaneRef) || !endpoint?.host || !endpoint.port) return undefined;
    const key = { namespace: cluster.metadata.namespace!, name: cluster.metadata.name! };
    const result = await reconcileAdminKubeconfigSecret(this.#o.client, {
      cluster: key,
      endpoint: { host: endpoint.host, port: endpoint.port },
      owner: { apiVersion: API_VERSION, kind: 'Cluster', metadata: cluster.metadata },
      controller: false,
      reader: this.#o.apiReader,
    });
    if (result.action !== 'WaitingForClusterCA') return undefined;
    s.log.info(
      { secret: clusterCASecretName(key.name) },
      'waiting for the cluster CA to write the kubeconfig',
    );
    return { requeueAfterMs: result.requeueAfterMs };
  }

  async #descendants(cluster: Stored<Cluster>): Promise<Descendants> {
    const list = {
      namespace: cluster.metadata.namespace,
      labelSelector: { [Label.ClusterName]: cluster.metadata.name! },
    };
    const [mds, mss, machines] = await Promise.all([
      this.#o.client.list<Stored<MachineDeployment>>(MachineDeploymentType, list),
      this.#o.client.list<Stored<MachineSet>>(MachineSetType, list),
      this.#o.client.list<Stored<Machine>>(MachineType, list),
    ]);
    const isCp = (m: Stored<Machine>): boolean => Label.ControlPlane in (m.metadata.labels ?? {});
    return {
      machineDeployments: mds.items,
      machineSets: mss.items.filter((ms) =>
        (ms.metadata.ownerReferences ?? []).every((r) => r.kind !== 'MachineDeployment'),
      ),
      controlPlaneMachines: machines.items.filter(isCp),
      workerMachines: machines.items.filter((m) => !isCp(m)),
    };
  }

  /**
   * Deletion in upstream's order: what the Cluster owns directly (MachineDeployments, stand-alone MachineSets,
   * worker Machines not owned by a set; control plane Machines when there is no control plane object), then
   * the control plane object, then the InfraCluster; each waits for the one before to be gone.
   */
  async #reconcileDelete(s: ClusterScope): Promise<Result | undefined> {
    const cluster = s.cluster;
    const d = (s.descendants = await this.#descendants(cluster));
    const hasCpObject = !!refName(cluster.spec?.controlPlaneRef);
    // Machines of a MachineSet or MachinePool go with their owner.
    const ownedDirectly = (o: KubeObject): boolean =>
      (o.metadata.ownerReferences ?? []).every((r) => !['MachineSet', 'MachinePool'].includes(r.kind));
    const workers: KubeObject[] = [
      ...d.machineDeployments,
      ...d.machineSets,
      ...d.workerMachines.filter(ownedDirectly),
      ...(hasCpObject ? [] : d.controlPlaneMachines),
    ];
    if (workers.length > 0) {
      await Promise.all(workers.filter((o) => !o.metadata.deletionTimestamp).map((o) => this.#delete(o)));
      s.deletingReason = ClusterReason.DeletingWaitingForWorkersDeletion;
      s.deletingMessage = describeRemaining(d, hasCpObject);
      return { requeueAfterMs: DELETE_REQUEUE_MS };
    }
    if (hasCpObject) {
      s.controlPlane = await this.#external(cluster, cluster.spec.controlPlaneRef as ContractReference);
      if (s.controlPlane.object) {
        if (!s.controlPlane.object.metadata.deletionTimestamp) await this.#delete(s.controlPlane.object);
        s.deletingReason = ClusterReason.DeletingWaitingForControlPlaneDeletion;
        s.deletingMessage = `Waiting for ${cluster.spec.controlPlaneRef!.kind} to be deleted`;
        return { requeueAfterMs: DELETE_REQUEUE_MS };
      }
    }
    if (refName(cluster.spec?.infrastructureRef)) {
      s.infraCluster = await this.#external(cluster, cluster.spec.infrastructureRef as ContractReference);
      if (s.infraCluster.object) {
        if (!s.infraCluster.object.metadata.deletionTimestamp) await this.#delete(s.infraCluster.object);
        s.deletingReason = ClusterReason.DeletingWaitingForInfrastructureDeletion;
        s.deletingMessage = `Waiting for ${cluster.spec.infrastructureRef!.kind} to be deleted`;
        return { requeueAfterMs: DELETE_REQUEUE_MS };
      }
    }
    s.deletingReason = ClusterReason.DeletingDeletionCompleted;
    s.deletingMessage = 'Deletion completed';
    removeFinalizer(cluster, Finalizer.Cluster);
    return undefined;
  }

  async #delete(obj: KubeObject): Promise<void> {
    try {
      await this.#o.client.delete(obj, { propagationPolicy: 'Foreground' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** `* MachineDeployments: md-0, md-1\n* Worker Machines: m-0, ...` as upstream lists what deletion waits for. */
function describeRemaining(d: Descendants, hasCpObject: boolean): string {
  const names = (objs: KubeObject[]): string => {
    const list = objs.map((o) => o.metadata.name ?? '').sort();
    return list.length > 3
      ? `${list.slice(0, 3).join(', ')}, ... (${list.length - 3} more)`
      : list.join(', ');
  };
  const lines: string[] = [];
  if (d.machineDeployments.length) lines.push(`* MachineDeployments: ${names(d.machineDeployments)}`);
  if (d.machineSets.length) lines.push(`* MachineSets: ${names(d.machineSets)}`);
  if (!hasCpObject && d.controlPlaneMachines.length)
    lines.push(`* Control plane Machines: ${names(d.controlPlaneMachines)}`);
  if (d.workerMachines.length) lines.push(`* Worker Machines: ${names(d.workerMachines)}`);
  return lines.join('\n');
}
