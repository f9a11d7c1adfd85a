/**
 * Every built-in resource the embedded API server serves, in discovery order within each group version
 * (main resources before the virtual ones, as kube-apiserver lists them).
 */
import type { ResourceDefinition } from '../registry/resource-definition.js';
import {
  localSubjectAccessReviewDefinition,
  selfSubjectAccessReviewDefinition,
  selfSubjectReviewDefinition,
  selfSubjectRulesReviewDefinition,
  subjectAccessReviewDefinition,
  tokenReviewDefinition,
} from './access-reviews.js';
import { configMapDefinition } from './config-map.js';
import { customResourceDefinitionDefinition } from './custom-resource-definition.js';
import { daemonSetDefinition } from './daemon-set.js';
import { deploymentDefinition } from './deployment.js';
import { coreEventDefinition, eventsV1EventDefinition } from './event.js';
import { leaseDefinition } from './lease.js';
import { namespaceDefinition } from './namespace.js';
import { nodeDefinition } from './node.js';
import { persistentVolumeDefinition } from './persistent-volume.js';
import { podDisruptionBudgetDefinition } from './pod-disruption-budget.js';
import { podDefinition } from './pod.js';
import {
  clusterRoleBindingDefinition,
  clusterRoleDefinition,
  roleBindingDefinition,
  roleDefinition,
} from './rbac.js';
import { secretDefinition } from './secret.js';
import { serviceAccountDefinition } from './service-account.js';
import { serviceDefinition } from './service.js';
import { volumeAttachmentDefinition } from './volume-attachment.js';
import {
  mutatingWebhookConfigurationDefinition,
  validatingWebhookConfigurationDefinition,
} from './webhook-configuration.js';

export const builtinResources: ResourceDefinition[] = [
  // core/v1 (alphabetical, as /api/v1 lists them)
  configMapDefinition,
  coreEventDefinition,
  namespaceDefinition,
  nodeDefinition,
  persistentVolumeDefinition,
  podDefinition,
  secretDefinition,
  serviceAccountDefinition,
  serviceDefinition,
  // apps/v1
  daemonSetDefinition,
  deploymentDefinition,
  // policy/v1
  podDisruptionBudgetDefinition,
  // coordination.k8s.io/v1
  leaseDefinition,
  // events.k8s.io/v1
  eventsV1EventDefinition,
  // rbac.authorization.k8s.io/v1
  clusterRoleBindingDefinition,
  clusterRoleDefinition,
  roleBindingDefinition,
  roleDefinition,
  // storage.k8s.io/v1
  volumeAttachmentDefinition,
  // admissionregistration.k8s.io/v1
  mutatingWebhookConfigurationDefinition,
  validatingWebhookConfigurationDefinition,
  // apiextensions.k8s.io/v1
  customResourceDefinitionDefinition,
  // authentication.k8s.io/v1
  selfSubjectReviewDefinition,
  tokenReviewDefinition,
  // authorization.k8s.io/v1
  localSubjectAccessReviewDefinition,
  selfSubjectAccessReviewDefinition,
  selfSubjectRulesReviewDefinition,
  subjectAccessReviewDefinition,
];

/** The definition of a built-in resource by group and plural, e.g. `('apps', 'deployments')`. */
export function findBuiltinResource(group: string, plural: string): ResourceDefinition | undefined {
  return builtinResources.find((d) => d.group === group && d.plural === plural);
}
