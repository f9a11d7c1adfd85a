// The two ways a topology turns a ClusterClass template into something to apply (upstream's `templateToObject`
// and `templateToTemplate`), the metadata precedence shared by all parts, and template rotation.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { parseApiVersion } from '../../../controller-runtime/api/object.js';
import {
  ownerReferenceFor,
  type OwnerReference,
} from '../../../controller-runtime/helpers/owner-references.js';
import {
  Annotation,
  Label,
  type Cluster,
  type ContractVersionedObjectReference,
} from '../../api/v1beta2/index.js';
import { generateFromTemplate, groupKindString } from '../../util/template-clone.js';
import { simpleName, type RandomSource } from './names.js';

/** kubectl's client-side apply record; never copied onto clones. */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** `capi move`'s bookkeeping on the objects it copied (their source UID, …): about the template, not a clone. */
const MOVE_ANNOTATION_PREFIX = 'move.capi-ts.io/';

/** A ClusterClass template reference (`templateRef`). */
export interface TemplateRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** The key of a template in `ComputeDesiredStateInput.templates`. */
export const templateRefKey = (ref: TemplateRef): string => `${ref.apiVersion}/${ref.kind}/${ref.name}`;

/** Labels and annotations of a topology part. */
export interface Metadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Cluster topology metadata wins over ClusterClass metadata, key by key. */
export function mergeMetadata(
  topology: Metadata | undefined,
  clusterClass: Metadata | undefined,
): Required<Metadata> {
  return {
    labels: { ...clusterClass?.labels, ...topology?.labels },
    annotations: { ...clusterClass?.annotations, ...topology?.annotations },
  };
}

/** The v1beta2 contract reference to an object (`apiGroup`, `kind`, `name`). */
export function contractRefTo(obj: KubeObject): ContractVersionedObjectReference {
  return {
    apiGroup: parseApiVersion(obj.apiVersion ?? '').group,
    kind: obj.kind ?? '',
    name: obj.metadata.name ?? '',
  };
}

/** The labels every object a topology manages carries. */
export const topologyLabels = (clusterName: string): Record<string, string> => ({
  [Label.ClusterName]: clusterName,
  [Label.ClusterTopologyOwned]: '',
});

/** An owner reference to the Cluster when it has been read from the API server (has a uid). */
export function clusterOwnerReference(cluster: Cluster): OwnerReference | undefined {
  if (!cluster.metadata?.uid || !cluster.metadata?.name) return undefined;
  return ownerReferenceFor({
    apiVersion: cluster.apiVersion,
    kind: cluster.kind,
    metadata: cluster.metadata ?? {},
  });
}

export interface ObjectFromTemplateInput {
  /** The (patched) ClusterClass template. */
  template: KubeObject;
  /** Where it came from: the ClusterClass `templateRef` (the clone records its name and group kind). */
  clonedFrom: TemplateRef;
  cluster: Cluster;
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The object a template's `spec.template` describes, with the topology labels and cloned-from annotations. */
export function objectFromTemplate(input: ObjectFromTemplateInput): KubeObject {
  const obj = generateFromTemplate({
    template: { ...input.template, metadata: { ...input.template.metadata, name: input.clonedFrom.name } },
    namespace: input.cluster.metadata?.namespace ?? '',
    name: input.name,
    clusterName: input.cluster.metadata?.name ?? '',
    labels: { ...input.labels, ...topologyLabels(input.cluster.metadata?.name ?? '') },
    ...(input.annotations ? { annotations: input.annotations } : {}),
  });
  obj.metadata.annotations = {
    ...obj.metadata.annotations,
    [Annotation.TemplateClonedFromGroupKind]: groupKindString(
      input.clonedFrom.apiVersion,
      input.clonedFrom.kind,
    ),
  };
  return obj;
}

export interface CloneTemplateInput {
  /** The (patched) ClusterClass template. */
  template: KubeObject;
  clonedFrom: TemplateRef;
  cluster: Cluster;
  /** Extra labels (e.g. the MachineDeployment topology name). */
  labels?: Record<string, string>;
  /** New clones are named `<namePrefix><random>`... */
  namePrefix: string;
  /** ...unless a new name was chosen beforehand (so patches saw it as a builtin). */
  newName?: string | undefined;
  /** The template the current object references, when there is one. */
  current?: KubeObject | undefined;
  random?: RandomSource;
}

/**
 * A per-Cluster copy of a ClusterClass template. Templates are treated as immutable: when the current clone's
 * `spec` equals the desired one its name is kept, otherwise the clone gets a new name (template rotation) and the
 * object referencing it rolls out.
 */
export function cloneTemplate(input: CloneTemplateInput): KubeObject {
  const clusterName = input.cluster.metadata?.name ?? '';
  const source = structuredClone(input.template);
  const {
    resourceVersion: _rv,
    uid: _uid,
    selfLink: _self,
    finalizers: _fin,
    managedFields: _mf,
    creationTimestamp: _ct,
    generation: _gen,
    ownerReferences: _owners,
    ...meta
  } = source.metadata;
  const annotations: Record<string, string> = {
    ...meta.annotations,
    [Annotation.TemplateClonedFromName]: input.clonedFrom.name,
    [Annotation.TemplateClonedFromGroupKind]: groupKindString(
      input.clonedFrom.apiVersion,
      input.clonedFrom.kind,
    ),
  };
  delete annotations[LAST_APPLIED_ANNOTATION];
  for (const key of Object.keys(annotations))
    if (key.startsWith(MOVE_ANNOTATION_PREFIX)) delete annotations[key];
  const owner = clusterOwnerReference(input.cluster);
  const clone: KubeObject = {
    ...source,
    metadata: {
      ...meta,
      name: keepOrRotateName(source, input),
      namespace: input.cluster.metadata?.namespace ?? '',
      labels: { ...meta.labels, ...input.labels, ...topologyLabels(clusterName) },
      annotations,
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
  };
  return clone;
}

function keepOrRotateName(desired: KubeObject, input: CloneTemplateInput): string {
  const current = input.current;
  if (current?.metadata.name && isDeepStrictEqual(current['spec'], desired['spec']))
    return current.metadata.name;
  return input.newName ?? simpleName(input.namePrefix, input.random);
}
