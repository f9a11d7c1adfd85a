import { templateKindSchema } from '../../../core/api/openapi/crd.js';
import { quantity } from '../../../core/api/openapi/kubernetes-schemas.js';
import { map, object, required, type Static } from '../../../core/api/openapi/schema-builder.js';
import { ageColumn, objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { devMachineSpec } from './dev-machine-types.js';
import { GROUP } from './group.js';

export const DevMachineTemplateSchema = templateKindSchema(
  'DevMachineTemplate',
  'A DevMachine blueprint; MachineDeployments, MachineSets and control planes create DevMachines from it.',
  object(
    {
      metadata: objectMeta('Labels and annotations for objects created from the template.'),
      spec: required(devMachineSpec()),
    },
    { description: 'The DevMachine to create.' },
  ),
  {
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
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'DevMachineTemplate',
    plural: 'devmachinetemplates',
    version: { schema: DevMachineTemplateSchema, status: true, printerColumns: [ageColumn()] },
  });
