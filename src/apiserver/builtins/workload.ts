/**
 * What Deployments and DaemonSets share: apps/v1 validation of selector and pod template
 * (`pkg/apis/apps/validation`, subset) and the container columns of their wide tables.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { goSyntaxLabelSelector, goSyntaxStringMap } from './go-format.js';
import { deepEqual, getObject, getObjects, isObject } from './object-access.js';
import { validatePodSpec } from './pod-spec.js';
import { invalidRaw, labelSelectorMatches, validateLabelSelector } from './validation-helpers.js';

/** Selector present, non-empty, matching the template labels; template valid with restartPolicy Always. */
export function validateWorkloadSpec(obj: KubeObject, kindName: 'deployment' | 'daemonset'): FieldError[] {
  const errs: FieldError[] = [];
  const spec = getObject(obj, 'spec') ?? {};
  const selector = spec.selector;
  if (!isObject(selector)) {
    errs.push(fieldErrors.required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    const empty =
      Object.keys(isObject(selector.matchLabels) ? selector.matchLabels : {}).length === 0 &&
      (!Array.isArray(selector.matchExpressions) || selector.matchExpressions.length === 0);
    if (empty) {
      errs.push(
        invalidRaw(
          'spec.selector',
          goSyntaxLabelSelector(selector),
          `empty selector is invalid for ${kindName}`,
        ),
      );
    }
    const labels = getObject(spec, 'template.metadata')?.labels;
    if (!empty && !labelSelectorMatches(selector, labels)) {
      errs.push(
        invalidRaw(
          'spec.template.metadata.labels',
          goSyntaxStringMap(labels),
          '`selector` does not match template `labels`',
        ),
      );
    }
  }
  const templateSpec = getObject(spec, 'template.spec');
  errs.push(...validatePodSpec(templateSpec, 'spec.template.spec'));
  const restart = templateSpec?.restartPolicy;
  if (typeof restart === 'string' && restart !== 'Always') {
    errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  }
  return errs;
}

/** apps/v1 selectors are immutable. */
export function validateSelectorUnchanged(obj: KubeObject, old: KubeObject): FieldError[] {
  const selector = getObject(obj, 'spec')?.selector;
  if (deepEqual(selector, getObject(old, 'spec')?.selector)) return [];
  return [invalidRaw('spec.selector', goSyntaxLabelSelector(selector), 'field is immutable')];
}

/** CONTAINERS and IMAGES cells of the wide table (`layoutContainerCells`). */
export function containerCells(obj: KubeObject): [string, string] {
  const containers = getObjects(obj, 'spec.template.spec.containers');
  return [
    containers.map((c) => (typeof c.name === 'string' ? c.name : '')).join(','),
    containers.map((c) => (typeof c.image === 'string' ? c.image : '')).join(','),
  ];
}
