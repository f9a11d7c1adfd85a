import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import {
  computeMergeReason,
  defaultMergePriority,
  defaultMergeStrategy,
  getCondition,
  mirrorCondition,
  setCondition,
  setSummaryCondition,
} from '../../../controller-runtime/conditions/index.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../controller-runtime/controller/reconciler.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { API_VERSION, GROUP } from '../../api/v1beta2/group.js';
import { type Machine, MachinePhase } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  AnnotationPrefix,
  Finalizer,
  Label,
  MachineCondition,
  MachineReason,
} from '../../api/v1beta2/well-known.js';
import { BootstrapConfig, InfraMachine } from '../../contract/accessors.js';
import type { ContractReference, ContractResolver } from '../../contract/contract-version.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import { clusterKeyOfMachine, type CoreMetrics, MachineFailureReason } from '../../metrics/core-metrics.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { type ExternalTracker, lowestRequeue } from '../external-tracker.js';
import { type FeatureGates, resolveFeatureGates } from '../../api/feature-gates.js';
import { isClusterNotConnected } from '../../cluster-cache/errors.js';
import { certificatesExpiryDate } from './machine-certificates.js';
import {
  isControlPlaneMachine,
  type Node,
  nodeByName,
  nodeByProviderID,
  NodeType,
  nodeSyncPatch,
  type NodeSyncOptions,
} from './machine-node.js';
import {
  DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS,
  machineNodeConditions,
  type NodeObservation,
  setNodeConditions,
} from './machine-node-conditions.js';
import { isOutdatedRevision } from './machine-taints.js';
import {
  Drainer,
  drainConditionMessage,
  findVolumesWaitingForDetach,
  isNodeUnreachable,
  isWaitingForDetach,
  type MachineDrainRuleLike,
  type NamespaceLabels,
  nameListToString,
  type NodeWithVolumes,
  volumeDetachConditionMessage,
} from './drain/index.js';
import { nodeSyncRestoresForeignChange } from './node-sync-drift.js';
import type { WorkloadAccess } from './workload-access.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import {
  MachineEventReason,
  type MachineSnapshot,
  recordMachineTransitions,
  snapshotMachine,
  UpstreamMachineEventReason,
} from './machine-events.js';

export const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
const ClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };
const MachineSetType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineSet' };
const MachineDeploymentType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDeployment' };
const MachineDrainRuleType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDrainRule' };
const NamespaceType: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

export interface MachineReconcilerOptions {
  client: Client;
  resolver: ContractResolver;
  tracker: ExternalTracker;
  workload: WorkloadAccess;
  /** Called with the Machine's key when its Node changes (wired to the controller's queue). */
  enqueue: (machine: { namespace: string; name: string }) => void;
  /**
   * The Machine whose `status.nodeRef` names this Node, for a Node that lost its `cluster.x-k8s.io/machine`
   * annotation (someone removed it): without it the Node could not be traced back and put right.
   */
  machineOfNode?: (cluster: { namespace: string; name: string }, nodeName: string) => string | undefined;
  now?: () => number;
  /** Node deletion is retried for this long before giving up (upstream `nodeDeletionTimeoutSeconds` default 10 s). */
  nodeDeletionTimeoutMs?: number;
  metrics?: CoreMetrics;
  /** Events on the Machine's state changes (machine-events.ts); none without it. */
  recorder?: EventRecorder;
  /**
   * While a drain, or the wait for the Node's volumes to be detached, is not complete the Machine comes back
   * after this long (upstream: 20 s for both).
   */
  drainRequeueMs?: number;
  /** Feature gates (MachineTaintPropagation); unset ones take `DEFAULT_FEATURE_GATES`. */
  featureGates?: Partial<FeatureGates>;
  /**
   * How long NodeReady/NodeHealthy keep their last known values while the workload cluster cannot be reached
   * (upstream `--remote-conditions-grace-period`, default 5 minutes).
   */
  remoteConditionsGracePeriodMs?: number;
  /** Extra Machine labels and annotations kept on Nodes (upstream `--additional-sync-machine-labels|annotations`). */
  nodeSync?: Pick<NodeSyncOptions, 'syncLabels' | 'syncAnnotations'>;
}

interface External {
  object?: KubeObject;
  contract?: 'v1beta2' | 'v1beta1';
}

interface Scope {
  machine: Stored<Machine>;
  cluster: Stored<Cluster>;
  log: ReconcileContext['log'];
  bootstrap?: External;
  infra?: External;
  node?: Node;
  /** Why the Node could not be read in this reconcile, if it could not. */
  nodeReadFailure?: NodeObservation['nodeReadFailure'];
  deletingReason?: string;
  deletingMessage?: string;
  /** The Machine as read, for the Events on what this reconcile changed; drain and volume steps done now. */
  before?: MachineSnapshot;
  drained?: boolean;
  volumesDetached?: boolean;
}

