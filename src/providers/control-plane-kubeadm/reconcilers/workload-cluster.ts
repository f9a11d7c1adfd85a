// One reconcile's access to a workload cluster (upstream `pkg.Workload`): the control plane Nodes and static
// Pods, the `kubeadm-config` ConfigMap, and etcd members reached through `pods/portforward` to `etcd-<node>`
// with TLS from the etcd CA, and the serving certificate of each kube-apiserver through its own
// `pods/portforward`. What is read here feeds `internal/`'s decisions; nothing here decides.
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { portForward } from '../../../controller-runtime/client/port-forward.js';
import type { RestConfig } from '../../../controller-runtime/client/rest-config.js';
import { EtcdClient, type EtcdMember, type EtcdTls } from '../etcd/etcd-client.js';
import {
  type ControlPlane,
  type EtcdInspection,
  etcdNodeNamesByLastKnownHealth,
  hasNode,
  isDeleting,
  LABEL_NODE_ROLE_CONTROL_PLANE,
  nodeNameOf,
  STATIC_POD_COMPONENTS,
  type StaticPodInspection,
  staticPodName,
} from '../internal/index.js';
import {
  type KcpWorkloadClusters,
  type WorkloadClusterKey,
  WorkloadClusterConnectionError,
} from './workload-clusters.js';

