import type { KubeObject as ManagementObject, TypeRef } from '../../../../controller-runtime/api/object.js';
import type { Reader } from '../../../../controller-runtime/client/client.js';
import { getCondition, isTrue, setCondition } from '../../../../controller-runtime/conditions/index.js';
import type { Result } from '../../../../controller-runtime/controller/reconciler.js';
import { parseGoDuration } from '../../../../core/api/duration.js';
import { CertificateAuthority } from '../../../../pki/index.js';
import {
  clusterCASecretName,
  ClusterCondition,
  etcdCASecretName,
  Label,
  SecretDataKey,
} from '../../../../core/api/v1beta2/well-known.js';
import {
  DevMachineInMemoryAPIServerProvisionedReason as ApiServerReason,
  DevMachineInMemoryConditionType as Step,
  DevMachineInMemoryEtcdProvisionedReason as EtcdReason,
  DevMachineInMemoryNodeProvisionedReason as NodeReason,
  DevMachineInMemoryVMProvisionedReason as VmReason,
  InMemoryEtcdAnnotation,
  InMemoryProviderIDPrefix,
} from '../../api/well-known.js';
import type {
  DeleteOutcome,
  DevMachineBackend,
  DevMachineDeleteScope,
  DevMachineScope,
} from '../../reconcilers/backend.js';
import { getIfExists, type Stored } from '../../reconcilers/owners.js';
import {
  apiErrorCode,
  failAtStep,
  maybeFailApiCall,
  nodeNeverReady,
  nodeNotReadyAfterMs,
  type ProvisioningStep,
  ProvisioningStepFailedError,
} from './faults.js';
import type { InMemoryCloud } from './in-memory-cloud.js';
import { workloadKeyOf } from './in-memory-cluster-backend.js';
import type { ClusterCa, MachineRecord, WorkloadCluster } from './workload-cluster.js';
import {
  kubeadmObjects,
  KUBE_SYSTEM,
  nodeObject,
  nodeReadyCondition,
  registrationTaints,
  STATIC_POD_COMPONENTS,
  type StaticPodComponent,
  staticPodObject,
} from './workload-objects.js';
import { Kinds, WorkloadWriter } from './workload-writer.js';

const SecretType: TypeRef = { apiVersion: 'v1', kind: 'Secret' };

/** The condition of each simulated step. */
const CONDITION_OF: Record<ProvisioningStep, string> = {
  vm: Step.VMProvisioned,
  node: Step.NodeProvisioned,
  etcd: Step.EtcdProvisioned,
  apiServer: Step.APIServerProvisioned,
};

export interface InMemoryMachineBackendOptions {
  cloud: InMemoryCloud;
  /** Reads Secrets (bootstrap data, cluster CA) from the management cluster; not through the cache. */
  secrets: Reader;
  /** Random source of jitter and fault injection. */
  random?: () => number;
  /** The clock (tests). */
  now?: () => number;
  /**
   * A provisioning step failed (`fail-at-step`), heard once per failure: when the step's condition turns
   * `False`/`InternalError`, not on the retries that find it so (also not after a restart, as the condition is
   * kept on the DevMachine).
   */
  onProvisioningFailed?: (failure: ProvisioningFailure) => void;
}

/** A DevMachine whose provisioning failed at `step`. */
export interface ProvisioningFailure {
  namespace: string;
  clusterName: string;
  machine: string;
  devMachine: string;
  step: ProvisioningStep;
}

type Secret = ManagementObject & { data?: Record<string, string> };

interface Pass {
  scope: DevMachineScope;
  workload: WorkloadCluster;
  record: MachineRecord;
  now: number;
  /** The soonest a waiting step is due; the reconcile comes back then. */
  requeueAfterMs?: number;
}

/** A prerequisite is missing; the step reports it and the reconcile comes back later. */
class NotYet extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export const isControlPlaneMachine = (machine: Stored<{ metadata?: unknown }>): boolean =>
  Label.ControlPlane in (machine.metadata.labels ?? {});

const decode = (b64: string | undefined): string | undefined =>
  b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');

