// The desired state of a Cluster with managed topology (upstream's `exp/topology/desiredstate`), computed without
// I/O: the caller loads the ClusterClass, its templates and the current objects; the topology controller applies
// the result.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type {
  Cluster,
  ClusterClass,
  MachineDeployment,
  MachineHealthCheck,
} from '../../api/v1beta2/index.js';
import {
  applyInlinePatches,
  clusterBuiltins,
  controlPlaneBuiltins,
  machineDeploymentBuiltins,
  type MachineDeploymentBuiltins,
  type TemplateObject,
  type WorkerTemplates,
} from '../patches/index.js';
import {
  computeControlPlane,
  computeControlPlaneInfrastructureMachineTemplate,
  computeControlPlaneMachineHealthCheck,
  CONTROL_PLANE,
  CONTROL_PLANE_INFRASTRUCTURE_MACHINE_TEMPLATE,
  controlPlaneName,
} from './desired-control-plane.js';
import {
  computeInfrastructureCluster,
  INFRASTRUCTURE_CLUSTER,
  infrastructureClusterName,
} from './desired-infrastructure-cluster.js';
import {
  computeMachineDeployment,
  computeMachineDeploymentMachineHealthCheck,
  computeMachineDeploymentTemplates,
  MACHINE_DEPLOYMENT,
  machineDeploymentClassFor,
  machineDeploymentName,
  type MachineDeploymentClass,
  type MachineDeploymentTopology,
} from './desired-machine-deployment.js';
import { InvalidTopologyError, MissingTemplateError, type DesiredStateErrorSubject } from './errors.js';
import { simpleName, templateNamePrefix, type RandomSource } from './names.js';
import { templateRefKey, type TemplateRef } from './template-objects.js';

export interface CurrentMachineDeploymentState {
  object: MachineDeployment;
  /** The template `spec.template.spec.bootstrap.configRef` points at. */
  bootstrapTemplate?: KubeObject | undefined;
  /** The template `spec.template.spec.infrastructureRef` points at. */
  infrastructureTemplate?: KubeObject | undefined;
}

export interface CurrentState {
  infrastructureCluster?: KubeObject | undefined;
  controlPlane?: KubeObject | undefined;
  /** The template `spec.machineTemplate.spec.infrastructureRef` of the control plane points at. */
  controlPlaneInfrastructureMachineTemplate?: KubeObject | undefined;
  /** By MachineDeployment topology name (`topology.cluster.x-k8s.io/deployment-name`). */
  machineDeployments?: ReadonlyMap<string, CurrentMachineDeploymentState>;
}

/** What `versionFor` decides on. */
export interface VersionForInput {
  object: typeof CONTROL_PLANE | typeof MACHINE_DEPLOYMENT;
  /** The MachineDeployment topology name. */
  topologyName?: string;
  /** `spec.topology.version`. */
  topologyVersion: string;
  /** The version the current object runs; undefined for objects still to create. */
  currentVersion?: string | undefined;
}

/**
 * Upgrade sequencing decides whether a part may move to the topology version yet. Without it every part gets the
 * topology version.
 */
export type VersionFor = (input: VersionForInput) => string;

export interface ComputeDesiredStateInput {
  cluster: Cluster;
  clusterClass: ClusterClass;
  /** The ClusterClass templates, by `templateRefKey(templateRef)`. */
  templates: ReadonlyMap<string, KubeObject>;
  current?: CurrentState;
  versionFor?: VersionFor;
  /** The random part of new names; tests fix it. */
  random?: RandomSource;
}

export interface DesiredMachineDeploymentState {
  object: MachineDeployment;
  bootstrapTemplate: KubeObject;
  infrastructureTemplate: KubeObject;
  machineHealthCheck?: MachineHealthCheck;
}

export interface DesiredState {
  infrastructureCluster: KubeObject;
  controlPlane: KubeObject;
  /** Only when the ClusterClass gives control plane Machines an infrastructure template. */
  controlPlaneInfrastructureMachineTemplate?: KubeObject;
  /** In `workers.machineDeployments` order, by topology name. */
  machineDeployments: Map<string, DesiredMachineDeploymentState>;
  /** The control plane's (first, when there is one) and the MachineDeployments'. */
  machineHealthChecks: MachineHealthCheck[];
  /** External (Runtime SDK) patches of the ClusterClass, which were not applied here. */
  externalPatches: string[];
}

const topologyVersion: VersionFor = (input) => input.topologyVersion;

type Json = Record<string, unknown>;

