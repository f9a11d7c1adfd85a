/**
 * Pod (core/v1, `po`, category `all`) with `status` and `eviction` (policy/v1 Eviction, custom handler).
 * Upstream: `pkg/registry/core/pod/strategy.go`, `ValidatePodUpdate`, printers `printPod`.
 *
 * - Create applies the v1 defaults, runs as the `default` service account when none is named (the
 *   ServiceAccount admission plugin does this upstream) and starts with `status: {phase: Pending, qosClass}`.
 * - Updates may change only container images, activeDeadlineSeconds, tolerations and a negative grace period.
 * - DELETE is graceful: `gracePeriodSeconds` gives the period (requested, else the spec's, default 30);
 *   unscheduled and terminal pods go at once. DELETE answers with the pod.
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
import { humanDuration } from '../query/human-duration.js';
import {
  deepClone,
  deepEqual,
  ensureObject,
  getNumber,
  getObject,
  getObjects,
  getString,
  isObject,
} from './object-access.js';
import {
  applyPodOnlyDefaults,
  applyPodSpecDefaults,
  podQOSClass,
  podSpecSchema,
  podStatusSchema,
  validatePodSpec,
} from './pod-spec.js';
import { kindSchema } from './schema-builders.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function defaultPod(pod: KubeObject): void {
  const spec = ensureObject(pod, 'spec');
  applyPodSpecDefaults(spec);
  applyPodOnlyDefaults(spec);
}

/**
 * The grace period a DELETE uses (upstream `CheckGracefulDelete`): the requested one, else
 * `spec.terminationGracePeriodSeconds` (defaulted to 30); unscheduled pods and pods in a terminal phase
 * are deleted immediately. Undefined means immediate deletion; a negative request becomes 1.
 */
export function podGracePeriodSeconds(pod: KubeObject, requested: number | undefined): number | undefined {
  let period =
    requested ??
    getNumber(pod, 'spec.terminationGracePeriodSeconds') ??
    DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!getString(pod, 'spec.nodeName')) period = 0;
  const phase = getString(pod, 'status.phase');
  if (phase === 'Succeeded' || phase === 'Failed') period = 0;
  if (period < 0) period = 1;
  return period === 0 ? undefined : period;
}

/** `ValidatePodUpdate`'s rule that only a few spec fields may change. */
function validatePodSpecUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = getObject(pod, 'spec') ?? {};
  const oldSpec = getObject(old, 'spec') ?? {};
  for (const list of ['containers', 'initContainers'] as const) {
    if (getObjects(spec, list).length !== getObjects(oldSpec, list).length) {
      return [fieldErrors.forbidden(`spec.${list}`, 'pod updates may not add or remove containers')];
    }
  }
  const munged = deepClone(spec);
  for (const list of ['containers', 'initContainers'] as const) {
    const oldContainers = getObjects(oldSpec, list);
    getObjects(munged, list).forEach((c, i) => {
      const image = oldContainers[i]?.image;
      if (image === undefined) delete c.image;
      else c.image = image;
    });
  }
  const copyFromOld = (key: string) => {
    if (oldSpec[key] === undefined) delete munged[key];
    else munged[key] = deepClone(oldSpec[key]);
  };
  copyFromOld('activeDeadlineSeconds');
  copyFromOld('tolerations');
  const oldGrace = getNumber(oldSpec, 'terminationGracePeriodSeconds');
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    copyFromOld('terminationGracePeriodSeconds');
  }
  if (deepEqual(munged, oldSpec)) return [];
  const changed = [...new Set([...Object.keys(munged), ...Object.keys(oldSpec)])]
    .filter((k) => !deepEqual(munged[k], oldSpec[k]))
    .sort()
    .map((k) => `  spec.${k}`)
    .join('\n');
  return [
    fieldErrors.forbidden(
      'spec',
      `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${changed}`,
    ),
  ];
}

const timeMs = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);