/**
 * DevMachine, in memory: a VM, then a kubelet registering its Node, then (control plane machines) the etcd
 * member and the kube-apiserver, then the scheduler and controller-manager, then what `kubeadm init`
 * deploys. Each step waits its configured `startupDuration` (+ jitter) after the step before it: VM after
 * creation, Node after the VM, etcd and API server after the Node. Nothing waits on a timer: the reconcile
 * asks to come back when the next step is due.
 */
export class InMemoryMachineBackend implements DevMachineBackend {
  readonly name = 'inMemory';
  readonly #o: InMemoryMachineBackendOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  /** `<DevMachine uid>/<step>` of the step failures reported, until the step runs again. */
  readonly #failedSteps = new Set<string>();

  constructor(options: InMemoryMachineBackendOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  provisioningConditions({ machine }: Pick<DevMachineScope, 'machine'>): readonly string[] {
    return isControlPlaneMachine(machine)
      ? [Step.VMProvisioned, Step.NodeProvisioned, Step.EtcdProvisioned, Step.APIServerProvisioned]
      : [Step.VMProvisioned, Step.NodeProvisioned];
  }

  async reconcileNormal(scope: DevMachineScope): Promise<Result | undefined> {
    const { cluster, machine, devMachine } = scope;
    maybeFailApiCall(devMachine, 'ProvisionMachine', this.#random);
    const controlPlane = isControlPlaneMachine(machine);

    if (cluster.status?.initialization?.infrastructureProvisioned !== true) {
      this.#set(scope, 'vm', 'False', VmReason.WaitingForClusterInfrastructureReady);
      return undefined;
    }
    const dataSecretName = machine.spec?.bootstrap?.dataSecretName;
    if (!dataSecretName) {
      const cpInitialized =
        cluster.status?.initialization?.controlPlaneInitialized === true ||
        isTrue(cluster, ClusterCondition.ControlPlaneInitialized);
      this.#set(
        scope,
        'vm',
        'False',
        !controlPlane && !cpInitialized
          ? VmReason.WaitingForControlPlaneInitialized
          : VmReason.WaitingForBootstrapData,
      );
      return undefined;
    }
    const workload = await this.#workloadOf(scope);
    if (!workload) {
      this.#set(
        scope,
        'vm',
        'False',
        VmReason.WaitingForClusterInfrastructureReady,
        'the workload endpoint is not bound yet',
      );
      return { requeueAfterMs: 1000 };
    }
    const now = this.#now();
    const restored = (Object.keys(CONDITION_OF) as ProvisioningStep[]).filter((s) =>
      isTrue(devMachine, CONDITION_OF[s]),
    );
    if (restored.includes('vm')) {
      // After a restart: the machine keeps the address its DevMachine (and so its Machine) already shows.
      const advertised = devMachine.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      workload.hostIpFor(devMachine.metadata.name!, advertised);
    }
    const pass: Pass = {
      scope,
      workload,
      record: workload.machine(devMachine.metadata.name!, now, restored),
      now,
    };
    try {
      await this.#readBootstrapData(pass, dataSecretName);
      if (this.#stepDue(pass, 'vm', pass.record.createdAt)) this.#vmProvisioned(pass);
      if (pass.record.done.vm !== undefined && this.#stepDue(pass, 'node', pass.record.done.vm)) {
        await this.#nodeProvisioned(pass);
      }
      if (controlPlane && pass.record.done.node !== undefined) {
        if (this.#stepDue(pass, 'etcd', pass.record.done.node)) await this.#etcdProvisioned(pass);
        if (this.#stepDue(pass, 'apiServer', pass.record.done.node)) await this.#apiServerProvisioned(pass);
        if (pass.record.done.apiServer !== undefined) await this.#controlPlaneRest(pass);
      }
      if (pass.record.done.node !== undefined) await this.#nodeHealthFaults(pass);
    } catch (err) {
      if (err instanceof NotYet) return { requeueAfterMs: err.retryAfterMs };
      throw err;
    }
    return pass.requeueAfterMs !== undefined
      ? { requeueAfterMs: Math.max(1, pass.requeueAfterMs) }
      : undefined;
  }

  async reconcileDelete(scope: DevMachineDeleteScope): Promise<DeleteOutcome> {
    maybeFailApiCall(scope.devMachine, 'DeleteMachine', this.#random);
    const workload = this.#o.cloud.get(`${scope.devMachine.metadata.namespace ?? ''}/${scope.clusterName}`);
    const name = scope.devMachine.metadata.name!;
    const instance = workload?.instance;
    if (workload && instance) {
      const writer = new WorkloadWriter(instance);
      // What goes away with the VM: the Node (a real one lingers until core deletes it; the simulated kubelet
      // takes it along so nothing is left behind), the static Pods, the etcd member, the API server backend.
      workload.removeApiServer(`kube-apiserver-${name}`);
      if (workload.hasEtcd) removeEtcdMember(workload, name);
      workload.forgetEtcdMember(name);
      for (const component of STATIC_POD_COMPONENTS)
        await writer.remove(Kinds.Pod, KUBE_SYSTEM, `${component}-${name}`);
      await writer.remove(Kinds.Node, undefined, name);
    }
    workload?.forgetMachine(name);
    for (const step of Object.keys(CONDITION_OF))
      this.#failedSteps.delete(`${scope.devMachine.metadata.uid ?? name}/${step}`);
    return { done: true };
  }

  // ------------------------------------------------------------------------------------------- steps

  /** Whether `step` may complete now; sets its waiting condition (and the requeue) when not yet. */
  #stepDue(pass: Pass, step: ProvisioningStep, startedAt: number): boolean {
    const { record, scope, now } = pass;
    if (record.done[step] !== undefined) return true;
    if (failAtStep(scope.devMachine) === step) {
      const message = `simulated failure of the ${step} step (annotation on the DevMachine)`;
      // Known when the DevMachine already reports it (also after a restart), or when this process already
      // heard of it (the retry may read a cached DevMachine that predates the condition's write).
      const reported = getCondition(scope.devMachine, CONDITION_OF[step]);
      const failureKey = `${scope.devMachine.metadata.uid ?? scope.devMachine.metadata.name ?? ''}/${step}`;
      const known =
        (reported?.status === 'False' && reported.reason === VmReason.InternalError) ||
        this.#failedSteps.has(failureKey);
      this.#failedSteps.add(failureKey);
      this.#set(scope, step, 'False', VmReason.InternalError, message);
      if (!known)
        this.#o.onProvisioningFailed?.({
          namespace: scope.devMachine.metadata.namespace ?? '',
          clusterName: scope.machine.spec?.clusterName ?? scope.cluster.metadata.name ?? '',
          machine: scope.machine.metadata.name ?? '',
          devMachine: scope.devMachine.metadata.name ?? '',
          step,
        });
      throw new ProvisioningStepFailedError(
        message,
        `Provision${step[0]!.toUpperCase()}${step.slice(1)}`,
        step,
        apiErrorCode(scope.devMachine),
      );
    }
    this.#failedSteps.delete(
      `${scope.devMachine.metadata.uid ?? scope.devMachine.metadata.name ?? ''}/${step}`,
    );
    const duration = (record.durations[step] ??= this.#roll(scope, step));
    const due = startedAt + duration;
    if (now < due) {
      this.#set(scope, step, 'False', VmReason.WaitingForStartupTimeout);
      pass.requeueAfterMs = Math.min(pass.requeueAfterMs ?? Infinity, due - now);
      return false;
    }
    record.done[step] = now;
    this.#o.cloud.metrics.stepDuration.observe({ step }, duration / 1000);
    return true;
  }

  /** The step's `startupDuration` plus up to `startupJitter` of it, rolled once per machine and step. */
  #roll(scope: DevMachineScope, step: ProvisioningStep): number {
    const provisioning = scope.devMachine.spec?.backend?.inMemory?.[step]?.provisioning;
    if (!provisioning) return 0;
    const base = parseGoDuration(provisioning.startupDuration);
    const jitter = provisioning.startupJitter ? Number(provisioning.startupJitter) : 0;
    if (!Number.isFinite(jitter) || jitter < 0)
      throw new Error(
        `spec.backend.inMemory.${step}.provisioning.startupJitter "${provisioning.startupJitter}" is not a non-negative number`,
      );
    return base + this.#random() * jitter * base;
  }

