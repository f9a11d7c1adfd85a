// The `builtin` variable upstream exposes to ClusterClass patches (runtime hooks API `Builtins`): what the topology
// controller knows about the Cluster, its control plane and each MachineDeployment / MachinePool. Fields are
// omitted when empty, as Go's `omitempty` drops them, so `{{ if .builtin.controlPlane.replicas }}` behaves alike.
import type { Cluster } from '../../api/v1beta2/index.js';

/** Labels and annotations of an object, as `builtin.*.metadata` exposes them. */
export interface BuiltinMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ClusterTopologyBuiltins {
  version?: string;
  /** The ClusterClass name (upstream keeps this spelling beside `classRef` for older patches). */
  class?: string;
  classNamespace?: string;
  classRef?: { name?: string; namespace?: string };
}

export interface ClusterNetworkBuiltins {
  serviceDomain?: string;
  services?: string[];
  pods?: string[];
}

export interface ClusterBuiltins {
  name?: string;
  namespace?: string;
  uid?: string;
  metadata?: BuiltinMetadata;
  topology?: ClusterTopologyBuiltins;
  network?: ClusterNetworkBuiltins;
}

export interface ControlPlaneBuiltins {
  version?: string;
  metadata?: BuiltinMetadata;
  name?: string;
  replicas?: number;
  machineTemplate?: { infrastructureRef: { name?: string } };
}

/** `builtin.machineDeployment` and `builtin.machinePool` have the same shape. */
export interface MachineBuiltins {
  version?: string;
  metadata?: BuiltinMetadata;
  class?: string;
  name?: string;
  topologyName?: string;
  replicas?: number;
  bootstrap?: { configRef?: { name?: string } };
  infrastructureRef?: { name?: string };
}

export type MachineDeploymentBuiltins = MachineBuiltins;
export type MachinePoolBuiltins = MachineBuiltins;

/** The value of the `builtin` variable; each template sees `cluster` plus the part it belongs to. */
export interface Builtins {
  cluster?: ClusterBuiltins;
  controlPlane?: ControlPlaneBuiltins;
  machineDeployment?: MachineDeploymentBuiltins;
  machinePool?: MachinePoolBuiltins;
}

/** Removes `undefined`, empty strings and empty objects, recursively: Go's `omitempty` on the builtin structs. */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const c = compact(v);
    if (c === undefined || c === '') continue;
    if (typeof c === 'object' && c !== null && !Array.isArray(c) && Object.keys(c).length === 0) continue;
    out[key] = c;
  }
  return out as T;
}

function metadataOf(meta: BuiltinMetadata | undefined): BuiltinMetadata | undefined {
  if (!meta) return undefined;
  const out: BuiltinMetadata = {};
  if (meta.labels && Object.keys(meta.labels).length > 0) out.labels = { ...meta.labels };
  if (meta.annotations && Object.keys(meta.annotations).length > 0) out.annotations = { ...meta.annotations };
  return out;
}

/** `builtin.cluster`, from the Cluster object (its topology must be set). */
export function clusterBuiltins(cluster: Cluster): ClusterBuiltins {
  const topology = cluster.spec.topology;
  const meta = cluster.metadata ?? {};
  const classNamespace = topology?.classRef.namespace ?? meta.namespace;
  const network = cluster.spec.clusterNetwork;
  return compact<ClusterBuiltins>({
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    metadata: metadataOf(meta),
    topology: {
      version: topology?.version,
      class: topology?.classRef.name,
      classNamespace,
      classRef: { name: topology?.classRef.name, namespace: classNamespace },
    },
    network: network
      ? {
          serviceDomain: network.serviceDomain,
          services: network.services?.cidrBlocks ? [...network.services.cidrBlocks] : undefined,
          pods: network.pods?.cidrBlocks ? [...network.pods.cidrBlocks] : undefined,
        }
      : undefined,
  });
}

export interface ControlPlaneBuiltinsInput {
  /** The name of the desired control plane object. */
  name: string;
  /** The version the control plane is reconciled towards (it may lag `spec.topology.version` mid-upgrade). */
  version: string;
  /** Only when `spec.topology.controlPlane.replicas` is set: the controller leaves replicas alone otherwise. */
  replicas?: number;
  /** The desired control plane's labels and annotations. */
  metadata?: BuiltinMetadata;
  /** The name of the control plane's infrastructure machine template, when the class has one. */
  infrastructureMachineTemplateName?: string;
}

/** `builtin.controlPlane`, from the desired control plane. */
export function controlPlaneBuiltins(input: ControlPlaneBuiltinsInput): ControlPlaneBuiltins {
  return compact<ControlPlaneBuiltins>({
    version: input.version,
    metadata: metadataOf(input.metadata),
    name: input.name,
    replicas: input.replicas,
    machineTemplate:
      input.infrastructureMachineTemplateName === undefined
        ? undefined
        : { infrastructureRef: { name: input.infrastructureMachineTemplateName } },
  });
}

export interface MachineBuiltinsInput {
  /** The topology name (`spec.topology.workers.machineDeployments[].name`). */
  topologyName: string;
  /** The class the topology uses. */
  class: string;
  /** The name of the desired MachineDeployment / MachinePool object. */
  name: string;
  /** The version the object is reconciled towards. */
  version: string;
  /** The desired object's replicas, when set. */
  replicas?: number;
  metadata?: BuiltinMetadata;
  bootstrapTemplateName?: string;
  infrastructureTemplateName?: string;
}

function machineBuiltins(input: MachineBuiltinsInput): MachineBuiltins {
  return compact<MachineBuiltins>({
    version: input.version,
    metadata: metadataOf(input.metadata),
    class: input.class,
    name: input.name,
    topologyName: input.topologyName,
    replicas: input.replicas,
    bootstrap:
      input.bootstrapTemplateName === undefined
        ? undefined
        : { configRef: { name: input.bootstrapTemplateName } },
    infrastructureRef:
      input.infrastructureTemplateName === undefined ? undefined : { name: input.infrastructureTemplateName },
  });
}

/** `builtin.machineDeployment`, from one desired MachineDeployment of the topology. */
export function machineDeploymentBuiltins(input: MachineBuiltinsInput): MachineDeploymentBuiltins {
  return machineBuiltins(input);
}

/** `builtin.machinePool`, from one desired MachinePool of the topology. */
export function machinePoolBuiltins(input: MachineBuiltinsInput): MachinePoolBuiltins {
  return machineBuiltins(input);
}