const OWNED_CONDITIONS = [
  MachineCondition.Available,
  MachineCondition.Ready,
  MachineCondition.BootstrapConfigReady,
  MachineCondition.InfrastructureReady,
  MachineCondition.NodeReady,
  MachineCondition.NodeHealthy,
  MachineCondition.Deleting,
  MachineCondition.Paused,
];

const refName = (ref: { name?: string } | undefined): string | undefined => ref?.name || undefined;

/**
 * The Machine controller: bootstrap, then infrastructure, then the Node (through the cluster cache); the
 * v1beta2 conditions and phase; and deletion (pre-drain hooks, pre-terminate hooks, infrastructure, bootstrap,
 * Node, finalizer), each step named in the `Deleting` condition.
 */
export class MachineReconciler implements Reconciler {
  readonly #o: MachineReconcilerOptions;
  readonly #now: () => number;
  readonly #gates: FeatureGates;
  readonly #remoteConditionsGracePeriodMs: number;

  constructor(options: MachineReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#gates = resolveFeatureGates(options.featureGates);
    this.#remoteConditionsGracePeriodMs =
      options.remoteConditionsGracePeriodMs ?? DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const client = this.#o.client;
    let machine: Stored<Machine>;
    try {
      machine = await client.get<Stored<Machine>>(MachineType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const clusterName = machine.spec?.clusterName;
    let cluster: Stored<Cluster> | undefined;
    try {
      cluster = await client.get<Stored<Cluster>>(ClusterType, {
        namespace: machine.metadata.namespace,
        name: clusterName,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!cluster) {
      // Deleting a Machine whose Cluster is gone releases what can be released.
      if (!machine.metadata.deletionTimestamp) return undefined;
    }
    const s: Scope = {
      machine,
      before: snapshotMachine(machine),
      cluster:
        cluster ??
        ({ metadata: { name: clusterName, namespace: machine.metadata.namespace } } as Stored<Cluster>),
      log,
    };
    return withPatch(
      client,
      machine,
      OWNED_CONDITIONS,
      async () => {
        if (setPausedCondition(machine, isPaused(cluster, machine))) return undefined;
        if (machine.metadata.deletionTimestamp) return this.#reconcileDelete(s);
        addFinalizer(machine, Finalizer.Machine);
        machine.metadata.labels = { ...machine.metadata.labels, [Label.ClusterName]: clusterName ?? '' };
        this.#ensureClusterOwner(s);
        const results = [
          await this.#reconcileBootstrap(s),
          await this.#reconcileInfrastructure(s),
          await this.#reconcileNode(s),
          this.#reconcileCertificateExpiry(s),
        ];
        return lowestRequeue(results);
      },
      () => {
        this.#updateStatus(s);
        if (this.#o.recorder && s.before)
          recordMachineTransitions(this.#o.recorder, { ...s, before: s.before });
      },
    );
  }

  /** A Machine nothing else owns belongs to its Cluster (garbage collection with the Cluster). */
  #ensureClusterOwner({ machine, cluster }: Scope): void {
    const refs = machine.metadata.ownerReferences ?? [];
    if (
      refs.some((r) => r.controller) ||
      refs.some((r) => r.uid === cluster.metadata.uid) ||
      !cluster.metadata.uid
    )
      return;
    machine.metadata.ownerReferences = [
      ...refs,
      { apiVersion: API_VERSION, kind: 'Cluster', name: cluster.metadata.name!, uid: cluster.metadata.uid },
    ];
  }

  #external(s: Scope, ref: ContractReference): Promise<External> {
    return this.#o.tracker.read(this.#o.client, this.#o.resolver, s.machine.metadata.namespace, ref);
  }

  /** The Machine becomes the controller owner of its bootstrap config and infrastructure, which carry the cluster label. */
  async #adopt(s: Scope, obj: KubeObject): Promise<void> {
    const { machine } = s;
    const refs = obj.metadata.ownerReferences ?? [];
    const mine = refs.find((r) => r.uid === machine.metadata.uid);
    const labelled = obj.metadata.labels?.[Label.ClusterName] === machine.spec?.clusterName;
    if (mine?.controller === true && labelled) return;
    const patched = await this.#o.client.patch(obj, {
      type: 'merge',
      data: {
        metadata: {
          resourceVersion: obj.metadata.resourceVersion,
          labels: { [Label.ClusterName]: machine.spec?.clusterName ?? '' },
          ownerReferences: [
            ...refs.filter(
              (r) => r.uid !== machine.metadata.uid && !(r.controller && r.kind === 'MachineSet'),
            ),
            {
              apiVersion: API_VERSION,
              kind: 'Machine',
              name: machine.metadata.name!,
              uid: machine.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    obj.metadata = patched.metadata;
  }

  async #reconcileBootstrap(s: Scope): Promise<Result | undefined> {
    const { machine } = s;
    const status = (machine.status ??= {});
    const ref = machine.spec?.bootstrap?.configRef;
    if (!refName(ref)) {
      // Bootstrap data given directly.
      if (machine.spec?.bootstrap?.dataSecretName) {
        status.initialization = { ...status.initialization, bootstrapDataSecretCreated: true };
        setCondition(machine, {
          type: MachineCondition.BootstrapConfigReady,
          status: 'True',
          reason: MachineReason.BootstrapDataSecretProvided,
        });
      }
      return undefined;
    }
    s.bootstrap = await this.#external(s, ref as ContractReference);
    const config = s.bootstrap.object;
    if (!config) {
      setCondition(machine, {
        type: MachineCondition.BootstrapConfigReady,
        status: 'Unknown',
        reason: machine.status?.initialization?.bootstrapDataSecretCreated
          ? MachineReason.BootstrapConfigDeleted
          : MachineReason.BootstrapConfigDoesNotExist,
        message: `${ref!.kind} does not exist`,
      });
      return undefined;
    }
    await this.#adopt(s, config);
    const created = BootstrapConfig.dataSecretCreated(config, s.bootstrap.contract!);
    const mirrored = mirrorCondition(config, 'Ready', {
      targetType: MachineCondition.BootstrapConfigReady,
      fallback: created
        ? { status: 'True', reason: MachineReason.BootstrapConfigReady }
        : {
            status: 'False',
            reason: MachineReason.BootstrapConfigNotReady,
            message: `${ref!.kind} status.initialization.dataSecretCreated is false`,
          },
    });
    setCondition(machine, mirrored);
    if (!created) return undefined;
    const dataSecretName = BootstrapConfig.dataSecretName(config);
    if (!dataSecretName) return undefined;
    machine.spec.bootstrap.dataSecretName = dataSecretName;
    status.initialization = { ...status.initialization, bootstrapDataSecretCreated: true };
    return undefined;
  }

  async #reconcileInfrastructure(s: Scope): Promise<Result | undefined> {
    const { machine } = s;
    const status = (machine.status ??= {});
    const ref = machine.spec?.infrastructureRef;
    s.infra = await this.#external(s, ref);
    const infra = s.infra.object;
    if (!infra) {
      const wasProvisioned = status.initialization?.infrastructureProvisioned === true;
      if (
        wasProvisioned &&
        getCondition(machine, MachineCondition.InfrastructureReady)?.reason !==
          MachineReason.InfrastructureDeleted
      )
        this.#o.metrics?.machineFailed(
          clusterKeyOfMachine(machine),
          MachineFailureReason.InfrastructureDeleted,
        );
      setCondition(machine, {
        type: MachineCondition.InfrastructureReady,
        status: wasProvisioned ? 'False' : 'Unknown',
        reason: wasProvisioned
          ? MachineReason.InfrastructureDeleted
          : MachineReason.InfrastructureDoesNotExist,
        message: wasProvisioned
          ? `${ref.kind} has been deleted while the Machine still exists`
          : `${ref.kind} does not exist`,
      });
      return undefined;
    }
    await this.#adopt(s, infra);
    const contract = s.infra.contract!;
    const provisioned = InfraMachine.provisioned(infra, contract);
    const mirrored = mirrorCondition(infra, 'Ready', {
      targetType: MachineCondition.InfrastructureReady,
      fallback: provisioned
        ? { status: 'True', reason: MachineReason.InfrastructureReady }
        : {
            status: 'False',
            reason: MachineReason.InfrastructureNotReady,
            message: `${ref.kind} status.initialization.provisioned is false`,
          },
    });
    if (mirrored.reason === 'NoReasonReported' && mirrored.status === 'True')
      mirrored.reason = MachineReason.InfrastructureReady;
    setCondition(machine, mirrored);
    if (!provisioned) return undefined;
    const providerID = InfraMachine.providerID(infra);
    if (providerID) machine.spec.providerID = providerID;
    const addresses = InfraMachine.addresses(infra);
    if (addresses) status.addresses = addresses as NonNullable<typeof status.addresses>;
    const failureDomain = InfraMachine.failureDomain(infra);
    if (failureDomain && !machine.spec?.failureDomain) status.failureDomain = failureDomain;
    else if (machine.spec?.failureDomain) status.failureDomain = machine.spec.failureDomain;
    status.initialization = { ...status.initialization, infrastructureProvisioned: true };
    return undefined;
  }

  /**
   * Finds the Node (by the linked name, else by provider ID), links it (`status.nodeRef`, `nodeInfo`) and keeps
   * it in sync (`nodeSyncPatch`: labels, annotations, taints); NodeReady/NodeHealthy follow from what was found,
   * also when this fails (`machineNodeConditions`).
   */
  async #reconcileNode(s: Scope): Promise<Result | undefined> {
    const before = {
      ready: getCondition(s.machine, MachineCondition.NodeReady)?.status === 'True',
      reason: getCondition(s.machine, MachineCondition.NodeReady)?.reason,
    };
    try {
      return await this.#syncNode(s);
    } finally {
      this.#setNodeConditions(s, before);
    }
  }

  async #syncNode(s: Scope): Promise<Result | undefined> {
    const { machine, cluster } = s;
    const providerID = machine.spec?.providerID;
    if (!providerID) return undefined;
    const key = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
    let node: Node | undefined;
    let client: Client;
    try {
      client = this.#o.workload.getClient(key);
      this.#watchNodes(key);
      node = machine.status?.nodeRef?.name
        ? await nodeByName(client, machine.status.nodeRef.name)
        : await nodeByProviderID(client, providerID);
    } catch (err) {
      if (isClusterNotConnected(err)) {
        s.nodeReadFailure = 'notConnected';
        return { requeueAfterMs: 10_000 };
      }
      s.nodeReadFailure = 'error';
      throw err;
    }
    s.node = node;
    if (!node) return undefined;
    const status = (machine.status ??= {});
    status.nodeRef = { name: node.metadata.name! };
    if (node.status?.nodeInfo)
      status.nodeInfo = node.status.nodeInfo as unknown as NonNullable<typeof status.nodeInfo>;
    const owner = (machine.metadata.ownerReferences ?? []).find((r) => r.controller);
    const { ms, md } = await this.#owningMachineSetAndDeployment(machine);
    const infra = s.infra?.object;
    const patch = nodeSyncPatch(node, machine, {
      ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
      ...(this.#gates.MachineTaintPropagation ? { machineTaints: machine.spec?.taints ?? [] } : {}),
      outdatedRevision: isOutdatedRevision(ms, md),
      interruptible: infra ? InfraMachine.interruptible(infra) : false,
      ...this.#o.nodeSync,
    });
    if (patch) {
      s.node = await client.patch<Node>(node, { type: 'merge', data: patch });
      if (nodeSyncRestoresForeignChange(node, patch)) this.#o.metrics?.driftCorrected('machine', 'Node');
    }
    return undefined;
  }

  #setNodeConditions(s: Scope, before: { ready: boolean; reason: string | undefined }): void {
    const { machine, cluster } = s;
    const key = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
    const conditions = machineNodeConditions({
      machine,
      cluster,
      infrastructureKind: machine.spec?.infrastructureRef?.kind ?? 'InfraMachine',
      ...(s.node ? { node: s.node } : {}),
      ...(s.nodeReadFailure ? { nodeReadFailure: s.nodeReadFailure } : {}),
      health: this.#o.workload.healthState(key),
      remoteConditionsGracePeriodMs: this.#remoteConditionsGracePeriodMs,
      now: this.#now(),
    });
    if (!conditions) return;
    setNodeConditions(machine, conditions);
    const ready = getCondition(machine, MachineCondition.NodeReady);
    if (ready?.reason === MachineReason.NodeDeleted && before.reason !== MachineReason.NodeDeleted)
      this.#o.metrics?.machineFailed(clusterKeyOfMachine(machine), MachineFailureReason.NodeDeleted);
    // Provisioning time: from the Machine's creation to the first time its Node is Ready.
    if (!before.ready && ready?.status === 'True' && machine.metadata.creationTimestamp) {
      const seconds = (this.#now() - Date.parse(machine.metadata.creationTimestamp)) / 1000;
      this.#o.metrics?.machineProvisioned(machine, seconds);
    }
  }

  /**
   * The MachineSet the Machine belongs to, and the MachineDeployment that MachineSet belongs to (by its
   * `deployment-name` label); either is undefined for stand-alone objects or once deleted.
   */
  async #owningMachineSetAndDeployment(
    machine: Stored<Machine>,
  ): Promise<{ ms?: KubeObject; md?: KubeObject }> {
    const namespace = machine.metadata.namespace;
    const ref = (machine.metadata.ownerReferences ?? []).find(
      (r) => r.kind === 'MachineSet' && r.apiVersion.split('/')[0] === GROUP,
    );
    if (!ref) return {};
    const ms = await this.#getIfExists(MachineSetType, namespace, ref.name);
    const mdName = ms?.metadata.labels?.[Label.MachineDeploymentName];
    if (!ms || !mdName) return ms ? { ms } : {};
    const md = await this.#getIfExists(MachineDeploymentType, namespace, mdName);
    return md ? { ms, md } : { ms };
  }

  async #getIfExists(
    type: TypeRef,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.#o.client.get<KubeObject>(type, { namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Control plane Machines: `status.certificatesExpiryDate` from the `machine.cluster.x-k8s.io/certificates-expiry`
   * annotation of the Machine, else of its bootstrap config; cleared when neither has it. An unparsable value
   * fails the reconcile (upstream), leaving the field as it was.
   */
  #reconcileCertificateExpiry(s: Scope): undefined {
    const { machine } = s;
    if (!isControlPlaneMachine(machine)) return undefined;
    const expiry = certificatesExpiryDate(machine, s.bootstrap?.object);
    const status = (machine.status ??= {});
    if (expiry) status.certificatesExpiryDate = expiry;
    else delete status.certificatesExpiryDate;
    return undefined;
  }

  /** Node events map back to their Machine; the cache keeps one watch per name, so calling again is free. */
  #watchNodes(cluster: { namespace: string; name: string }): void {
    this.#o.workload.watch(cluster, {
      name: 'machine-controller-nodes',
      type: NodeType,
      handler: (node) => {
        const machine =
          node.metadata.annotations?.['cluster.x-k8s.io/machine'] ??
          this.#o.machineOfNode?.(cluster, node.metadata.name ?? '');
        if (machine) this.#o.enqueue({ namespace: cluster.namespace, name: machine });
      },
    });
  }

  #updateStatus(s: Scope): void {
    const { machine } = s;
    const status = (machine.status ??= {});
    const deleting = !!machine.metadata.deletionTimestamp;
    setCondition(machine, {
      type: MachineCondition.Deleting,
      status: deleting ? 'True' : 'False',
      reason: deleting ? (s.deletingReason ?? MachineReason.Deleting) : MachineReason.NotDeleting,
      ...(deleting && s.deletingMessage ? { message: s.deletingMessage } : {}),
    });
    if (!getCondition(machine, MachineCondition.BootstrapConfigReady))
      setCondition(machine, {
        type: MachineCondition.BootstrapConfigReady,
        status: 'False',
        reason: MachineReason.BootstrapConfigNotReady,
        message: 'Waiting for bootstrap data',
      });
    const gates = (machine.spec?.readinessGates ?? []).map((g) => g.conditionType);
    setSummaryCondition(machine, {
      targetType: MachineCondition.Ready,
      forConditionTypes: [
        MachineCondition.Deleting,
        MachineCondition.BootstrapConfigReady,
        MachineCondition.InfrastructureReady,
        MachineCondition.NodeHealthy,
        ...gates,
      ],
      negativePolarityConditionTypes: [MachineCondition.Deleting],
      mergeStrategy: defaultMergeStrategy({
        getPriority: defaultMergePriority([MachineCondition.Deleting]),
        computeReason: computeMergeReason(
          MachineReason.NotReady,
          MachineReason.ReadyUnknown,
          MachineReason.Ready,
        ),
      }),
    });
    // Available: Ready for at least minReadySeconds.
    const ready = getCondition(machine, MachineCondition.Ready);
    const minReadyMs = (machine.spec?.minReadySeconds ?? 0) * 1000;
    const readySince = ready?.status === 'True' ? Date.parse(ready.lastTransitionTime) : Number.NaN;
    const available = ready?.status === 'True' && this.#now() - readySince >= minReadyMs;
    setCondition(machine, {
      type: MachineCondition.Available,
      status: available ? 'True' : 'False',
      reason: available
        ? MachineReason.Available
        : ready?.status === 'True'
          ? MachineReason.WaitingForMinReadySeconds
          : MachineReason.NotReady,
    });
    // UpToDate is not this controller's to set on stand-alone Machines (upstream leaves it to whatever manages
    // them): the MachineDeployment controller sets it on its Machines, a control plane provider on its own.
    // Phase (deprecated, still shown by kubectl).
    let phase: string = MachinePhase.Pending;
    if (machine.spec?.bootstrap?.dataSecretName) phase = MachinePhase.Provisioning;
    if (status.initialization?.infrastructureProvisioned && machine.spec?.providerID)
      phase = MachinePhase.Provisioned;
    if (status.nodeRef?.name) phase = MachinePhase.Running;
    if (deleting) phase = MachinePhase.Deleting;
    if (status.phase !== phase) {
      status.phase = phase as NonNullable<typeof status.phase>;
      status.lastUpdated = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
  }

  // ------------------------------------------------------------------------------------------ deletion

  /**
   * Cordon and drain the Node before the infrastructure goes, unless there is no Node, the Machine opts out
   * (`machine.cluster.x-k8s.io/exclude-node-draining`), the Cluster is being deleted, the Node steps are
   * skipped (`#nodeStepsSkipped`), or `spec.deletion.nodeDrainTimeoutSeconds` has passed since draining
   * started. Returns the requeue while the drain is not complete; the `Deleting` condition lists what it waits
   * for.
   */
  async #drain(s: Scope, now: string): Promise<Result | undefined> {
    const { machine, cluster } = s;
    const nodeName = machine.status?.nodeRef?.name;
    if (!nodeName || !cluster.metadata.uid || cluster.metadata.deletionTimestamp) return undefined;
    if (Annotation.ExcludeNodeDraining in (machine.metadata.annotations ?? {})) return undefined;
    if (await this.#nodeStepsSkipped(s)) return undefined;
    const status = (machine.status ??= {});
    const startedAt = status.deletion?.nodeDrainStartTime ?? now;
    const timeoutSeconds = machine.spec?.deletion?.nodeDrainTimeoutSeconds;
    if (this.#timedOut(startedAt, timeoutSeconds)) {
      s.log.info(
        { node: nodeName, timeoutSeconds },
        'nodeDrainTimeout exceeded; continuing deletion without draining',
      );
      return undefined;
    }
    status.deletion = { ...status.deletion, nodeDrainStartTime: startedAt };
    s.deletingReason = MachineReason.DeletingDrainingNode;
    let client;
    try {
      client = this.#o.workload.getClient(this.#clusterKey(s));
    } catch {
      s.deletingMessage = `Drain not completed yet (started at ${startedAt}):\n* Remote connection not established yet`;
      return { requeueAfterMs: this.#o.drainRequeueMs ?? 20_000 };
    }
    const drainer = new Drainer({ client, now: this.#now });
    try {
      await drainer.cordon(nodeName);
    } catch (err) {
      if (isNotFound(err)) return undefined; // The Node is gone: nothing to drain.
      throw err;
    }
    const { rules, namespaceLabels } = await this.#drainRules(s, client);
    const result = await drainer
      .drain({ nodeName, machine, cluster }, rules, namespaceLabels)
      .catch((err: unknown) => {
        this.#o.recorder?.event(
          machine,
          'Warning',
          UpstreamMachineEventReason.FailedDrainNode,
          `error draining Machine's node "${nodeName}": ${(err as Error).message}`,
        );
        throw err;
      });
    if (result.done) {
      s.drained = true;
      return undefined;
    }
    s.deletingMessage = drainConditionMessage(result, new Date(startedAt));
    return { requeueAfterMs: this.#o.drainRequeueMs ?? 20_000 };
  }

  /**
   * After the drain, wait until the Node's volumes are detached (upstream's shouldWaitForNodeVolumes): storage
   * providers may lose a volume still attached when its machine goes. Not when there is no Node, the Machine
   * opts out (`machine.cluster.x-k8s.io/exclude-wait-for-node-volume-detach`), the Cluster is being deleted, the
   * Node steps are skipped (`#nodeStepsSkipped`), `spec.deletion.nodeVolumeDetachTimeoutSeconds` has passed
   * since the wait started, or the Node is unreachable (its volumes would never be reported detached). Volumes
   * of Pods the drain skipped (DaemonSet, static, `drain=skip`) are not waited for. Returns the requeue while
   * something is attached; the `Deleting` condition lists what.
   */
  async #waitForVolumeDetach(s: Scope, now: string): Promise<Result | undefined> {
    const { machine, cluster } = s;
    const nodeName = machine.status?.nodeRef?.name;
    if (!nodeName || !cluster.metadata.uid || cluster.metadata.deletionTimestamp) return undefined;
    if (Annotation.ExcludeWaitForNodeVolumeDetach in (machine.metadata.annotations ?? {})) return undefined;
    if (await this.#nodeStepsSkipped(s)) return undefined;
    const status = (machine.status ??= {});
    const startedAt = status.deletion?.waitForNodeVolumeDetachStartTime ?? now;
    const timeoutSeconds = machine.spec?.deletion?.nodeVolumeDetachTimeoutSeconds;
    if (this.#timedOut(startedAt, timeoutSeconds)) {
      s.log.info(
        { node: nodeName, timeoutSeconds },
        'nodeVolumeDetachTimeout exceeded; continuing deletion without waiting for volumes to be detached',
      );
      return undefined;
    }
    status.deletion = { ...status.deletion, waitForNodeVolumeDetachStartTime: startedAt };
    s.deletingReason = MachineReason.DeletingWaitingForVolumeDetach;
    s.deletingMessage = `Waiting for Node volumes to be detached (started at ${startedAt})`;
    const log = s.log.child({ node: nodeName });
    try {
      const client = this.#o.workload.getClient(this.#clusterKey(s));
      let node: Node & NodeWithVolumes;
      try {
        node = await client.get<Node & NodeWithVolumes>(NodeType, { name: nodeName });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        log.info('Could not find Node from Machine.status.nodeRef, skip waiting for volume detachment');
        return undefined;
      }
      if (isNodeUnreachable(node)) {
        log.info('Node is unreachable, skip waiting for volume detachment');
        return undefined;
      }
      const drainer = new Drainer({ client, now: this.#now });
      const waiting = await findVolumesWaitingForDetach({
        node,
        client,
        podsForEviction: async () => {
          const { rules, namespaceLabels } = await this.#drainRules(s, client);
          return drainer.podsForEviction({ nodeName, machine, cluster }, rules, namespaceLabels);
        },
      });
      if (!isWaitingForDetach(waiting)) {
        s.volumesDetached = true;
        return undefined;
      }
      s.deletingMessage = volumeDetachConditionMessage(waiting, new Date(startedAt));
      log.info(
        {
          persistentVolumeClaims: nameListToString(waiting.persistentVolumeClaims),
          persistentVolumesWithoutPVCClaimRef: nameListToString(waiting.persistentVolumesWithoutClaimRef),
          nodeStatusVolumeNamesWithoutPV: nameListToString(waiting.nodeVolumeNamesWithoutPV),
          persistentVolumeNamesWithoutPV: nameListToString(waiting.persistentVolumeNamesWithoutPV),
        },
        'Waiting for Node volumes to be detached',
      );
      return { requeueAfterMs: this.#o.drainRequeueMs ?? 20_000 };
    } catch (err) {
      s.deletingMessage =
        'Error waiting for volumes to be detached from Node, please check controller logs for errors';
      this.#o.recorder?.event(
        machine,
        'Warning',
        UpstreamMachineEventReason.FailedWaitForVolumeDetach,
        `error waiting for node volumes detaching, Machine's node "${nodeName}": ${(err as Error).message}`,
      );
      throw err;
    }
  }

  /**
   * The drain and the wait for volume detach are both skipped once the deletion went past them (the
   * pre-terminate hooks were waited for) and when the InfraMachine is gone or going: its machine goes anyway.
   */
  async #nodeStepsSkipped(s: Scope): Promise<boolean> {
    const { machine } = s;
    if (machine.status?.deletion?.waitForPreTerminateHookStartTime) return true;
    const ref = machine.spec?.infrastructureRef;
    if (!refName(ref)) return true;
    try {
      s.infra ??= await this.#external(s, ref);
    } catch (err) {
      // Not knowing is no reason to skip: draining a Node whose machine goes anyway does no harm.
      s.log.info({ err: (err as Error).message }, 'cannot read the infrastructure object');
      return false;
    }
    return !s.infra.object || !!s.infra.object.metadata.deletionTimestamp;
  }

  /** Upstream's node{Drain,VolumeDetach}TimeoutExceeded: a positive timeout has run out since `startedAt`. */
  #timedOut(startedAt: string, timeoutSeconds: number | undefined): boolean {
    return (
      timeoutSeconds !== undefined &&
      timeoutSeconds > 0 &&
      this.#now() - Date.parse(startedAt) >= timeoutSeconds * 1000
    );
  }

  #clusterKey({ cluster }: Scope): { namespace: string; name: string } {
    return { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
  }

  /** What the drain's verdict on Pods needs: the MachineDrainRules of the Machine's namespace, Namespace labels. */
  async #drainRules(
    s: Scope,
    client: Client,
  ): Promise<{ rules: MachineDrainRuleLike[]; namespaceLabels: NamespaceLabels }> {
    const rules = (
      await this.#o.client.list<Stored<MachineDrainRuleLike & KubeObject>>(MachineDrainRuleType, {
        namespace: s.machine.metadata.namespace,
      })
    ).items;
    const namespaceLabels: NamespaceLabels = async (ns) => {
      try {
        return (await client.get(NamespaceType, { name: ns })).metadata.labels ?? {};
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    return { rules, namespaceLabels };
  }

  async #reconcileDelete(s: Scope): Promise<Result | undefined> {
    const { machine } = s;
    if (!hasFinalizer(machine, Finalizer.Machine)) return undefined;
    const status = (machine.status ??= {});
    const now = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const hooks = (prefix: string) =>
      Object.keys(machine.metadata.annotations ?? {}).filter((k) => k.startsWith(prefix));
    const preDrain = hooks(AnnotationPrefix.PreDrainDeleteHook);
    if (preDrain.length) {
      status.deletion = {
        ...status.deletion,
        waitForPreDrainHookStartTime: status.deletion?.waitForPreDrainHookStartTime ?? now,
      };
      s.deletingReason = MachineReason.DeletingWaitingForPreDrainHook;
      s.deletingMessage = `Waiting for pre-drain hooks to succeed (hooks: ${preDrain.join(',')})`;
      return undefined;
    }
    const drain = await this.#drain(s, now);
    if (drain) return drain;
    const detach = await this.#waitForVolumeDetach(s, now);
    if (detach) return detach;
    const preTerminate = hooks(AnnotationPrefix.PreTerminateDeleteHook);
    if (preTerminate.length) {
      status.deletion = {
        ...status.deletion,
        waitForPreTerminateHookStartTime: status.deletion?.waitForPreTerminateHookStartTime ?? now,
      };
      s.deletingReason = MachineReason.DeletingWaitingForPreTerminateHook;
      s.deletingMessage = `Waiting for pre-terminate hooks to succeed (hooks: ${preTerminate.join(',')})`;
      return undefined;
    }
    // Infrastructure first, then bootstrap, each waited for.
    for (const [ref, reason, what] of [
      [
        machine.spec?.infrastructureRef,
        MachineReason.DeletingWaitingForInfrastructureDeletion,
        'infrastructure',
      ],
      [machine.spec?.bootstrap?.configRef, MachineReason.DeletingWaitingForBootstrapDeletion, 'bootstrap'],
    ] as const) {
      if (!refName(ref)) continue;
      let ext: External;
      try {
        ext = await this.#external(s, ref as ContractReference);
      } catch (err) {
        s.log.info({ err: (err as Error).message }, `cannot read the ${what} object; assuming it is gone`);
        continue;
      }
      if (ext.object) {
        if (!ext.object.metadata.deletionTimestamp)
          await this.#o.client.delete(ext.object).catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        s.deletingReason = reason;
        s.deletingMessage = `Waiting for ${ref!.kind} to be deleted`;
        return undefined;
      }
    }
    // Then the Node, unless the workload cluster cannot be reached.
    const nodeName = machine.status?.nodeRef?.name;
    if (nodeName && s.cluster.metadata.uid && !s.cluster.metadata.deletionTimestamp) {
      s.deletingReason = MachineReason.DeletingDeletingNode;
      s.deletingMessage = `Deleting Node ${nodeName}`;
      try {
        const client = this.#o.workload.getClient({
          namespace: s.cluster.metadata.namespace ?? '',
          name: s.cluster.metadata.name ?? '',
        });
        await client.delete({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
        this.#o.recorder?.event(
          machine,
          'Normal',
          MachineEventReason.SuccessfulDeleteNode,
          `Node "${nodeName}" deleted`,
        );
      } catch (err) {
        if (!isNotFound(err)) {
          const startedAt = Date.parse(
            getCondition(machine, MachineCondition.Deleting)?.lastTransitionTime ?? now,
          );
          if (this.#now() - startedAt < (this.#o.nodeDeletionTimeoutMs ?? 10_000))
            return { requeueAfterMs: 2000 };
          s.log.info({ node: nodeName }, 'giving up deleting the Node after nodeDeletionTimeout');
          this.#o.recorder?.event(
            machine,
            'Warning',
            UpstreamMachineEventReason.FailedDeleteNode,
            `error deleting Machine's node: ${(err as Error).message}`,
          );
        } else {
          // Gone already (providers often remove the Node with the machine): the Node is deleted all the same.
          this.#o.recorder?.event(
            machine,
            'Normal',
            MachineEventReason.SuccessfulDeleteNode,
            `Node "${nodeName}" was already deleted`,
          );
        }
      }
    }
    s.deletingReason = MachineReason.DeletingDeletionCompleted;
    s.deletingMessage = 'Deletion completed';
    removeFinalizer(machine, Finalizer.Machine);
    return undefined;
  }
}
