import { deepEqual } from '../../controller-runtime/util/json.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import {
  API_VERSION,
  type ClusterResourceSet,
  ClusterResourceSetStrategy,
  GROUP,
} from '../api/addons/v1beta2/index.js';
import { FIELD_IS_IMMUTABLE } from './util/immutable.js';
import { isSelectorError, labelSelectorAsSelector, selectorForDisplay } from './util/label-selector.js';
import { loose, type Loose } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `ClusterResourceSet.${GROUP}`;

function validate(oldCRS: Loose<ClusterResourceSet> | undefined, crs: Loose<ClusterResourceSet>): void {
  const errs: FieldError[] = [];
  const selector = crs.spec?.clusterSelector;
  const shown = selectorForDisplay(selector);
  const parsed = labelSelectorAsSelector(selector);
  if (isSelectorError(parsed)) {
    errs.push(fieldError.invalid('spec.clusterSelector', shown, parsed.error));
  } else if (parsed.empty) {
    // An empty selector selects no Cluster here (unlike elsewhere), so it is refused rather than left idle.
    errs.push(fieldError.invalid('spec.clusterSelector', shown, 'selector must not be empty'));
  }
  if (oldCRS) {
    // Resources already applied under one strategy (or to one set of Clusters) cannot be re-interpreted.
    const oldStrategy = oldCRS.spec?.strategy;
    if (oldStrategy && oldStrategy !== crs.spec?.strategy) {
      errs.push(fieldError.invalid('spec.strategy', crs.spec?.strategy ?? '', FIELD_IS_IMMUTABLE));
    }
    if (!deepEqual(oldCRS.spec?.clusterSelector ?? {}, selector ?? {})) {
      errs.push(fieldError.invalid('spec.clusterSelector', shown, FIELD_IS_IMMUTABLE));
    }
  }
  denyIfInvalid(GROUP_KIND, crs.metadata?.name ?? '', errs);
}

/** ClusterResourceSet: strategy ApplyOnce by default; non-empty valid selector; strategy and selector immutable. */
export function clusterResourceSetWebhook(_context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'ClusterResourceSet' },
    resource: 'clusterresourcesets',
    defaulter: {
      default(obj) {
        const crs = loose<ClusterResourceSet>(obj);
        crs.spec ??= {};
        if (!crs.spec.strategy) crs.spec.strategy = ClusterResourceSetStrategy.ApplyOnce;
      },
    },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<ClusterResourceSet>(obj)),
      validateUpdate: (oldObj, newObj) =>
        validate(loose<ClusterResourceSet>(oldObj), loose<ClusterResourceSet>(newObj)),
    },
  };
}
