import { customResourceDefinition, kindSchema, objectMetadata } from '../../openapi/crd.js';
import { labelSelector, metav1Conditions } from '../../openapi/kubernetes-schemas.js';
import {
  array,
  int32,
  map,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY } from '../../v1beta2/group.js';
import { ageColumn, conditionColumn, deprecatedStatus, pausedColumn } from '../../v1beta2/common-types.js';
import { GROUP } from './group.js';
import { FailurePolicy } from './well-known.js';

/** The Kubernetes Service in front of an Extension server, the way to reach it from inside the cluster. */
export const extensionServiceReference = () =>
  object(
    {
      name: required(string({ description: 'Name of the Service.', minLength: 1, maxLength: 63 })),
      namespace: required(string({ description: 'Namespace of the Service.', minLength: 1, maxLength: 63 })),
      path: string({
        description: 'URL path prefixed to every hook-specific path (optional; must start with "/").',
        minLength: 1,
        maxLength: 512,
      }),
      port: int32({ description: 'Port of the Service (1-65535); 443 when not set.' }),
    },
    {
      description:
        'The Service of the Extension server, when it runs in the cluster. Exactly one of url and service is set.',
    },
  );

/** How to reach an Extension server: by URL or by Service, and the CA that signed its serving certificate. */
export const extensionClientConfig = () =>
  object(
    {
      caBundle: string({
        description: "PEM-encoded CA bundle that verifies the Extension server's serving certificate.",
        format: 'byte',
        minLength: 1,
        maxLength: 51200,
      }),
      service: extensionServiceReference(),
      url: string({
        description:
          'Where the Extension server is, as scheme://host:port/path: https only, no user info, query or ' +
          'fragment; the path, if any, prefixes every hook-specific path. Exactly one of url and service is set.',
        minLength: 1,
        maxLength: 512,
      }),
    },
    { description: 'How to communicate with the Extension server.', minProperties: 1 },
  );

/** One handler an Extension server registered for a runtime hook, as discovery reported it. */
export const extensionHandler = () =>
  object({
    failurePolicy: stringEnum([FailurePolicy.Ignore, FailurePolicy.Fail] as const, {
      description: 'Whether a failed call is ignored or returned to the caller; Fail when not set.',
    }),
    name: required(string({ description: 'Unique name of the handler.', minLength: 1, maxLength: 512 })),
    requestHook: required(
      object(
        {
          apiVersion: required(
            string({ description: 'Group and version of the hook.', minLength: 1, maxLength: 512 }),
          ),
          hook: required(string({ description: 'Name of the hook.', minLength: 1, maxLength: 256 })),
        },
        { description: 'The versioned runtime hook the handler serves.' },
      ),
    ),
    timeoutSeconds: int32({
      description: 'Timeout of calls to the handler, in seconds; 10 when not set.',
      minimum: 1,
    }),
  });

export const ExtensionConfigSchema = kindSchema(
  'Registers a Runtime Extension server with Cluster API (only usable with the RuntimeSDK feature gate on).',
  {
    metadata: objectMetadata(),
    spec: required(
      object(
        {
          clientConfig: required(extensionClientConfig()),
          namespaceSelector: labelSelector(
            'Which namespaces the hooks are called for, by the labels of the namespace of the object; the ' +
              'empty selector (the default) matches every namespace.',
          ),
          settings: map(string(), {
            description:
              'Key-value pairs passed to every call of every handler of the extension (a ClusterClass may ' +
              'override them).',
          }),
        },
        { description: 'The desired state of the ExtensionConfig.' },
      ),
    ),
    status: object(
      {
        conditions: metav1Conditions('Discovered and Paused, one entry per condition type.'),
        deprecated: deprecatedStatus({}),
        handlers: array(extensionHandler(), {
          description: 'The handlers the Extension server registered, as discovery found them.',
          maxItems: 512,
          listType: 'map',
          listMapKeys: ['name'],
        }),
      },
      { description: 'The observed state of the ExtensionConfig.', minProperties: 1 },
    ),
  },
);

export type ExtensionConfig = Static<typeof ExtensionConfigSchema>;
export type ExtensionConfigSpec = ExtensionConfig['spec'];
export type ExtensionConfigStatus = NonNullable<ExtensionConfig['status']>;
export type ExtensionClientConfig = Static<ReturnType<typeof extensionClientConfig>>;
export type ExtensionServiceReference = Static<ReturnType<typeof extensionServiceReference>>;
export type ExtensionHandler = Static<ReturnType<typeof extensionHandler>>;

export const extensionConfigCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'ExtensionConfig',
    plural: 'extensionconfigs',
    shortNames: ['ext'],
    scope: 'Cluster',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: ExtensionConfigSchema,
        status: true,
        printerColumns: [
          pausedColumn(),
          conditionColumn('Discovered', 'Discovered', 'ExtensionConfig discovered'),
          ageColumn(),
        ],
      },
    ],
  });
