// Loads what a managed topology is computed from: the ClusterClass with its templates (the blueprint) and the
// objects the topology controller made earlier (the current state). Shared by the topology controller and by
// `capi topology plan`, which reads through an overlay of the objects a user is about to apply.
import { type KubeObject, parseApiVersion, type TypeRef } from '../../../controller-runtime/api/object.js';
import type { Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { ClusterClass } from '../../api/v1beta2/cluster-class-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineHealthCheck } from '../../api/v1beta2/machine-health-check-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import { ControlPlane } from '../../contract/accessors.js';
import type { ContractResolver, ContractVersion } from '../../contract/contract-version.js';
import {
  type CurrentMachineDeploymentState,
  type CurrentState,
  templateRefKey,
  type TemplateRef,
  topologyLabels,
} from '../../topology/desired-state/index.js';
import { templateRefsOf } from '../cluster-class/cluster-class-reconciler.js';

export const ClusterClassType: TypeRef = { apiVersion: API_VERSION, kind: 'ClusterClass' };
export const MachineDeploymentType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineDeployment' };
export const MachineSetType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineSet' };
export const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };
export const MachineHealthCheckType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineHealthCheck' };

/** A ClusterClass that is missing, or one the ClusterClass controller has not caught up with. */
export class ClusterClassNotReadyError extends Error {
  override readonly name = 'ClusterClassNotReadyError';
  constructor(
    message: string,
    /** `ClusterClassNotReconciled` rather than a failure: the class controller still has to run. */
    readonly notReconciled: boolean,
  ) {
    super(message);
  }
}

/** A template or object a topology refers to does not exist. */
export class TopologyObjectNotFoundError extends Error {
  override readonly name = 'TopologyObjectNotFoundError';
}

export interface Blueprint {
  clusterClass: ClusterClass & KubeObject;
  /** By `templateRefKey`. */
  templates: Map<string, KubeObject>;
}

export interface LoadedControlPlane {
  object: KubeObject;
  contract: ContractVersion;
}

export interface LoadedMachineDeployment extends CurrentMachineDeploymentState {
  object: MachineDeployment & KubeObject;
  /** The Machines of the MachineDeployment (by their deployment-name label). */
  machines: KubeObject[];
}

export interface LoadedCurrentState extends CurrentState {
  controlPlaneContract?: ContractVersion;
  controlPlaneMachines: KubeObject[];
  machineDeployments: Map<string, LoadedMachineDeployment>;
  /** MachineDeployments the topology made, whatever their topology name (also ones no longer in it). */
  allMachineDeployments: (MachineDeployment & KubeObject)[];
  machineHealthChecks: (MachineHealthCheck & KubeObject)[];
}

const asTypeRef = (ref: TemplateRef): TypeRef => ({ apiVersion: ref.apiVersion, kind: ref.kind });

/** The ClusterClass of a Cluster with topology, and every template it names. */
export async function loadBlueprint(reader: Reader, cluster: Cluster & KubeObject): Promise<Blueprint> {
  const classRef = cluster.spec.topology!.classRef;
  const namespace = classRef.namespace || cluster.metadata.namespace;
  let clusterClass: ClusterClass & KubeObject;
  try {
    clusterClass = await reader.get(ClusterClassType, { namespace, name: classRef.name });
  } catch (err) {
    if (isNotFound(err))
      throw new ClusterClassNotReadyError(`ClusterClass ${namespace}/${classRef.name} not found`, false);
    throw err;
  }
  const generation = clusterClass.metadata.generation;
  if (generation !== undefined && clusterClass.status?.observedGeneration !== generation)
    throw new ClusterClassNotReadyError(
      'ClusterClass not reconciled. If this condition persists please check ClusterClass status. A ClusterClass is ' +
        'reconciled if .status.observedGeneration == .metadata.generation is true. If this is not the case either ' +
        'ClusterClass reconciliation failed or the ClusterClass is paused or the ClusterClass is being deleted',
      true,
    );
  const templates = new Map<string, KubeObject>();
  for (const ref of templateRefsOf(clusterClass)) {
    try {
      templates.set(
        templateRefKey(ref),
        await reader.get(asTypeRef(ref), { namespace: clusterClass.metadata.namespace, name: ref.name }),
      );
    } catch (err) {
      if (isNotFound(err))
        throw new TopologyObjectNotFoundError(
          `${ref.kind} ${clusterClass.metadata.namespace ?? ''}/${ref.name} of ClusterClass ${clusterClass.metadata.name ?? ''} not found`,
        );
      throw err;
    }
  }
  return { clusterClass, templates };
}

