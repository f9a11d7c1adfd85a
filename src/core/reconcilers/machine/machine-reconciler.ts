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
import { API_VERSION } from '../../api/v1beta2/group.js';
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
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { type ExternalTracker, lowestRequeue } from '../external-tracker.js';
import {
  isControlPlaneMachine,
  type Node,
  nodeByName,
  nodeByProviderID,
  nodeConditions,
  NodeType,
  nodeSyncPatch,
  setNodeConditions,
} from './machine-node.js';
import { Drainer, drainConditionMessage, type MachineDrainRuleLike } from './drain/index.js';
import type { WorkloadAccess } from './workload-access.js';

export const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
const ClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };
const MachineDrainRuleType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDrainRule' };
const NamespaceType: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };

export interface MachineReconcilerOptions {
  client: Client;
  resolver: ContractResolver;
  tracker: ExternalTracker;
  workload: WorkloadAccess;
  /** Called with the Machine's key when its Node changes (wired to the controller's queue). */
  enqueue: (machine: { namespace: string; name: string }) => void;
  now?: () => number;
  /** Node deletion is retried for this long before giving up (upstream `nodeDeletionTimeoutSeconds` default 10 s). */
  nodeDeletionTimeoutMs?: number;
  metrics?: CoreMetrics;
  /** While a drain is not complete the Machine comes back after this long (upstream: 20 s). */
  drainRequeueMs?: number;
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
  deletingReason?: string;
  deletingMessage?: string;
}

