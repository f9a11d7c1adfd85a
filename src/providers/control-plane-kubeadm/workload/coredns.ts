// Once the control plane is stable, KCP moves CoreDNS to the image its clusterConfiguration asks for (upstream
// `Workload.UpdateCoreDNS`): `dns.imageRepository` (else `imageRepository`, else the running one's) and
// `dns.imageTag` (else the running tag). Upgrades only: a lower version is refused, and so is a running version
// the Corefile migration does not know. In upstream's order: record the image in kubeadm-config; back the
// Corefile up under `Corefile-backup` and point the Deployment's config volume at the backup; write the migrated
// Corefile; then set the new image and point the volume back at `Corefile`. So the old Pods keep a Corefile they
// understand while the new ones start with the migrated one.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Client, JsonPatchOperation } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  parseTolerantImageTag,
  type SemVer,
} from '../../../core/api/version.js';
import type { ClusterConfiguration } from '../../bootstrap-kubeadm/api/index.js';
import { type KubeadmControlPlane, KubeadmControlPlaneAnnotation } from '../api/index.js';
import { COREDNS_MIGRATION_VERSIONS } from '../webhooks/coredns-migration.js';
import { containerImagePatch } from './container-image-patch.js';
import { type CorefileMigrator, migrateCorefile } from './corefile-migration.js';
import { baseNameOf, parseImageReference, repositoryOf } from './image-reference.js';
import {
  ClusterConfigurationMutators,
  isClusterConfigurationDefined,
  updateClusterConfiguration,
  type WorkloadCallOptions,
  type WorkloadStepResult,
} from './kubeadm-config-map.js';
import { CoreDNSUpgradeError, isCoreDNSUpgradeError } from './workload-errors.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
/** The ConfigMap (Corefile) and Deployment kubeadm deploys CoreDNS as. */
export const COREDNS = { namespace: 'kube-system', name: 'coredns' } as const;
export const COREFILE_KEY = 'Corefile';
export const COREFILE_BACKUP_KEY = 'Corefile-backup';
const CONFIG_VOLUME = 'config-volume';
/** kubeadm's default registries, where CoreDNS moved from `coredns` to `coredns/coredns` with 1.8.0. */
const DEFAULT_REGISTRIES = ['registry.k8s.io', 'k8s.gcr.io'];
const V1_8_0: SemVer = { major: 1, minor: 8, patch: 0, pre: [], build: [] };

type ConfigMapObject = KubeObject & ConfigMap;
type DeploymentObject = KubeObject & Deployment;

export interface UpdateCoreDNSOptions extends WorkloadCallOptions {
  /** The Corefile migration (default `migrateCorefile`); injectable for tests and a fuller migration later. */
  migrateCorefile?: CorefileMigrator;
}

export interface CoreDNSStepResult extends WorkloadStepResult {
  fromImage?: string;
  toImage?: string;
}

/** What the running CoreDNS is and what KCP wants it to be. */
interface CoreDNSInfo {
  corefile: string;
  configMap: ConfigMapObject;
  deployment: DeploymentObject;
  fromImageTag: string;
  toImageTag: string;
  from: SemVer;
  to: SemVer;
  fromImage: string;
  toImage: string;
}

const majorMinorPatch = (v: SemVer): string => `${v.major}.${v.minor}.${v.patch}`;

function parseTag(tag: string, what: 'current' | 'target'): SemVer {
  const v = parseTolerantImageTag(tag);
  if (isSemverError(v)) {
    throw new CoreDNSUpgradeError(
      'InvalidImageTag',
      `failed to parse CoreDNS ${what} version ${JSON.stringify(tag)}: ${v.error}`,
    );
  }
  return v;
}

/** The image CoreDNS should run, from the image it runs and the KCP's clusterConfiguration. */
export function desiredCoreDNSImage(
  currentImage: string,
  clusterConfiguration: ClusterConfiguration | undefined,
): { fromTag: string; toTag: string; image: string } {
  const ref = parseImageReference(currentImage);
  if (!ref.tag) {
    throw new CoreDNSUpgradeError(
      'InvalidImageTag',
      `failed to update coredns deployment: does not have a valid image tag: ${JSON.stringify(currentImage)}`,
    );
  }
  let repository = repositoryOf(ref);
  const clusterRepository = clusterConfiguration?.imageRepository;
  if (clusterRepository) repository = clusterRepository.replace(/\/+$/, '');
  const dnsRepository = clusterConfiguration?.dns?.imageRepository;
  if (dnsRepository) repository = dnsRepository.replace(/\/+$/, '');
  const toTag = clusterConfiguration?.dns?.imageTag || ref.tag;
  const to = parseTag(toTag, 'target');
  let name = baseNameOf(ref);
  if (
    DEFAULT_REGISTRIES.includes(repository) &&
    name === 'coredns' &&
    compareVersions(to, V1_8_0, { withoutPreReleases: true }) >= 0
  ) {
    name = 'coredns/coredns';
  }
  return { fromTag: ref.tag, toTag, image: `${repository ? `${repository}/` : ''}${name}:${toTag}` };
}

