// What one KubeadmControlPlane reconcile carries between its phases, and the collaborators every phase uses.
import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import type { CacheConsistency } from '../../../controller-runtime/helpers/cache-consistency.js';
import { API_VERSION as CORE_API_VERSION } from '../../../core/api/v1beta2/group.js';
import type { ContractResolver } from '../../../core/contract/index.js';
import { API_VERSION as BOOTSTRAP_API_VERSION } from '../../bootstrap-kubeadm/api/index.js';
import { API_VERSION } from '../api/index.js';
import type { KubeadmControlPlaneMetrics } from '../metrics.js';
import type {
  ClusterObject,
  ControlPlane,
  KcpObject,
  PreflightCheckResults,
  Random,
} from '../internal/index.js';
import type { WorkloadCluster } from './workload-cluster.js';

export const KubeadmControlPlaneType: TypeRef = { apiVersion: API_VERSION, kind: 'KubeadmControlPlane' };
export const ClusterType: TypeRef = { apiVersion: CORE_API_VERSION, kind: 'Cluster' };
export const MachineType: TypeRef = { apiVersion: CORE_API_VERSION, kind: 'Machine' };
export const MachinePoolType: TypeRef = { apiVersion: CORE_API_VERSION, kind: 'MachinePool' };
export const KubeadmConfigType: TypeRef = { apiVersion: BOOTSTRAP_API_VERSION, kind: 'KubeadmConfig' };

/** What the phases share across reconciles. */
export interface KcpDeps {
  /** The manager's client: cached reads of KCPs, Clusters, Machines and provider objects. */
  client: Client;
  /** Uncached: Secrets (managers do not cache them) and the read before adopting Machines. */
  apiClient: Client;
  resolver: ContractResolver;
  consistency: CacheConsistency;
  recorder?: EventRecorder;
  /** `capi_kubeadmcontrolplane_*`: upgrades, remediation decisions, certificate expiry. */
  metrics: KubeadmControlPlaneMetrics;
  /** Ties between failure domains (tests pin it). */
  random: Random;
  /** The random part of new Machine names (tests pin it). */
  randomName: () => string;
}

/** One reconcile. */
export interface KcpScope {
  /** `namespace/name` of the KCP (the cache-consistency key). */
  key: string;
  kcp: KcpObject;
  cluster: ClusterObject;
  /** The Machines, their configs and what the workload cluster says; `internal/` decides from it. */
  cp: ControlPlane;
  log: Logger;
  signal: AbortSignal;
  /** Reached lazily; closed at the end of the reconcile. */
  workload: WorkloadCluster;
  /** The `machineTemplate.spec.infrastructureRef` object, when it could be read. */
  infraTemplate?: KubeObject;
  /** Reading it failed other than by NotFound: reported by the normal reconcile. */
  infraTemplateError?: Error;
  /** What the preflight checks held back this time (ScalingUp/ScalingDown report it). */
  preflight?: PreflightCheckResults;
  /** The Deleting condition's reason and message, while the KCP is deleting. */
  deletion?: { reason: string; message: string };
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const objectKey = (obj: KubeObject): string =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
