import { denyForbidden } from '../../controller-runtime/webhook/field-errors.js';
import { jsonDiff } from '../../controller-runtime/webhook/json-diff.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { API_VERSION, GROUP, type IPAddressClaim } from '../api/ipam/v1beta2/index.js';
import { loose } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `IPAddressClaim.${GROUP}`;

/**
 * IPAddressClaim (validation only): the spec never changes once created, since the provider may already have
 * allocated from the pool it names. Anything a create could get wrong the schema already refuses. Upstream
 * returns a bare field error, which controller-runtime answers with a 403 carrying its text.
 */
export function ipAddressClaimWebhook(_context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'IPAddressClaim' },
    resource: 'ipaddressclaims',
    validator: {
      validateUpdate(oldObj, newObj) {
        const diff = jsonDiff(loose<IPAddressClaim>(oldObj).spec, loose<IPAddressClaim>(newObj).spec);
        if (diff === '') return;
        denyForbidden(
          GROUP_KIND,
          newObj.metadata.name ?? '',
          `spec: Forbidden: IPAddressClaim spec is immutable. Diff: ${diff}`,
        );
      },
    },
  };
}
