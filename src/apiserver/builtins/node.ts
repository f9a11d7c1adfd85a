/**
 * Node (core/v1, cluster-scoped, `no`) with `status`. Only simulated workload clusters serve it.
 * Upstream: `pkg/registry/core/node/strategy.go`, `ValidateNode`/`ValidateNodeUpdate` (subset), printer
 * `printNode`. Cordon (`kubectl cordon`) is a strategic merge patch of `spec.unschedulable`.
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
import { getArray, getObjects, getString, isObject } from './object-access.js';
import {
  atomicList,
  bool,
  int64,
  kindSchema,
  mapList,
  mergedStringSet,
  obj,
  openObj,
  quantityMap,
  str,
  stringList,
  time,
  typedConditions,
} from './schema-builders.js';
import { isQualifiedName, isValidLabelValue } from './validation-helpers.js';

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const ROLE_PREFIX = 'node-role.kubernetes.io/';

function validateTaints(node: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  getArray(node, 'spec.taints').forEach((t, i) => {
    const at = `spec.taints[${i}]`;
    const taint = isObject(t) ? t : {};
    const key = typeof taint.key === 'string' ? taint.key : '';
    for (const m of isQualifiedName(key)) errs.push(fieldErrors.invalid(`${at}.key`, key, m));
    if (typeof taint.value === 'string') {
      for (const m of isValidLabelValue(taint.value))
        errs.push(fieldErrors.invalid(`${at}.value`, taint.value, m));
    }
    const effect = typeof taint.effect === 'string' ? taint.effect : '';
    if (!effect) errs.push(fieldErrors.required(`${at}.effect`));
    else if (!TAINT_EFFECTS.includes(effect))
      errs.push(fieldErrors.notSupported(`${at}.effect`, effect, TAINT_EFFECTS));
    const id = `${key}:${effect}`;
    if (seen.has(id)) {
      errs.push({
        type: 'FieldValueDuplicate',
        field: at,
        detail: `Duplicate value: ${JSON.stringify({ key, effect })}: taints must be unique by key and effect pair`,
      });
    }
    seen.add(id);
  });
  return errs;
}

function validateNodeUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const oldProvider = getString(old, 'spec.providerID') ?? '';
  if (oldProvider && (getString(node, 'spec.providerID') ?? '') !== oldProvider) {
    errs.push(
      fieldErrors.forbidden(
        'spec.providerID',
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  const oldCIDR = getString(old, 'spec.podCIDR') ?? '';
  if (oldCIDR && (getString(node, 'spec.podCIDR') ?? '') !== oldCIDR) {
    errs.push(
      fieldErrors.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'),
    );
  }
  return errs;
}

/** STATUS: Ready / NotReady / Unknown, plus SchedulingDisabled when cordoned. */
function nodeStatus(node: KubeObject): string {
  const ready = getObjects(node, 'status.conditions').find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (isObject(node.spec) && node.spec.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** ROLES: from `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role` label. */
function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

const address = (node: KubeObject, type: string) =>
  getObjects(node, 'status.addresses').find((a) => a.type === type)?.address;

export const nodeDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  shortNames: ['no'],
  namespaced: false,
  subresources: { status: true },
  schema: kindSchema('A worker machine in the cluster.', {
    spec: obj('Desired state of the node.', {
      podCIDR: str('Pod IP range assigned to the node.'),
      podCIDRs: mergedStringSet('Pod IP ranges (one per IP family).'),
      providerID: str('Cloud provider id of the machine.'),
      unschedulable: bool('True when cordoned: no new pods are scheduled.'),
      taints: atomicList(
        'Taints repelling pods that do not tolerate them.',
        obj('A taint.', {
          key: str('Taint key.'),
          value: str('Taint value.'),
          effect: str('NoSchedule, PreferNoSchedule or NoExecute.'),
          timeAdded: time('When a NoExecute taint was added.'),
        }),
      ),
      configSource: openObj('Deprecated dynamic kubelet config source.'),
      externalID: str('Deprecated.'),
    }),
    status: openObj('Observed state of the node.', {
      capacity: quantityMap('Total resources.'),
      allocatable: quantityMap('Resources available to pods.'),
      phase: str('Deprecated.'),
      conditions: typedConditions(['lastHeartbeatTime', 'lastTransitionTime']),
      addresses: mapList(
        'Addresses of the node.',
        obj('An address.', {
          type: str('Hostname, InternalIP, ExternalIP, ...'),
          address: str('The address.'),
        }),
        ['type'],
        { mergeKey: 'type' },
      ),
      daemonEndpoints: openObj('Ports of daemons on the node.'),
      nodeInfo: openObj('Facts about the node.', {
        machineID: str('Machine id.'),
        systemUUID: str('System UUID.'),
        bootID: str('Boot id.'),
        kernelVersion: str('Kernel version.'),
        osImage: str('OS image.'),
        containerRuntimeVersion: str('Container runtime and version.'),
        kubeletVersion: str('Kubelet version.'),
        kubeProxyVersion: str('Deprecated.'),
        operatingSystem: str('linux or windows.'),
        architecture: str('CPU architecture.'),
      }),
      images: atomicList(
        'Images on the node.',
        obj('An image.', { names: stringList('Names of the image.'), sizeBytes: int64('Size in bytes.') }),
      ),
      volumesInUse: stringList('Volumes in use.'),
      volumesAttached: atomicList('Volumes attached.', openObj('An attached volume.')),
    }),
  }),
  strategy: builtinStrategy(false, {
    validate: (node, old) => [...validateTaints(node), ...(old ? validateNodeUpdate(node, old) : [])],
  }),
  table: {
    columns: [
      nameColumn(),
      column('Status', 'string', 'Readiness of the node.'),
      column('Roles', 'string', 'Roles from node-role labels.'),
      ageColumn(),
      column('Version', 'string', 'Kubelet version.'),
      column('Internal-IP', 'string', 'First InternalIP address.', 1),
      column('External-IP', 'string', 'First ExternalIP address.', 1),
      column('OS-Image', 'string', 'Operating system image.', 1),
      column('Kernel-Version', 'string', 'Kernel version.', 1),
      column('Container-Runtime', 'string', 'Container runtime version.', 1),
    ],
    cells: (node) => [
      objectName(node),
      nodeStatus(node),
      nodeRoles(node),
      creationTimestamp(node),
      getString(node, 'status.nodeInfo.kubeletVersion') ?? '',
      address(node, 'InternalIP') ?? '<none>',
      address(node, 'ExternalIP') ?? '<none>',
      getString(node, 'status.nodeInfo.osImage') || '<unknown>',
      getString(node, 'status.nodeInfo.kernelVersion') || '<unknown>',
      getString(node, 'status.nodeInfo.containerRuntimeVersion') || '<unknown>',
    ],
  },
  selectableFields: (node) => ({
    'spec.unschedulable': String(isObject(node.spec) && node.spec.unschedulable === true),
  }),
});
