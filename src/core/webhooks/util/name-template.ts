// `machineNaming.template` of MachineSets and MachineDeployments, checked the way upstream's webhooks check it;
// rendering itself is `src/core/api/name-template.ts`, shared with the providers.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { isDNS1123Subdomain } from '../../../controller-runtime/webhook/validation.js';
import { nameTemplateData, renderNameTemplate } from '../../api/name-template.js';

/**
 * `machineNaming.template` of MachineSets and MachineDeployments: must contain `{{ .random }}` and render
 * (with sample values) to a valid object name. Templates beyond field references are refused rather than
 * guessed at.
 */
export function validateMachineNaming(template: string | undefined, path: FieldPath): FieldError[] {
  if (!template) return [];
  const errs: FieldError[] = [];
  const p = path.child('template').toString();
  if (!template.includes('{{ .random }}')) {
    errs.push(fieldError.invalid(p, template, 'invalid template, {{ .random }} is missing'));
  }
  const rendered = renderNameTemplate(
    template,
    nameTemplateData('cluster', { machineSet: { name: 'machineset' } }),
  );
  if (rendered.kind !== 'rendered') {
    errs.push(fieldError.invalid(p, template, `invalid template: ${rendered.message}`));
  } else {
    for (const msg of isDNS1123Subdomain(rendered.name)) {
      errs.push(
        fieldError.invalid(
          p,
          template,
          `invalid template, generated names would not be valid Kubernetes object names: ${msg}`,
        ),
      );
    }
  }
  return errs;
}
