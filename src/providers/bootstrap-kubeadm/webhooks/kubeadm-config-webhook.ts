import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { denyIfInvalid } from '../../../controller-runtime/webhook/field-errors.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import { type FeatureGateOptions, resolveFeatureGates } from '../../../core/api/feature-gates.js';
import { validateKubeadmConfigSpec } from '../api/kubeadm-config-spec-validation.js';
import type { KubeadmConfig } from '../api/kubeadm-config-types.js';
import { API_VERSION, GROUP } from '../api/well-known.js';

export type KubeadmConfigObject = KubeadmConfig & KubeObject;

/** `apierrors.NewInvalid` names the kind with its group: `KubeadmConfig.bootstrap.cluster.x-k8s.io "x" is invalid`. */
const GROUP_KIND = `KubeadmConfig.${GROUP}`;

/**
 * KubeadmConfig admission: validation only. Upstream dropped the KubeadmConfig defaulter in v1.11 (format and
 * pull policy are left unset and the controller treats unset as cloud-config), so there is none here either.
 */
export function kubeadmConfigWebhook(
  options: FeatureGateOptions = {},
): WebhookRegistration<KubeadmConfigObject> {
  const gates = resolveFeatureGates(options.featureGates);
  const validate = (config: KubeadmConfigObject): void => {
    const errors = validateKubeadmConfigSpec(config.spec, {
      path: 'spec',
      isKCP: false,
      ignitionFormatEnabled: gates.KubeadmBootstrapFormatIgnition,
    });
    denyIfInvalid(GROUP_KIND, config.metadata.name ?? '', errors);
  };
  return {
    type: { apiVersion: API_VERSION, kind: 'KubeadmConfig' },
    resource: 'kubeadmconfigs',
    validator: {
      validateCreate: (config) => validate(config),
      validateUpdate: (_old, config) => validate(config),
    },
  };
}