const NODE = { apiVersion: 'v1', kind: 'Node' };
const POD = { apiVersion: 'v1', kind: 'Pod' };
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const KUBE_SYSTEM = 'kube-system';
/** kubeadm's ConfigMap with the ClusterConfiguration: its existence means `kubeadm init` finished. */
const KUBEADM_CONFIG_MAP = 'kubeadm-config';
const ETCD_CLIENT_PORT = 2379;
/** The common name of the serving certificate kubeadm issues for kube-apiserver. */
const KUBEADM_API_SERVER_CERT_COMMON_NAME = 'kube-apiserver';
/** Upstream gives reading one API server's certificate 15 seconds. */
const API_SERVER_CERTIFICATE_TIMEOUT_MS = 15_000;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Errors from etcd through the tunnel, with the innermost cause (as upstream's `unwrapAll`). */
function innermost(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return message(e);
}

export interface WorkloadClusterOptions {
  clusters: KcpWorkloadClusters;
  cluster: WorkloadClusterKey;
  /** The client certificate for etcd, issued on first use. */
  etcdTls: () => Promise<EtcdTls>;
  /** Per etcd call, the tunnel included (upstream: 10 s dial, 15 s call). */
  etcdTimeoutMs: number;
  signal: AbortSignal;
}

/** A connected etcd client and the leader the member it reached knows. */
interface EtcdSession {
  client: EtcdClient;
  leaderId: string;
}

export class WorkloadCluster {
  readonly #o: WorkloadClusterOptions;
  readonly #etcdClients: EtcdClient[] = [];
  #tls?: Promise<EtcdTls>;

  constructor(options: WorkloadClusterOptions) {
    this.#o = options;
  }

  /** The cluster's client; `WorkloadClusterConnectionError` while it is not connected. */
  client(): Client {
    try {
      return this.#o.clusters.getClient(this.#o.cluster);
    } catch (err) {
      throw new WorkloadClusterConnectionError(
        `${this.#o.cluster.namespace}/${this.#o.cluster.name}: ${message(err)}`,
        { cause: err },
      );
    }
  }

  #restConfig(): RestConfig {
    try {
      return this.#o.clusters.getRestConfig(this.#o.cluster);
    } catch (err) {
      throw new WorkloadClusterConnectionError(
        `${this.#o.cluster.namespace}/${this.#o.cluster.name}: ${message(err)}`,
        { cause: err },
      );
    }
  }

  /** Upstream `HasKubeadmConfig`: the `kubeadm-config` ConfigMap exists (any read error counts as "not yet"). */
  async hasKubeadmConfig(): Promise<boolean> {
    const client = this.client();
    try {
      await client.get(CONFIG_MAP, { namespace: KUBE_SYSTEM, name: KUBEADM_CONFIG_MAP }, this.#call());
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The control plane Nodes (label `node-role.kubernetes.io/control-plane`), Machines' Nodes missing from that
   * list read by name, and each Machine's static Pods in kube-system: what `staticPodConditions` judges.
   */
  async staticPodInspection(cp: ControlPlane): Promise<StaticPodInspection> {
    const client = this.client();
    let controlPlaneNodes: Node[];
    try {
      controlPlaneNodes = (
        await client.list<Node & KubeObject>(NODE, {
          labelSelector: { [LABEL_NODE_ROLE_CONTROL_PLANE]: '' },
          ...this.#call(),
        })
      ).items;
    } catch (err) {
      return { controlPlaneNodes: { error: message(err) }, pods: new Map() };
    }
    const nodesByName = new Map<string, Node>();
    const pods = new Map<string, Pod | { error: string }>();
    const reads: Promise<void>[] = [];
    for (const m of cp.machines) {
      if (!hasNode(m) || isDeleting(m)) continue;
      const nodeName = nodeNameOf(m);
      if (!controlPlaneNodes.some((n) => n.metadata?.name === nodeName)) {
        reads.push(
          client.get<Node & KubeObject>(NODE, { name: nodeName }, this.#call()).then(
            (node) => void nodesByName.set(nodeName, node),
            () => undefined,
          ),
        );
      }
      for (const { component } of STATIC_POD_COMPONENTS) {
        if (component === 'etcd' && !cp.isEtcdManaged) continue;
        const name = staticPodName(component, nodeName);
        reads.push(
          client.get<Pod & KubeObject>(POD, { namespace: KUBE_SYSTEM, name }, this.#call()).then(
            (pod) => void pods.set(name, pod),
            (err: unknown) => {
              if (!isNotFound(err)) pods.set(name, { error: message(err) });
            },
          ),
        );
      }
    }
    await Promise.all(reads);
    return { controlPlaneNodes, nodesByName, pods };
  }

  /**
   * Reads etcd through the first member that answers, the members last known healthy first (upstream
   * `getCurrentEtcdMembersAndAlarms`): member list, leader, alarms; or which step failed.
   */
  async etcdInspection(cp: ControlPlane): Promise<EtcdInspection> {
    const nodeNames = etcdNodeNamesByLastKnownHealth(cp);
    if (nodeNames.length === 0) return { kind: 'noNodes' };
    let session: EtcdSession;
    try {
      session = await this.#etcdFor(nodeNames);
    } catch (err) {
      if (err instanceof WorkloadClusterConnectionError) throw err;
      return { kind: 'failed', step: 'connect', message: innermost(err) };
    }
    let members: EtcdMember[];
    try {
      members = (await session.client.memberList(this.#call())).members;
    } catch (err) {
      return { kind: 'failed', step: 'members', message: innermost(err) };
    }
    if (!members.some((m) => m.id === session.leaderId)) {
      return { kind: 'failed', step: 'leader', message: 'failed to get etcd leader' };
    }
    try {
      const alarms = await session.client.alarmList(this.#call());
      return { kind: 'ok', members, leaderId: session.leaderId, alarms };
    } catch (err) {
      return { kind: 'failed', step: 'alarms', message: innermost(err) };
    }
  }

  /**
   * Upstream `RemoveEtcdMember`: through a member other than the one going (node names are member names), the
   * member is removed unless it is gone already; the last member is never removed.
   */
  async removeEtcdMember(member: EtcdMember, nodeNames: readonly string[]): Promise<void> {
    const remaining = nodeNames.filter((n) => n !== member.name);
    let session: EtcdSession;
    try {
      session = await this.#etcdFor(remaining);
    } catch (err) {
      throw new Error(`failed to create etcd client: ${message(err)}`, { cause: err });
    }
    let members: EtcdMember[];
    try {
      members = (await session.client.memberList(this.#call())).members;
    } catch (err) {
      throw new Error(`failed to list etcd members using etcd client: ${message(err)}`, { cause: err });
    }
    if (!members.some((m) => m.id === member.id)) return;
    if (members.length === 1) throw new Error('cannot remove the last etcd member in the cluster');
    try {
      await session.client.memberRemove(member.id, this.#call());
    } catch (err) {
      throw new Error(`failed to remove member from etcd: ${message(err)}`, { cause: err });
    }
  }

  /**
   * Upstream `ForwardEtcdLeadership`: through the member `from` (it must be the leader to hand leadership over);
   * nothing when it does not lead.
   */
  async forwardEtcdLeadership(from: string, to: string): Promise<void> {
    let session: EtcdSession;
    try {
      session = await this.#etcdFor([from]);
    } catch (err) {
      throw new Error(`failed to create etcd client: ${message(err)}`, { cause: err });
    }
    let members: EtcdMember[];
    try {
      members = (await session.client.memberList(this.#call())).members;
    } catch (err) {
      throw new Error(`failed to list etcd members using etcd client: ${message(err)}`, { cause: err });
    }
    const current = members.find((m) => m.name === from);
    if (!current || current.id !== session.leaderId) return;
    const next = members.find((m) => m.name === to);
    if (!next) throw new Error(`failed to get etcd member for leader candidate "${to}"`);
    try {
      await session.client.moveLeader(next.id, this.#call());
    } catch (err) {
      throw new Error(`failed to move leader: ${message(err)}`, { cause: err });
    }
  }

  /**
   * Upstream `GetAPIServerCertificateExpiry`: through `pods/portforward` to `kube-apiserver-<node>` on `port`, a
   * TLS handshake that does not verify the server (only its certificate is wanted), and the expiry of the peer
   * certificate with CN `kube-apiserver` (the one kubeadm issues). 15 seconds at most.
   */
  async apiServerCertificateExpiry(nodeName: string, port: number): Promise<Date> {
    const restConfig = this.#restConfig();
    const what = `unable to get certificate expiry for kube-apiserver on Node/${nodeName}`;
    const signal = AbortSignal.any([this.#o.signal, AbortSignal.timeout(API_SERVER_CERTIFICATE_TIMEOUT_MS)]);
    let stream: Awaited<ReturnType<typeof portForward>>;
    try {
      stream = await portForward(restConfig, {
        namespace: KUBE_SYSTEM,
        pod: staticPodName('kube-apiserver', nodeName),
        port,
        signal,
      });
    } catch (err) {
      throw new Error(`${what}: unable to dial to kube-apiserver: ${innermost(err)}`, { cause: err });
    }
    let chain: DetailedPeerCertificate;
    try {
      chain = await new Promise<DetailedPeerCertificate>((resolve, reject) => {
        // Not verified on purpose: the certificate is read, nothing is sent over the connection.
        const socket = tlsConnect({ socket: stream, rejectUnauthorized: false });
        const fail = (err: unknown): void => {
          socket.destroy();
          reject(err instanceof Error ? err : new Error(String(err)));
        };
        const onAbort = (): void => fail(signal.reason ?? new Error('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('error', fail);
        socket.once('close', () => signal.removeEventListener('abort', onAbort));
        socket.once('secureConnect', () => {
          const peer = socket.getPeerCertificate(true);
          socket.destroy();
          resolve(peer);
        });
      });
    } catch (err) {
      throw new Error(`${what}: TLS handshake with the kube-apiserver failed: ${innermost(err)}`, {
        cause: err,
      });
    } finally {
      stream.destroy();
    }
    const expiry = apiServerCertificateNotAfter(chain);
    if (!expiry) {
      throw new Error(
        `${what}: couldn't get peer certificate with cn="${KUBEADM_API_SERVER_CERT_COMMON_NAME}"`,
      );
    }
    return expiry;
  }

  /** Closes every etcd connection (and with it the tunnels) this reconcile opened. */
  close(): void {
    for (const c of this.#etcdClients.splice(0)) c.close();
  }

  #call(): { signal: AbortSignal } {
    return { signal: this.#o.signal };
  }

  /**
   * Upstream `forFirstAvailableNode`: a client for the first member (in `nodeNames` order) whose Status answers,
   * with the leader it knows.
   */
  async #etcdFor(nodeNames: readonly string[]): Promise<EtcdSession> {
    if (nodeNames.length === 0) {
      throw new Error("invalid argument: forFirstAvailableNode can't be called with an empty list of nodes");
    }
    const restConfig = this.#restConfig();
    this.#tls ??= this.#o.etcdTls();
    const tls = await this.#tls;
    const errors: string[] = [];
    for (const name of nodeNames) {
      const client = new EtcdClient({
        connect: () =>
          portForward(restConfig, {
            namespace: KUBE_SYSTEM,
            pod: staticPodName('etcd', name),
            port: ETCD_CLIENT_PORT,
            signal: this.#o.signal,
          }),
        tls,
        timeoutMs: this.#o.etcdTimeoutMs,
      });
      try {
        const status = await client.status(this.#call());
        this.#etcdClients.push(client);
        return { client, leaderId: status.leader };
      } catch (err) {
        client.close();
        errors.push(innermost(err));
      }
    }
    throw new Error(
      `could not establish a connection to etcd members hosted on ${nodeNames.join(',')}: [${errors.join(', ')}]`,
    );
  }
}

/** The expiry of the last certificate with CN `kube-apiserver` in the presented chain (as upstream picks). */
function apiServerCertificateNotAfter(leaf: DetailedPeerCertificate): Date | undefined {
  let found: Date | undefined;
  const seen = new Set<DetailedPeerCertificate>();
  for (
    let cert: DetailedPeerCertificate | undefined = leaf;
    cert && !seen.has(cert);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert);
    const cn: unknown = cert.subject?.CN;
    const names = Array.isArray(cn) ? (cn as unknown[]) : [cn];
    if (!names.includes(KUBEADM_API_SERVER_CERT_COMMON_NAME)) continue;
    const ms = Date.parse(cert.valid_to);
    if (!Number.isNaN(ms)) found = new Date(ms);
  }
  return found;
}
