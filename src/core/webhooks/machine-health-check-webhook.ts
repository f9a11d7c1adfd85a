import type { KubeObject } from '../../controller-runtime/api/object.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import {
  API_VERSION,
  DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS,
  GROUP,
  Label,
  type MachineHealthCheck,
} from '../api/v1beta2/index.js';
import {
  validateNodeStartupTimeoutSeconds,
  validateUnhealthyLessThanOrEqualTo,
} from './util/health-check.js';
import { forbidImmutableChange } from './util/immutable.js';
import { isSelectorError, labelSelectorAsSelector, selectorForDisplay } from './util/label-selector.js';
import { loose, type Loose, setLabel } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `MachineHealthCheck.${GROUP}`;

function setDefaults(obj: KubeObject): void {
  const mhc = loose<MachineHealthCheck>(obj);
  mhc.spec ??= {};
  setLabel(mhc, Label.ClusterName, mhc.spec.clusterName ?? '');
  mhc.spec.checks ??= {};
  mhc.spec.checks.nodeStartupTimeoutSeconds ??= DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS;
}

function validate(oldMHC: Loose<MachineHealthCheck> | undefined, mhc: Loose<MachineHealthCheck>): void {
  const errs: FieldError[] = [];
  const spec = FieldPath.of('spec');
  const selectorPath = spec.child('selector').toString();
  const selector = labelSelectorAsSelector(mhc.spec?.selector);
  if (isSelectorError(selector)) {
    errs.push(fieldError.invalid(selectorPath, selectorForDisplay(mhc.spec?.selector), selector.error));
  } else if (selector.empty) {
    // An empty selector would check (and remediate) every Machine of the Cluster.
    errs.push(fieldError.required(selectorPath, 'selector must not be empty'));
  }
  const selectedCluster = mhc.spec?.selector?.matchLabels?.[Label.ClusterName];
  if (selectedCluster !== undefined && selectedCluster !== (mhc.spec?.clusterName ?? '')) {
    errs.push(
      fieldError.invalid(
        selectorPath,
        selectorForDisplay(mhc.spec?.selector),
        'cannot specify a cluster selector other than the one specified by ClusterName',
      ),
    );
  }
  if (oldMHC)
    errs.push(
      ...forbidImmutableChange(spec.child('clusterName'), oldMHC.spec?.clusterName, mhc.spec?.clusterName),
    );
  errs.push(...validateNodeStartupTimeoutSeconds(spec, mhc.spec?.checks?.nodeStartupTimeoutSeconds));
  errs.push(
    ...validateUnhealthyLessThanOrEqualTo(spec, mhc.spec?.remediation?.triggerIf?.unhealthyLessThanOrEqualTo),
  );
  denyIfInvalid(GROUP_KIND, mhc.metadata?.name ?? '', errs);
}

/**
 * MachineHealthCheck: cluster-name label, nodeStartupTimeoutSeconds 600; a non-empty selector of its own
 * Cluster, immutable clusterName, startup timeout 0 or >= 30s, unhealthyLessThanOrEqualTo an int or percentage.
 */
export function machineHealthCheckWebhook(_context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'MachineHealthCheck' },
    resource: 'machinehealthchecks',
    defaulter: { default: (obj) => setDefaults(obj) },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<MachineHealthCheck>(obj)),
      validateUpdate: (oldObj, newObj) =>
        validate(loose<MachineHealthCheck>(oldObj), loose<MachineHealthCheck>(newObj)),
    },
  };
}
