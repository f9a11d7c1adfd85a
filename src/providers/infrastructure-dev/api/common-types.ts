// Cluster API core types (upstream's api/core/v1beta2) that the dev kinds embed. They live here until
// src/core/api/v1beta2 exports its own; the schemas are the same facts either way.
import {
  array,
  boolean,
  int32,
  map,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../../core/api/openapi/schema-builder.js';

/** clusterv1.APIEndpoint: where the workload cluster's API server is reached. */
export const apiEndpoint = (description: string) =>
  object(
    {
      host: string({ description: 'DNS name or IP address of the endpoint.', maxLength: 512, minLength: 1 }),
      port: int32({ description: 'TCP port of the endpoint.', minimum: 1, maximum: 65535 }),
    },
    { description, minProperties: 1 },
  );

/** clusterv1.FailureDomain: a place Machines can be spread over. */
export const failureDomain = () =>
  object({
    attributes: map(string(), { description: 'Free-form details about the failure domain.' }),
    controlPlane: boolean({ description: 'Whether control plane Machines may be placed here.' }),
    name: required(string({ description: 'Name of the failure domain.', maxLength: 256, minLength: 1 })),
  });

/** A list of failure domains keyed by name, as DevCluster spec and status carry it. */
export const failureDomains = (description: string) =>
  array(failureDomain(), { description, listType: 'map', listMapKeys: ['name'], minItems: 1, maxItems: 100 });

/** clusterv1.MachineAddress: one address of a machine. */
export const machineAddress = () =>
  object({
    address: required(string({ description: 'The address.', maxLength: 256, minLength: 1 })),
    type: required(
      stringEnum(['Hostname', 'ExternalIP', 'InternalIP', 'ExternalDNS', 'InternalDNS'] as const, {
        description: 'What kind of address this is.',
      }),
    ),
  });

/** clusterv1.ObjectMeta: the labels and annotations a template gives the objects cloned from it. */
export const templateObjectMeta = () =>
  object(
    {
      annotations: map(string(), { description: 'Annotations copied to objects created from the template.' }),
      labels: map(string(), { description: 'Labels copied to objects created from the template.' }),
    },
    { description: 'Labels and annotations for objects created from the template.', minProperties: 1 },
  );

/** `status.initialization` of provider objects (contract v1beta2). */
export const initializationStatus = (description: string) =>
  object(
    {
      provisioned: boolean({
        description: 'True once the infrastructure is provisioned; Cluster API waits for it.',
      }),
    },
    { description, minProperties: 1 },
  );

export type APIEndpoint = Static<ReturnType<typeof apiEndpoint>>;
export type FailureDomain = Static<ReturnType<typeof failureDomain>>;
export type MachineAddress = Static<ReturnType<typeof machineAddress>>;
export type ObjectMeta = Static<ReturnType<typeof templateObjectMeta>>;
