import type { KubeObject } from '../../../controller-runtime/api/object.js';
import {
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { jsonDiff } from '../../../controller-runtime/webhook/json-diff.js';
import { validateObjectMeta } from '../../../controller-runtime/webhook/validation.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import { isTopologyDryRunRequest } from '../../../core/api/v1beta2/admission-helpers.js';
import type { DevMachineTemplate } from '../api/dev-machine-template-types.js';
import { API_VERSION, GROUP } from '../api/group.js';
import { defaultDevMachineSpec } from './dev-machine-webhook.js';

export type DevMachineTemplateObject = DevMachineTemplate & KubeObject;

const GROUP_KIND = `DevMachineTemplate.${GROUP}`;

/** Labels and annotations the template gives the DevMachines it creates (upstream's `ObjectMeta.Validate`). */
const validateTemplateMetadata = (template: DevMachineTemplateObject) =>
  validateObjectMeta(template.spec?.template.metadata, FieldPath.of('spec', 'template', 'metadata'));

/**
 * DevMachineTemplate admission: the DevMachine backend default, valid template labels and annotations, and
 * `spec.template.spec` immutable except in the topology controller's dry-runs, which only simulate the change to
 * find out whether a new template is needed.
 */
export function devMachineTemplateWebhook(): WebhookRegistration<DevMachineTemplateObject> {
  return {
    type: { apiVersion: API_VERSION, kind: 'DevMachineTemplate' },
    resource: 'devmachinetemplates',
    defaulter: {
      default(template) {
        const spec = (template.spec ??= { template: { spec: { backend: {} } } });
        defaultDevMachineSpec(spec.template.spec);
      },
    },
    validator: {
      validateCreate(template) {
        denyIfInvalid(GROUP_KIND, template.metadata.name ?? '', validateTemplateMetadata(template));
      },
      validateUpdate(oldTemplate, newTemplate, request) {
        const errors: FieldError[] = [];
        if (!isTopologyDryRunRequest(request, newTemplate)) {
          const diff = jsonDiff(oldTemplate.spec?.template.spec, newTemplate.spec?.template.spec);
          if (diff !== '') {
            errors.push(
              fieldError.invalid(
                'spec.template.spec',
                newTemplate,
                `DevMachineTemplate spec.template.spec field is immutable. Please create a new resource instead. Diff: ${diff}`,
              ),
            );
          }
        }
        errors.push(...validateTemplateMetadata(newTemplate));
        denyIfInvalid(GROUP_KIND, newTemplate.metadata.name ?? '', errors);
      },
    },
  };
}
