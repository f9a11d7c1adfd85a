import type { Socket } from 'node:net';
import { ServiceAccountTokens } from '../../../../apiserver/auth/service-account-tokens.js';
import {
  type ApiServerInstance,
  createApiServerInstance,
} from '../../../../apiserver/embedded/api-server-instance.js';
import type { ApiServerOptions } from '../../../../apiserver/http/api-server.js';
import { RevisionedStore } from '../../../../apiserver/storage/index.js';
import { CertificateAuthority, type CertificateAuthorityPem } from '../../../../pki/index.js';
import type { Duplex } from 'node:stream';
import type { PodPortConnector } from '../../../../apiserver/http/port-forward.js';
import { EtcdCluster } from './etcd/etcd-cluster.js';
import {
  connectEtcdMember,
  duplexPair,
  EtcdConnectionRefusedError,
  type EtcdMemberTls,
} from './etcd/etcd-endpoint.js';
import { podStopSeconds, type ProvisioningStep } from './faults.js';
import type { WorkloadListener } from './listener-ports.js';

/** What a workload cluster needs from the cluster's CA Secret to serve TLS and accept its clients. */
export type ClusterCa = CertificateAuthorityPem;

/** What the simulation remembers of one machine: when each step finished, its rolled duration, its Node. */
export interface MachineRecord {
  createdAt: number;
  done: Partial<Record<ProvisioningStep, number>>;
  durations: Partial<Record<ProvisioningStep, number>>;
  /** Registration taints read from the bootstrap data, once it was found. */
  taints?: { key: string; effect: string }[];
  /** When the Node was registered Ready (for the NotReady-after fault). */
  nodeReadyAt?: number;
  /** The NotReady-after fault fired. */
  nodeWentNotReady?: boolean;
}

export interface WorkloadClusterOptions {
  /** `namespace/name` of the Cluster. */
  key: string;
  listener: WorkloadListener;
  /** Observes every request the workload API server answers (metrics). */
  onRequest?: ApiServerOptions['onRequest'];
  /** Starts what runs inside the cluster besides the API server (simulated kubelets, scheduler, ...). */
  startSimulation?: (instance: ApiServerInstance) => { stop(): Promise<void> };
}

/**
 * One simulated workload cluster: the endpoint's listener (bound from the moment the DevCluster is
 * provisioned, as a cloud load balancer would be), the cluster's store and API server (created with the first
 * machine that needs them, serving a certificate signed by the cluster CA), and the control plane members
 * behind the endpoint. Connections are served only while at least one simulated kube-apiserver runs and the
 * cluster is not made unreachable; otherwise they are dropped, as by a load balancer with no healthy backend.
 */
export class WorkloadCluster {
  readonly key: string;
  readonly #o: WorkloadClusterOptions;
  #instance: ApiServerInstance | undefined;
  #creating: Promise<ApiServerInstance> | undefined;
  #simulation: { stop(): Promise<void> } | undefined;
  readonly #apiServers = new Set<string>();
  #unreachable = false;
  #nextHost = 10;
  readonly #hostIps = new Map<string, string>();
  readonly #machines = new Map<string, MachineRecord>();
  #stopped = false;
  #etcd: EtcdCluster | undefined;
  /** Serving credentials of each etcd member (by node name), issued by the cluster's etcd CA. */
  readonly #etcdTls = new Map<string, EtcdMemberTls>();

  constructor(options: WorkloadClusterOptions) {
    this.key = options.key;
    this.#o = options;
  }

  get host(): string {
    return this.#o.listener.host;
  }

  get port(): number {
    return this.#o.listener.port;
  }

  get url(): string {
    return `https://${this.host}:${this.port}`;
  }

  /** The cluster's API server, once a machine created it. */
  get instance(): ApiServerInstance | undefined {
    return this.#instance;
  }

