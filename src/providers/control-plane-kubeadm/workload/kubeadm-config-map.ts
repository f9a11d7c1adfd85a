// Before rolling out Machines, KCP brings the workload cluster's kubeadm-config ConfigMap in line with the
// KubeadmControlPlane (upstream `updateControlPlane` + `Workload.UpdateClusterConfiguration`): the target
// Kubernetes version, and, when the KCP has a clusterConfiguration, image repository, feature gates, the control
// plane components' flags/envs/volumes, certificate validity, encryption algorithm and etcd. `kubeadm join` and
// `kubeadm upgrade` on the new Machines read it from there.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { deepClone } from '../../../controller-runtime/util/json.js';
import { isSemverError, parseSemverTolerant, type SemVer } from '../../../core/api/version.js';
import type {
  APIServer,
  ClusterConfiguration,
  ControlPlaneComponent,
  DNS,
  ExternalEtcd,
  KubeadmConfigSpec,
  LocalEtcd,
} from '../../bootstrap-kubeadm/api/index.js';
import type { KubeadmControlPlane } from '../api/index.js';
import { isEtcdManaged } from '../internal/control-plane.js';
import { defaultFeatureGates, InvalidKubernetesVersionError } from '../internal/desired-state.js';
import { ClusterConfigurationDocument, kubeadmAPIVersionFor } from './cluster-configuration-document.js';
import { retryOnConflict } from './retry-on-conflict.js';
import { KubeadmConfigMapError } from './workload-errors.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
/** Where kubeadm keeps the cluster-wide configuration. */
export const KUBEADM_CONFIG_MAP = { namespace: 'kube-system', name: 'kubeadm-config' } as const;
export const CLUSTER_CONFIGURATION_KEY = 'ClusterConfiguration';

/** One change to the ClusterConfiguration document (upstream's `func(*bootstrapv1.ClusterConfiguration)`). */
export type ClusterConfigurationMutator = (doc: ClusterConfigurationDocument) => void;

export interface WorkloadCallOptions {
  signal?: AbortSignal;
}

/** What a workload step did: `changed` is false when the cluster already matched (nothing was written). */
export interface WorkloadStepResult {
  changed: boolean;
}

/** Parses a KubeadmControlPlane's `spec.version` the tolerant way upstream does. */
export function parseKubernetesVersion(version: string): SemVer {
  const parsed = parseSemverTolerant(version);
  if (isSemverError(parsed)) {
    throw new InvalidKubernetesVersionError(
      `failed to parse Kubernetes version "${version}": ${parsed.error}`,
    );
  }
  return parsed;
}

/**
 * Reads kubeadm-config, sets `kubernetesVersion`, moves the document to the kubeadm API version of `version`,
 * applies `mutators`, and writes the ConfigMap back only when something changed (guarded by its
 * resourceVersion; a lost race is retried with a fresh read). A missing ConfigMap is the client's NotFoundError.
 */
export async function updateClusterConfiguration(
  client: Client,
  version: string,
  mutators: readonly ClusterConfigurationMutator[] = [],
  options: WorkloadCallOptions = {},
): Promise<WorkloadStepResult> {
  const target = parseKubernetesVersion(version);
  const apiVersion = kubeadmAPIVersionFor(target);
  return retryOnConflict(async () => {
    const configMap = await client.get<KubeObject & ConfigMap>(CONFIG_MAP, KUBEADM_CONFIG_MAP, options);
    const current = configMap.data?.[CLUSTER_CONFIGURATION_KEY];
    if (current === undefined) {
      throw new KubeadmConfigMapError(
        'MissingClusterConfiguration',
        `unable to find "${CLUSTER_CONFIGURATION_KEY}" in the kubeadm-config ConfigMap`,
      );
    }
    const doc = ClusterConfigurationDocument.parse(current);
    doc.convertTo(apiVersion);
    doc.setKubernetesVersion(target);
    for (const mutate of mutators) mutate(doc);
    if (!doc.changed) return { changed: false };
    await client.update<KubeObject & ConfigMap>(
      { ...configMap, data: { ...configMap.data, [CLUSTER_CONFIGURATION_KEY]: doc.toYAML() } },
      { signal: options.signal },
    );
    return { changed: true };
  }, options.signal);
}

