import { customResourceDefinition, kindSchema } from '../openapi/crd.js';
import { metav1Conditions } from '../openapi/kubernetes-schemas.js';
import {
  anyValue,
  array,
  boolean,
  int64,
  map,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../openapi/schema-builder.js';
import {
  ageColumn,
  API_VERSION_PATTERN,
  classHealthCheck,
  conditionColumn,
  conditionGates,
  deletionOrder,
  deprecatedStatus,
  failureDomain,
  KIND_PATTERN,
  kubernetesVersion,
  machineDeletionSpec,
  machineDeletionTimeouts,
  machineDeploymentHealthCheckRemediation,
  machineDeploymentRolloutStrategy,
  machineHealthCheckRemediation,
  machineTaints,
  minReadySeconds,
  objectMeta,
  observedGeneration,
  pausedColumn,
  templateReference,
  topologyNaming,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';

/** `status.variables[].definitions[].from` of variables defined inline in the ClusterClass. */
export const VARIABLE_DEFINITION_FROM_INLINE = 'inline';

/** A required `templateRef` wrapped in the object ClusterClass uses for each template it names. */
const templated = (description: string) =>
  object({ templateRef: required(templateReference(description)) }, { description });

const className = (description: string) => string({ description, minLength: 1, maxLength: 256 });

const int64Field = (description: string) => int64({ description });

/**
 * The OpenAPI schema of a ClusterClass variable: a subset of JSONSchemaProps. Nested schemas (properties,
 * items, ...) are kept as given; the ClusterClass webhook validates them.
 */
const variableSchema = () =>
  object(
    {
      openAPIV3Schema: required(
        object(
          {
            additionalProperties: anyValue({ description: 'Schema of the values of a map.' }),
            allOf: anyValue({ description: 'Schemas that must all hold.' }),
            anyOf: anyValue({ description: 'Schemas of which at least one must hold.' }),
            default: anyValue({ description: 'The default value.' }),
            description: string({ description: 'What the variable is for.', minLength: 1, maxLength: 4096 }),
            enum: array(anyValue(), {
              description: 'The allowed values.',
              maxItems: 100,
              listType: 'atomic',
            }),
            example: anyValue({ description: 'An example value.' }),
            exclusiveMaximum: boolean({ description: 'Whether maximum itself is excluded.' }),
            exclusiveMinimum: boolean({ description: 'Whether minimum itself is excluded.' }),
            format: string({
              description: 'A format such as uri or date-time.',
              minLength: 1,
              maxLength: 32,
            }),
            items: anyValue({ description: 'Schema of the items of an array.' }),
            maxItems: int64Field('Most items an array may have.'),
            maxLength: int64Field('Longest a string may be.'),
            maxProperties: int64Field('Most properties an object may have.'),
            maximum: int64Field('Largest allowed number.'),
            minItems: int64Field('Fewest items an array may have.'),
            minLength: int64Field('Shortest a string may be.'),
            minProperties: int64Field('Fewest properties an object may have.'),
            minimum: int64Field('Smallest allowed number.'),
            not: anyValue({ description: 'A schema that must not hold.' }),
            oneOf: anyValue({ description: 'Schemas of which exactly one must hold.' }),
            pattern: string({
              description: 'A regular expression strings must match.',
              minLength: 1,
              maxLength: 512,
            }),
            properties: anyValue({ description: 'Schemas of the fields of an object.' }),
            required: array(string({ minLength: 1, maxLength: 256 }), {
              description: 'Fields an object must have.',
              minItems: 1,
              maxItems: 1000,
              listType: 'atomic',
            }),
            type: stringEnum(['object', 'array', 'string', 'integer', 'number', 'boolean'] as const, {
              description: 'The type of the value.',
            }),
            uniqueItems: boolean({ description: 'Whether the items of an array must be unique.' }),
            'x-kubernetes-int-or-string': boolean({
              description: 'Whether an integer or a string is accepted.',
            }),
            'x-kubernetes-preserve-unknown-fields': boolean({
              description: 'Whether fields the schema does not list are kept.',
            }),
            'x-kubernetes-validations': array(
              object({
                fieldPath: string({
                  description: 'The field a failure is reported on.',
                  minLength: 1,
                  maxLength: 512,
                }),
                message: string({ description: 'The message of a failure.', minLength: 1, maxLength: 512 }),
                messageExpression: string({
                  description: 'A CEL expression that computes the message of a failure.',
                  minLength: 1,
                  maxLength: 1024,
                }),
                reason: stringEnum(
                  [
                    'FieldValueInvalid',
                    'FieldValueForbidden',
                    'FieldValueRequired',
                    'FieldValueDuplicate',
                  ] as const,
                  { description: 'The reason reported on failure.', default: 'FieldValueInvalid' },
                ),
                rule: required(
                  string({ description: 'The CEL expression to evaluate.', minLength: 1, maxLength: 4096 }),
                ),
              }),
              {
                description: 'CEL validation rules.',
                minItems: 1,
                maxItems: 100,
                listType: 'map',
                listMapKeys: ['rule'],
              },
            ),
            'x-metadata': objectMeta('Labels and annotations the variable value is exposed with to patches.'),
          },
          { description: 'The schema, in OpenAPI v3 form.', minProperties: 1 },
        ),
      ),
    },
    { description: 'The schema values of the variable are validated with.' },
  );
export type VariableSchema = Static<ReturnType<typeof variableSchema>>;

const deprecatedV1Beta1Metadata = () =>
  objectMeta('Labels and annotations of the variable as v1beta1 carried them (deprecated; use x-metadata).');

const clusterClassVariable = () =>
  object({
    deprecatedV1Beta1Metadata: deprecatedV1Beta1Metadata(),
    name: required(string({ description: 'The name of the variable.', minLength: 1, maxLength: 256 })),
    required: required(boolean({ description: 'Whether Clusters must set the variable.' })),
    schema: required(variableSchema()),
  });
export type ClusterClassVariable = Static<ReturnType<typeof clusterClassVariable>>;

const jsonPatch = () =>
  object({
    op: required(
      stringEnum(['add', 'replace', 'remove'] as const, { description: 'The JSON patch operation.' }),
    ),
    path: required(
      string({ description: 'The JSON pointer the operation applies to.', minLength: 1, maxLength: 512 }),
    ),
    value: anyValue({ description: 'A literal value; exclusive with valueFrom.' }),
    valueFrom: object(
      {
        template: string({
          description: 'A Go template that renders the value from variables.',
          minLength: 1,
          maxLength: 10240,
        }),
        variable: string({
          description: 'The variable whose value is used (a path into it is allowed).',
          minLength: 1,
          maxLength: 256,
        }),
      },
      { description: 'Where the value comes from; exclusive with value.' },
    ),
  });

const classNames = (description: string) =>
  object(
    {
      names: array(string({ minLength: 1, maxLength: 256 }), {
        description: 'The class names.',
        maxItems: 100,
        listType: 'atomic',
      }),
    },
    { description },
  );

const patchDefinition = () =>
  object({
    jsonPatches: required(
      array(jsonPatch(), {
        description: 'The JSON patches to apply to the selected templates.',
        minItems: 1,
        maxItems: 100,
        listType: 'atomic',
      }),
    ),
    selector: required(
      object(
        {
          apiVersion: required(
            string({
              description: 'The apiVersion of the templates to patch.',
              minLength: 1,
              maxLength: 317,
              pattern: API_VERSION_PATTERN,
            }),
          ),
          kind: required(
            string({
              description: 'The kind of the templates to patch.',
              minLength: 1,
              maxLength: 63,
              pattern: KIND_PATTERN,
            }),
          ),
          matchResources: required(
            object(
              {
                controlPlane: boolean({ description: 'Whether the control plane template is patched.' }),
                infrastructureCluster: boolean({
                  description: 'Whether the infrastructure cluster template is patched.',
                }),
                machineDeploymentClass: classNames('MachineDeployment classes whose templates are patched.'),
                machinePoolClass: classNames('MachinePool classes whose templates are patched.'),
              },
              { description: 'Which templates of the ClusterClass are patched.', minProperties: 1 },
            ),
          ),
        },
        { description: 'Which templates the patches apply to.' },
      ),
    ),
  });

const clusterClassPatch = () =>
  object({
    definitions: array(patchDefinition(), {
      description: 'Inline patches; exclusive with external.',
      maxItems: 100,
      listType: 'atomic',
    }),
    description: string({ description: 'What the patch does.', minLength: 1, maxLength: 1024 }),
    enabledIf: string({
      description: 'A Go template; the patch applies only when it renders "true".',
      minLength: 1,
      maxLength: 256,
    }),
    external: object(
      {
        discoverVariablesExtension: string({
          description: 'The extension that reports the variables the patches use.',
          minLength: 1,
          maxLength: 512,
        }),
        generatePatchesExtension: string({
          description: 'The extension that generates the patches.',
          minLength: 1,
          maxLength: 512,
        }),
        settings: map(string(), { description: 'Settings passed to the extensions.' }),
        validateTopologyExtension: string({
          description: 'The extension that validates the topology.',
          minLength: 1,
          maxLength: 512,
        }),
      },
      { description: 'Patches computed by Runtime SDK extensions; exclusive with definitions.' },
    ),
    name: required(string({ description: 'The name of the patch.', minLength: 1, maxLength: 256 })),
  });

const machineDeploymentClass = () =>
  object({
    bootstrap: required(templated('The bootstrap config template.')),
    class: required(className('The name of the class, referenced by Cluster topologies.')),
    deletion: object(
      { order: deletionOrder(), ...machineDeletionTimeouts() },
      { description: 'How the Machines are deleted.', minProperties: 1 },
    ),
    failureDomain: failureDomain(),
    healthCheck: classHealthCheck(machineDeploymentHealthCheckRemediation()),
    infrastructure: required(templated('The infrastructure machine template.')),
    metadata: objectMeta('Labels and annotations of the MachineDeployments and their Machines.'),
    minReadySeconds: minReadySeconds(),
    naming: topologyNaming('How the MachineDeployments are named.'),
    readinessGates: conditionGates('Extra conditions that must be met for the Machines to be Ready.'),
    rollout: object(
      { strategy: machineDeploymentRolloutStrategy() },
      { description: 'How Machines are rolled out.', minProperties: 1 },
    ),
    taints: machineTaints(),
  });

const machinePoolClass = () =>
  object({
    bootstrap: required(templated('The bootstrap config template.')),
    class: required(className('The name of the class, referenced by Cluster topologies.')),
    deletion: machineDeletionSpec('How the Machines are deleted.'),
    failureDomains: array(failureDomain(), {
      description: 'The failure domains the pools may spread their Machines over.',
      maxItems: 100,
      listType: 'atomic',
    }),
    infrastructure: required(templated('The infrastructure machine pool template.')),
    metadata: objectMeta('Labels and annotations of the MachinePools.'),
    minReadySeconds: minReadySeconds(),
    naming: topologyNaming('How the MachinePools are named.'),
    taints: machineTaints(),
  });

export const ClusterClassSchema = kindSchema(
  'A reusable blueprint of clusters, used by Cluster topologies.',
  {
    spec: required(
      object(
        {
          availabilityGates: conditionGates(
            'Extra conditions that must be met for Clusters to be Available.',
          ),
          controlPlane: required(
            object(
              {
                deletion: machineDeletionSpec('How control plane Machines are deleted.'),
                healthCheck: classHealthCheck(machineHealthCheckRemediation()),
                machineInfrastructure: templated(
                  'The infrastructure machine template of control planes that have Machines.',
                ),
                metadata: objectMeta('Labels and annotations of the control plane and its Machines.'),
                naming: topologyNaming('How the control plane is named.'),
                readinessGates: conditionGates(
                  'Extra conditions that must be met for control plane Machines to be Ready.',
                ),
                taints: machineTaints('Taints to set on the Nodes of control plane Machines.'),
                templateRef: required(templateReference('The control plane template.')),
              },
              { description: 'The control plane of the clusters.' },
            ),
          ),
          infrastructure: required(
            object(
              {
                naming: topologyNaming('How the infrastructure cluster is named.'),
                templateRef: required(templateReference('The infrastructure cluster template.')),
              },
              { description: 'The infrastructure cluster of the clusters.' },
            ),
          ),
          kubernetesVersions: array(kubernetesVersion(), {
            description: 'The Kubernetes versions Clusters may use, in upgrade order.',
            minItems: 1,
            maxItems: 100,
            listType: 'atomic',
          }),
          patches: array(clusterClassPatch(), {
            description: 'Patches applied to the templates, in order.',
            minItems: 1,
            maxItems: 1000,
            listType: 'atomic',
          }),
          upgrade: object(
            {
              external: object(
                {
                  generateUpgradePlanExtension: string({
                    description: 'The extension that computes upgrade plans.',
                    minLength: 1,
                    maxLength: 512,
                  }),
                },
                { description: 'Runtime SDK extensions that drive upgrades.', minProperties: 1 },
              ),
            },
            { description: 'How Clusters are upgraded.', minProperties: 1 },
          ),
          variables: array(clusterClassVariable(), {
            description: 'The variables Clusters may set and patches may read.',
            minItems: 1,
            maxItems: 1000,
            listType: 'atomic',
          }),
          workers: object(
            {
              machineDeployments: array(machineDeploymentClass(), {
                description: 'The MachineDeployment classes.',
                minItems: 1,
                maxItems: 100,
                listType: 'map',
                listMapKeys: ['class'],
              }),
              machinePools: array(machinePoolClass(), {
                description: 'The MachinePool classes.',
                minItems: 1,
                maxItems: 100,
                listType: 'map',
                listMapKeys: ['class'],
              }),
            },
            { description: 'The worker classes.', minProperties: 1 },
          ),
        },
        { description: 'The desired state of the ClusterClass.' },
      ),
    ),
    status: object(
      {
        conditions: metav1Conditions(),
        deprecated: deprecatedStatus({}),
        observedGeneration: observedGeneration(),
        variables: array(
          object({
            definitions: required(
              array(
                object({
                  deprecatedV1Beta1Metadata: deprecatedV1Beta1Metadata(),
                  from: required(
                    string({
                      description: 'Where the definition comes from: "inline" or the name of a patch.',
                      minLength: 1,
                      maxLength: 256,
                    }),
                  ),
                  required: required(boolean({ description: 'Whether Clusters must set the variable.' })),
                  schema: required(variableSchema()),
                }),
                {
                  description: 'The definitions of the variable.',
                  minItems: 1,
                  maxItems: 100,
                  listType: 'atomic',
                },
              ),
            ),
            definitionsConflict: boolean({ description: 'Whether the definitions disagree.' }),
            name: required(
              string({ description: 'The name of the variable.', minLength: 1, maxLength: 256 }),
            ),
          }),
          {
            description: 'The variables of the ClusterClass, inline and from extensions.',
            maxItems: 1000,
            listType: 'atomic',
          },
        ),
      },
      { description: 'The observed state of the ClusterClass.', minProperties: 1 },
    ),
  },
);

export type ClusterClass = Static<typeof ClusterClassSchema>;

export const clusterClassCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'ClusterClass',
    plural: 'clusterclasses',
    shortNames: ['cc'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: ClusterClassSchema,
        status: true,
        printerColumns: [
          pausedColumn(),
          conditionColumn('Variables Ready', 'VariablesReady', 'Whether the variables are ready'),
          ageColumn(),
        ],
      },
    ],
  });
