// Shapes the dev kinds share. Cluster API core types (APIEndpoint, FailureDomain, MachineAddress, ObjectMeta)
// come from src/core/api/v1beta2; what is here belongs to the provider contract.
import { boolean, object } from '../../../core/api/openapi/schema-builder.js';

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
