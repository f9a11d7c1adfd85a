import { customResourceDefinition, kindSchema, objectMetadata } from '../../openapi/crd.js';
import { labelSelector, metav1Conditions, v1beta1Conditions } from '../../openapi/kubernetes-schemas.js';
import {
  array,
  int64,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY } from '../../v1beta2/group.js';
import { GROUP } from './group.js';

/** A Secret or ConfigMap, in the ClusterResourceSet's namespace, whose data holds manifests to apply. */
export const resourceRef = () =>
  object({
    kind: required(stringEnum(['Secret', 'ConfigMap'] as const, { description: 'Secret or ConfigMap.' })),
    name: required(
      string({
        description: 'Name of the Secret or ConfigMap in the namespace of the ClusterResourceSet.',
        maxLength: 253,
        minLength: 1,
      }),
    ),
  });

export const ClusterResourceSetSchema = kindSchema(
  'Manifests (from Secrets and ConfigMaps) applied to every workload cluster whose labels match a selector.',
  {
    metadata: objectMetadata(),
    spec: required(
      object(
        {
          clusterSelector: required(
            labelSelector(
              'Selects the Clusters, in the same namespace, the resources are applied to; an empty selector ' +
                'selects none. Immutable.',
            ),
          ),
          resources: required(
            array(resourceRef(), {
              description: 'Secrets and ConfigMaps whose manifests are applied.',
              listType: 'atomic',
              minItems: 1,
              maxItems: 100,
            }),
          ),
          strategy: stringEnum(['ApplyOnce', 'Reconcile'] as const, {
            description:
              'ApplyOnce (the default) applies each resource once; Reconcile re-applies it when its content ' +
              'changes. Immutable.',
          }),
        },
        { description: 'Which clusters get which resources, and how.' },
      ),
    ),
    status: object(
      {
        conditions: metav1Conditions('ResourcesApplied and Paused, one per condition type.'),
        deprecated: object(
          {
            v1beta1: object(
              { conditions: v1beta1Conditions() },
              { description: 'Fields only clients of the v1beta1 API still read.' },
            ),
          },
          { description: 'Fields kept for older API versions; removed with them.' },
        ),
        observedGeneration: int64({
          description: 'The generation of the spec the status was computed from.',
          minimum: 1,
        }),
      },
      { description: 'The observed state of the ClusterResourceSet.', minProperties: 1 },
    ),
  },
);

export type ClusterResourceSet = Static<typeof ClusterResourceSetSchema>;
export type ClusterResourceSetSpec = ClusterResourceSet['spec'];
export type ClusterResourceSetStatus = NonNullable<ClusterResourceSet['status']>;
export type ResourceRef = Static<ReturnType<typeof resourceRef>>;

export const clusterResourceSetCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'ClusterResourceSet',
    plural: 'clusterresourcesets',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: ClusterResourceSetSchema,
        status: true,
        printerColumns: [
          {
            name: 'Applied',
            type: 'string',
            jsonPath: '.status.conditions[?(@.type=="ResourcesApplied")].status',
            description: 'Whether the resources are applied',
          },
          {
            name: 'Paused',
            type: 'string',
            jsonPath: '.status.conditions[?(@.type=="Paused")].status',
            description: 'Whether reconciliation is paused',
            priority: 10,
          },
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
