// The node drain of the Machine controller's deletion (cordon, then one pass per reconcile until `done`) and the
// wait for the Node's volumes to be detached that follows it.
export {
  Drainer,
  type DrainerOptions,
  type DrainTarget,
  type NamespaceLabels,
  isNodeUnreachable,
} from './drainer.js';
export { type DrainResult, drainCompleted, drainConditionMessage, podListToString } from './drain-result.js';
export {
  type ClassifiedPod,
  DrainBehavior,
  DrainError,
  type MachineDrainRuleLike,
  type Pod,
  type PodDrainStatus,
} from './drain-types.js';
export {
  drainLabelStatus,
  machineDrainRuleAppliesToMachine,
  machineDrainRuleAppliesToPod,
  machineDrainRulesForMachine,
  podDrainBehavior,
} from './machine-drain-rules.js';
export { MIRROR_POD_ANNOTATION } from './pod-filters.js';
export {
  attachedVolumes,
  claimsOfSkippedPods,
  findVolumesWaitingForDetach,
  isWaitingForDetach,
  nameListToString,
  type NodeWithVolumes,
  type PersistentVolume,
  type VolumeAttachment,
  VolumeDetachError,
  volumeAttachmentsOfNode,
  volumeDetachConditionMessage,
  volumesWaitingForDetach,
  type VolumesWaitingForDetach,
} from './volume-detach.js';
