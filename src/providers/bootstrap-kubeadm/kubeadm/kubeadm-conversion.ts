// Cluster API's v1beta2 kubeadm types -> the kubeadm API objects kubeadm itself reads, per kubeadm API
// version. The rules are upstream's conversions (bootstrap/kubeadm/pkg/types/upstreamv1beta3|4):
//  - v1beta4 takes extraArgs as a list of {name, value}; v1beta3 as a map, where a repeated name keeps its
//    last value. extraEnvs, imagePullSerial, timeouts, encryptionAlgorithm and the certificate validity
//    periods do not exist in v1beta3 and are dropped, except two timeouts v1beta3 keeps elsewhere:
//    the control plane health check (ClusterConfiguration.apiServer.timeoutForControlPlane, fed from the init
//    configuration through ClusterConfigurationData) and the TLS bootstrap (JoinConfiguration.discovery.timeout).
//  - Seconds and days become Go duration strings ("50s", "8760h0m0s").
//  - Field presence follows Go's encoding of upstream's structs: nested structs are always written (an empty
//    one as `{}`), `omitempty` scalars and lists only when set, `nodeRegistration.taints` always (`null` when
//    unset, which tells kubeadm to apply its default control plane taint, `[]` for none), `etcd.local.dataDir`
//    and `discovery.bootstrapToken.token` always. Cluster API-only fields (discovery.file.kubeConfig) are dropped.
import { formatGoDuration } from '../../../core/api/duration.js';
import type {
  APIEndpoint,
  APIServer,
  Arg,
  BootstrapToken,
  ClusterConfiguration,
  ControlPlaneComponent,
  Discovery,
  Etcd,
  InitConfiguration,
  JoinConfiguration,
  LocalEtcd,
  NodeRegistrationOptions,
  Patches,
  Timeouts,
} from '../api/index.js';
import { KubeadmAPIVersion } from './kubeadm-api-version.js';

/** One kubeadm API object, ready to be written as YAML. */
export interface KubeadmDocument {
  apiVersion: KubeadmAPIVersion;
  kind: 'ClusterConfiguration' | 'InitConfiguration' | 'JoinConfiguration';
  [field: string]: unknown;
}

/**
 * What kubeadm's ClusterConfiguration holds but Cluster API keeps elsewhere (upstream's AdditionalData): the
 * Cluster's name and network, the Machine's version, and the control plane health check timeout that
 * v1beta3 keeps in ClusterConfiguration while Cluster API (like v1beta4) keeps it in the init configuration.
 */
export interface ClusterConfigurationData {
  /** Written as `kubernetesVersion` (the Machine's `spec.version`, e.g. `v1.34.1`). */
  kubernetesVersion?: string;
  /** Written as `clusterName`. */
  clusterName?: string;
  /** `networking.dnsDomain` (the Cluster's `clusterNetwork.serviceDomain`). */
  dnsDomain?: string;
  /** `networking.serviceSubnet` (the Cluster's service CIDR blocks, comma-separated). */
  serviceSubnet?: string;
  /** `networking.podSubnet` (the Cluster's pod CIDR blocks, comma-separated). */
  podSubnet?: string;
  /** Used as `controlPlaneEndpoint` when the ClusterConfiguration does not set one (the Cluster's endpoint). */
  controlPlaneEndpoint?: string;
  /** v1beta3 only: `apiServer.timeoutForControlPlane`. */
  controlPlaneComponentHealthCheckSeconds?: number;
}

type Fields = Record<string, unknown>;

const text = (s: string | undefined): string | undefined => (s ? s : undefined);
const list = <T>(l: readonly T[] | undefined): T[] | undefined => (l && l.length > 0 ? [...l] : undefined);
const onlyTrue = (b: boolean | undefined): true | undefined => (b ? true : undefined);
const nonZero = (n: number | undefined): number | undefined => (n ? n : undefined);
const seconds = (s: number | undefined): string | undefined =>
  s === undefined ? undefined : formatGoDuration(s * 1000);
const days = (d: number | undefined): string | undefined =>
  d ? formatGoDuration(d * 24 * 3600 * 1000) : undefined;
/** Whether an optional struct has any field set (upstream's IsDefined: not the zero value). */
const isSet = (o: object | undefined): boolean =>
  o !== undefined && Object.values(o).some((v) => v !== undefined);

