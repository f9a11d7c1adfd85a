import { denyIfInvalid, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { API_VERSION, type ClusterResourceSetBinding, GROUP } from '../api/addons/v1beta2/index.js';
import { FIELD_IS_IMMUTABLE } from './util/immutable.js';
import { loose } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `ClusterResourceSetBinding.${GROUP}`;

/** ClusterResourceSetBinding: once set, `spec.clusterName` never changes (a binding records one Cluster). */
export function clusterResourceSetBindingWebhook(_context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'ClusterResourceSetBinding' },
    resource: 'clusterresourcesetbindings',
    validator: {
      validateUpdate(oldObj, newObj) {
        const oldName = loose<ClusterResourceSetBinding>(oldObj).spec?.clusterName ?? '';
        const binding = loose<ClusterResourceSetBinding>(newObj);
        const newName = binding.spec?.clusterName ?? '';
        const errs =
          oldName !== '' && oldName !== newName
            ? [fieldError.invalid('spec.clusterName', newName, FIELD_IS_IMMUTABLE)]
            : [];
        denyIfInvalid(GROUP_KIND, binding.metadata?.name ?? '', errs);
      },
    },
  };
}