/** `printPod`: READY, STATUS and RESTARTS as kubectl shows them, plus the wide columns. */
function podCells(pod: KubeObject, now: Date): unknown[] {
  const spec = getObject(pod, 'spec') ?? {};
  const status = getObject(pod, 'status') ?? {};
  const initContainers = getObjects(spec, 'initContainers');
  const restartable = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const total = getObjects(spec, 'containers').length + restartable.size;
  let ready = 0;
  let restarts = 0;
  let restartableRestarts = 0;
  let lastRestart = Number.NaN;
  let lastRestartableRestart = Number.NaN;
  const later = (a: number, b: number) => (Number.isNaN(a) || b > a ? b : a);
  const phase = getString(status, 'phase') ?? '';
  let reason = getString(status, 'reason') || phase;
  const conditions = getObjects(status, 'conditions');
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated'))
    reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = getObjects(status, 'initContainerStatuses');
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] as Record<string, unknown>;
    const count = getNumber(cs, 'restartCount') ?? 0;
    restarts += count;
    const finished = timeMs(getString(cs, 'lastState.terminated.finishedAt'));
    if (!Number.isNaN(finished)) lastRestart = later(lastRestart, finished);
    const isRestartable = restartable.has(cs.name);
    if (isRestartable) {
      restartableRestarts += count;
      if (!Number.isNaN(finished)) lastRestartableRestart = later(lastRestartableRestart, finished);
    }
    const terminated = getObject(cs, 'state.terminated');
    const waiting = getObject(cs, 'state.waiting');
    if (terminated && (getNumber(terminated, 'exitCode') ?? 0) === 0) continue;
    if (isRestartable && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      const r = getString(terminated, 'reason');
      const signal = getNumber(terminated, 'signal') ?? 0;
      reason = r
        ? `Init:${r}`
        : signal
          ? `Init:Signal:${signal}`
          : `Init:ExitCode:${getNumber(terminated, 'exitCode') ?? 0}`;
    } else if (waiting && getString(waiting, 'reason') && waiting.reason !== 'PodInitializing') {
      reason = `Init:${String(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = getObjects(status, 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] as Record<string, unknown>;
      restarts += getNumber(cs, 'restartCount') ?? 0;
      const finished = timeMs(getString(cs, 'lastState.terminated.finishedAt'));
      if (!Number.isNaN(finished)) lastRestart = later(lastRestart, finished);
      const waitingReason = getString(cs, 'state.waiting.reason');
      const terminated = getObject(cs, 'state.terminated');
      if (waitingReason) reason = waitingReason;
      else if (terminated && getString(terminated, 'reason')) reason = String(terminated.reason);
      else if (terminated) {
        const signal = getNumber(terminated, 'signal') ?? 0;
        reason = signal ? `Signal:${signal}` : `ExitCode:${getNumber(terminated, 'exitCode') ?? 0}`;
      } else if (cs.ready === true && getObject(cs, 'state.running')) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (getString(status, 'reason') === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }

  const restartsText =
    restarts !== 0 && !Number.isNaN(lastRestart)
      ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`
      : String(restarts);

  const gates = getObjects(spec, 'readinessGates');
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const trueCount = gates.filter((g) => {
      const cond = conditions.find((c) => c.type === g.conditionType);
      return cond?.status === 'True';
    }).length;
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return [
    objectName(pod),
    `${ready}/${total}`,
    reason,
    restartsText,
    creationTimestamp(pod),
    podIP(pod) || '<none>',
    getString(spec, 'nodeName') || '<none>',
    getString(status, 'nominatedNodeName') || '<none>',
    readinessGates,
  ];
}

/** The pod's primary IP: `status.podIPs[0].ip`, falling back to `status.podIP` as the v1 conversion does. */
function podIP(pod: KubeObject): string {
  const first = getObjects(pod, 'status.podIPs')[0];
  return (
    (first && typeof first.ip === 'string' ? first.ip : undefined) ?? getString(pod, 'status.podIP') ?? ''
  );
}

export const podDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    others: [{ name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] }],
  },
  schema: kindSchema('A group of containers scheduled together on one node.', {
    spec: podSpecSchema(),
    status: podStatusSchema(),
  }),
  strategy: builtinStrategy(false, {
    prepareForCreate(pod) {
      defaultPod(pod);
      const spec = ensureObject(pod, 'spec');
      if (!spec.serviceAccountName) {
        spec.serviceAccountName = 'default';
        spec.serviceAccount = 'default';
      }
      pod.status = { phase: 'Pending', qosClass: podQOSClass(spec) };
    },
    prepareForUpdate: (pod) => defaultPod(pod),
    validate: (pod, old) => (old ? validatePodSpecUpdate(pod, old) : validatePodSpec(pod.spec, 'spec')),
    gracePeriodSeconds: podGracePeriodSeconds,
    returnDeletedObject: true,
  }),
  table: {
    columns: [
      nameColumn(),
      column('Ready', 'string', 'Ready containers out of all containers.'),
      column('Status', 'string', 'Aggregate status of the containers.'),
      column('Restarts', 'string', 'Container restarts and when the last one happened.'),
      ageColumn(),
      column('IP', 'string', 'Primary IP of the pod.', 1),
      column('Node', 'string', 'Node the pod is bound to.', 1),
      column('Nominated Node', 'string', 'Node nominated for preemption.', 1),
      column('Readiness Gates', 'string', 'Readiness gates that are true.', 1),
    ],
    cells: podCells,
  },
  selectableFields: (pod) => ({
    'spec.nodeName': getString(pod, 'spec.nodeName') ?? '',
    'spec.restartPolicy': getString(pod, 'spec.restartPolicy') ?? '',
    'spec.schedulerName': getString(pod, 'spec.schedulerName') ?? '',
    'spec.serviceAccountName': getString(pod, 'spec.serviceAccountName') ?? '',
    'spec.hostNetwork': String(isObject(pod.spec) && pod.spec.hostNetwork === true),
    'status.phase': getString(pod, 'status.phase') ?? '',
    'status.podIP': podIP(pod),
    'status.nominatedNodeName': getString(pod, 'status.nominatedNodeName') ?? '',
  }),
});