  /** True while the endpoint answers: a simulated kube-apiserver runs and no fault makes it unreachable. */
  get serving(): boolean {
    return !this.#stopped && !this.#unreachable && this.#apiServers.size > 0 && !!this.#instance;
  }

  /** Fault injection: drop every connection, as a dead load balancer or a network partition would. */
  setUnreachable(unreachable: boolean): void {
    this.#unreachable = unreachable;
  }

  get unreachable(): boolean {
    return this.#unreachable;
  }

  /** Names of the simulated kube-apiservers behind the endpoint. */
  get apiServers(): ReadonlySet<string> {
    return this.#apiServers;
  }

  /** Handed every connection of the listener. */
  accept(socket: Socket): void {
    if (!this.serving) {
      socket.destroy();
      return;
    }
    this.#instance!.server.acceptConnection(socket);
  }

  /**
   * The cluster's store and API server, created on first use with a serving certificate from the cluster
   * CA (SANs for the endpoint address and the in-cluster service names), trusting client certificates that
   * chain to the same CA. Concurrent callers share one creation.
   */
  async ensureApiServer(ca: ClusterCa): Promise<ApiServerInstance> {
    if (this.#stopped) throw new Error(`workload cluster ${this.key} is deleted`);
    if (this.#instance) return this.#instance;
    this.#creating ??= this.#create(ca).finally(() => (this.#creating = undefined));
    return this.#creating;
  }

  async #create(ca: ClusterCa): Promise<ApiServerInstance> {
    const authority = CertificateAuthority.fromPem(ca);
    const serving = await authority.issue({
      commonName: 'kube-apiserver',
      dnsNames: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ],
      ipAddresses: [...new Set([this.host, '127.0.0.1', '10.96.0.1'])],
      usages: ['server'],
      // The leaf key type is free of the CA's; P-256 keeps thousands of clusters cheap to start.
      keyAlgorithm: 'ECDSA-P256',
    });
    const instance = await createApiServerInstance({
      store: RevisionedStore.memory(),
      tls: { cert: serving.certificatePem, key: serving.privateKeyPem, clientCa: ca.certificatePem },
      serviceAccountKeyPem: ServiceAccountTokens.generateKeyPem(),
      pods: { stopSeconds: (pod) => podStopSeconds({ metadata: { ...pod.metadata } }) },
      server: {
        ...(this.#o.onRequest ? { onRequest: this.#o.onRequest } : {}),
        portForward: this.#portForward,
      },
    });
    if (this.#stopped) {
      await instance.stop();
      throw new Error(`workload cluster ${this.key} is deleted`);
    }
    this.#instance = instance;
    this.#simulation = this.#o.startSimulation?.(instance);
    return instance;
  }

  /** The cluster's etcd membership, created with its first member. */
  get etcd(): EtcdCluster {
    return (this.#etcd ??= new EtcdCluster());
  }

  /** Whether any etcd member was ever added. */
  get hasEtcd(): boolean {
    return this.#etcd !== undefined;
  }

  /** Records the serving credentials of the etcd member on `node` (its client port answers with them). */
  setEtcdMemberTls(node: string, tls: EtcdMemberTls): void {
    this.#etcdTls.set(node, tls);
  }

  hasEtcdMemberTls(node: string): boolean {
    return this.#etcdTls.has(node);
  }

  forgetEtcdMember(node: string): void {
    this.#etcdTls.delete(node);
  }

  /**
   * The kubelet's side of `pods/portforward`: port 2379 of an etcd static Pod reaches that node's member
   * (TLS with the member's certificate, etcd's JSON gateway); the secure port of a running kube-apiserver
   * static Pod (the one its advertise-address annotation names, 6443) reaches the cluster's API server, which
   * serves every simulated kube-apiserver with one certificate, as upstream's in-memory provider does (KCP reads
   * its expiry there). Anything else is refused, as nothing listens.
   */
  readonly #portForward: PodPortConnector = ({ namespace, pod, port, podObject }): Promise<Duplex> => {
    const node = (podObject.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
    const member = this.#etcd?.memberByName(node);
    const tls = this.#etcdTls.get(node);
    if (namespace === 'kube-system' && pod === `etcd-${node}` && port === 2379 && member && tls)
      return connectEtcdMember({ cluster: this.#etcd!, memberId: member.id, tls });
    const instance = this.#instance;
    if (
      namespace === 'kube-system' &&
      pod === `kube-apiserver-${node}` &&
      this.#apiServers.has(pod) &&
      port === apiServerPortOf(podObject) &&
      instance
    ) {
      const [client, server] = duplexPair();
      instance.server.acceptConnection(server);
      return Promise.resolve(client);
    }
    return Promise.reject(
      new EtcdConnectionRefusedError(
        `dial tcp4 127.0.0.1:${port}: connect: connection refused (pod ${namespace}/${pod})`,
      ),
    );
  };

  /** A simulated kube-apiserver joins the endpoint; the first one makes the endpoint answer. */
  addApiServer(name: string): void {
    this.#apiServers.add(name);
  }

  /** A simulated kube-apiserver leaves; without any left, connections are dropped (the data stays). */
  removeApiServer(name: string): void {
    this.#apiServers.delete(name);
  }

  /**
   * A stable address per machine, from the cluster's node network (10.0.0.0/16, in order of first use). After a
   * restart of this process a provisioned machine passes the address it already advertises and keeps it, unless
   * another machine holds it by then.
   */
  hostIpFor(machine: string, advertised?: string): string {
    const held = this.#hostIps.get(machine);
    if (held) return held;
    const taken = new Set(this.#hostIps.values());
    const restored = advertised === undefined ? undefined : hostNumberOf(advertised);
    let ip: string;
    if (restored !== undefined && !taken.has(advertised!)) {
      ip = advertised!;
      this.#nextHost = Math.max(this.#nextHost, restored + 1);
    } else {
      do ip = hostAddress(this.#nextHost++);
      while (taken.has(ip));
    }
    this.#hostIps.set(machine, ip);
    return ip;
  }

  /**
   * The record of a machine, created on first call; `restoredSteps` are marked done at once (after a restart
   * of this process the DevMachine still says which steps completed, and they are not waited for again).
   */
  machine(name: string, now: number, restoredSteps: readonly ProvisioningStep[] = []): MachineRecord {
    let record = this.#machines.get(name);
    if (!record) {
      record = { createdAt: now, done: {}, durations: {} };
      for (const step of restoredSteps) record.done[step] = now;
      this.#machines.set(name, record);
    }
    return record;
  }

  forgetMachine(name: string): void {
    this.#machines.delete(name);
    this.#hostIps.delete(name);
  }

  /** Machines with a record. */
  get machineCount(): number {
    return this.#machines.size;
  }

  /** Stops the API server and what runs in the cluster, frees the port and forgets the data. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#apiServers.clear();
    await this.#creating?.catch(() => undefined);
    await this.#simulation?.stop();
    await this.#instance?.stop();
    this.#instance = undefined;
    await this.#o.listener.close();
  }
}

/** The port of the kube-apiserver Pod's `advertise-address.endpoint` annotation (`<ip>:<port>`), else 6443. */
function apiServerPortOf(pod: { metadata?: { annotations?: Record<string, string> } }): number {
  const endpoint =
    pod.metadata?.annotations?.['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint'];
  const port = Number(endpoint?.slice(endpoint.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : 6443;
}

/** The n-th address of the node network 10.0.0.0/16 (250 hosts per /24, from .1). */
const hostAddress = (n: number): string => `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`;

/** The number `hostAddress` made `ip` from; undefined for any other address. */
function hostNumberOf(ip: string): number | undefined {
  const match = /^10\.0\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!match) return undefined;
  const [a, b] = [Number(match[1]), Number(match[2])];
  return b >= 1 && b <= 250 && a <= 255 ? a * 250 + b - 1 : undefined;
}
