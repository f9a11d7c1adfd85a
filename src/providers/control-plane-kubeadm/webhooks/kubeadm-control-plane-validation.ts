// Rules KubeadmControlPlane and KubeadmControlPlaneTemplate share (upstream's kubeadmcontrolplane.go helpers),
// with upstream's field paths and messages.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { isDNS1123Subdomain, isLabelKey } from '../../../controller-runtime/webhook/validation.js';
import { nameTemplateData, renderNameTemplate } from '../../../core/api/name-template.js';
import { reservedTaintKeyError, TAINTS_NEED_GATE } from '../../../core/api/v1beta2/admission-helpers.js';
import type { MachineTaint } from '../../../core/api/v1beta2/common-types.js';
import { isSemverError, parseTolerantImageTag } from '../../../core/api/version.js';
import { isDefined } from '../../bootstrap-kubeadm/api/kubeadm-config-spec-validation.js';
import type { ClusterConfiguration } from '../../bootstrap-kubeadm/api/kubeadm-types.js';
import type {
  KubeadmControlPlaneRollout,
  KubeadmControlPlaneSpec,
} from '../api/kubeadm-control-plane-types.js';
import { KubeadmControlPlaneRolloutStrategyType } from '../api/well-known.js';

/** Upstream's `secret.DefaultCACertificatesExpiryDays`: CAs Cluster API generates live ten years. */
export const DEFAULT_CA_CERTIFICATES_EXPIRY_DAYS = 3650;

/** Go's `strconv.Atoi` as `intstr.IntValue()` uses it: a percentage such as "50%" reads as 0. */
function intOrStringValue(value: number | string): number {
  if (typeof value === 'number') return value;
  return /^[+-]?\d+$/.test(value) ? Number(value) : 0;
}

export function validateRolloutAndCertValidityFields(
  rollout: KubeadmControlPlaneRollout | undefined,
  clusterConfiguration: ClusterConfiguration | undefined,
  replicas: number | undefined,
  path: string,
): FieldError[] {
  const strategy = rollout?.strategy;
  // Upstream returns early for an empty strategy, skipping the certificate checks too; kept for parity.
  if (!isDefined(strategy)) return [];
  const errors: FieldError[] = [];

  if (strategy?.type !== KubeadmControlPlaneRolloutStrategyType.RollingUpdate) {
    errors.push(fieldError.required(`${path}.rollout.strategy.type`, 'only RollingUpdate is supported'));
  }

  const maxSurge = strategy?.rollingUpdate?.maxSurge;
  if (maxSurge !== undefined) {
    const surge = intOrStringValue(maxSurge);
    if (surge === 0 && replicas !== undefined && replicas < 3) {
      errors.push(
        fieldError.required(
          `${path}.rollout.strategy.rollingUpdate`,
          'when KubeadmControlPlane is configured to scale-in, replica count needs to be at least 3',
        ),
      );
    }
    if (surge !== 1 && surge !== 0) {
      errors.push(
        fieldError.required(`${path}.rollout.strategy.rollingUpdate.maxSurge`, 'value must be 1 or 0'),
      );
    }
  }

  const certDays = clusterConfiguration?.certificateValidityPeriodDays ?? 0;
  const caDays = clusterConfiguration?.caCertificateValidityPeriodDays ?? 0;
  if (certDays !== 0) {
    const certPath = `${path}.kubeadmConfigSpec.clusterConfiguration.certificateValidityPeriodDays`;
    if (caDays !== 0) {
      if (certDays > caDays) {
        errors.push(
          fieldError.invalid(
            certPath,
            certDays,
            `must be less than or equal to caCertificateValidityPeriodDays (${caDays})`,
          ),
        );
      }
    } else if (certDays > DEFAULT_CA_CERTIFICATES_EXPIRY_DAYS) {
      errors.push(
        fieldError.invalid(
          certPath,
          certDays,
          `must be less than or equal to the default value of caCertificateValidityPeriodDays (${DEFAULT_CA_CERTIFICATES_EXPIRY_DAYS})`,
        ),
      );
    }
    const expiryDays = rollout?.before?.certificatesExpiryDays ?? 0;
    if (expiryDays !== 0 && expiryDays >= certDays) {
      errors.push(
        fieldError.invalid(
          `${path}.rollout.before.certificatesExpiryDays`,
          expiryDays,
          `must be less than certificateValidityPeriodDays (${certDays})`,
        ),
      );
    }
  }
  return errors;
}

