import type { Logger } from 'pino';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';

/** Everything one reconcile of a MachineDeployment knows. */
export interface MachineDeploymentScope {
  machineDeployment: Stored<MachineDeployment>;
  cluster?: Stored<Cluster>;
  log: Logger;
  /** Milliseconds since the epoch, read once per reconcile. */
  now: number;
  /** The MachineSets it controls (after adoption); undefined when they could not be read. */
  machineSets?: Stored<MachineSet>[];
  /** Its Machines (by the `cluster.x-k8s.io/deployment-name` label). */
  machines: Stored<Machine>[];
  bootstrapTemplateNotFound: boolean;
  infrastructureTemplateNotFound: boolean;
  /** Paused (Cluster or annotation): only the Paused condition is written. */
  paused: boolean;
  /** The cache has not shown this controller's last writes yet: nothing was decided, nothing is reported. */
  waitingForCache: boolean;
}
