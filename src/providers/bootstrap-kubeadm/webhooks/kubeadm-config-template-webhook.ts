import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { denyIfInvalid } from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { validateObjectMeta } from '../../../controller-runtime/webhook/validation.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import { type FeatureGateOptions, resolveFeatureGates } from '../../../core/api/feature-gates.js';
import { isTopologyDryRunRequest } from '../../../core/api/v1beta2/admission-helpers.js';
import {
  applyPreviousKubeadmConfigDefaults,
  validateKubeadmConfigSpec,
} from '../api/kubeadm-config-spec-validation.js';
import type { KubeadmConfigTemplate } from '../api/kubeadm-config-template-types.js';
import { API_VERSION, GROUP } from '../api/well-known.js';

export type KubeadmConfigTemplateObject = KubeadmConfigTemplate & KubeObject;

const GROUP_KIND = `KubeadmConfigTemplate.${GROUP}`;

/**
 * KubeadmConfigTemplate admission. The defaulter touches only the topology controller's dry-run requests: it
 * fills in the defaults Cluster API set before v1.11, so templates created back then do not look changed and
 * trigger rollouts. Users' requests are left as sent, as upstream does.
 */
export function kubeadmConfigTemplateWebhook(
  options: FeatureGateOptions = {},
): WebhookRegistration<KubeadmConfigTemplateObject> {
  const gates = resolveFeatureGates(options.featureGates);
  const validate = (template: KubeadmConfigTemplateObject): void => {
    const errors = [
      ...validateKubeadmConfigSpec(template.spec?.template.spec, {
        path: 'spec.template.spec',
        isKCP: false,
        ignitionFormatEnabled: gates.KubeadmBootstrapFormatIgnition,
      }),
      ...validateObjectMeta(template.spec?.template.metadata, FieldPath.of('spec', 'template', 'metadata')),
    ];
    denyIfInvalid(GROUP_KIND, template.metadata.name ?? '', errors);
  };
  return {
    type: { apiVersion: API_VERSION, kind: 'KubeadmConfigTemplate' },
    resource: 'kubeadmconfigtemplates',
    defaulter: {
      default(template, request) {
        if (!isTopologyDryRunRequest(request, template)) return;
        const spec = (template.spec ??= { template: {} });
        applyPreviousKubeadmConfigDefaults((spec.template.spec ??= {}));
      },
    },
    validator: {
      validateCreate: (template) => validate(template),
      validateUpdate: (_old, template) => validate(template),
    },
  };
}
