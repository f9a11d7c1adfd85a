// Schemas of Kubernetes core types that Cluster API kinds embed (metav1.LabelSelector, metav1.Condition, ...),
// as controller-gen renders them into CRDs.
import {
  array,
  boolean,
  dateTime,
  int64,
  intOrString,
  map,
  object,
  required,
  string,
  stringEnum,
  withOptions,
} from './schema-builder.js';

/** metav1.LabelSelectorRequirement. */
export const labelSelectorRequirement = () =>
  object({
    key: required(string({ description: 'The label key the selector applies to.' })),
    operator: required(string({ description: 'In, NotIn, Exists or DoesNotExist.' })),
    values: array(string(), {
      description: 'Values for In and NotIn; empty for Exists and DoesNotExist.',
      listType: 'atomic',
    }),
  });

/** metav1.LabelSelector: an atomic map (replaced whole by server-side apply). */
export const labelSelector = (description?: string) =>
  object(
    {
      matchExpressions: array(labelSelectorRequirement(), {
        description: 'Requirements that must all hold.',
        listType: 'atomic',
      }),
      matchLabels: map(string(), { description: 'Labels that must all be present with these values.' }),
    },
    { description, mapType: 'atomic' },
  );

/**
 * metav1.Condition exactly as controller-gen renders it: `message` is required (present, possibly empty).
 */
export const metav1Condition = () =>
  object({
    lastTransitionTime: required(dateTime({ description: 'When the condition last changed status.' })),
    message: required(string({ description: 'Human-readable details; may be empty.', maxLength: 32768 })),
    observedGeneration: int64({ description: 'The generation the condition was set for.', minimum: 0 }),
    reason: required(
      string({
        description: 'Machine-readable CamelCase reason for the last transition.',
        maxLength: 1024,
        minLength: 1,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      }),
    ),
    status: required(
      stringEnum(['True', 'False', 'Unknown'] as const, { description: 'True, False or Unknown.' }),
    ),
    type: required(
      string({
        description: 'CamelCase condition type.',
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      }),
    ),
  });

/** `status.conditions` of v1beta2 kinds with `metav1Condition` items: a map-list keyed by type. */
export const metav1Conditions = (
  description = 'The latest observations of the object, one per condition type.',
) => array(metav1Condition(), { description, maxItems: 32, listType: 'map', listMapKeys: ['type'] });

/**
 * The Cluster API v1beta1 Condition, kept in v1beta2 objects under `status.deprecated.v1beta1.conditions`
 * so clients of the older API version still find their conditions after a round trip.
 */
export const v1beta1Condition = () =>
  object({
    lastTransitionTime: required(dateTime({ description: 'When the condition last changed status.' })),
    message: string({ description: 'Human-readable details.', maxLength: 10240, minLength: 1 }),
    reason: string({
      description: 'CamelCase reason for the last transition.',
      maxLength: 256,
      minLength: 1,
    }),
    severity: string({ description: 'Error, Warning or Info; only when status is False.', maxLength: 32 }),
    status: required(string({ description: 'True, False or Unknown.' })),
    type: required(string({ description: 'CamelCase condition type.', maxLength: 256, minLength: 1 })),
  });

/** `status.deprecated.v1beta1.conditions`: a plain list, as in v1beta1 (no list type, no maximum). */
export const v1beta1Conditions = (description = 'Conditions in the v1beta1 format (deprecated).') =>
  array(v1beta1Condition(), { description });