/** A metav1.Time as Go writes it: RFC 3339 in UTC with whole seconds. */
function rfc3339(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function extraArgs(args: readonly Arg[] | undefined, v: KubeadmAPIVersion): unknown {
  if (!args || args.length === 0) return undefined;
  if (v === KubeadmAPIVersion.V1Beta4) return args.map(({ name, value }) => ({ name, value }));
  const map: Record<string, string> = {};
  for (const { name, value } of args) map[name] = value;
  return map;
}

const v4Only = <T>(v: KubeadmAPIVersion, value: T): T | undefined =>
  v === KubeadmAPIVersion.V1Beta4 ? value : undefined;

function controlPlaneComponent(c: ControlPlaneComponent | undefined, v: KubeadmAPIVersion): Fields {
  return {
    extraArgs: extraArgs(c?.extraArgs, v),
    extraEnvs: v4Only(v, list(c?.extraEnvs)),
    extraVolumes: list(c?.extraVolumes)?.map((m) => ({
      name: m.name,
      hostPath: m.hostPath,
      mountPath: m.mountPath,
      readOnly: onlyTrue(m.readOnly),
      pathType: text(m.pathType),
    })),
  };
}

function apiServer(a: APIServer | undefined, v: KubeadmAPIVersion, data: ClusterConfigurationData): Fields {
  return {
    ...controlPlaneComponent(a, v),
    certSANs: list(a?.certSANs),
    timeoutForControlPlane:
      v === KubeadmAPIVersion.V1Beta3 ? seconds(data.controlPlaneComponentHealthCheckSeconds) : undefined,
  };
}

function localEtcd(l: LocalEtcd, v: KubeadmAPIVersion): Fields {
  return {
    imageRepository: text(l.imageRepository),
    imageTag: text(l.imageTag),
    dataDir: l.dataDir ?? '',
    extraArgs: extraArgs(l.extraArgs, v),
    extraEnvs: v4Only(v, list(l.extraEnvs)),
    serverCertSANs: list(l.serverCertSANs),
    peerCertSANs: list(l.peerCertSANs),
  };
}

function etcd(e: Etcd | undefined, v: KubeadmAPIVersion): Fields {
  const external = e?.external;
  return {
    local: e?.local && isSet(e.local) ? localEtcd(e.local, v) : undefined,
    external:
      external && isSet(external)
        ? {
            endpoints: external.endpoints,
            caFile: external.caFile,
            certFile: external.certFile,
            keyFile: external.keyFile,
          }
        : undefined,
  };
}

/** The `ClusterConfiguration` object for kubeadm API version `v`. */
export function toKubeadmClusterConfiguration(
  cc: ClusterConfiguration | undefined,
  v: KubeadmAPIVersion,
  data: ClusterConfigurationData = {},
): KubeadmDocument {
  return {
    apiVersion: v,
    kind: 'ClusterConfiguration',
    etcd: etcd(cc?.etcd, v),
    networking: {
      serviceSubnet: text(data.serviceSubnet),
      podSubnet: text(data.podSubnet),
      dnsDomain: text(data.dnsDomain),
    },
    kubernetesVersion: text(data.kubernetesVersion),
    controlPlaneEndpoint: text(cc?.controlPlaneEndpoint) ?? text(data.controlPlaneEndpoint),
    apiServer: apiServer(cc?.apiServer, v, data),
    controllerManager: controlPlaneComponent(cc?.controllerManager, v),
    scheduler: controlPlaneComponent(cc?.scheduler, v),
    dns: { imageRepository: text(cc?.dns?.imageRepository), imageTag: text(cc?.dns?.imageTag) },
    // v1beta4's kube-proxy switch; Cluster API does not expose it, Go still writes the empty struct.
    proxy: v4Only(v, {}),
    certificatesDir: text(cc?.certificatesDir),
    imageRepository: text(cc?.imageRepository),
    featureGates: cc?.featureGates && Object.keys(cc.featureGates).length > 0 ? cc.featureGates : undefined,
    clusterName: text(data.clusterName),
    encryptionAlgorithm: v4Only(v, text(cc?.encryptionAlgorithm)),
    certificateValidityPeriod: v4Only(v, days(cc?.certificateValidityPeriodDays)),
    caCertificateValidityPeriod: v4Only(v, days(cc?.caCertificateValidityPeriodDays)),
  };
}

function bootstrapToken(t: BootstrapToken): Fields {
  return {
    token: t.token,
    description: text(t.description),
    ttl: seconds(t.ttlSeconds),
    expires: t.expires ? rfc3339(t.expires) : undefined,
    usages: list(t.usages),
    groups: list(t.groups),
  };
}

function nodeRegistration(n: NodeRegistrationOptions | undefined, v: KubeadmAPIVersion): Fields {
  return {
    name: text(n?.name),
    criSocket: text(n?.criSocket),
    taints: n?.taints ? [...n.taints] : null,
    kubeletExtraArgs: extraArgs(n?.kubeletExtraArgs, v),
    ignorePreflightErrors: list(n?.ignorePreflightErrors),
    imagePullPolicy: text(n?.imagePullPolicy),
    imagePullSerial: v4Only(v, n?.imagePullSerial),
  };
}

const apiEndpoint = (e: APIEndpoint | undefined): Fields => ({
  advertiseAddress: text(e?.advertiseAddress),
  bindPort: nonZero(e?.bindPort),
});

const patches = (p: Patches | undefined): Fields | undefined =>
  p?.directory ? { directory: p.directory } : undefined;

function timeouts(t: Timeouts | undefined, v: KubeadmAPIVersion): Fields | undefined {
  if (v !== KubeadmAPIVersion.V1Beta4 || !isSet(t)) return undefined;
  return {
    controlPlaneComponentHealthCheck: seconds(t?.controlPlaneComponentHealthCheckSeconds),
    kubeletHealthCheck: seconds(t?.kubeletHealthCheckSeconds),
    kubernetesAPICall: seconds(t?.kubernetesAPICallSeconds),
    etcdAPICall: seconds(t?.etcdAPICallSeconds),
    tlsBootstrap: seconds(t?.tlsBootstrapSeconds),
    discovery: seconds(t?.discoverySeconds),
  };
}

/** The `InitConfiguration` object for kubeadm API version `v`. */
export function toKubeadmInitConfiguration(
  ic: InitConfiguration | undefined,
  v: KubeadmAPIVersion,
): KubeadmDocument {
  return {
    apiVersion: v,
    kind: 'InitConfiguration',
    bootstrapTokens: list(ic?.bootstrapTokens)?.map(bootstrapToken),
    nodeRegistration: nodeRegistration(ic?.nodeRegistration, v),
    localAPIEndpoint: apiEndpoint(ic?.localAPIEndpoint),
    skipPhases: list(ic?.skipPhases),
    patches: patches(ic?.patches),
    timeouts: timeouts(ic?.timeouts, v),
  };
}

function discovery(
  d: Discovery | undefined,
  v: KubeadmAPIVersion,
  jc: JoinConfiguration | undefined,
): Fields {
  const token = d?.bootstrapToken;
  return {
    bootstrapToken:
      token && isSet(token)
        ? {
            token: token.token ?? '',
            apiServerEndpoint: text(token.apiServerEndpoint),
            caCertHashes: list(token.caCertHashes),
            unsafeSkipCAVerification: onlyTrue(token.unsafeSkipCAVerification),
          }
        : undefined,
    file: d?.file && isSet(d.file) ? { kubeConfigPath: d.file.kubeConfigPath } : undefined,
    tlsBootstrapToken: text(d?.tlsBootstrapToken),
    timeout: v === KubeadmAPIVersion.V1Beta3 ? seconds(jc?.timeouts?.tlsBootstrapSeconds) : undefined,
  };
}

/** The `JoinConfiguration` object for kubeadm API version `v`. */
export function toKubeadmJoinConfiguration(
  jc: JoinConfiguration | undefined,
  v: KubeadmAPIVersion,
): KubeadmDocument {
  return {
    apiVersion: v,
    kind: 'JoinConfiguration',
    nodeRegistration: nodeRegistration(jc?.nodeRegistration, v),
    caCertPath: text(jc?.caCertPath),
    discovery: discovery(jc?.discovery, v, jc),
    controlPlane: jc?.controlPlane
      ? { localAPIEndpoint: apiEndpoint(jc.controlPlane.localAPIEndpoint) }
      : undefined,
    skipPhases: list(jc?.skipPhases),
    patches: patches(jc?.patches),
    timeouts: timeouts(jc?.timeouts, v),
  };
}
