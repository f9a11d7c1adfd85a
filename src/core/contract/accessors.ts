// Reading provider objects through the contract they implement. v1beta2 is the current contract; core still
// reads v1beta1-contract objects (until upstream drops them, ~April 2027), whose fields sit elsewhere.
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Condition } from '../../controller-runtime/conditions/condition.js';
import type { ContractVersion } from './contract-version.js';
import { arrayAt, boolAt, ContractFieldError, intAt, objectAt, stringAt, valueAt } from './paths.js';

export interface ApiEndpoint {
  host: string;
  port: number;
}

export interface FailureDomain {
  name: string;
  controlPlane?: boolean;
  attributes?: Record<string, string>;
}

export interface MachineAddress {
  type: string;
  address: string;
}

export interface ContractReferenceFields {
  apiGroup: string;
  kind: string;
  name: string;
}

/** `status.conditions` of v1beta2-contract objects; `status.v1beta2.conditions` of v1beta1-contract ones. */
function conditionsOf(obj: KubeObject, contract: ContractVersion): Condition[] {
  const path = contract === 'v1beta2' ? 'status.conditions' : 'status.v1beta2.conditions';
  return (arrayAt(obj, path) ?? []) as Condition[];
}

const endpointOf = (obj: KubeObject): ApiEndpoint | undefined => {
  const host = stringAt(obj, 'spec.controlPlaneEndpoint.host');
  const port = intAt(obj, 'spec.controlPlaneEndpoint.port');
  return host && port ? { host, port } : undefined;
};

/** InfraCluster (DevCluster, AWSCluster, ...). */
export const InfraCluster = {
  provisioned: (obj: KubeObject, contract: ContractVersion): boolean =>
    (contract === 'v1beta2'
      ? boolAt(obj, 'status.initialization.provisioned')
      : boolAt(obj, 'status.ready')) === true,
  controlPlaneEndpoint: endpointOf,
  /** Sorted by name; v1beta1's map form is turned into the list. */
  failureDomains(obj: KubeObject, contract: ContractVersion): FailureDomain[] | undefined {
    if (contract === 'v1beta2') {
      const list = arrayAt(obj, 'status.failureDomains') as FailureDomain[] | undefined;
      return list ? [...list].sort((a, b) => a.name.localeCompare(b.name)) : undefined;
    }
    const map = objectAt(obj, 'status.failureDomains');
    if (!map) return undefined;
    return Object.entries(map)
      .map(([name, fd]) => ({ name, ...(fd as Omit<FailureDomain, 'name'>) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  },
  conditions: conditionsOf,
};

/** InfraMachine (DevMachine, ...). */
export const InfraMachine = {
  provisioned: (obj: KubeObject, contract: ContractVersion): boolean =>
    (contract === 'v1beta2'
      ? boolAt(obj, 'status.initialization.provisioned')
      : boolAt(obj, 'status.ready')) === true,
  providerID: (obj: KubeObject): string | undefined => stringAt(obj, 'spec.providerID') || undefined,
  addresses: (obj: KubeObject): MachineAddress[] | undefined =>
    arrayAt(obj, 'status.addresses') as MachineAddress[] | undefined,
  failureDomain: (obj: KubeObject): string | undefined =>
    stringAt(obj, 'status.failureDomain') || stringAt(obj, 'spec.failureDomain') || undefined,
  /** `status.interruptible` (both contracts): the instance may be taken away (spot, preemptible). */
  interruptible: (obj: KubeObject): boolean => boolAt(obj, 'status.interruptible') === true,
  conditions: conditionsOf,
};

/** BootstrapConfig (KubeadmConfig, ...). */
export const BootstrapConfig = {
  dataSecretCreated: (obj: KubeObject, contract: ContractVersion): boolean =>
    (contract === 'v1beta2'
      ? boolAt(obj, 'status.initialization.dataSecretCreated')
      : boolAt(obj, 'status.ready')) === true,
  dataSecretName: (obj: KubeObject): string | undefined =>
    stringAt(obj, 'status.dataSecretName') || undefined,
  conditions: conditionsOf,
};

/** ControlPlane (KubeadmControlPlane, ...). */
export const ControlPlane = {
  initialized: (obj: KubeObject, contract: ContractVersion): boolean =>
    (contract === 'v1beta2'
      ? boolAt(obj, 'status.initialization.controlPlaneInitialized')
      : boolAt(obj, 'status.initialized')) === true,
  controlPlaneEndpoint: endpointOf,
  replicas: (obj: KubeObject): number | undefined => intAt(obj, 'spec.replicas'),
  statusReplicas: (obj: KubeObject): number | undefined => intAt(obj, 'status.replicas'),
  readyReplicas: (obj: KubeObject, contract: ContractVersion): number | undefined =>
    intAt(obj, contract === 'v1beta2' ? 'status.readyReplicas' : 'status.v1beta2.readyReplicas'),
  availableReplicas: (obj: KubeObject, contract: ContractVersion): number | undefined =>
    intAt(obj, contract === 'v1beta2' ? 'status.availableReplicas' : 'status.v1beta2.availableReplicas'),
  upToDateReplicas: (obj: KubeObject, contract: ContractVersion): number | undefined =>
    intAt(obj, contract === 'v1beta2' ? 'status.upToDateReplicas' : 'status.v1beta2.upToDateReplicas'),
  version: (obj: KubeObject): string | undefined => stringAt(obj, 'spec.version'),
  /** The oldest version running: the first of `status.versions` (ordered old to new), else `status.version`. */
  statusVersion(obj: KubeObject): string | undefined {
    const versions = arrayAt(obj, 'status.versions') as { version?: string }[] | undefined;
    return versions?.[0]?.version ?? stringAt(obj, 'status.version');
  },
  externalManaged: (obj: KubeObject): boolean => boolAt(obj, 'status.externalManagedControlPlane') === true,
  /** The InfraMachineTemplate its Machines are made from, if it makes Machines. */
  machineInfrastructureRef(obj: KubeObject, contract: ContractVersion): ContractReferenceFields | undefined {
    const path =
      contract === 'v1beta2'
        ? 'spec.machineTemplate.spec.infrastructureRef'
        : 'spec.machineTemplate.infrastructureRef';
    const ref = valueAt(obj, path);
    if (ref === undefined || ref === null) return undefined;
    if (typeof ref !== 'object') throw new ContractFieldError(`${path} must be an object reference`);
    const r = ref as { apiGroup?: string; apiVersion?: string; kind?: string; name?: string };
    const apiGroup = r.apiGroup ?? (r.apiVersion?.includes('/') ? r.apiVersion.split('/')[0] : undefined);
    return apiGroup && r.kind && r.name ? { apiGroup, kind: r.kind, name: r.name } : undefined;
  },
  conditions: conditionsOf,
};
