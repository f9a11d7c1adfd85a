import type { KubeObject } from '../../controller-runtime/api/object.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import {
  API_VERSION,
  GROUP,
  type MachineDrainRule,
  MachineDrainRuleDrainBehavior,
} from '../api/v1beta2/index.js';
import {
  isSelectorError,
  type LabelSelector,
  labelSelectorAsSelector,
  selectorForDisplay,
} from './util/label-selector.js';
import { loose, type Loose } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `MachineDrainRule.${GROUP}`;

function selectorErrors(selector: LabelSelector | undefined, path: FieldPath): FieldError[] {
  if (selector === undefined) return [];
  const parsed = labelSelectorAsSelector(selector);
  return isSelectorError(parsed)
    ? [fieldError.invalid(path.toString(), selectorForDisplay(selector), parsed.error)]
    : [];
}

/**
 * The selectors of a MachineDrainRule must parse; exported because the Machine controller skips rules whose
 * selectors do not (they may predate this webhook).
 */
export function validateMachineDrainRuleSelectors(rule: Loose<MachineDrainRule>): FieldError[] {
  const errs: FieldError[] = [];
  (rule.spec?.machines ?? []).forEach((m, i) => {
    const path = FieldPath.of('spec', 'machines').index(i);
    errs.push(...selectorErrors(m.selector, path.child('selector')));
    errs.push(...selectorErrors(m.clusterSelector, path.child('clusterSelector')));
  });
  (rule.spec?.pods ?? []).forEach((p, i) => {
    const path = FieldPath.of('spec', 'pods').index(i);
    errs.push(...selectorErrors(p.selector, path.child('selector')));
    errs.push(...selectorErrors(p.namespaceSelector, path.child('namespaceSelector')));
  });
  return errs;
}

function validate(obj: KubeObject): void {
  const rule = loose<MachineDrainRule>(obj);
  const errs: FieldError[] = [];
  const behavior = rule.spec?.drain?.behavior;
  const order = rule.spec?.drain?.order;
  // An order only ranks Pods that are evicted; with Skip or WaitCompleted it would be silently meaningless.
  if (
    (behavior === MachineDrainRuleDrainBehavior.Skip ||
      behavior === MachineDrainRuleDrainBehavior.WaitCompleted) &&
    order !== undefined
  ) {
    errs.push(
      fieldError.invalid(
        'spec.drain.order',
        order,
        `order must not be set if drain behavior is "${MachineDrainRuleDrainBehavior.Skip}" or "${MachineDrainRuleDrainBehavior.WaitCompleted}"`,
      ),
    );
  }
  errs.push(...validateMachineDrainRuleSelectors(rule));
  // Read from the wire object: the generated type of MachineDrainRule metadata is unusable (`never`).
  denyIfInvalid(GROUP_KIND, obj.metadata.name ?? '', errs);
}

/** MachineDrainRule: `order` only with behavior Drain; every selector must parse. No defaults. */
export function machineDrainRuleWebhook(_context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'MachineDrainRule' },
    resource: 'machinedrainrules',
    validator: {
      validateCreate: (obj) => validate(obj),
      validateUpdate: (_oldObj, newObj) => validate(newObj),
    },
  };
}
