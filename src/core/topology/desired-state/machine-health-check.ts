// MachineHealthChecks a topology creates from `healthCheck` of the class or the Cluster topology.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { API_VERSION, Label, type Cluster, type MachineHealthCheck } from '../../api/v1beta2/index.js';
import { clusterOwnerReference } from './template-objects.js';

/** `healthCheck` as class and topology carry it (remediation may hold the MachineDeployment-only `maxInFlight`). */
export interface HealthCheck {
  enabled?: boolean;
  checks?: MachineHealthCheck['spec']['checks'];
  remediation?: NonNullable<MachineHealthCheck['spec']['remediation']> & { maxInFlight?: unknown };
}

const nonEmpty = (value: unknown): boolean =>
  value !== undefined && value !== null && (typeof value !== 'object' || Object.keys(value).length > 0);

/** Upstream's `IsDefined`: checks or remediation set (`enabled` alone does not count). */
export const healthCheckIsDefined = (hc: HealthCheck | undefined): hc is HealthCheck =>
  hc !== undefined && (nonEmpty(hc.checks) || nonEmpty(hc.remediation));

export interface MachineHealthCheckInput {
  /** The control plane or MachineDeployment the check is for; the MHC takes its name and namespace. */
  target: KubeObject;
  cluster: Cluster;
  selector: MachineHealthCheck['spec']['selector'];
  healthCheck: HealthCheck | undefined;
}

export function computeMachineHealthCheck(input: MachineHealthCheckInput): MachineHealthCheck {
  const owner = clusterOwnerReference(input.cluster);
  const { maxInFlight: _maxInFlight, ...remediation } = input.healthCheck?.remediation ?? {};
  const spec: MachineHealthCheck['spec'] = {
    clusterName: input.cluster.metadata?.name ?? '',
    selector: structuredClone(input.selector),
  };
  if (input.healthCheck?.checks) spec.checks = structuredClone(input.healthCheck.checks);
  if (Object.keys(remediation).length > 0) spec.remediation = structuredClone(remediation);
  return {
    apiVersion: API_VERSION,
    kind: 'MachineHealthCheck',
    metadata: {
      name: input.target.metadata.name ?? '',
      namespace: input.target.metadata.namespace ?? '',
      labels: { [Label.ClusterTopologyOwned]: '' },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec,
  };
}
