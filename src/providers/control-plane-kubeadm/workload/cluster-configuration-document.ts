// The ClusterConfiguration kubeadm keeps in the kubeadm-config ConfigMap, edited as a YAML document rather than
// through typed structs: fields Cluster API does not model (networking, clusterName, proxy, whatever a newer
// kubeadm adds) survive a rewrite untouched. Fields Cluster API does model are replaced the way upstream's
// mutators replace them (bootstrap/kubeadm/pkg/types + controlplane/kubeadm/pkg/workload_cluster.go), and the
// document moves to the kubeadm API version of the target Kubernetes version: v1beta3 below 1.31, v1beta4 from
// 1.31 on, where extraArgs turn from a map into a list of {name, value} (sorted by name when converted, as
// upstream's ConvertToArgs does; a repeated name keeps its last value the other way), extraEnvs, encryption
// algorithm and certificate validity periods exist only in v1beta4, and v1beta3's
// apiServer.timeoutForControlPlane moved out of ClusterConfiguration (into InitConfiguration.timeouts).
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { deepClone } from '../../../controller-runtime/util/json.js';
import { formatGoDuration, InvalidDurationError, parseGoDuration } from '../../../core/api/duration.js';
import { compareVersions, formatSemver, type SemVer } from '../../../core/api/version.js';
import type {
  APIServer,
  Arg,
  ClusterConfiguration,
  ControlPlaneComponent,
  DNS,
  ExternalEtcd,
  HostPathMount,
  LocalEtcd,
} from '../../bootstrap-kubeadm/api/index.js';
import { KubeadmConfigMapError } from './workload-errors.js';

/** The kubeadm API versions Cluster API reads and writes, oldest first. */
export const KubeadmAPIVersion = {
  V1Beta3: 'kubeadm.k8s.io/v1beta3',
  V1Beta4: 'kubeadm.k8s.io/v1beta4',
} as const;
export type KubeadmAPIVersion = (typeof KubeadmAPIVersion)[keyof typeof KubeadmAPIVersion];

const semver = (major: number, minor: number): SemVer => ({ major, minor, patch: 0, pre: [], build: [] });
const V1BETA3_FROM = semver(1, 22);
const V1BETA4_FROM = semver(1, 31);

/**
 * The kubeadm API version kubeadm of `version` reads (upstream's KubeVersionToKubeadmAPIGroupVersion);
 * pre-releases count as their release, versions past the newest mapping get v1beta4.
 */
export function kubeadmAPIVersionFor(version: SemVer): KubeadmAPIVersion {
  const opts = { withoutPreReleases: true };
  if (compareVersions(version, V1BETA3_FROM, opts) < 0) {
    throw new KubeadmConfigMapError(
      'UnsupportedKubernetesVersion',
      `Kubernetes version v${formatSemver(version)} is older than v1.22.0, the oldest one a kubeadm API version Cluster API writes supports`,
    );
  }
  return compareVersions(version, V1BETA4_FROM, opts) < 0
    ? KubeadmAPIVersion.V1Beta3
    : KubeadmAPIVersion.V1Beta4;
}

type Fields = Record<string, unknown>;
const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN_VERSIONS: readonly string[] = Object.values(KubeadmAPIVersion);

/** The control plane components whose static Pod settings ClusterConfiguration carries. */
export type ControlPlaneComponentName = 'apiServer' | 'controllerManager' | 'scheduler';

/**
 * One ClusterConfiguration document. Setters follow upstream's semantics: a value Cluster API models replaces
 * what the document had (unset removes it), everything else stays.
 */
export class ClusterConfigurationDocument {
  readonly #original: Fields;
  #doc: Fields;

  private constructor(doc: Fields) {
    this.#original = doc;
    this.#doc = deepClone(doc);
  }