interface RefLike {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

/** An object, or undefined when it does not exist. */
export async function getOptional(
  reader: Reader,
  type: TypeRef,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await reader.get(type, { namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The type of an object a contract reference names: the version its CRD's contract says. */
async function typeOfRef(resolver: ContractResolver, ref: RefLike): Promise<TypeRef> {
  const t = await resolver.typeOf({ apiGroup: ref.apiGroup ?? '', kind: ref.kind ?? '' });
  return { apiVersion: t.apiVersion, kind: t.kind };
}

/** The object a contract reference (`apiGroup`, `kind`, `name`) names, if there is one and it exists. */
export async function readReferenced(
  reader: Reader,
  resolver: ContractResolver,
  namespace: string | undefined,
  ref: RefLike | undefined,
): Promise<KubeObject | undefined> {
  if (!ref?.name || !ref.kind) return undefined;
  return getOptional(reader, await typeOfRef(resolver, ref), namespace, ref.name);
}

/**
 * The object a Cluster reference names; without a reference, the object of that kind the topology made for the
 * Cluster (labels), so a reconcile interrupted between creating an object and setting the Cluster's reference
 * picks it up again instead of creating a second one.
 */
async function findPart(
  reader: Reader,
  resolver: ContractResolver,
  cluster: Cluster & KubeObject,
  ref: RefLike | undefined,
  classTemplate: TemplateRef,
): Promise<KubeObject | undefined> {
  const namespace = cluster.metadata.namespace;
  if (ref?.name) return getOptional(reader, await typeOfRef(resolver, ref), namespace, ref.name);
  const { group } = parseApiVersion(classTemplate.apiVersion);
  const kind = classTemplate.kind.replace(/Template$/, '');
  const type = await typeOfRef(resolver, { apiGroup: group, kind });
  const list = await reader.list(type, {
    namespace,
    labelSelector: topologyLabels(cluster.metadata.name ?? ''),
  });
  return list.items.find((o) => !o.metadata.deletionTimestamp);
}

/** The objects the topology made for `cluster`, as they are now. */
export async function loadCurrentState(
  reader: Reader,
  resolver: ContractResolver,
  cluster: Cluster & KubeObject,
  blueprint: Blueprint,
  /**
   * For Machines and MachineHealthChecks, which only feed upgrade progress and clean-up (default `reader`). The
   * objects whose templates may rotate are always read through `reader`.
   */
  cached: Reader = reader,
): Promise<LoadedCurrentState> {
  const namespace = cluster.metadata.namespace;
  const cc = blueprint.clusterClass;
  const current: LoadedCurrentState = {
    controlPlaneMachines: [],
    machineDeployments: new Map(),
    allMachineDeployments: [],
    machineHealthChecks: [],
  };
  const infra = await findPart(
    reader,
    resolver,
    cluster,
    cluster.spec.infrastructureRef,
    cc.spec.infrastructure.templateRef,
  );
  if (infra) current.infrastructureCluster = infra;
  const cp = await findPart(
    reader,
    resolver,
    cluster,
    cluster.spec.controlPlaneRef,
    cc.spec.controlPlane.templateRef,
  );
  if (cp) {
    current.controlPlane = cp;
    const { group } = parseApiVersion(cp.apiVersion ?? '');
    const contract = (await resolver.resolve({ apiGroup: group, kind: cp.kind ?? '' })).contract;
    current.controlPlaneContract = contract;
    const ref = ControlPlane.machineInfrastructureRef(cp, contract);
    const template = await readReferenced(reader, resolver, namespace, ref);
    if (template) current.controlPlaneInfrastructureMachineTemplate = template;
  }

  const machines = (
    await cached.list(MachineType, {
      namespace,
      labelSelector: { [Label.ClusterName]: cluster.metadata.name ?? '' },
    })
  ).items;
  current.controlPlaneMachines = machines.filter(
    (m) => m.metadata.labels?.[Label.ControlPlane] !== undefined,
  );
  const mds = await reader.list<MachineDeployment & KubeObject>(MachineDeploymentType, {
    namespace,
    labelSelector: topologyLabels(cluster.metadata.name ?? ''),
  });
  current.allMachineDeployments = mds.items;
  for (const md of mds.items) {
    const topologyName = md.metadata.labels?.[Label.ClusterTopologyMachineDeploymentName];
    if (!topologyName || md.metadata.deletionTimestamp) continue;
    const spec = md.spec.template.spec;
    const loaded: LoadedMachineDeployment = {
      object: md,
      machines: machines.filter((m) => m.metadata.labels?.[Label.MachineDeploymentName] === md.metadata.name),
    };
    const bootstrapTemplate = await readReferenced(reader, resolver, namespace, spec.bootstrap?.configRef);
    if (bootstrapTemplate) loaded.bootstrapTemplate = bootstrapTemplate;
    const infrastructureTemplate = await readReferenced(reader, resolver, namespace, spec.infrastructureRef);
    if (infrastructureTemplate) loaded.infrastructureTemplate = infrastructureTemplate;
    current.machineDeployments.set(topologyName, loaded);
  }
  current.machineHealthChecks = (
    await cached.list<MachineHealthCheck & KubeObject>(MachineHealthCheckType, {
      namespace,
      labelSelector: topologyLabels(cluster.metadata.name ?? ''),
    })
  ).items;
  return current;
}
