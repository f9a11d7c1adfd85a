import { customResourceDefinition, kindSchema, objectMetadata } from '../../openapi/crd.js';
import { metav1Conditions } from '../../openapi/kubernetes-schemas.js';
import { object, required, type Static } from '../../openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY } from '../../v1beta2/group.js';
import { ageColumn, clusterName, deprecatedStatus, objectName } from '../../v1beta2/common-types.js';
import { GROUP } from './group.js';
import { ipPoolReference } from './ip-address-types.js';

export const IPAddressClaimSchema = kindSchema(
  'A request for one IP address from a pool; the IPAM provider of the pool answers with an IPAddress.',
  {
    metadata: objectMetadata(),
    spec: required(
      object(
        {
          clusterName: clusterName('The Cluster the claim is made for, if any.'),
          poolRef: required(ipPoolReference('The pool to allocate the address from.')),
        },
        { description: 'Which pool to allocate from. Immutable.' },
      ),
    ),
    status: object(
      {
        addressRef: object(
          { name: required(objectName('Name of the IPAddress, in the same namespace.')) },
          { description: 'The IPAddress allocated for this claim, once there is one.' },
        ),
        conditions: metav1Conditions('Ready, one entry per condition type.'),
        deprecated: deprecatedStatus({}),
      },
      { description: 'The observed state of the claim.', minProperties: 1 },
    ),
  },
);

export type IPAddressClaim = Static<typeof IPAddressClaimSchema>;
export type IPAddressClaimSpec = IPAddressClaim['spec'];
export type IPAddressClaimStatus = NonNullable<IPAddressClaim['status']>;

export const ipAddressClaimCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'IPAddressClaim',
    plural: 'ipaddressclaims',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: IPAddressClaimSchema,
        status: true,
        printerColumns: [
          {
            name: 'Pool Name',
            type: 'string',
            jsonPath: '.spec.poolRef.name',
            description: 'Pool to allocate the address from',
          },
          {
            name: 'Pool Kind',
            type: 'string',
            jsonPath: '.spec.poolRef.kind',
            description: 'Kind of that pool',
          },
          ageColumn(),
        ],
      },
    ],
  });