async function coreDNSInfo(
  client: Client,
  clusterConfiguration: ClusterConfiguration | undefined,
  options: WorkloadCallOptions,
): Promise<CoreDNSInfo | undefined> {
  let configMap: ConfigMapObject;
  let deployment: DeploymentObject;
  try {
    configMap = await client.get<ConfigMapObject>(CONFIG_MAP, COREDNS, options);
    deployment = await client.get<DeploymentObject>(DEPLOYMENT, COREDNS, options);
  } catch (err) {
    // Not deployed (another DNS, or not yet): nothing to upgrade.
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const corefile = configMap.data?.[COREFILE_KEY];
  if (corefile === undefined) {
    throw new CoreDNSUpgradeError('MissingCorefile', 'unable to find the CoreDNS Corefile data');
  }
  const container = deployment.spec?.template.spec?.containers.find((c) => c.name === COREDNS.name);
  if (!container) {
    throw new CoreDNSUpgradeError(
      'MissingContainer',
      `failed to update coredns deployment: deployment spec has no "${COREDNS.name}" container`,
    );
  }
  const fromImage = container.image ?? '';
  const desired = desiredCoreDNSImage(fromImage, clusterConfiguration);
  return {
    corefile,
    configMap,
    deployment,
    fromImageTag: desired.fromTag,
    toImageTag: desired.toTag,
    from: parseTag(desired.fromTag, 'current'),
    to: parseTag(desired.toTag, 'target'),
    fromImage,
    toImage: desired.image,
  };
}

/** Upgrades only, from a release the Corefile migration knows (upstream `validateCoreDNSImageTag`). */
function validateCoreDNSImageTag(info: CoreDNSInfo): void {
  if (compareVersions(info.from, info.to, { withoutPreReleases: true }) > 0) {
    throw new CoreDNSUpgradeError(
      'Downgrade',
      `failed to validate CoreDNS: toVersion ${JSON.stringify(info.toImageTag)} must be greater than or equal to fromVersion ${JSON.stringify(info.fromImageTag)}`,
    );
  }
  const known: readonly string[] = COREDNS_MIGRATION_VERSIONS;
  if (!known.includes(majorMinorPatch(info.from))) {
    throw new CoreDNSUpgradeError(
      'UnsupportedVersion',
      `failed to validate CoreDNS: fromVersion ${JSON.stringify(formatSemver(info.from))} is not a compatible coredns version`,
    );
  }
}

/** Points the `config-volume` items of the coredns ConfigMap from `fromKey` (or already `toKey`) to `toKey`. */
function configVolumeKeyPatch(
  deployment: DeploymentObject,
  fromKey: string,
  toKey: string,
): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  (deployment.spec?.template.spec?.volumes ?? []).forEach((volume, v) => {
    if (volume.name !== CONFIG_VOLUME || volume.configMap?.name !== COREDNS.name) return;
    (volume.configMap.items ?? []).forEach((item, i) => {
      if (item.key !== fromKey) return;
      const path = `/spec/template/spec/volumes/${v}/configMap/items/${i}/key`;
      ops.push({ op: 'test', path, value: fromKey }, { op: 'replace', path, value: toKey });
    });
  });
  return ops;
}

async function patchDeployment(
  client: Client,
  deployment: DeploymentObject,
  ops: JsonPatchOperation[],
  options: WorkloadCallOptions,
): Promise<DeploymentObject> {
  if (ops.length === 0) return deployment;
  return client.patch(deployment, { type: 'json', data: ops }, { signal: options.signal });
}

/**
 * Moves CoreDNS to the image the KCP asks for. Nothing with the `skip-coredns` annotation, without a
 * clusterConfiguration on the KCP, without a coredns ConfigMap or Deployment, or when the image is already
 * right. CoreDNSUpgradeError when the change is a downgrade, starts from an unknown release, or the Corefile
 * cannot be migrated; ImageReferenceError when the running image cannot be read.
 */
export async function updateCoreDNS(
  client: Client,
  kcp: KubeadmControlPlane,
  options: UpdateCoreDNSOptions = {},
): Promise<CoreDNSStepResult> {
  if (kcp.metadata?.annotations?.[KubeadmControlPlaneAnnotation.SkipCoreDNS] !== undefined) {
    return { changed: false };
  }
  const clusterConfiguration = kcp.spec.kubeadmConfigSpec?.clusterConfiguration;
  if (!isClusterConfigurationDefined(clusterConfiguration)) return { changed: false };
  const info = await coreDNSInfo(client, clusterConfiguration, options);
  if (!info || info.fromImage === info.toImage) return { changed: false };
  validateCoreDNSImageTag(info);

  await updateClusterConfiguration(
    client,
    kcp.spec.version,
    [ClusterConfigurationMutators.dnsImage(clusterConfiguration?.dns)],
    options,
  );

  const migrate = options.migrateCorefile ?? migrateCorefile;
  let migrated: string;
  try {
    migrated = migrate(majorMinorPatch(info.from), majorMinorPatch(info.to), info.corefile);
  } catch (err) {
    if (isCoreDNSUpgradeError(err)) throw err;
    throw new CoreDNSUpgradeError(
      'CorefileMigration',
      `unable to migrate CoreDNS corefile: ${(err as Error).message}`,
    );
  }
  const backedUp = await client.update<ConfigMapObject>(
    {
      ...info.configMap,
      data: { ...info.configMap.data, [COREFILE_KEY]: info.corefile, [COREFILE_BACKUP_KEY]: info.corefile },
    },
    { signal: options.signal },
  );
  const deployment = await patchDeployment(
    client,
    info.deployment,
    configVolumeKeyPatch(info.deployment, COREFILE_KEY, COREFILE_BACKUP_KEY),
    options,
  );
  await client.update<ConfigMapObject>(
    {
      ...backedUp,
      data: { ...backedUp.data, [COREFILE_KEY]: migrated, [COREFILE_BACKUP_KEY]: info.corefile },
    },
    { signal: options.signal },
  );
  await patchDeployment(
    client,
    deployment,
    [
      ...containerImagePatch(deployment, COREDNS.name, info.toImage),
      ...configVolumeKeyPatch(deployment, COREFILE_BACKUP_KEY, COREFILE_KEY),
    ],
    options,
  );
  return { changed: true, fromImage: info.fromImage, toImage: info.toImage };
}