const OWNED_CONDITIONS = [
  MachineCondition.Available,
  MachineCondition.Ready,
  MachineCondition.UpToDate,
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

  constructor(options: MachineReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
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
        ];
        return lowestRequeue(results);
      },
      () => this.#updateStatus(s),
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
        this.#o.metrics?.machineFailures.inc({ reason: MachineReason.InfrastructureDeleted });
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

  async #reconcileNode(s: Scope): Promise<Result | undefined> {
    const { machine, cluster } = s;
    const providerID = machine.spec?.providerID;
    if (!providerID) {
      setNodeConditions(
        machine,
        nodeConditions(undefined, {
          reason: MachineReason.NodeDoesNotExist,
          message: 'Waiting for a Node with spec.providerID to exist',
        }),
      );
      return undefined;
    }
    const key = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
    let client: Client;
    try {
      client = this.#o.workload.getClient(key);
      this.#watchNodes(key);
    } catch {
      setNodeConditions(
        machine,
        nodeConditions(undefined, {
          reason: MachineReason.NodeConnectionDown,
          message: 'Remote connection not established yet',
        }),
      );
      return { requeueAfterMs: 10_000 };
    }
    const node = machine.status?.nodeRef?.name
      ? await nodeByName(client, machine.status.nodeRef.name)
      : await nodeByProviderID(client, providerID);
    s.node = node;
    if (!node) {
      const hadNode = !!machine.status?.nodeRef?.name;
      if (hadNode && getCondition(machine, MachineCondition.NodeReady)?.reason !== MachineReason.NodeDeleted)
        this.#o.metrics?.machineFailures.inc({ reason: MachineReason.NodeDeleted });
      setNodeConditions(
        machine,
        nodeConditions(
          undefined,
          hadNode
            ? {
                reason: MachineReason.NodeDeleted,
                message: `Node ${machine.status!.nodeRef!.name} has been deleted while the Machine still exists`,
              }
            : {
                reason: MachineReason.NodeDoesNotExist,
                message: `Waiting for a Node with spec.providerID ${providerID} to exist`,
              },
        ),
      );
      return undefined;
    }
    const status = (machine.status ??= {});
    status.nodeRef = { name: node.metadata.name! };
    if (node.status?.nodeInfo)
      status.nodeInfo = node.status.nodeInfo as unknown as NonNullable<typeof status.nodeInfo>;
    const owner = (machine.metadata.ownerReferences ?? []).find((r) => r.controller);
    const patch = nodeSyncPatch(node, machine, owner ? { kind: owner.kind, name: owner.name } : undefined);
    if (patch) {
      const patched = await client.patch<Node>(node, { type: 'merge', data: patch });
      s.node = patched;
    }
    const wasReady = getCondition(machine, MachineCondition.NodeReady)?.status === 'True';
    setNodeConditions(machine, nodeConditions(s.node));
    // Provisioning time: from the Machine's creation to the first time its Node is Ready.
    if (
      !wasReady &&
      getCondition(machine, MachineCondition.NodeReady)?.status === 'True' &&
      machine.metadata.creationTimestamp
    ) {
      const seconds = (this.#now() - Date.parse(machine.metadata.creationTimestamp)) / 1000;
      this.#o.metrics?.machineProvisioning.observe(
        { cluster_namespace: machine.metadata.namespace ?? '' },
        Math.max(0, seconds),
      );
    }
    return undefined;
  }

  /** Node events map back to their Machine; the cache keeps one watch per name, so calling again is free. */
  #watchNodes(cluster: { namespace: string; name: string }): void {
    this.#o.workload.watch(cluster, {
      name: 'machine-controller-nodes',
      type: NodeType,
      handler: (node) => {
        const machine = node.metadata.annotations?.['cluster.x-k8s.io/machine'];
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
    // A stand-alone Machine is up to date by definition; MachineSets and control planes judge their own.
    const ownedBySet = (machine.metadata.ownerReferences ?? []).some(
      (r) => r.controller && r.kind !== 'Cluster',
    );
    if (!ownedBySet && !isControlPlaneMachine(machine))
      setCondition(machine, {
        type: MachineCondition.UpToDate,
        status: 'True',
        reason: MachineReason.UpToDate,
      });
    else if (
      !ownedBySet &&
      isControlPlaneMachine(machine) &&
      !getCondition(machine, MachineCondition.UpToDate)
    )
      setCondition(machine, {
        type: MachineCondition.UpToDate,
        status: 'True',
        reason: MachineReason.UpToDate,
      });
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
   * (`machine.cluster.x-k8s.io/exclude-node-draining`), the Cluster is being deleted, or
   * `spec.deletion.nodeDrainTimeoutSeconds` has passed since draining started. Returns the requeue while the
   * drain is not complete; the `Deleting` condition lists what it waits for.
   */
  async #drain(s: Scope, now: string): Promise<Result | undefined> {
    const { machine, cluster } = s;
    const nodeName = machine.status?.nodeRef?.name;
    if (!nodeName || !cluster.metadata.uid || cluster.metadata.deletionTimestamp) return undefined;
    if (Annotation.ExcludeNodeDraining in (machine.metadata.annotations ?? {})) return undefined;
    const status = (machine.status ??= {});
    const startedAt = status.deletion?.nodeDrainStartTime ?? now;
    const timeoutSeconds = machine.spec?.deletion?.nodeDrainTimeoutSeconds ?? 0;
    if (timeoutSeconds > 0 && this.#now() - Date.parse(startedAt) > timeoutSeconds * 1000) {
      s.log.info(
        { node: nodeName, timeoutSeconds },
        'nodeDrainTimeout exceeded; continuing deletion without draining',
      );
      return undefined;
    }
    status.deletion = { ...status.deletion, nodeDrainStartTime: startedAt };
    s.deletingReason = MachineReason.DeletingDrainingNode;
    const key = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
    let client;
    try {
      client = this.#o.workload.getClient(key);
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
    const rules = (
      await this.#o.client.list<Stored<MachineDrainRuleLike & KubeObject>>(MachineDrainRuleType, {
        namespace: machine.metadata.namespace,
      })
    ).items;
    const namespaceLabels = async (ns: string): Promise<Record<string, string> | undefined> => {
      try {
        return (await client.get(NamespaceType, { name: ns })).metadata.labels ?? {};
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const result = await drainer.drain({ nodeName, machine, cluster }, rules, namespaceLabels);
    if (result.done) return undefined;
    s.deletingMessage = drainConditionMessage(result, new Date(startedAt));
    return { requeueAfterMs: this.#o.drainRequeueMs ?? 20_000 };
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
      } catch (err) {
        if (!isNotFound(err)) {
          const startedAt = Date.parse(
            getCondition(machine, MachineCondition.Deleting)?.lastTransitionTime ?? now,
          );
          if (this.#now() - startedAt < (this.#o.nodeDeletionTimeoutMs ?? 10_000))
            return { requeueAfterMs: 2000 };
          s.log.info({ node: nodeName }, 'giving up deleting the Node after nodeDeletionTimeout');
        }
      }
    }
    s.deletingReason = MachineReason.DeletingDeletionCompleted;
    s.deletingMessage = 'Deletion completed';
    removeFinalizer(machine, Finalizer.Machine);
    return undefined;
  }
}
