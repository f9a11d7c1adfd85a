import { customResourceDefinition, kindSchema, objectMetadata } from '../../openapi/crd.js';
import {
  array,
  boolean,
  dateTime,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY } from '../../v1beta2/group.js';
import { GROUP } from './group.js';

/** What happened to one resource of a ClusterResourceSet on the binding's cluster. */
export const resourceBinding = () =>
  object({
    applied: required(boolean({ description: 'Whether the resource has been applied to the cluster.' })),
    hash: string({
      description: 'Hash of the resource content last applied; the Reconcile strategy re-applies on change.',
      maxLength: 256,
      minLength: 1,
    }),
    kind: required(stringEnum(['Secret', 'ConfigMap'] as const, { description: 'Secret or ConfigMap.' })),
    lastAppliedTime: dateTime({ description: 'When the resource was last applied.' }),
    name: required(
      string({
        description: 'Name of the Secret or ConfigMap in the namespace of the ClusterResourceSet.',
        maxLength: 253,
        minLength: 1,
      }),
    ),
  });

/** The resources one ClusterResourceSet applied to the binding's cluster. */
export const resourceSetBinding = () =>
  object({
    clusterResourceSetName: required(
      string({ description: 'Name of the ClusterResourceSet.', maxLength: 253, minLength: 1 }),
    ),
    resources: array(resourceBinding(), {
      description: 'Each resource of the ClusterResourceSet and whether it was applied.',
      listType: 'atomic',
      maxItems: 100,
    }),
  });

export const ClusterResourceSetBindingSchema = kindSchema(
  'Records, for one Cluster (same name), which ClusterResourceSets were applied to it and how.',
  {
    metadata: objectMetadata(),
    spec: required(
      object(
        {
          bindings: array(resourceSetBinding(), {
            description: 'One entry per ClusterResourceSet matching the Cluster.',
            listType: 'atomic',
            maxItems: 100,
          }),
          clusterName: required(
            string({
              description: 'Name of the Cluster this binding belongs to.',
              maxLength: 63,
              minLength: 1,
            }),
          ),
        },
        { description: 'The ClusterResourceSets bound to the Cluster.' },
      ),
    ),
  },
);

export type ClusterResourceSetBinding = Static<typeof ClusterResourceSetBindingSchema>;
export type ClusterResourceSetBindingSpec = ClusterResourceSetBinding['spec'];
export type ResourceSetBinding = Static<ReturnType<typeof resourceSetBinding>>;
export type ResourceBinding = Static<ReturnType<typeof resourceBinding>>;

export const clusterResourceSetBindingCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'ClusterResourceSetBinding',
    plural: 'clusterresourcesetbindings',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: ClusterResourceSetBindingSchema,
        printerColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
          {
            name: 'Age',
            type: 'date',
            jsonPath: '.metadata.creationTimestamp',
            description: 'Time since creation',
          },
        ],
      },
    ],
  });
