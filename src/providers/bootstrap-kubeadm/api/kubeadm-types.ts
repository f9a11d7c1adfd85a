// The kubeadm configuration Cluster API exposes (upstream's kubeadm_types.go): ClusterConfiguration,
// InitConfiguration and JoinConfiguration, trimmed to what Cluster API lets users set. Each shape is written
// once and reused wherever kubeadm repeats it (extraArgs, nodeRegistration, timeouts, ...).
import { envVar, taint } from '../../../core/api/openapi/kubernetes-schemas.js';
import {
  array,
  boolean,
  dateTime,
  described,
  int32,
  map,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../../core/api/openapi/schema-builder.js';
import { boundedString, boundedStringList } from './bounded-string.js';

/** One command-line flag of a component, without leading dashes. */
export const ArgSchema = object({
  name: required(boundedString(256, 'Flag name without leading dashes.')),
  value: required(string({ description: 'Flag value; may be empty.', minLength: 0, maxLength: 1024 })),
});
export type Arg = Static<typeof ArgSchema>;

/**
 * Extra flags of a component. A map-list keyed by name and value (so a flag may in principle repeat), with a
 * CEL rule that still forbids repeating a name; `field` is the name the rule's message uses.
 */
export const extraArgs = (field: 'extraArgs' | 'kubeletExtraArgs', description: string) =>
  array(ArgSchema, {
    description,
    minItems: 1,
    maxItems: 100,
    listType: 'map',
    listMapKeys: ['name', 'value'],
    validations: [
      { rule: 'self.all(x, self.exists_one(y, x.name == y.name))', message: `${field} name must be unique` },
    ],
  });

/** Extra environment variables of a component (corev1.EnvVar). */
export const EnvVarSchema = envVar();
export type EnvVar = Static<typeof EnvVarSchema>;

const extraEnvs = () =>
  array(EnvVarSchema, {
    description: 'Environment variables added to the component; they win over the ones kubeadm sets.',
    minItems: 1,
    maxItems: 100,
    listType: 'atomic',
  });

/** A host path mounted into a control plane component's static Pod. */
export const HostPathMountSchema = object({
  hostPath: required(boundedString(512, 'Path on the host.')),
  mountPath: required(boundedString(512, 'Path inside the Pod.')),
  name: required(boundedString(512, 'Volume name in the Pod manifest.')),
  pathType: string({ description: 'Kubernetes HostPathType checked before mounting.' }),
  readOnly: boolean({ description: 'Mount read-only.' }),
});
export type HostPathMount = Static<typeof HostPathMountSchema>;

const componentFields = () => ({
  extraArgs: extraArgs('extraArgs', 'Flags added to (or overriding) the ones kubeadm passes the component.'),
  extraEnvs: extraEnvs(),
  extraVolumes: array(HostPathMountSchema, {
    description: 'Host paths mounted into the component.',
    minItems: 1,
    maxItems: 100,
    listType: 'atomic',
  }),
});

/** Settings of the controller manager or the scheduler static Pod. */
export const ControlPlaneComponentSchema = object(componentFields(), { minProperties: 1 });
export type ControlPlaneComponent = Static<typeof ControlPlaneComponentSchema>;

/** Settings of the API server static Pod. */
export const APIServerSchema = object(
  {
    certSANs: boundedStringList(253, {
      description: 'Extra Subject Alternative Names of the API server serving certificate.',
      minItems: 1,
      maxItems: 100,
    }),
    ...componentFields(),
  },
  { description: 'Settings of the API server.', minProperties: 1 },
);
export type APIServer = Static<typeof APIServerSchema>;

const certSANs = (description: string) => boundedStringList(253, { description, minItems: 1, maxItems: 100 });

/** etcd run by kubeadm as a static Pod on each control plane node. */
export const LocalEtcdSchema = object(
  {
    dataDir: boundedString(512, 'Where etcd keeps its data on the host.'),
    extraArgs: extraArgs('extraArgs', 'Flags added to (or overriding) the ones kubeadm passes etcd.'),
    extraEnvs: extraEnvs(),
    imageRepository: boundedString(512, 'Registry of the etcd image.'),
    imageTag: boundedString(256, 'Tag of the etcd image; pins it across upgrades.'),
    peerCertSANs: certSANs('Extra Subject Alternative Names of the peer certificate.'),
    serverCertSANs: certSANs('Extra Subject Alternative Names of the serving certificate.'),
  },
  { description: 'Stacked etcd managed by kubeadm.', minProperties: 1 },
);
export type LocalEtcd = Static<typeof LocalEtcdSchema>;

/** An etcd cluster run outside the control plane nodes. */
export const ExternalEtcdSchema = object(
  {
    caFile: required(boundedString(512, 'CA certificate file used to verify etcd.')),
    certFile: required(boundedString(512, 'Client certificate file.')),
    endpoints: required(
      boundedStringList(512, { description: 'etcd client URLs.', minItems: 1, maxItems: 50 }),
    ),
    keyFile: required(boundedString(512, 'Client key file.')),
  },
  { description: 'An existing etcd cluster the API servers connect to.' },
);
export type ExternalEtcd = Static<typeof ExternalEtcdSchema>;

export const EtcdSchema = object(
  { external: ExternalEtcdSchema, local: LocalEtcdSchema },
  { description: 'Where etcd runs: local (stacked, the default) or external.', minProperties: 1 },
);
export type Etcd = Static<typeof EtcdSchema>;

export const DNSSchema = object(
  {
    imageRepository: boundedString(512, 'Registry of the CoreDNS image; defaults to the cluster one.'),
    imageTag: boundedString(256, 'Tag of the CoreDNS image; pins it across upgrades.'),
  },
  { description: 'The DNS add-on (CoreDNS).', minProperties: 1 },
);
export type DNS = Static<typeof DNSSchema>;

/** Cluster-wide settings of `kubeadm init` (the kubeadm-config ConfigMap). */
export const ClusterConfigurationSchema = object(
  {
    apiServer: APIServerSchema,
    caCertificateValidityPeriodDays: int32({
      description: 'Validity of the CA certificates Cluster API generates; cannot change later.',
      minimum: 1,
      maximum: 36500,
    }),
    certificateValidityPeriodDays: int32({
      description: 'Validity of the non-CA certificates kubeadm generates (Kubernetes >= 1.31).',
      minimum: 1,
      maximum: 1095,
    }),
    certificatesDir: boundedString(
      512,
      'Where certificates are stored; kubeadm defaults to /etc/kubernetes/pki.',
    ),
    controlPlaneEndpoint: boundedString(512, 'Stable address (and optional port) of the control plane.'),
    controllerManager: described(ControlPlaneComponentSchema, 'Settings of the controller manager.'),
    dns: DNSSchema,
    encryptionAlgorithm: stringEnum(
      ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const,
      {
        description: 'Key algorithm of the generated keys and certificates.',
      },
    ),
    etcd: EtcdSchema,
    featureGates: map(boolean(), { description: 'kubeadm feature gates, by name.' }),
    imageRepository: boundedString(512, 'Registry of the control plane images.'),
    scheduler: described(ControlPlaneComponentSchema, 'Settings of the scheduler.'),
  },
  { description: 'Cluster-wide kubeadm settings, used by kubeadm init.', minProperties: 1 },
);
export type ClusterConfiguration = Static<typeof ClusterConfigurationSchema>;

/** A bootstrap token `kubeadm init` creates. */
export const BootstrapTokenSchema = object({
  description: boundedString(512, 'What the token is for.'),
  expires: dateTime({ description: 'When the token expires; excludes ttlSeconds.' }),
  groups: boundedStringList(256, {
    description: 'Extra groups the token authenticates as.',
    minItems: 1,
    maxItems: 100,
  }),
  token: required(boundedString(23, 'The token, abcdef.0123456789abcdef.')),
  ttlSeconds: int32({ description: 'Lifetime of the token; excludes expires.', minimum: 0 }),
  usages: boundedStringList(256, {
    description: 'What the token may be used for (authentication, signing).',
    minItems: 1,
    maxItems: 100,
  }),
});
export type BootstrapToken = Static<typeof BootstrapTokenSchema>;

/** The address and port one API server advertises. */
export const APIEndpointSchema = object(
  {
    advertiseAddress: boundedString(39, 'IP address the API server advertises.'),
    bindPort: int32({ description: 'Port the API server binds.', minimum: 1 }),
  },
  { description: 'The API server endpoint of this node.', minProperties: 1 },
);
export type APIEndpoint = Static<typeof APIEndpointSchema>;

/** How a node registers with the cluster, for `kubeadm init` and `kubeadm join` alike. */
export const NodeRegistrationOptionsSchema = object(
  {
    criSocket: boundedString(512, 'CRI socket of the container runtime.'),
    ignorePreflightErrors: boundedStringList(512, {
      description: 'Preflight checks whose errors become warnings.',
      minItems: 1,
      maxItems: 50,
    }),
    imagePullPolicy: stringEnum(['Always', 'IfNotPresent', 'Never'] as const, {
      description: 'When kubeadm pulls images during init and join.',
    }),
    imagePullSerial: boolean({ description: 'Pull images one at a time.' }),
    kubeletExtraArgs: extraArgs('kubeletExtraArgs', 'Flags added to (or overriding) the kubelet ones.'),
    name: boundedString(253, 'Node name; defaults to the hostname.'),
    taints: array(taint(), {
      description: 'Taints of the Node; an empty list means none (not the control plane default).',
      minItems: 0,
      maxItems: 100,
    }),
  },
  { description: 'How the node registers with the cluster.', minProperties: 1 },
);
export type NodeRegistrationOptions = Static<typeof NodeRegistrationOptionsSchema>;

export const PatchesSchema = object(
  { directory: boundedString(512, 'Directory of patch files applied to the generated manifests.') },
  { description: 'Patches kubeadm applies to the components it deploys.', minProperties: 1 },
);
export type Patches = Static<typeof PatchesSchema>;

const seconds = (description: string) => int32({ description, minimum: 0 });

export const TimeoutsSchema = object(
  {
    controlPlaneComponentHealthCheckSeconds: seconds('Wait for the control plane components to be healthy.'),
    discoverySeconds: seconds('Wait for the cluster to be discovered on join.'),
    etcdAPICallSeconds: seconds('Per etcd call.'),
    kubeletHealthCheckSeconds: seconds('Wait for the kubelet to be healthy.'),
    kubernetesAPICallSeconds: seconds('Per Kubernetes API call.'),
    tlsBootstrapSeconds: seconds('Wait for the kubelet TLS bootstrap on join.'),
  },
  { description: 'Timeouts of kubeadm operations.', minProperties: 1 },
);
export type Timeouts = Static<typeof TimeoutsSchema>;

const skipPhases = () =>
  boundedStringList(256, { description: 'kubeadm phases to skip.', minItems: 1, maxItems: 50 });

/** Node-local settings of `kubeadm init`. */
export const InitConfigurationSchema = object(
  {
    bootstrapTokens: array(BootstrapTokenSchema, {
      description: 'Bootstrap tokens created at init; never uploaded to the cluster config.',
      minItems: 1,
      maxItems: 100,
      listType: 'atomic',
    }),
    localAPIEndpoint: APIEndpointSchema,
    nodeRegistration: NodeRegistrationOptionsSchema,
    patches: PatchesSchema,
    skipPhases: skipPhases(),
    timeouts: TimeoutsSchema,
  },
  { description: 'Settings of kubeadm init on the first control plane node.', minProperties: 1 },
);
export type InitConfiguration = Static<typeof InitConfigurationSchema>;

/** Discovery through a bootstrap token and the cluster-info ConfigMap. */
export const BootstrapTokenDiscoverySchema = object(
  {
    apiServerEndpoint: boundedString(512, 'API server to discover the cluster from.'),
    caCertHashes: boundedStringList(512, {
      description: 'Accepted hashes of the cluster CA public key (sha256:<hex>).',
      minItems: 1,
      maxItems: 100,
    }),
    token: boundedString(512, 'Token used to validate cluster-info.'),
    unsafeSkipCAVerification: boolean({ description: 'Join without pinning the CA.' }),
  },
  { description: 'Discovery through a bootstrap token.', minProperties: 1 },
);
export type BootstrapTokenDiscovery = Static<typeof BootstrapTokenDiscoverySchema>;

export const KubeConfigClusterSchema = object(
  {
    certificateAuthorityData: string({
      description: 'PEM CA bundle; the control plane CA when empty.',
      format: 'byte',
      minLength: 1,
      maxLength: 51200,
    }),
    insecureSkipTLSVerify: boolean({ description: 'Skip verifying the server certificate.' }),
    proxyURL: boundedString(512, 'Proxy for requests to the cluster.'),
    server: boundedString(512, 'API server URL; the control plane endpoint when empty.'),
    tlsServerName: boundedString(512, 'Server name used to verify the certificate.'),
  },
  { description: 'The cluster entry of the discovery kubeconfig.', minProperties: 1 },
);
export type KubeConfigCluster = Static<typeof KubeConfigClusterSchema>;

export const KubeConfigAuthProviderSchema = object(
  {
    config: map(string(), { description: 'Settings of the auth provider.' }),
    name: required(boundedString(256, 'Name of the auth provider.')),
  },
  { description: 'A kubectl auth provider.' },
);
export type KubeConfigAuthProvider = Static<typeof KubeConfigAuthProviderSchema>;

export const KubeConfigAuthExecEnvSchema = object({
  name: required(boundedString(512, 'Variable name.')),
  value: required(boundedString(512, 'Variable value.')),
});
export type KubeConfigAuthExecEnv = Static<typeof KubeConfigAuthExecEnvSchema>;

export const KubeConfigAuthExecSchema = object(
  {
    apiVersion: boundedString(512, 'ExecInfo version the plugin speaks.'),
    args: boundedStringList(512, { description: 'Plugin arguments.', minItems: 1, maxItems: 100 }),
    command: required(boundedString(1024, 'Plugin executable.')),
    env: array(KubeConfigAuthExecEnvSchema, {
      description: 'Extra environment variables of the plugin.',
      minItems: 1,
      maxItems: 100,
      listType: 'atomic',
    }),
    provideClusterInfo: boolean({ description: 'Pass cluster information to the plugin.' }),
  },
  { description: 'A credential plugin run to authenticate.' },
);
export type KubeConfigAuthExec = Static<typeof KubeConfigAuthExecSchema>;

export const KubeConfigUserSchema = object(
  { authProvider: KubeConfigAuthProviderSchema, exec: KubeConfigAuthExecSchema },
  { description: 'How the discovery kubeconfig authenticates; exactly one of the two.', minProperties: 1 },
);
export type KubeConfigUser = Static<typeof KubeConfigUserSchema>;

export const FileDiscoveryKubeConfigSchema = object(
  { cluster: KubeConfigClusterSchema, user: required(KubeConfigUserSchema) },
  { description: 'A kubeconfig Cluster API generates into kubeConfigPath.' },
);
export type FileDiscoveryKubeConfig = Static<typeof FileDiscoveryKubeConfigSchema>;

export const FileDiscoverySchema = object(
  {
    kubeConfig: FileDiscoveryKubeConfigSchema,
    kubeConfigPath: required(boundedString(512, 'Path or URL of the discovery kubeconfig.')),
  },
  { description: 'Discovery through a kubeconfig file.' },
);
export type FileDiscovery = Static<typeof FileDiscoverySchema>;

export const DiscoverySchema = object(
  {
    bootstrapToken: BootstrapTokenDiscoverySchema,
    file: FileDiscoverySchema,
    tlsBootstrapToken: boundedString(512, 'Token for the kubelet TLS bootstrap.'),
  },
  { description: 'How the joining node finds and trusts the cluster.', minProperties: 1 },
);
export type Discovery = Static<typeof DiscoverySchema>;

export const JoinControlPlaneSchema = object(
  { localAPIEndpoint: APIEndpointSchema },
  { description: 'Set when the node joins as a control plane node.' },
);
export type JoinControlPlane = Static<typeof JoinControlPlaneSchema>;

/** Node-local settings of `kubeadm join`. */
export const JoinConfigurationSchema = object(
  {
    caCertPath: boundedString(512, 'Where the cluster CA is written on the node.'),
    controlPlane: JoinControlPlaneSchema,
    discovery: DiscoverySchema,
    nodeRegistration: NodeRegistrationOptionsSchema,
    patches: PatchesSchema,
    skipPhases: skipPhases(),
    timeouts: TimeoutsSchema,
  },
  { description: 'Settings of kubeadm join.', minProperties: 1 },
);
export type JoinConfiguration = Static<typeof JoinConfigurationSchema>;
