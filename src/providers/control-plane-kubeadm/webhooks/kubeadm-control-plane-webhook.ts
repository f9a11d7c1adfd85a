import type { KubeObject } from '../../../controller-runtime/api/object.js';
import {
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { validateObjectMeta } from '../../../controller-runtime/webhook/validation.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import {
  type FeatureGateOptions,
  type FeatureGates,
  resolveFeatureGates,
} from '../../../core/api/feature-gates.js';
import { GROUP as CORE_GROUP } from '../../../core/api/v1beta2/group.js';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  kubernetesVersionErrors,
  parseSemverTolerant,
  parseTolerantImageTag,
  type SemVer,
} from '../../../core/api/version.js';
import {
  isDefined,
  validateKubeadmConfigSpec,
} from '../../bootstrap-kubeadm/api/kubeadm-config-spec-validation.js';
import type { KubeadmControlPlane, KubeadmControlPlaneSpec } from '../api/kubeadm-control-plane-types.js';
import {
  API_VERSION,
  KubeadmControlPlaneAnnotation,
  KubeadmControlPlaneRolloutStrategyType,
} from '../api/well-known.js';
import { coreDNSUpMigrationError } from './coredns-migration.js';
import { forbiddenKCPChanges } from './kubeadm-control-plane-update-paths.js';
import {
  validateClusterConfiguration,
  validateMachineNaming,
  validateMachineTaints,
  validateRolloutAndCertValidityFields,
} from './kubeadm-control-plane-validation.js';

export type KubeadmControlPlaneObject = KubeadmControlPlane & KubeObject;

/**
 * Upstream builds the error with the core group's GroupVersion (`clusterv1`), so its message reads
 * `KubeadmControlPlane.cluster.x-k8s.io "x" is invalid`; kept so messages match.
 */
const GROUP_KIND = `KubeadmControlPlane.${CORE_GROUP}`;

/** The schema requires the spec and its machineTemplate; rules still run on what is there, as Go's zero values do. */
type SpecInput = Partial<KubeadmControlPlaneSpec>;

/** Spec rules checked on create and update alike (upstream's `validateKubeadmControlPlaneSpec`). */
function validateSpec(spec: SpecInput, gates: FeatureGates): FieldError[] {
  const errors: FieldError[] = [];
  const replicas = spec.replicas;
  if (replicas === undefined) {
    errors.push(fieldError.required('spec.replicas', 'is required'));
  } else if (replicas <= 0) {
    errors.push(fieldError.forbidden('spec.replicas', 'cannot be less than or equal to 0'));
  }
  // etcd quorum needs an odd member count; with external etcd the control plane size is free.
  const externalEtcd = isDefined(spec.kubeadmConfigSpec?.clusterConfiguration?.etcd?.external);
  if (!externalEtcd && replicas !== undefined && replicas % 2 === 0) {
    errors.push(fieldError.forbidden('spec.replicas', 'cannot be an even number when etcd is stacked'));
  }

  // Upstream's paths say `machineTemplate.infrastructure`, not `machineTemplate.spec.infrastructureRef`.
  const ref: Partial<Record<'apiGroup' | 'kind' | 'name', string>> | undefined =
    spec.machineTemplate?.spec.infrastructureRef;
  for (const key of ['apiGroup', 'kind', 'name'] as const) {
    const value = ref?.[key] ?? '';
    if (value === '') {
      errors.push(fieldError.invalid(`spec.machineTemplate.infrastructure.${key}`, value, 'cannot be empty'));
    }
  }

  errors.push(
    ...validateMachineTaints(
      spec.machineTemplate?.spec?.taints,
      'spec.machineTemplate.spec.taints',
      gates.MachineTaintPropagation,
    ),
    ...validateObjectMeta(
      spec.machineTemplate?.metadata,
      FieldPath.of('spec', 'machineTemplate', 'metadata'),
    ),
  );

  const version = spec.version ?? '';
  for (const msg of kubernetesVersionErrors(version)) {
    errors.push(fieldError.invalid('spec.version', version, msg));
  }

  errors.push(
    ...validateRolloutAndCertValidityFields(
      spec.rollout,
      spec.kubeadmConfigSpec?.clusterConfiguration,
      replicas,
      'spec',
    ),
    ...validateMachineNaming(spec.machineNaming, 'spec.machineNaming'),
  );
  return errors;
}

/** Kubernetes may rise by at most one minor version per update (any patch of the next minor). */
function validateVersionChange(oldVersion: string, newVersion: string): FieldError[] {
  const from = parseSemverTolerant(oldVersion);
  if (isSemverError(from)) {
    const message = `failed to parse current kubeadmcontrolplane version: ${oldVersion}: ${from.error}`;
    return [fieldError.internal('spec.version', message)];
  }
  const to = parseSemverTolerant(newVersion);
  if (isSemverError(to)) {
    const message = `failed to parse updated kubeadmcontrolplane version: ${newVersion}: ${to.error}`;
    return [fieldError.internal('spec.version', message)];
  }
  const ceiling: SemVer = { major: from.major, minor: from.minor + 2, patch: 0, pre: [], build: [] };
  if (compareVersions(to, ceiling, { withoutPreReleases: true }) >= 0) {
    return [
      fieldError.forbidden(
        'spec.version',
        `cannot update Kubernetes version from ${oldVersion} to ${newVersion}`,
      ),
    ];
  }
  return [];
}

