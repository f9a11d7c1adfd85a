import {
  type ListSchema,
  type MapSchema,
  type SchemaNode,
  type TypeResolver,
  objectMetaNode,
} from './type-resolver.js';

/** How one path of a built-in kind departs from the default (granular objects, atomic lists). */
export type BuiltinOverride =
  | { readonly list: 'atomic' | 'set' }
  | {
      readonly list: 'map';
      readonly keys: readonly string[];
      readonly defaults?: Readonly<Record<string, unknown>>;
    }
  | { readonly map: 'atomic' };

/**
 * Overrides by dotted path from the object root, `[]` standing for list items:
 * `spec.template.spec.containers[].ports`.
 */
export type BuiltinTable = Readonly<Record<string, BuiltinOverride>>;

const mapList = (keys: string[], defaults?: Record<string, unknown>): BuiltinOverride =>
  defaults ? { list: 'map', keys, defaults } : { list: 'map', keys };
const atomicMap: BuiltinOverride = { map: 'atomic' };
const byName = mapList(['name']);
const byType = mapList(['type']);

// From the +listType/+listMapKey/+mapType/+structType markers of k8s.io/api core/v1.
const container: BuiltinTable = {
  ports: mapList(['containerPort', 'protocol'], { protocol: 'TCP' }),
  env: byName,
  'env[].valueFrom.configMapKeyRef': atomicMap,
  'env[].valueFrom.secretKeyRef': atomicMap,
  'env[].valueFrom.fieldRef': atomicMap,
  'env[].valueFrom.resourceFieldRef': atomicMap,
  volumeMounts: mapList(['mountPath']),
  volumeDevices: mapList(['devicePath']),
  'resources.claims': byName,
};

const podSpec: BuiltinTable = {
  containers: byName,
  ...under('containers[]', container),
  initContainers: byName,
  ...under('initContainers[]', container),
  ephemeralContainers: byName,
  ...under('ephemeralContainers[]', container),
  volumes: byName,
  imagePullSecrets: byName,
  'imagePullSecrets[]': atomicMap,
  hostAliases: mapList(['ip']),
  topologySpreadConstraints: mapList(['topologyKey', 'whenUnsatisfiable']),
  schedulingGates: byName,
  resourceClaims: byName,
  nodeSelector: atomicMap,
  'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution': atomicMap,
};

const conditionsByType: BuiltinTable = { 'status.conditions': byType };

const workload = (podSpecPath: string, selectorPath: string): BuiltinTable => ({
  [selectorPath]: atomicMap,
  ...under(podSpecPath, podSpec),
  ...conditionsByType,
});

function under(prefix: string, table: BuiltinTable): BuiltinTable {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** Kinds keyed `<group>/<Kind>` (`/Pod` for the core group). */
export const builtinTables: Readonly<Record<string, BuiltinTable>> = {
  '/Pod': {
    ...under('spec', podSpec),
    ...conditionsByType,
    'status.podIPs': mapList(['ip']),
  },
  '/PodTemplate': under('template.spec', podSpec),
  '/ReplicationController': workload('spec.template.spec', 'spec.selector'),
  '/Service': {
    'spec.ports': mapList(['port', 'protocol'], { protocol: 'TCP' }),
    'spec.selector': atomicMap,
    ...conditionsByType,
  },
  '/Node': {
    'spec.podCIDRs': { list: 'set' },
    ...conditionsByType,
    'status.addresses': byType,
  },
  '/Namespace': conditionsByType,
  '/PersistentVolumeClaim': conditionsByType,
  '/ServiceAccount': { secrets: byName, 'secrets[]': atomicMap },
  'apps/Deployment': workload('spec.template.spec', 'spec.selector'),
  'apps/ReplicaSet': workload('spec.template.spec', 'spec.selector'),
  'apps/StatefulSet': workload('spec.template.spec', 'spec.selector'),
  'apps/DaemonSet': workload('spec.template.spec', 'spec.selector'),
  'batch/Job': { 'spec.selector': atomicMap, ...under('spec.template.spec', podSpec) },
  'batch/CronJob': {
    'spec.jobTemplate.spec.selector': atomicMap,
    ...under('spec.jobTemplate.spec.template.spec', podSpec),
  },
  'apiextensions.k8s.io/CustomResourceDefinition': conditionsByType,
};

export interface BuiltinKind {
  group: string;
  kind: string;
  /**
   * Strategic-merge keys of the kind (`ResourceDefinition.strategicMerge.listMergeKeys`), taken as map-lists
   * where the table says nothing.
   */
  listMergeKeys?: Readonly<Record<string, string>>;
  /** Extra or replacement overrides. */
  overrides?: BuiltinTable;
}

/**
 * The type resolver of a built-in kind. kube-apiserver types built-ins from Go structs; here every object is
 * a struct whose keys all count as declared fields (so owning a child never makes the parent a `.` member,
 * as with typed structs), every list is atomic, and the table above supplies the map-lists, sets and atomic
 * objects that matter. `metadata` is ObjectMeta.
 */
export function builtinTypeResolver(kind: BuiltinKind): TypeResolver {
  const table: Record<string, BuiltinOverride> = {};
  for (const [path, key] of Object.entries(kind.listMergeKeys ?? {})) table[path] = mapList([key]);
  Object.assign(table, builtinTables[`${kind.group}/${kind.kind}`], kind.overrides);
  const nodes = new Map<string, SchemaNode>();

  const nodeAt = (path: string): SchemaNode => {
    if (path === 'metadata') return objectMetaNode;
    let node = nodes.get(path);
    if (node) return node;
    const override = table[path];
    const listType = override && 'list' in override ? override.list : 'atomic';
    const keys = override && 'list' in override && override.list === 'map' ? override.keys : [];
    const list: ListSchema = {
      type: listType,
      keys,
      get items(): SchemaNode {
        return nodeAt(`${path}[]`);
      },
    };
    const parent = path.endsWith('[]') ? table[path.slice(0, -2)] : undefined;
    const defaults = parent && 'list' in parent && parent.list === 'map' ? parent.defaults : undefined;
    const map: MapSchema = {
      type: override && 'map' in override ? override.map : 'granular',
      field: (name: string) => nodeAt(path ? `${path}.${name}` : name),
      elements: undefined,
      fieldDefault: (name: string): unknown => defaults?.[name],
    };
    node = { scalar: true, list, map };
    nodes.set(path, node);
    return node;
  };

  return { root: nodeAt('') };
}
