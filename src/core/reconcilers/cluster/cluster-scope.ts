import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Logger } from 'pino';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { ContractVersion } from '../../contract/contract-version.js';

/** An API object as read from the server: always with metadata. */
export type Stored<T> = T & KubeObject;

/** A provider object read through a reference, or why it could not be. */
export interface External {
  object?: KubeObject;
  contract?: ContractVersion;
  /** The reference names an object that does not exist. */
  notFound: boolean;
}

/** What the Cluster's descendants are, read once per reconcile. */
export interface Descendants {
  machineDeployments: Stored<MachineDeployment>[];
  /** MachineSets the Cluster owns directly (not through a MachineDeployment). */
  machineSets: Stored<MachineSet>[];
  controlPlaneMachines: Stored<Machine>[];
  /** Worker Machines, however they are owned. */
  workerMachines: Stored<Machine>[];
}

/** Everything one reconcile of a Cluster knows. */
export interface ClusterScope {
  cluster: Stored<Cluster>;
  log: Logger;
  infraCluster?: External;
  controlPlane?: External;
  descendants?: Descendants;
  deletingReason?: string;
  deletingMessage?: string;
}
