import { customResourceDefinition, kindSchema, objectMetadata } from '../../../core/api/openapi/crd.js';
import { quantity } from '../../../core/api/openapi/kubernetes-schemas.js';
import { map, object, required, type Static } from '../../../core/api/openapi/schema-builder.js';
import { objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { CLUSTER_API_CATEGORY } from '../../../core/api/v1beta2/group.js';
import { CONTRACT_LABELS } from '../../../core/api/v1beta2/well-known.js';
import { ageColumn } from './dev-cluster-types.js';
import { devMachineSpec } from './dev-machine-types.js';
import { GROUP } from './group.js';

export const DevMachineTemplateSchema = kindSchema(
  'A DevMachine blueprint; MachineDeployments, MachineSets and control planes create DevMachines from it.',
  {
    metadata: objectMetadata(),
    spec: object(
      {
        template: required(
          object(
            {
              metadata: objectMeta('Labels and annotations for objects created from the template.'),
              spec: required(devMachineSpec()),
            },
            { description: 'The DevMachine to create.' },
          ),
        ),
      },
      { description: 'The desired state of the DevMachineTemplate.' },
    ),
    status: object(
      {
        capacity: map(quantity(), {
          description:
            'Resources (cpu, memory, ...) one machine from this template offers; lets the cluster ' +
            'autoscaler scale a node group up from zero.',
        }),
      },
      { description: 'The observed state of the DevMachineTemplate.' },
    ),
  },
);

export type DevMachineTemplate = Static<typeof DevMachineTemplateSchema>;
export type DevMachineTemplateSpec = NonNullable<DevMachineTemplate['spec']>;
export type DevMachineTemplateStatus = NonNullable<DevMachineTemplate['status']>;

export const devMachineTemplateCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'DevMachineTemplate',
    plural: 'devmachinetemplates',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    labels: { ...CONTRACT_LABELS },
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: DevMachineTemplateSchema,
        status: true,
        printerColumns: [{ ...ageColumn }],
      },
    ],
  });