/** A nested field of a loosely typed object (`spec.machineTemplate.spec.infrastructureRef.name`). */
function field(obj: unknown, ...path: string[]): unknown {
  let current = obj;
  for (const key of path) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Json)[key];
  }
  return current;
}
const stringField = (obj: unknown, ...path: string[]): string | undefined => {
  const value = field(obj, ...path);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

interface WorkerPlan {
  topology: MachineDeploymentTopology;
  mdClass: MachineDeploymentClass;
  current: CurrentMachineDeploymentState | undefined;
  name: string;
  version: string;
  newBootstrapTemplateName: string;
  newInfrastructureTemplateName: string;
}

export function computeDesiredState(input: ComputeDesiredStateInput): DesiredState {
  const { cluster, clusterClass } = input;
  const topology = cluster.spec.topology;
  if (!topology) throw new InvalidTopologyError({ object: 'Cluster' }, 'the Cluster has no spec.topology');
  const current = input.current ?? {};
  const versionFor = input.versionFor ?? topologyVersion;
  const random = input.random ? { random: input.random } : {};
  const clusterName = cluster.metadata?.name ?? '';

  const template = (ref: TemplateRef, subject: DesiredStateErrorSubject): KubeObject => {
    const found = input.templates.get(templateRefKey(ref));
    if (!found) throw new MissingTemplateError(subject, ref);
    return structuredClone(found);
  };

  // Templates first, so a missing one is reported before anything else is computed.
  const classCP = clusterClass.spec.controlPlane;
  const infraClusterTemplate = template(clusterClass.spec.infrastructure.templateRef, {
    object: INFRASTRUCTURE_CLUSTER,
  });
  const cpTemplate = template(classCP.templateRef, { object: CONTROL_PLANE });
  const cpMachineTemplate = classCP.machineInfrastructure
    ? template(classCP.machineInfrastructure.templateRef, {
        object: CONTROL_PLANE_INFRASTRUCTURE_MACHINE_TEMPLATE,
      })
    : undefined;

  // Names and versions: patches see them as builtins.
  const infraName = infrastructureClusterName({
    cluster,
    clusterClass,
    currentName: current.infrastructureCluster?.metadata.name ?? cluster.spec.infrastructureRef?.name,
    ...random,
  });
  const cpName = controlPlaneName({
    cluster,
    clusterClass,
    currentName: current.controlPlane?.metadata.name ?? cluster.spec.controlPlaneRef?.name,
    ...random,
  });
  const cpVersion = versionFor({
    object: CONTROL_PLANE,
    topologyVersion: topology.version,
    currentVersion: stringField(current.controlPlane, 'spec', 'version'),
  });
  const newCPMachineTemplateName = simpleName(templateNamePrefix(clusterName), input.random);
  const currentCPMachineTemplateName =
    current.controlPlaneInfrastructureMachineTemplate?.metadata.name ??
    stringField(current.controlPlane, 'spec', 'machineTemplate', 'spec', 'infrastructureRef', 'name');

  const workers: WorkerPlan[] = (topology.workers?.machineDeployments ?? []).map((mdTopology) => {
    const mdClass = machineDeploymentClassFor(clusterClass, mdTopology);
    const mdCurrent = current.machineDeployments?.get(mdTopology.name);
    const prefix = templateNamePrefix(clusterName, mdTopology.name);
    return {
      topology: mdTopology,
      mdClass,
      current: mdCurrent,
      name: machineDeploymentName({
        cluster,
        mdClass,
        topology: mdTopology,
        currentName: mdCurrent?.object.metadata?.name,
        ...random,
      }),
      version: versionFor({
        object: MACHINE_DEPLOYMENT,
        topologyName: mdTopology.name,
        topologyVersion: topology.version,
        currentVersion: mdCurrent?.object.spec.template.spec.version,
      }),
      newBootstrapTemplateName: simpleName(prefix, input.random),
      newInfrastructureTemplateName: simpleName(prefix, input.random),
    };
  });
  const workerTemplates: Record<string, WorkerTemplates> = {};
  const workerBuiltins: Record<string, MachineDeploymentBuiltins> = {};
  for (const w of workers) {
    const subject = { object: MACHINE_DEPLOYMENT, topologyName: w.topology.name };
    const overrides = w.topology.variables?.overrides;
    workerTemplates[w.topology.name] = {
      class: w.mdClass.class,
      bootstrapTemplate: template(w.mdClass.bootstrap.templateRef, subject) as TemplateObject,
      infrastructureTemplate: template(w.mdClass.infrastructure.templateRef, subject) as TemplateObject,
      ...(overrides ? { variableOverrides: overrides } : {}),
    };
    const bootstrapName =
      w.current?.bootstrapTemplate?.metadata.name ??
      w.current?.object.spec.template.spec.bootstrap.configRef?.name;
    const infraTemplateName =
      w.current?.infrastructureTemplate?.metadata.name ??
      w.current?.object.spec.template.spec.infrastructureRef.name;
    workerBuiltins[w.topology.name] = machineDeploymentBuiltins({
      topologyName: w.topology.name,
      class: w.mdClass.class,
      name: w.name,
      version: w.version,
      ...(w.topology.replicas !== undefined ? { replicas: w.topology.replicas } : {}),
      ...(w.topology.metadata ? { metadata: w.topology.metadata } : {}),
      bootstrapTemplateName: bootstrapName || w.newBootstrapTemplateName,
      infrastructureTemplateName: infraTemplateName || w.newInfrastructureTemplateName,
    });
  }

  const cpTopology = topology.controlPlane;
  const patched = applyInlinePatches({
    patches: clusterClass.spec.patches,
    ...(topology.variables ? { clusterVariables: topology.variables } : {}),
    builtins: {
      cluster: clusterBuiltins(cluster),
      controlPlane: controlPlaneBuiltins({
        name: cpName,
        version: cpVersion,
        ...(cpTopology?.replicas !== undefined ? { replicas: cpTopology.replicas } : {}),
        ...(cpTopology?.metadata ? { metadata: cpTopology.metadata } : {}),
        ...(cpMachineTemplate
          ? { infrastructureMachineTemplateName: currentCPMachineTemplateName || newCPMachineTemplateName }
          : {}),
      }),
      machineDeployments: workerBuiltins,
    },
    desired: {
      infrastructureClusterTemplate: infraClusterTemplate as TemplateObject,
      controlPlaneTemplate: cpTemplate as TemplateObject,
      ...(cpMachineTemplate
        ? { controlPlaneInfrastructureMachineTemplate: cpMachineTemplate as TemplateObject }
        : {}),
      ...(cpTopology?.variables?.overrides
        ? { controlPlaneVariableOverrides: cpTopology.variables.overrides }
        : {}),
      machineDeployments: workerTemplates,
    },
  });
  const desired = patched.desired;

  const controlPlaneInfrastructureMachineTemplate = desired.controlPlaneInfrastructureMachineTemplate
    ? computeControlPlaneInfrastructureMachineTemplate({
        cluster,
        clusterClass,
        template: desired.controlPlaneInfrastructureMachineTemplate as KubeObject,
        current: current.controlPlaneInfrastructureMachineTemplate,
        newName: newCPMachineTemplateName,
      })
    : undefined;
  const controlPlane = computeControlPlane({
    cluster,
    clusterClass,
    template: desired.controlPlaneTemplate as KubeObject,
    name: cpName,
    version: cpVersion,
    infrastructureMachineTemplate: controlPlaneInfrastructureMachineTemplate,
  });
  const machineHealthChecks: MachineHealthCheck[] = [];
  const cpMHC = computeControlPlaneMachineHealthCheck(cluster, clusterClass, controlPlane);
  if (cpMHC) machineHealthChecks.push(cpMHC);

  const machineDeployments = new Map<string, DesiredMachineDeploymentState>();
  for (const w of workers) {
    const patchedTemplates = desired.machineDeployments?.[w.topology.name];
    if (!patchedTemplates) continue;
    const templates = computeMachineDeploymentTemplates({
      cluster,
      mdClass: w.mdClass,
      topology: w.topology,
      bootstrapTemplate: patchedTemplates.bootstrapTemplate as KubeObject,
      infrastructureTemplate: patchedTemplates.infrastructureTemplate as KubeObject,
      currentBootstrapTemplate: w.current?.bootstrapTemplate,
      currentInfrastructureTemplate: w.current?.infrastructureTemplate,
      newBootstrapTemplateName: w.newBootstrapTemplateName,
      newInfrastructureTemplateName: w.newInfrastructureTemplateName,
    });
    const object = computeMachineDeployment({
      cluster,
      mdClass: w.mdClass,
      topology: w.topology,
      name: w.name,
      version: w.version,
      ...templates,
    });
    const mhc = computeMachineDeploymentMachineHealthCheck(cluster, w.mdClass, w.topology, object);
    if (mhc) machineHealthChecks.push(mhc);
    machineDeployments.set(w.topology.name, {
      object,
      ...templates,
      ...(mhc ? { machineHealthCheck: mhc } : {}),
    });
  }

  return {
    infrastructureCluster: computeInfrastructureCluster({
      cluster,
      clusterClass,
      template: desired.infrastructureClusterTemplate as KubeObject,
      name: infraName,
    }),
    controlPlane,
    ...(controlPlaneInfrastructureMachineTemplate ? { controlPlaneInfrastructureMachineTemplate } : {}),
    machineDeployments,
    machineHealthChecks,
    externalPatches: patched.externalPatches,
  };
}