  /** Reads the YAML of the ConfigMap's `ClusterConfiguration` key. */
  static parse(text: string): ClusterConfigurationDocument {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      throw new KubeadmConfigMapError(
        'InvalidClusterConfiguration',
        `unable to decode "ClusterConfiguration" in the kubeadm-config ConfigMap from YAML: ${(err as Error).message}`,
      );
    }
    if (!isFields(doc) || (doc.kind !== undefined && doc.kind !== 'ClusterConfiguration')) {
      throw new KubeadmConfigMapError(
        'InvalidClusterConfiguration',
        'unable to decode "ClusterConfiguration" in the kubeadm-config ConfigMap: not a ClusterConfiguration object',
      );
    }
    if (typeof doc.apiVersion !== 'string' || !KNOWN_VERSIONS.includes(doc.apiVersion)) {
      throw new KubeadmConfigMapError(
        'UnknownKubeadmAPIVersion',
        `unable to decode "ClusterConfiguration" in the kubeadm-config ConfigMap: unknown kubeadm types ${JSON.stringify(doc.apiVersion ?? '')}`,
      );
    }
    return new ClusterConfigurationDocument(doc);
  }

  get apiVersion(): KubeadmAPIVersion {
    return this.#doc.apiVersion as KubeadmAPIVersion;
  }

  get #v1beta4(): boolean {
    return this.apiVersion === KubeadmAPIVersion.V1Beta4;
  }

  /** The document as it is now (a copy). */
  get fields(): Fields {
    return deepClone(this.#doc);
  }

  /** Whether anything differs from what was parsed. */
  get changed(): boolean {
    return !isDeepStrictEqual(this.#original, this.#doc);
  }

  toYAML(): string {
    return stringify(this.#doc);
  }

  /** Moves the document to another kubeadm API version, converting the fields whose shape differs. */
  convertTo(apiVersion: KubeadmAPIVersion): void {
    if (apiVersion === this.apiVersion) return;
    const doc = this.#doc;
    doc.apiVersion = apiVersion;
    const holders = [
      ...COMPONENTS.map((c) => doc[c]),
      isFields(doc.etcd) ? doc.etcd.local : undefined,
    ].filter(isFields);
    if (apiVersion === KubeadmAPIVersion.V1Beta4) {
      for (const h of holders) if (isFields(h.extraArgs)) h.extraArgs = argsFromMap(h.extraArgs);
      if (isFields(doc.apiServer)) delete doc.apiServer.timeoutForControlPlane;
      return;
    }
    for (const h of holders) {
      if (Array.isArray(h.extraArgs)) h.extraArgs = mapFromArgs(h.extraArgs);
      delete h.extraEnvs;
    }
    for (const field of V1BETA4_ONLY) delete doc[field];
    if (isFields(doc.dns)) delete doc.dns.disabled;
    if (isFields(doc.etcd) && isFields(doc.etcd.external)) delete doc.etcd.external.httpEndpoints;
  }

  /** `kubernetesVersion`, written as `v` + the version. */
  setKubernetesVersion(version: SemVer): void {
    this.#doc.kubernetesVersion = `v${formatSemver(version)}`;
  }

  /** `imageRepository`; an empty value leaves the document's (upstream only overrides a set repository). */
  setImageRepository(imageRepository: string | undefined): void {
    if (imageRepository) this.#doc.imageRepository = imageRepository;
  }

  /** `featureGates`, replaced as a whole; none removes the field. */
  setFeatureGates(featureGates: Record<string, boolean> | undefined): void {
    this.#set(
      this.#doc,
      'featureGates',
      featureGates && Object.keys(featureGates).length > 0 ? { ...featureGates } : undefined,
    );
  }

  /**
   * The extraArgs, extraEnvs, extraVolumes (and for the API server certSANs) of a component, replaced by
   * Cluster API's; other fields of the component (v1beta3's timeoutForControlPlane) stay.
   */
  setControlPlaneComponent(
    name: ControlPlaneComponentName,
    component: ControlPlaneComponent | APIServer | undefined,
  ): void {
    const target = this.#object(this.#doc, name);
    this.#set(target, 'extraArgs', this.#args(component?.extraArgs));
    this.#set(target, 'extraEnvs', this.#v1beta4 ? nonEmpty(component?.extraEnvs) : undefined);
    this.#set(target, 'extraVolumes', nonEmpty(component?.extraVolumes)?.map(hostPathMount));
    if (name === 'apiServer') {
      const certSANs = component && 'certSANs' in component ? component.certSANs : undefined;
      this.#set(target, 'certSANs', nonEmpty(certSANs));
    }
  }

  /**
   * `certificateValidityPeriod` (v1beta4 only), from days; unset removes it. A value meaning the same duration
   * stays as written.
   */
  setCertificateValidityPeriodDays(days: number | undefined): void {
    if (!this.#v1beta4 || !days) {
      delete this.#doc.certificateValidityPeriod;
      return;
    }
    const ms = days * 24 * 3_600_000;
    if (sameDuration(this.#doc.certificateValidityPeriod, ms)) return;
    this.#doc.certificateValidityPeriod = formatGoDuration(ms);
  }

  /** `encryptionAlgorithm` (v1beta4 only); unset removes it. */
  setEncryptionAlgorithm(algorithm: ClusterConfiguration['encryptionAlgorithm']): void {
    this.#set(this.#doc, 'encryptionAlgorithm', this.#v1beta4 && algorithm ? algorithm : undefined);
  }

  /**
   * `etcd.local` replaced by Cluster API's (no local settings remove it, as upstream writes no `local` then;
   * kubeadm defaults it) and `etcd.external` removed: the two are exclusive and cannot be switched.
   */
  setLocalEtcd(local: LocalEtcd | undefined): void {
    const etcd = this.#object(this.#doc, 'etcd');
    delete etcd.external;
    const target = isFields(etcd.local) ? etcd.local : {};
    this.#set(target, 'imageRepository', local?.imageRepository || undefined);
    this.#set(target, 'imageTag', local?.imageTag || undefined);
    this.#set(target, 'dataDir', local?.dataDir || undefined);
    this.#set(target, 'extraArgs', this.#args(local?.extraArgs));
    this.#set(target, 'extraEnvs', this.#v1beta4 ? nonEmpty(local?.extraEnvs) : undefined);
    this.#set(target, 'serverCertSANs', nonEmpty(local?.serverCertSANs));
    this.#set(target, 'peerCertSANs', nonEmpty(local?.peerCertSANs));
    this.#set(etcd, 'local', Object.keys(target).length > 0 ? target : undefined);
  }

  /** `etcd.external` replaced by Cluster API's and `etcd.local` removed. */
  setExternalEtcd(external: ExternalEtcd | undefined): void {
    const etcd = this.#object(this.#doc, 'etcd');
    delete etcd.local;
    const target = isFields(etcd.external) ? etcd.external : {};
    this.#set(target, 'endpoints', nonEmpty(external?.endpoints));
    this.#set(target, 'caFile', external?.caFile || undefined);
    this.#set(target, 'certFile', external?.certFile || undefined);
    this.#set(target, 'keyFile', external?.keyFile || undefined);
    this.#set(etcd, 'external', Object.keys(target).length > 0 ? target : undefined);
  }

  /** `dns.imageRepository` and `dns.imageTag`, as the KubeadmControlPlane's; unset removes them. */
  setDNSImage(dns: DNS | undefined): void {
    const target = this.#object(this.#doc, 'dns');
    this.#set(target, 'imageRepository', dns?.imageRepository || undefined);
    this.#set(target, 'imageTag', dns?.imageTag || undefined);
  }

  #args(args: readonly Arg[] | undefined): unknown {
    if (!args || args.length === 0) return undefined;
    if (this.#v1beta4) return args.map(({ name, value }) => ({ name, value }));
    return mapFromArgs(args);
  }

  /** The object under `key`, created (empty) when missing: upstream writes these structs even when empty. */
  #object(parent: Fields, key: string): Fields {
    if (!isFields(parent[key])) parent[key] = {};
    return parent[key] as Fields;
  }

  #set(target: Fields, key: string, value: unknown): void {
    if (value === undefined) delete target[key];
    else if (!isDeepStrictEqual(target[key], value)) target[key] = value;
  }
}

const COMPONENTS: readonly ControlPlaneComponentName[] = ['apiServer', 'controllerManager', 'scheduler'];
const V1BETA4_ONLY = [
  'encryptionAlgorithm',
  'certificateValidityPeriod',
  'caCertificateValidityPeriod',
  'proxy',
];

const nonEmpty = <T>(list: readonly T[] | undefined): T[] | undefined =>
  list && list.length > 0 ? deepClone([...list]) : undefined;

const hostPathMount = (m: HostPathMount): Fields => ({
  name: m.name,
  hostPath: m.hostPath,
  mountPath: m.mountPath,
  ...(m.readOnly ? { readOnly: true } : {}),
  ...(m.pathType ? { pathType: m.pathType } : {}),
});

/** A v1beta3 extraArgs value as kubeadm reads it (YAML may have typed `true` or `8080` without quotes). */
function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return v === null || v === undefined ? '' : JSON.stringify(v);
}

function argsFromMap(map: Fields): { name: string; value: string }[] {
  return Object.entries(map)
    .map(([name, value]) => ({ name, value: scalar(value) }))
    .sort((a, b) => (a.name === b.name ? cmp(a.value, b.value) : cmp(a.name, b.name)));
}

function mapFromArgs(args: readonly unknown[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const a of args) if (isFields(a) && typeof a.name === 'string') map[a.name] = scalar(a.value);
  return map;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sameDuration(current: unknown, ms: number): boolean {
  if (typeof current !== 'string') return false;
  try {
    return parseGoDuration(current) === ms;
  } catch (err) {
    if (err instanceof InvalidDurationError) return false;
    throw err;
  }
}
