// The folder's surface: the desired state of a Cluster with managed topology.
export {
  computeDesiredState,
  type ComputeDesiredStateInput,
  type CurrentMachineDeploymentState,
  type CurrentState,
  type DesiredMachineDeploymentState,
  type DesiredState,
  type VersionFor,
  type VersionForInput,
} from './desired-state.js';
export {
  InvalidTopologyError,
  MissingTemplateError,
  NameTemplateError,
  isInvalidTopologyError,
  isMissingTemplateError,
  isNameTemplateError,
  type DesiredStateErrorSubject,
} from './errors.js';
export {
  DEFAULT_CONTROL_PLANE_NAME_TEMPLATE,
  DEFAULT_INFRASTRUCTURE_CLUSTER_NAME_TEMPLATE,
  DEFAULT_MACHINE_DEPLOYMENT_NAME_TEMPLATE,
  renderName,
  simpleName,
  templateNamePrefix,
  type RandomSource,
} from './names.js';
export {
  contractRefTo,
  mergeMetadata,
  templateRefKey,
  topologyLabels,
  type TemplateRef,
} from './template-objects.js';
