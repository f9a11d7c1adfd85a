import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { deepClone } from '../../../controller-runtime/util/json.js';
import {
  denyForbidden,
  denyIfInvalid,
  fieldError,
} from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { jsonDiff } from '../../../controller-runtime/webhook/json-diff.js';
import { validateObjectMeta } from '../../../controller-runtime/webhook/validation.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import { type FeatureGateOptions, resolveFeatureGates } from '../../../core/api/feature-gates.js';
import type { DevClusterSpec } from '../api/dev-cluster-types.js';
import type { DevClusterTemplate } from '../api/dev-cluster-template-types.js';
import { API_VERSION, GROUP } from '../api/group.js';
import { defaultDevClusterSpec, validateDevClusterSpec } from './dev-cluster-webhook.js';

export type DevClusterTemplateObject = DevClusterTemplate & KubeObject;

const GROUP_KIND = `DevClusterTemplate.${GROUP}`;
const TEMPLATE_METADATA_PATH = FieldPath.of('spec', 'template', 'metadata');

/** The template's DevCluster spec with the DevCluster defaults applied, on a copy. */
function defaultedSpec(template: DevClusterTemplateObject): DevClusterSpec {
  const spec = deepClone(template.spec?.template.spec ?? { backend: {} });
  defaultDevClusterSpec(spec);
  return spec;
}

/**
 * DevClusterTemplate admission: the DevCluster defaults on the embedded spec; created only with the
 * ClusterTopology gate, with valid template labels and annotations; `spec.template.spec` immutable (compared
 * with defaults applied on both sides). Upstream checks the template metadata on create only.
 */
export function devClusterTemplateWebhook(
  options: FeatureGateOptions = {},
): WebhookRegistration<DevClusterTemplateObject> {
  const gates = resolveFeatureGates(options.featureGates);
  return {
    type: { apiVersion: API_VERSION, kind: 'DevClusterTemplate' },
    resource: 'devclustertemplates',
    defaulter: {
      default(template) {
        const spec = (template.spec ??= { template: { spec: { backend: {} } } });
        defaultDevClusterSpec(spec.template.spec);
      },
    },
    validator: {
      validateCreate(template) {
        const name = template.metadata.name ?? '';
        if (!gates.ClusterTopology) {
          // Upstream returns a bare field error here, which controller-runtime turns into a 403 denial.
          denyForbidden(
            GROUP_KIND,
            name,
            'spec: Forbidden: can be set only if the ClusterTopology feature flag is enabled',
          );
        }
        denyIfInvalid(GROUP_KIND, name, [
          ...validateDevClusterSpec(template.spec?.template.spec),
          ...validateObjectMeta(template.spec?.template.metadata, TEMPLATE_METADATA_PATH),
        ]);
      },
      validateUpdate(oldTemplate, newTemplate) {
        const diff = jsonDiff(defaultedSpec(oldTemplate), defaultedSpec(newTemplate));
        if (diff === '') return;
        denyIfInvalid(GROUP_KIND, newTemplate.metadata.name ?? '', [
          fieldError.invalid(
            'spec.template.spec',
            newTemplate,
            `DevClusterTemplate spec.template.spec field is immutable. Please create a new resource instead. Diff: ${diff}`,
          ),
        ]);
      },
    },
  };
}