/** KCP rewrites the CoreDNS Corefile on an image change, so only changes the migration library knows pass. */
function validateCoreDNSChange(
  oldKcp: KubeadmControlPlaneObject,
  newKcp: KubeadmControlPlaneObject,
): FieldError[] {
  const path = 'spec.kubeadmConfigSpec.clusterConfiguration.dns.imageTag';
  const oldTag = oldKcp.spec?.kubeadmConfigSpec?.clusterConfiguration?.dns?.imageTag ?? '';
  const newTag = newKcp.spec?.kubeadmConfigSpec?.clusterConfiguration?.dns?.imageTag ?? '';
  if (oldTag === '' || newTag === '') return [];

  const from = parseTolerantImageTag(oldTag);
  if (isSemverError(from)) {
    return [fieldError.invalid(path, oldTag, `failed to parse current CoreDNS version: ${from.error}`)];
  }
  const to = parseTolerantImageTag(newTag);
  if (isSemverError(to)) {
    return [fieldError.invalid(path, newTag, `failed to parse target CoreDNS version: ${to.error}`)];
  }
  // The same version always passes, even one the migration library does not know.
  if (compareVersions(to, from, { withoutPreReleases: true }) === 0) return [];
  // With this annotation KCP leaves CoreDNS alone, so there is no Corefile to migrate.
  if (newKcp.metadata.annotations?.[KubeadmControlPlaneAnnotation.SkipCoreDNS] !== undefined) return [];

  const mmp = (v: SemVer) => `${v.major}.${v.minor}.${v.patch}`;
  const problem = coreDNSUpMigrationError(mmp(from), mmp(to));
  if (problem === undefined) return [];
  return [
    fieldError.forbidden(
      path,
      `cannot migrate CoreDNS up to '${formatSemver(to)}' from '${formatSemver(from)}': ${problem}`,
    ),
  ];
}

/**
 * KubeadmControlPlane admission. Defaults: one replica, a `v` in front of the version, the RollingUpdate
 * strategy with maxSurge 1. Validation: the spec rules, the embedded KubeadmConfigSpec rules, and on update the
 * allow-list of changeable paths, the one-minor upgrade step, no etcd topology switch and CoreDNS migrations.
 */
export function kubeadmControlPlaneWebhook(
  options: FeatureGateOptions = {},
): WebhookRegistration<KubeadmControlPlaneObject> {
  const gates = resolveFeatureGates(options.featureGates);
  const specRules = (kcp: KubeadmControlPlaneObject): FieldError[] =>
    validateKubeadmConfigSpec(kcp.spec?.kubeadmConfigSpec, {
      path: 'spec.kubeadmConfigSpec',
      isKCP: true,
      ignitionFormatEnabled: gates.KubeadmBootstrapFormatIgnition,
    });
  const clusterConfigurationPath = 'spec.kubeadmConfigSpec.clusterConfiguration';

  return {
    type: { apiVersion: API_VERSION, kind: 'KubeadmControlPlane' },
    resource: 'kubeadmcontrolplanes',
    defaulter: {
      default(kcp) {
        // Go defaults a missing spec as a zero struct; schema validation then reports what is still missing.
        const spec: SpecInput = kcp.spec ?? {};
        kcp.spec = spec as KubeadmControlPlaneSpec;
        spec.replicas ??= 1;
        const version = spec.version ?? '';
        if (!version.startsWith('v')) spec.version = `v${version}`;
        // Only RollingUpdate exists; setting it always keeps the stored object explicit about the strategy.
        const rollout = (spec.rollout ??= {});
        const strategy = (rollout.strategy ??= {
          type: KubeadmControlPlaneRolloutStrategyType.RollingUpdate,
        });
        strategy.type = KubeadmControlPlaneRolloutStrategyType.RollingUpdate;
        const rollingUpdate = (strategy.rollingUpdate ??= {});
        rollingUpdate.maxSurge ??= 1;
      },
    },
    validator: {
      validateCreate(kcp) {
        const spec: SpecInput = kcp.spec ?? {};
        const errors = [
          ...validateSpec(spec, gates),
          ...validateClusterConfiguration(
            undefined,
            spec.kubeadmConfigSpec?.clusterConfiguration,
            clusterConfigurationPath,
          ),
          ...specRules(kcp),
        ];
        denyIfInvalid(GROUP_KIND, kcp.metadata.name ?? '', errors);
      },
      validateUpdate(oldKcp, newKcp) {
        const oldSpec: SpecInput = oldKcp.spec ?? {};
        const newSpec: SpecInput = newKcp.spec ?? {};
        const errors = [
          ...validateSpec(newSpec, gates),
          ...forbiddenKCPChanges(oldKcp, newKcp),
          ...validateVersionChange(oldSpec.version ?? '', newSpec.version ?? ''),
          ...validateClusterConfiguration(
            oldSpec.kubeadmConfigSpec?.clusterConfiguration ?? {},
            newSpec.kubeadmConfigSpec?.clusterConfiguration,
            clusterConfigurationPath,
          ),
          ...validateCoreDNSChange(oldKcp, newKcp),
          ...specRules(newKcp),
        ];
        denyIfInvalid(GROUP_KIND, newKcp.metadata.name ?? '', errors);
      },
    },
  };
}
