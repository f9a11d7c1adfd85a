/**
 * DaemonSet (apps/v1, `ds`, category `all`) with `status`.
 * Upstream: `SetDefaults_DaemonSet`, `pkg/registry/apps/daemonset/strategy.go`, printer `printDaemonSet`.
 */
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
import { ensureObject, getNumber, getObject } from './object-access.js';
import { applyPodSpecDefaults, podTemplateSpecSchema } from './pod-spec.js';
import {
  int32,
  int64,
  intOrString,
  kindSchema,
  labelSelector,
  obj,
  str,
  typedConditions,
} from './schema-builders.js';
import { formatLabelSelector, formatLabels } from './validation-helpers.js';
import { containerCells, validateSelectorUnchanged, validateWorkloadSpec } from './workload.js';

/** SetDefaults_DaemonSet plus the pod template defaults. */
export function applyDaemonSetDefaults(ds: KubeObject): void {
  const spec = ensureObject(ds, 'spec');
  const strategy = ensureObject(spec, 'updateStrategy');
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = ensureObject(strategy, 'rollingUpdate');
    rolling.maxUnavailable ??= 1;
    rolling.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  applyPodSpecDefaults(ensureObject(ensureObject(spec, 'template'), 'spec'));
}

const count = (ds: KubeObject, field: string) => getNumber(ds, `status.${field}`) ?? 0;

export const daemonSetDefinition = defineBuiltin({
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  schema: kindSchema('Runs one copy of a pod on every eligible node.', {
    spec: obj('Desired state of the daemon set.', {
      selector: labelSelector('Pods this daemon set manages; immutable.'),
      template: podTemplateSpecSchema(),
      updateStrategy: obj('How pods are replaced.', {
        type: str('RollingUpdate or OnDelete.'),
        rollingUpdate: obj('Rolling update parameters.', {
          maxUnavailable: intOrString('Pods that may be unavailable during the update.'),
          maxSurge: intOrString('Nodes that may run an extra pod during the update.'),
        }),
      }),
      minReadySeconds: int32('Seconds a new pod must be ready to count as available.'),
      revisionHistoryLimit: int32('Old revisions to keep (default 10).'),
    }),
    status: obj('Observed state of the daemon set.', {
      currentNumberScheduled: int32('Nodes running at least one pod that should.'),
      numberMisscheduled: int32('Nodes running a pod that should not.'),
      desiredNumberScheduled: int32('Nodes that should run the pod.'),
      numberReady: int32('Nodes with a ready pod.'),
      observedGeneration: int64('Generation observed by the controller.'),
      updatedNumberScheduled: int32('Nodes running the current template.'),
      numberAvailable: int32('Nodes with an available pod.'),
      numberUnavailable: int32('Nodes without an available pod.'),
      collisionCount: int32('Hash collision counter.'),
      conditions: typedConditions(['lastTransitionTime']),
    }),
  }),
  strategy: builtinStrategy(true, {
    prepareForCreate: applyDaemonSetDefaults,
    prepareForUpdate: (ds) => applyDaemonSetDefaults(ds),
    validate: (ds, old) => [
      ...validateWorkloadSpec(ds, 'daemonset'),
      ...(old ? validateSelectorUnchanged(ds, old) : []),
    ],
  }),
  table: {
    columns: [
      nameColumn(),
      column('Desired', 'integer', 'Nodes that should run the pod.'),
      column('Current', 'integer', 'Nodes running the pod.'),
      column('Ready', 'integer', 'Nodes with a ready pod.'),
      column('Up-to-date', 'integer', 'Nodes running the current template.'),
      column('Available', 'integer', 'Nodes with an available pod.'),
      column('Node Selector', 'string', 'Node selector of the template.'),
      ageColumn(),
      column('Containers', 'string', 'Names of the template containers.', 1),
      column('Images', 'string', 'Images of the template containers.', 1),
      column('Selector', 'string', 'Label selector of the daemon set.', 1),
    ],
    cells: (ds) => [
      objectName(ds),
      count(ds, 'desiredNumberScheduled'),
      count(ds, 'currentNumberScheduled'),
      count(ds, 'numberReady'),
      count(ds, 'updatedNumberScheduled'),
      count(ds, 'numberAvailable'),
      formatLabels(getObject(ds, 'spec.template.spec')?.nodeSelector),
      creationTimestamp(ds),
      ...containerCells(ds),
      formatLabelSelector(getObject(ds, 'spec')?.selector),
    ],
  },
});
