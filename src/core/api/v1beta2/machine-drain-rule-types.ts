import { customResourceDefinition, kindSchema, objectMetadata } from '../openapi/crd.js';
import { labelSelector } from '../openapi/kubernetes-schemas.js';
import { array, int32, object, required, type Static, stringEnum } from '../openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY, GROUP } from './group.js';

/** How Pods matched by a MachineDrainRule are treated when a Machine is drained. */
export const MachineDrainRuleDrainBehavior = {
  Drain: 'Drain',
  Skip: 'Skip',
  WaitCompleted: 'WaitCompleted',
} as const;

const uniqueEntries = (field: string) => ({
  rule: 'self.all(x, self.exists_one(y, x == y))',
  message: `entries in ${field} must be unique`,
});

export const MachineDrainRuleSchema = kindSchema('Rules for draining Pods when Machines are deleted.', {
  metadata: required(objectMetadata()),
  spec: required(
    object(
      {
        drain: required(
          object(
            {
              behavior: required(
                stringEnum(['Drain', 'Skip', 'WaitCompleted'] as const, {
                  description:
                    'Drain evicts the Pods (in `order`), Skip leaves them, WaitCompleted waits until they complete.',
                }),
              ),
              order: int32({
                description:
                  'Pods with a lower order are drained first; only with behavior Drain. Default 0.',
              }),
            },
            { description: 'If and how matching Pods are drained.' },
          ),
        ),
        machines: array(
          object(
            {
              clusterSelector: labelSelector('Selects the Clusters whose Machines the rule applies to.'),
              selector: labelSelector('Selects the Machines the rule applies to.'),
            },
            { minProperties: 1 },
          ),
          {
            description: 'The Machines the rule applies to (all when omitted); entries are ORed.',
            listType: 'atomic',
            minItems: 1,
            maxItems: 32,
            validations: [uniqueEntries('machines')],
          },
        ),
        pods: array(
          object(
            {
              namespaceSelector: labelSelector('Selects the namespaces of the Pods.'),
              selector: labelSelector('Selects the Pods the rule applies to.'),
            },
            { minProperties: 1 },
          ),
          {
            description: 'The Pods the rule applies to (all when omitted); entries are ORed.',
            listType: 'atomic',
            minItems: 1,
            maxItems: 32,
            validations: [uniqueEntries('pods')],
          },
        ),
      },
      { description: 'The desired behaviour of the MachineDrainRule.' },
    ),
  ),
});

export type MachineDrainRule = Static<typeof MachineDrainRuleSchema>;

export const machineDrainRuleCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'MachineDrainRule',
    plural: 'machinedrainrules',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: MachineDrainRuleSchema,
        printerColumns: [
          {
            name: 'Behavior',
            type: 'string',
            jsonPath: '.spec.drain.behavior',
            description: 'Drain behavior',
          },
          { name: 'Order', type: 'string', jsonPath: '.spec.drain.order', description: 'Drain order' },
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
