// The core scenarios of issue 7 with a KubeadmControlPlane and MachineDeployments bootstrapped by kubeadm from
// KubeadmConfigTemplates (the quick-start shape): core, the kubeadm bootstrap and control plane providers and
// the in-memory infrastructure provider together. The scenario bodies are shared with
// `core-cluster.e2e.test.ts` (`helpers/core-scenarios.ts`).
import { describe, it } from 'node:test';
import { setupCore } from '../core/core-helpers.js';
import { useHarness } from '../providers/infrastructure-dev/harness.js';
import {
  availableClusterDeletedInOrder,
  drainWaitsForBudget,
  kcpFlavor,
  machineDeploymentScales,
  notReadyWorkerReplaced,
  onDeleteReplacesDeletedOnly,
  rollingUpdateKeepsCapacity,
  triggerIfHoldsRemediation,
} from './helpers/core-scenarios.js';

describe('a KubeadmControlPlane cluster end to end on the in-memory provider', () => {
  const harness = useHarness({ setup: setupCore });

  it('a KubeadmControlPlane of 3 and a MachineDeployment of 3 make an Available Cluster; deleting the Cluster removes workers, then the control plane, then the infrastructure', () =>
    availableClusterDeletedInOrder(harness(), kcpFlavor));
});

describe('MachineDeployments of kubeadm workers: scaling and rollouts end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('scales 1 -> 3 -> 1, removing the extra Machines with their infrastructure and Nodes', () =>
    machineDeploymentScales(harness(), kcpFlavor));

  it('a template change rolls every worker with maxSurge 1 / maxUnavailable 0 without dropping below the desired count', () =>
    rollingUpdateKeepsCapacity(harness(), kcpFlavor));

  it('OnDelete: a template change replaces only the Machines a user deletes', () =>
    onDeleteReplacesDeletedOnly(harness(), kcpFlavor));
});

describe('kubeadm workers: remediation and drain end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('a worker whose Node stays NotReady past the timeout is replaced through its MachineSet', () =>
    notReadyWorkerReplaced(harness(), kcpFlavor));

  it('with unhealthyLessThanOrEqualTo 40% and 2 of 3 workers unhealthy nothing is remediated, and the condition says why', () =>
    triggerIfHoldsRemediation(harness(), kcpFlavor));

  it('scaling down to a worker whose Pod has a PDB with maxUnavailable 0 waits for nodeDrainTimeoutSeconds, naming the Pod', () =>
    drainWaitsForBudget(harness(), kcpFlavor));
});
