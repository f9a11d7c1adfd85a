import { customResourceDefinition, kindSchema, objectMetadata } from '../../openapi/crd.js';
import { int32, object, required, type Static, string } from '../../openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY } from '../../v1beta2/group.js';
import {
  ageColumn,
  DNS1123_SUBDOMAIN_PATTERN,
  KIND_PATTERN,
  objectName,
} from '../../v1beta2/common-types.js';
import { GROUP } from './group.js';

/**
 * The pool an address is allocated from: an object of an IPAM provider (any group but the core one), in the
 * namespace of the claim or address that references it.
 */
export const ipPoolReference = (description: string) =>
  object(
    {
      apiGroup: required(
        string({
          description: 'API group of the pool kind (a DNS subdomain; pools never live in the core group).',
          minLength: 1,
          maxLength: 253,
          pattern: DNS1123_SUBDOMAIN_PATTERN,
        }),
      ),
      kind: required(
        string({
          description: 'Kind of the pool, e.g. InClusterIPPool.',
          minLength: 1,
          maxLength: 63,
          pattern: KIND_PATTERN,
        }),
      ),
      name: required(objectName('Name of the pool.')),
    },
    { description },
  );

/** An IP address written in text: the longest IPv6 form has 39 characters. */
const ipText = (description: string) => string({ description, minLength: 1, maxLength: 39 });

export const IPAddressSchema = kindSchema(
  'One IP address an IPAM provider allocated from a pool to fulfil an IPAddressClaim.',
  {
    metadata: objectMetadata(),
    spec: required(
      object(
        {
          address: required(ipText('The IP address (IPv4 or IPv6), without prefix length.')),
          claimRef: required(
            object(
              { name: required(objectName('Name of the IPAddressClaim, in the same namespace.')) },
              { description: 'The IPAddressClaim this address was allocated for.' },
            ),
          ),
          gateway: ipText('The gateway of the network the address belongs to, of the same IP family.'),
          poolRef: required(ipPoolReference('The pool the address was allocated from.')),
          prefix: required(
            int32({
              description: 'Prefix length of the network (at most 32 for IPv4, 128 for IPv6).',
              minimum: 0,
              maximum: 128,
            }),
          ),
        },
        { description: 'The allocated address and where it comes from. Immutable.' },
      ),
    ),
  },
);

export type IPAddress = Static<typeof IPAddressSchema>;
export type IPAddressSpec = IPAddress['spec'];
export type IPPoolReference = Static<ReturnType<typeof ipPoolReference>>;

export const ipAddressCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'IPAddress',
    plural: 'ipaddresses',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: IPAddressSchema,
        printerColumns: [
          { name: 'Address', type: 'string', jsonPath: '.spec.address', description: 'The IP address' },
          {
            name: 'Pool Name',
            type: 'string',
            jsonPath: '.spec.poolRef.name',
            description: 'Pool the address was allocated from',
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