/** `spec.machineNaming.template` must keep names unique (`.random`) and render to valid object names. */
export function validateMachineNaming(
  naming: KubeadmControlPlaneSpec['machineNaming'],
  path: string,
): FieldError[] {
  const template = naming?.template;
  if (!template) return [];
  const errors: FieldError[] = [];
  const templatePath = `${path}.template`;
  if (!template.includes('{{ .random }}')) {
    errors.push(fieldError.invalid(templatePath, template, 'invalid template, {{ .random }} is missing'));
  }
  const result = renderNameTemplate(
    template,
    nameTemplateData('cluster', { kubeadmControlPlane: { name: 'kubeadmcontrolplane' } }),
  );
  switch (result.kind) {
    case 'error':
      errors.push(fieldError.invalid(templatePath, template, `invalid template: ${result.message}`));
      break;
    case 'rendered':
      for (const problem of isDNS1123Subdomain(result.name)) {
        errors.push(
          fieldError.invalid(
            templatePath,
            template,
            `invalid template, generated names would not be valid Kubernetes object names: ${problem}`,
          ),
        );
      }
      break;
    case 'unsupported':
      // Functions and pipelines Go may accept: left to the controller rather than denying a valid template.
      break;
  }
  return errors;
}

/** `container.ImageTagIsValid`: OCI tags hold letters, digits, `_`, `.` and `-` only (empty is fine: unset). */
const imageTagIsValid = (tag: string): boolean => !/[^-a-zA-Z0-9_.]/.test(tag);

/** Image tags and the etcd topology; `oldConfiguration` is set on updates only. */
export function validateClusterConfiguration(
  oldConfiguration: ClusterConfiguration | undefined | null,
  newConfiguration: ClusterConfiguration | undefined,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const config = newConfiguration ?? {};
  const dnsTag = config.dns?.imageTag ?? '';
  if (!imageTagIsValid(dnsTag)) {
    errors.push(fieldError.forbidden(`${path}.dns.imageTag`, `tag ${dnsTag} is invalid`));
  }
  const parsedDnsTag = dnsTag === '' ? undefined : parseTolerantImageTag(dnsTag);
  if (parsedDnsTag !== undefined && isSemverError(parsedDnsTag)) {
    // Upstream reports this one without the path prefix (`dns.imageTag`); kept so paths match.
    errors.push(
      fieldError.invalid('dns.imageTag', dnsTag, `failed to parse CoreDNS version: ${parsedDnsTag.error}`),
    );
  }

  const local = config.etcd?.local;
  const external = config.etcd?.external;
  if (isDefined(local) && !imageTagIsValid(local?.imageTag ?? '')) {
    errors.push(
      fieldError.forbidden(`${path}.etcd.local.imageTag`, `tag ${local?.imageTag ?? ''} is invalid`),
    );
  }
  if (isDefined(local) && isDefined(external)) {
    errors.push(fieldError.forbidden(`${path}.etcd.local`, 'cannot have both external and local etcd'));
  }
  if (oldConfiguration !== undefined && oldConfiguration !== null) {
    if (isDefined(external) !== isDefined(oldConfiguration.etcd?.external)) {
      errors.push(
        fieldError.forbidden(`${path}.etcd.external`, 'cannot change between external and local etcd'),
      );
    }
  }
  return errors;
}

/**
 * Taints of the control plane Machines: only with the MachineTaintPropagation gate, never keys that Cluster
 * API, the kubelet, the node lifecycle controller or a cloud provider own, and only valid label keys (upstream's
 * `ValidateMachineTaints`).
 */
export function validateMachineTaints(
  taints: readonly MachineTaint[] | undefined,
  path: string,
  taintPropagationEnabled: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const list = taints ?? [];
  if (!taintPropagationEnabled && list.length > 0) errors.push(fieldError.forbidden(path, TAINTS_NEED_GATE));
  list.forEach((taint, i) => {
    const keyPath = `${path}[${i}].key`;
    const reserved = reservedTaintKeyError(taint.key);
    if (reserved !== undefined) errors.push(fieldError.invalid(keyPath, taint.key, reserved));
    for (const msg of isLabelKey(taint.key)) errors.push(fieldError.invalid(keyPath, taint.key, msg));
  });
  return errors;
}
