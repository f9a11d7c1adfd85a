// The core scenarios of issue 7 with stand-alone control plane Machines and workers bootstrapped from Secrets
// the user supplies (no control plane or bootstrap provider involved); `core-cluster-kcp.e2e.test.ts` runs the
// same scenarios with a KubeadmControlPlane.
import { describe, it } from 'node:test';
import { setupCore } from '../core/core-helpers.js';
import { useHarness } from '../providers/infrastructure-dev/harness.js';
import {
  availableClusterDeletedInOrder,
  drainWaitsForBudget,
  machineDeploymentScales,
  notReadyWorkerReplaced,
  onDeleteReplacesDeletedOnly,
  plainFlavor,
  rollingUpdateKeepsCapacity,
  triggerIfHoldsRemediation,
} from './helpers/core-scenarios.js';

describe('core controllers end to end on the in-memory provider', () => {
  const harness = useHarness({ setup: setupCore });

  it('3 control plane Machines and a MachineDeployment of 3 make an Available Cluster; deleting the Cluster removes everything in order', () =>
    availableClusterDeletedInOrder(harness(), plainFlavor));
});

describe('MachineDeployment scaling and rollouts end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('scales 1 -> 3 -> 1, removing the extra Machines with their infrastructure and Nodes', () =>
    machineDeploymentScales(harness(), plainFlavor));

  it('a template change rolls every worker with maxSurge 1 / maxUnavailable 0 without dropping below the desired count', () =>
    rollingUpdateKeepsCapacity(harness(), plainFlavor));

  it('OnDelete: a template change replaces only the Machines a user deletes', () =>
    onDeleteReplacesDeletedOnly(harness(), plainFlavor));
});

describe('remediation and drain end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('a worker whose Node stays NotReady past the timeout is replaced through its MachineSet', () =>
    notReadyWorkerReplaced(harness(), plainFlavor));

  it('with unhealthyLessThanOrEqualTo 40% and 2 of 3 workers unhealthy nothing is remediated, and the condition says why', () =>
    triggerIfHoldsRemediation(harness(), plainFlavor));

  it('scaling down to a worker whose Pod has a PDB with maxUnavailable 0 waits for nodeDrainTimeoutSeconds, naming the Pod', () =>
    drainWaitsForBudget(harness(), plainFlavor));
});