  #vmProvisioned({ scope, workload }: Pass): void {
    const { devMachine, machine } = scope;
    const name = devMachine.metadata.name!;
    devMachine.spec!.providerID = `${InMemoryProviderIDPrefix}${name}`;
    const failureDomain = machine.spec?.failureDomain;
    devMachine.status = {
      ...devMachine.status,
      initialization: { provisioned: true },
      addresses: [
        { type: 'InternalIP', address: workload.hostIpFor(name) },
        { type: 'Hostname', address: name },
      ],
      ...(failureDomain ? { failureDomain } : {}),
    };
    this.#set(scope, 'vm', 'True', VmReason.Provisioned);
  }

  async #nodeProvisioned(pass: Pass): Promise<void> {
    const { scope, workload, record } = pass;
    const writer = await this.#writer(pass, 'node');
    const name = scope.devMachine.metadata.name!;
    const ip = workload.hostIpFor(name);
    if (!writer.get(Kinds.Node, undefined, name)) {
      const ready = !nodeNeverReady(scope.devMachine);
      const { node, status } = nodeObject({
        name,
        providerID: `${InMemoryProviderIDPrefix}${name}`,
        ip,
        version: scope.machine.spec?.version ?? 'v1.33.0',
        controlPlane: isControlPlaneMachine(scope.machine),
        ready,
        index: ipIndex(ip),
        taints: record.taints ?? [],
        now: new Date(pass.now),
      });
      await writer.ensure(Kinds.Node, node, status);
      record.nodeReadyAt = ready ? pass.now : undefined;
      record.nodeWentNotReady = false;
    }
    this.#set(scope, 'node', 'True', NodeReason.Provisioned);
  }

  async #etcdProvisioned(pass: Pass): Promise<void> {
    const { scope } = pass;
    const writer = await this.#writer(pass, 'etcd');
    const name = scope.devMachine.metadata.name!;
    if (!pass.workload.hasEtcdMemberTls(name)) await this.#issueEtcdServing(pass);
    if (!writer.get(Kinds.Pod, KUBE_SYSTEM, `etcd-${name}`)) {
      const etcd = pass.workload.etcd;
      const member = etcd.memberByName(name) ?? etcd.addMember({ name, ip: pass.workload.hostIpFor(name) });
      await this.#staticPod(pass, writer, 'etcd', {
        [InMemoryEtcdAnnotation.ClusterID]: etcd.clusterId,
        [InMemoryEtcdAnnotation.MemberID]: member.id,
        ...(etcd.leaderId === member.id
          ? {
              [InMemoryEtcdAnnotation.LeaderFrom]: new Date(pass.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            }
          : {}),
      });
    }
    this.#set(scope, 'etcd', 'True', EtcdReason.Provisioned);
  }

  async #apiServerProvisioned(pass: Pass): Promise<void> {
    const { scope, workload } = pass;
    const writer = await this.#writer(pass, 'apiServer');
    const name = scope.devMachine.metadata.name!;
    await this.#staticPod(pass, writer, 'kube-apiserver');
    workload.addApiServer(`kube-apiserver-${name}`);
    this.#set(scope, 'apiServer', 'True', ApiServerReason.Provisioned);
  }

  /** Scheduler and controller-manager, then once per cluster what `kubeadm init` deploys. */
  async #controlPlaneRest(pass: Pass): Promise<void> {
    const writer = await this.#writer(pass, 'apiServer');
    await this.#staticPod(pass, writer, 'kube-controller-manager');
    await this.#staticPod(pass, writer, 'kube-scheduler');
    const { cluster } = pass.scope;
    const endpoint = pass.scope.devCluster.spec?.controlPlaneEndpoint;
    for (const { kind, obj } of kubeadmObjects({
      clusterName: cluster.metadata.name!,
      version: pass.scope.machine.spec?.version ?? 'v1.33.0',
      endpoint: { host: endpoint?.host ?? pass.workload.host, port: endpoint?.port ?? pass.workload.port },
      podSubnet: cluster.spec?.clusterNetwork?.pods?.cidrBlocks?.[0],
      serviceSubnet: cluster.spec?.clusterNetwork?.services?.cidrBlocks?.[0],
      dnsDomain: cluster.spec?.clusterNetwork?.serviceDomain,
    })) {
      await writer.ensure(Kinds[kind], obj);
    }
  }

  /** A Node that never turns Ready, or turns NotReady some time after registering: as the annotations say. */
  async #nodeHealthFaults(pass: Pass): Promise<void> {
    const { scope, record, now } = pass;
    const after = nodeNotReadyAfterMs(scope.devMachine);
    if (after === undefined || record.nodeReadyAt === undefined || record.nodeWentNotReady) return;
    const due = record.nodeReadyAt + after;
    if (now < due) {
      pass.requeueAfterMs = Math.min(pass.requeueAfterMs ?? Infinity, due - now);
      return;
    }
    const writer = await this.#writer(pass, 'node');
    await writer.mutate(Kinds.Node, undefined, scope.devMachine.metadata.name!, (node) => {
      const status = (node.status ??= {}) as { conditions?: Record<string, unknown>[] };
      const ready = nodeReadyCondition(false, new Date(now));
      ready.reason = 'NodeStatusUnknown';
      ready.message = 'Kubelet stopped posting node status.';
      ready.status = 'Unknown';
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'Ready'), ready];
      return true;
    });
    record.nodeWentNotReady = true;
  }

  // ----------------------------------------------------------------------------------------- helpers

  /**
   * The machine's workload cluster. After a restart of this process a machine may be reconciled before its
   * DevCluster: the endpoint the DevCluster advertises is bound again from here, so provisioned machines do not
   * flap to "waiting for infrastructure" while their cluster comes back.
   */
  async #workloadOf(scope: DevMachineScope): Promise<WorkloadCluster | undefined> {
    const key = workloadKeyOf(scope);
    const existing = this.#o.cloud.get(key);
    if (existing) return existing;
    const endpoint = scope.devCluster.spec?.controlPlaneEndpoint;
    const provisioned = scope.devCluster.status?.initialization?.provisioned === true;
    if (!provisioned || !endpoint?.host || !endpoint.port || scope.devCluster.metadata.deletionTimestamp)
      return undefined;
    return this.#o.cloud.restore(key, endpoint.port);
  }

  async #staticPod(
    pass: Pass,
    writer: WorkloadWriter,
    component: StaticPodComponent,
    annotations?: Record<string, string>,
  ): Promise<void> {
    const name = pass.scope.devMachine.metadata.name!;
    if (writer.get(Kinds.Pod, KUBE_SYSTEM, `${component}-${name}`)) return;
    const node = writer.get(Kinds.Node, undefined, name);
    if (!node) throw new NotYet(NodeReason.WaitingForStartupTimeout, `Node ${name} is not registered`, 1000);
    const { pod, status } = staticPodObject({
      component,
      node,
      ip: pass.workload.hostIpFor(name),
      version: pass.scope.machine.spec?.version ?? 'v1.33.0',
      now: new Date(pass.now),
      ...(annotations ? { annotations } : {}),
    });
    await writer.ensure(Kinds.Pod, pod, status);
  }

  /** The workload cluster's writer; its API server is created on first use from `<cluster>-ca`. */
  async #writer(pass: Pass, step: ProvisioningStep): Promise<WorkloadWriter> {
    const existing = pass.workload.instance;
    if (existing) return new WorkloadWriter(existing);
    const ca = await this.#clusterCa(pass.scope);
    if (!ca) {
      const message = `waiting for the cluster CA Secret ${clusterCASecretName(pass.scope.cluster.metadata.name!)}`;
      this.#set(pass.scope, step, 'False', NodeReason.InternalError, message);
      throw new NotYet(NodeReason.InternalError, message, 5000);
    }
    return new WorkloadWriter(await pass.workload.ensureApiServer(ca));
  }

  /**
   * The etcd member's serving certificate, as kubeadm makes it (CN and SANs for the node, its address and
   * localhost; server and client use), from the cluster's etcd CA: what the member's client port presents.
   */
  async #issueEtcdServing(pass: Pass): Promise<void> {
    const { scope, workload } = pass;
    const secretName = etcdCASecretName(scope.cluster.metadata.name!);
    const ca = await this.#caFrom(scope, secretName);
    if (!ca) {
      const message = `waiting for the etcd CA Secret ${secretName}`;
      this.#set(scope, 'etcd', 'False', EtcdReason.InternalError, message);
      throw new NotYet(EtcdReason.InternalError, message, 5000);
    }
    const name = scope.devMachine.metadata.name!;
    const issued = await CertificateAuthority.fromPem(ca).issue({
      commonName: name,
      dnsNames: ['localhost', name],
      ipAddresses: ['127.0.0.1', '::1', workload.hostIpFor(name)],
      usages: ['server', 'client'],
      keyAlgorithm: 'ECDSA-P256',
    });
    workload.setEtcdMemberTls(name, {
      certPem: issued.certificatePem,
      keyPem: issued.privateKeyPem,
      caPem: ca.certificatePem,
    });
  }

  async #clusterCa(scope: DevMachineScope): Promise<ClusterCa | undefined> {
    return this.#caFrom(scope, clusterCASecretName(scope.cluster.metadata.name!));
  }

  /** A CA's certificate and key from a `cluster.x-k8s.io/secret` (`tls.crt`, `tls.key`). */
  async #caFrom(scope: DevMachineScope, secretName: string): Promise<ClusterCa | undefined> {
    const secret = await getIfExists<Secret>(
      this.#o.secrets,
      SecretType,
      scope.cluster.metadata.namespace,
      secretName,
    );
    const certificatePem = decode(secret?.data?.[SecretDataKey.TLSCrt]);
    const privateKeyPem = decode(secret?.data?.[SecretDataKey.TLSKey]);
    return certificatePem && privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
  }

  /** The bootstrap data must exist before provisioning starts; it is read (registration taints), not run. */
  async #readBootstrapData(pass: Pass, dataSecretName: string): Promise<void> {
    if (pass.record.taints) return;
    const secret = await getIfExists<Secret>(
      this.#o.secrets,
      SecretType,
      pass.scope.machine.metadata.namespace,
      dataSecretName,
    );
    const value = decode(secret?.data?.[SecretDataKey.Value]);
    if (value === undefined) {
      const message = secret
        ? `bootstrap data Secret ${dataSecretName} has no "value" key`
        : `bootstrap data Secret ${dataSecretName} not found`;
      this.#set(pass.scope, 'vm', 'False', VmReason.WaitingForBootstrapData, message);
      throw new NotYet(VmReason.WaitingForBootstrapData, message, 2000);
    }
    pass.record.taints = registrationTaints(value);
  }

  #set(
    scope: DevMachineScope,
    step: ProvisioningStep,
    status: 'True' | 'False',
    reason: string,
    message?: string,
  ): void {
    setCondition(scope.devMachine, {
      type: CONDITION_OF[step],
      status,
      reason,
      ...(message ? { message } : {}),
    });
  }
}

/**
 * The member of a machine that is gone. Normally the control plane provider removed it first (as it must, to
 * keep quorum); if not, it is removed now, as the VM that ran it no longer exists. When etcd itself would refuse
 * (no quorum left, e.g. the last member of a cluster being deleted) the member is only stopped: nothing can
 * reach it any more, and the whole etcd goes with the DevCluster.
 */
function removeEtcdMember(workload: WorkloadCluster, name: string): void {
  const etcd = workload.etcd;
  const member = etcd.memberByName(name);
  if (!member) return;
  try {
    etcd.removeMember(member.id);
  } catch {
    etcd.setHealthy(member.id, false);
  }
}

/** 10.0.a.b -> a small distinct number per host, for the node's pod CIDR. */
function ipIndex(ip: string): number {
  const [, , a, b] = ip.split('.').map(Number);
  return (a ?? 0) * 250 + (b ?? 0);
}