/** The mutators of upstream's WorkloadCluster (`Update…InKubeadmConfigMap`). */
export const ClusterConfigurationMutators = {
  /** Only a set repository overrides the document's. */
  imageRepository:
    (imageRepository: string | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setImageRepository(imageRepository),
  /** The KCP's feature gates with KCP's defaults for `version`; none clears the document's. */
  featureGates:
    (spec: KubeadmConfigSpec | undefined, version: SemVer): ClusterConfigurationMutator =>
    (doc) => {
      const defaulted: KubeadmConfigSpec = deepClone(spec ?? {});
      defaultFeatureGates(defaulted, version);
      doc.setFeatureGates(defaulted.clusterConfiguration?.featureGates);
    },
  apiServer:
    (apiServer: APIServer | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setControlPlaneComponent('apiServer', apiServer),
  controllerManager:
    (controllerManager: ControlPlaneComponent | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setControlPlaneComponent('controllerManager', controllerManager),
  scheduler:
    (scheduler: ControlPlaneComponent | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setControlPlaneComponent('scheduler', scheduler),
  certificateValidityPeriodDays:
    (days: number | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setCertificateValidityPeriodDays(days),
  encryptionAlgorithm:
    (algorithm: ClusterConfiguration['encryptionAlgorithm']): ClusterConfigurationMutator =>
    (doc) =>
      doc.setEncryptionAlgorithm(algorithm),
  localEtcd:
    (local: LocalEtcd | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setLocalEtcd(local),
  externalEtcd:
    (external: ExternalEtcd | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setExternalEtcd(external),
  /** The CoreDNS image KCP asks for (`updateCoreDNS` applies it once it changes the Deployment). */
  dnsImage:
    (dns: DNS | undefined): ClusterConfigurationMutator =>
    (doc) =>
      doc.setDNSImage(dns),
} as const;

/** Whether any field of a (possibly nested) value is set: upstream's `IsDefined` on a struct. */
function isDefined(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isDefined);
  return value !== '' && value !== 0 && value !== false;
}

/** Whether a KCP's clusterConfiguration sets anything (upstream `ClusterConfiguration.IsDefined()`). */
export const isClusterConfigurationDefined = (cc: ClusterConfiguration | undefined): boolean => isDefined(cc);

/**
 * What upstream's `updateControlPlane` changes in kubeadm-config before a rollout: nothing but the version when
 * the KCP has no clusterConfiguration; otherwise image repository, feature gates (defaulted for the version), API
 * server, controller manager, scheduler, certificate validity, encryption algorithm, and local or external etcd.
 */
export function kubeadmConfigMapMutatorsFor(kcp: KubeadmControlPlane): ClusterConfigurationMutator[] {
  const spec = kcp.spec.kubeadmConfigSpec;
  const cc = spec?.clusterConfiguration;
  if (!isDefined(cc)) return [];
  const version = parseKubernetesVersion(kcp.spec.version);
  const M = ClusterConfigurationMutators;
  return [
    M.imageRepository(cc?.imageRepository),
    M.featureGates(spec, version),
    M.apiServer(cc?.apiServer),
    M.controllerManager(cc?.controllerManager),
    M.scheduler(cc?.scheduler),
    M.certificateValidityPeriodDays(cc?.certificateValidityPeriodDays),
    M.encryptionAlgorithm(cc?.encryptionAlgorithm),
    isEtcdManaged(kcp) ? M.localEtcd(cc?.etcd?.local) : M.externalEtcd(cc?.etcd?.external),
  ];
}

/** `updateClusterConfiguration` with the KCP's version and `kubeadmConfigMapMutatorsFor(kcp)`. */
export async function updateKubeadmConfigMap(
  client: Client,
  kcp: KubeadmControlPlane,
  options: WorkloadCallOptions = {},
): Promise<WorkloadStepResult> {
  return updateClusterConfiguration(client, kcp.spec.version, kubeadmConfigMapMutatorsFor(kcp), options);
}
