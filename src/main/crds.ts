import type { CustomResourceDefinition } from '../core/api/openapi/crd.js';
import { clusterResourceSetBindingCrd } from '../core/api/addons/v1beta2/cluster-resource-set-binding-types.js';
import { clusterResourceSetCrd } from '../core/api/addons/v1beta2/cluster-resource-set-types.js';
import { ipAddressClaimCrd } from '../core/api/ipam/v1beta2/ip-address-claim-types.js';
import { ipAddressCrd } from '../core/api/ipam/v1beta2/ip-address-types.js';
import { extensionConfigCrd } from '../core/api/runtime/v1beta2/extension-config-types.js';
import { devClusterCrd } from '../providers/infrastructure-dev/api/dev-cluster-types.js';
import { devClusterTemplateCrd } from '../providers/infrastructure-dev/api/dev-cluster-template-types.js';
import { devMachineCrd } from '../providers/infrastructure-dev/api/dev-machine-types.js';
import { devMachineTemplateCrd } from '../providers/infrastructure-dev/api/dev-machine-template-types.js';
import { machineDrainRuleCrd } from '../core/api/v1beta2/machine-drain-rule-types.js';
import { machineCrd } from '../core/api/v1beta2/machine-types.js';
import { machineSetCrd } from '../core/api/v1beta2/machine-set-types.js';
import { machineDeploymentCrd } from '../core/api/v1beta2/machine-deployment-types.js';
import { machineHealthCheckCrd } from '../core/api/v1beta2/machine-health-check-types.js';
import { machinePoolCrd } from '../core/api/v1beta2/machine-pool-types.js';
import { clusterCrd } from '../core/api/v1beta2/cluster-types.js';
import { clusterClassCrd } from '../core/api/v1beta2/cluster-class-types.js';
import { kubeadmConfigCrd } from '../providers/bootstrap-kubeadm/api/kubeadm-config-types.js';
import { kubeadmConfigTemplateCrd } from '../providers/bootstrap-kubeadm/api/kubeadm-config-template-types.js';
import { kubeadmControlPlaneCrd } from '../providers/control-plane-kubeadm/api/kubeadm-control-plane-types.js';
import { kubeadmControlPlaneTemplateCrd } from '../providers/control-plane-kubeadm/api/kubeadm-control-plane-template-types.js';

/** Every CustomResourceDefinition capi-ts serves, core and providers, in install order. */
export function clusterApiCrds(): CustomResourceDefinition[] {
  return [
    machineDrainRuleCrd(),
    machineCrd(),
    machineSetCrd(),
    machineDeploymentCrd(),
    machineHealthCheckCrd(),
    machinePoolCrd(),
    clusterCrd(),
    clusterClassCrd(),
    kubeadmConfigCrd(),
    kubeadmConfigTemplateCrd(),
    kubeadmControlPlaneCrd(),
    kubeadmControlPlaneTemplateCrd(),
    clusterResourceSetCrd(),
    clusterResourceSetBindingCrd(),
    ipAddressClaimCrd(),
    ipAddressCrd(),
    extensionConfigCrd(),
    devClusterCrd(),
    devClusterTemplateCrd(),
    devMachineCrd(),
    devMachineTemplateCrd(),
  ];
}
