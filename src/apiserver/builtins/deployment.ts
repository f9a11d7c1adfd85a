/**
 * Deployment (apps/v1, `deploy`, category `all`) with `status` and `scale`.
 * Upstream: `SetDefaults_Deployment`, `pkg/registry/apps/deployment/strategy.go`, printer `printDeployment`.
 * Annotation changes bump the generation too (they are copied to ReplicaSets).
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { ensureObject, getNumber, getObject, mapsEqual } from './object-access.js';
import { applyPodSpecDefaults, podTemplateSpecSchema } from './pod-spec.js';
import {
  bool,
  int32,
  int64,
  intOrString,
  kindSchema,
  labelSelector,
  obj,
  retainKeys,
  str,
  typedConditions,
} from './schema-builders.js';
import { labelSelectorString } from './validation-helpers.js';
import { containerCells, validateSelectorUnchanged, validateWorkloadSpec } from './workload.js';

/** SetDefaults_Deployment plus the pod template defaults. */
export function applyDeploymentDefaults(deployment: KubeObject): void {
  const spec = ensureObject(deployment, 'spec');
  spec.replicas ??= 1;
  const strategy = ensureObject(spec, 'strategy');
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = ensureObject(strategy, 'rollingUpdate');
    rolling.maxUnavailable ??= '25%';
    rolling.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  applyPodSpecDefaults(ensureObject(ensureObject(spec, 'template'), 'spec'));
}

function validateDeployment(deployment: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const replicas = getNumber(deployment, 'spec.replicas');
  if (replicas !== undefined && replicas < 0) {
    errs.push(fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  return [...errs, ...validateWorkloadSpec(deployment, 'deployment')];
}

export const deploymentDefinition = defineBuiltin({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.spec.selector',
    },
  },
  schema: kindSchema('Declarative updates for a replicated set of pods.', {
    spec: obj('Desired state of the deployment.', {
      replicas: int32('Desired number of pods (default 1).'),
      selector: labelSelector('Pods this deployment manages; immutable.'),
      template: podTemplateSpecSchema(),
      strategy: retainKeys(
        obj('How pods are replaced.', {
          type: str('RollingUpdate or Recreate.'),
          rollingUpdate: obj('Rolling update parameters.', {
            maxUnavailable: intOrString('Pods that may be unavailable during the update.'),
            maxSurge: intOrString('Pods that may be created above the desired count.'),
          }),
        }),
      ),
      minReadySeconds: int32('Seconds a new pod must be ready to count as available.'),
      revisionHistoryLimit: int32('Old ReplicaSets to keep (default 10).'),
      paused: bool('Pauses rollouts.'),
      progressDeadlineSeconds: int32('Seconds before a stalled rollout is reported (default 600).'),
    }),
    status: obj('Observed state of the deployment.', {
      observedGeneration: int64('Generation observed by the controller.'),
      replicas: int32('Pods targeted by the deployment.'),
      updatedReplicas: int32('Pods with the current template.'),
      readyReplicas: int32('Ready pods.'),
      availableReplicas: int32('Available pods.'),
      unavailableReplicas: int32('Unavailable pods.'),
      terminatingReplicas: int32('Terminating pods.'),
      conditions: typedConditions(['lastUpdateTime', 'lastTransitionTime']),
      collisionCount: int32('Hash collision counter.'),
    }),
  }),
  strategy: builtinStrategy(true, {
    prepareForCreate: applyDeploymentDefaults,
    prepareForUpdate(deployment, old) {
      applyDeploymentDefaults(deployment);
      // Upstream bumps the generation for annotation changes as well as spec changes.
      const oldGeneration = old.metadata?.generation;
      if (
        deployment.metadata &&
        oldGeneration !== undefined &&
        !mapsEqual(deployment.metadata.annotations, old.metadata?.annotations)
      ) {
        deployment.metadata.generation = oldGeneration + 1;
      }
    },
    validate: (deployment, old) => [
      ...validateDeployment(deployment),
      ...(old ? validateSelectorUnchanged(deployment, old) : []),
    ],
  }),
  table: {
    columns: [
      nameColumn(),
      column('Ready', 'string', 'Ready pods out of desired pods.'),
      column('Up-to-date', 'string', 'Pods with the current template.'),
      column('Available', 'string', 'Available pods.'),
      ageColumn(),
      column('Containers', 'string', 'Names of the template containers.', 1),
      column('Images', 'string', 'Images of the template containers.', 1),
      column('Selector', 'string', 'Label selector of the deployment.', 1),
    ],
    cells: (d) => [
      objectName(d),
      `${getNumber(d, 'status.readyReplicas') ?? 0}/${getNumber(d, 'spec.replicas') ?? 0}`,
      getNumber(d, 'status.updatedReplicas') ?? 0,
      getNumber(d, 'status.availableReplicas') ?? 0,
      creationTimestamp(d),
      ...containerCells(d),
      labelSelectorString(getObject(d, 'spec')?.selector),
    ],
  },
});