/** resource.Quantity (`"1.5Gi"`, `100m` or a number), as controller-gen renders it. */
export const quantity = (description?: string) =>
  withOptions(intOrString({ description }), {
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern:
      '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  });

/** corev1.EnvVarSource: where an environment variable's value is read from. */
export const envVarSource = (description?: string) =>
  object(
    {
      configMapKeyRef: object(
        {
          key: required(string({ description: 'The key to read.' })),
          name: string({ description: 'Name of the ConfigMap.', default: '' }),
          optional: boolean({ description: 'Whether a missing ConfigMap or key is tolerated.' }),
        },
        { description: 'A key of a ConfigMap in the Pod namespace.', mapType: 'atomic' },
      ),
      fieldRef: object(
        {
          apiVersion: string({ description: 'Version of the schema fieldPath is written in.' }),
          fieldPath: required(string({ description: 'Path of the field to read.' })),
        },
        { description: 'A field of the Pod.', mapType: 'atomic' },
      ),
      fileKeyRef: object(
        {
          key: required(string({ description: 'The key (variable name) to read from the file.' })),
          optional: boolean({ description: 'Whether a missing file or key is tolerated.', default: false }),
          path: required(string({ description: 'Path of the env file inside the volume.' })),
          volumeName: required(string({ description: 'Name of the volume holding the file.' })),
        },
        { description: 'A key of an env file in a volume.', mapType: 'atomic' },
      ),
      resourceFieldRef: object(
        {
          containerName: string({ description: 'Container whose resources are read.' }),
          divisor: quantity('Unit the value is expressed in.'),
          resource: required(string({ description: 'The resource to read, such as limits.cpu.' })),
        },
        { description: 'A resource limit or request of a container.', mapType: 'atomic' },
      ),
      secretKeyRef: object(
        {
          key: required(string({ description: 'The key to read.' })),
          name: string({ description: 'Name of the Secret.', default: '' }),
          optional: boolean({ description: 'Whether a missing Secret or key is tolerated.' }),
        },
        { description: 'A key of a Secret in the Pod namespace.', mapType: 'atomic' },
      ),
    },
    { description },
  );

/** corev1.EnvVar: an environment variable with a literal value or a reference. */
export const envVar = () =>
  object({
    name: required(string({ description: 'Name of the variable.' })),
    value: string({ description: 'Literal value; $(VAR) references are expanded.' }),
    valueFrom: envVarSource('Where to read the value from when value is empty.'),
  });

/** corev1.Taint: a Node taint. */
export const taint = () =>
  object({
    effect: required(string({ description: 'NoSchedule, PreferNoSchedule or NoExecute.' })),
    key: required(string({ description: 'The taint key.' })),
    timeAdded: dateTime({ description: 'When the taint was added (NoExecute taints only).' }),
    value: string({ description: 'The taint value.' }),
  });

/** corev1.NodeSystemInfo: what a kubelet reports about its Node. */
export const nodeSystemInfo = (description?: string) =>
  object(
    {
      architecture: required(string({ description: 'CPU architecture reported by the Node.' })),
      bootID: required(string({ description: 'Boot ID reported by the Node.' })),
      containerRuntimeVersion: required(string({ description: 'Container runtime and its version.' })),
      kernelVersion: required(string({ description: 'Kernel version (`uname -r`).' })),
      kubeProxyVersion: required(string({ description: 'kube-proxy version (deprecated by Kubernetes).' })),
      kubeletVersion: required(string({ description: 'Kubelet version.' })),
      machineID: required(string({ description: 'Machine ID reported by the Node.' })),
      operatingSystem: required(string({ description: 'Operating system, e.g. linux.' })),
      osImage: required(string({ description: 'OS image, from /etc/os-release.' })),
      swap: object(
        { capacity: int64({ description: 'Swap capacity in bytes.' }) },
        { description: 'Swap memory of the Node.' },
      ),
      systemUUID: required(string({ description: 'System UUID reported by the Node.' })),
    },
    { description },
  );

/** corev1.ObjectReference: a full reference to any object (atomic, replaced whole). */
export const objectReference = (description?: string) =>
  object(
    {
      apiVersion: string({ description: 'API version of the referent.' }),
      fieldPath: string({ description: 'A field within the referent, if the reference points into it.' }),
      kind: string({ description: 'Kind of the referent.' }),
      name: string({ description: 'Name of the referent.' }),
      namespace: string({ description: 'Namespace of the referent.' }),
      resourceVersion: string({ description: 'The resourceVersion the reference was made at.' }),
      uid: string({ description: 'UID of the referent.' }),
    },
    { description, mapType: 'atomic' },
  );
