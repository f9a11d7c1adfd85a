import type { Logger } from 'pino';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';

/** Everything one reconcile of a MachineSet knows. */
export interface MachineSetScope {
  machineSet: Stored<MachineSet>;
  /** Undefined only while a MachineSet whose Cluster is gone is being deleted. */
  cluster: Stored<Cluster> | undefined;
  log: Logger;
  /** When the reconcile started (Date.now()). */
  now: number;
  /** The MachineDeployment of a MachineSet labelled with one. */
  owningMachineDeployment?: Stored<MachineDeployment>;
  /** The Machines the MachineSet owns (adopted ones included), once they could be listed. */
  machines: Stored<Machine>[];
  machinesListed: boolean;
  bootstrapTemplateNotFound: boolean;
  infrastructureTemplateNotFound: boolean;
  /** Why scaling up is on hold (failed preflight checks). */
  scaleUpPreflightFailures: string[];
}
