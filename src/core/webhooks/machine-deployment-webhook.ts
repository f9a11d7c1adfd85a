import type { KubeObject } from '../../controller-runtime/api/object.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import { isLabelValue, validateObjectMeta } from '../../controller-runtime/webhook/validation.js';
import type { AdmissionRequestInfo, WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import {
  API_VERSION,
  GROUP,
  Label,
  type MachineDeployment,
  MachineDeploymentRolloutStrategyType,
} from '../api/v1beta2/index.js';
import { forbidImmutableChange } from './util/immutable.js';
import { validateRemediationMaxInFlight, validateRolloutStrategy } from './util/int-or-percent.js';
import { isSelectorError, labelSelectorAsSelector, selectorForDisplay } from './util/label-selector.js';
import { validateMachineTaints, validateMachineTaintsForWorkers } from './util/machine-taints.js';
import {
  validateSkippedPreflightChecks,
  validateTemplateBootstrap,
  validateTemplateClusterName,
} from './util/machine-template.js';
import { validateMachineNaming } from './util/name-template.js';
import { loose, type Loose, previousVersionOf, setLabel } from './util/object.js';
import { defaultReplicas } from './util/replicas.js';
import { defaultVersionPrefix, versionErrors } from './util/version.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `MachineDeployment.${GROUP}`;

/** Surge one Machine at a time and never go below the desired count: the safe rolling update. */
export const DEFAULT_MAX_SURGE = 1;
export const DEFAULT_MAX_UNAVAILABLE = 0;

async function setDefaults(
  obj: KubeObject,
  request: AdmissionRequestInfo,
  context: WebhookContext,
): Promise<void> {
  const md = loose<MachineDeployment>(obj);
  const old = await previousVersionOf(obj, request, context.reader);
  md.spec ??= {};
  const spec = md.spec;
  const clusterName = spec.clusterName ?? '';
  setLabel(md, Label.ClusterName, clusterName);
  spec.replicas = defaultReplicas({
    kind: 'MachineDeployment',
    name: md.metadata?.name ?? '',
    replicas: spec.replicas,
    annotations: md.metadata?.annotations,
    isCreate: old === undefined,
    oldReplicas: old ? loose<MachineDeployment>(old).spec?.replicas : undefined,
  });
  spec.rollout ??= {};
  spec.rollout.strategy ??= {};
  const strategy = spec.rollout.strategy;
  if (!strategy.type) strategy.type = MachineDeploymentRolloutStrategyType.RollingUpdate;
  if (strategy.type === MachineDeploymentRolloutStrategyType.RollingUpdate) {
    strategy.rollingUpdate ??= {};
    strategy.rollingUpdate.maxSurge ??= DEFAULT_MAX_SURGE;
    strategy.rollingUpdate.maxUnavailable ??= DEFAULT_MAX_UNAVAILABLE;
  }
  spec.selector ??= {};
  spec.template ??= {};
  spec.template.metadata ??= {};
  const selector = spec.selector;
  const template = spec.template.metadata;
  // Without a selector the MachineDeployment would own every Machine of the namespace; its own name makes one.
  if (
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  ) {
    selector.matchLabels = {
      ...selector.matchLabels,
      [Label.MachineDeploymentName]: md.metadata?.name ?? '',
    };
    template.labels = { ...template.labels, [Label.MachineDeploymentName]: md.metadata?.name ?? '' };
  }
  // Selector and template are pinned to the Cluster, so Machines of another Cluster are never adopted.
  selector.matchLabels = { ...selector.matchLabels, [Label.ClusterName]: clusterName };
  template.labels = { ...template.labels, [Label.ClusterName]: clusterName };
  defaultVersionPrefix(spec.template.spec);
}

function validate(
  oldMD: Loose<MachineDeployment> | undefined,
  md: Loose<MachineDeployment>,
  context: WebhookContext,
): void {
  const errs: FieldError[] = [];
  const name = md.metadata?.name ?? '';
  // The name becomes a label value on the MachineSets and Machines.
  for (const msg of isLabelValue(name)) {
    errs.push(fieldError.invalid('metadata.name', name, `must be a valid label value: ${msg}`));
  }
  const spec = FieldPath.of('spec');
  const templateSpec = spec.child('template', 'spec');
  errs.push(
    ...validateTemplateBootstrap(md.spec?.template?.spec?.bootstrap, templateSpec.child('bootstrap')),
  );
  const selector = labelSelectorAsSelector(md.spec?.selector);
  if (isSelectorError(selector)) {
    errs.push(
      fieldError.invalid(
        spec.child('selector').toString(),
        selectorForDisplay(md.spec?.selector),
        selector.error,
      ),
    );
  } else if (!selector.matches(md.spec?.template?.metadata?.labels)) {
    errs.push(
      fieldError.forbidden(
        spec.child('template', 'metadata', 'labels').toString(),
        `must match spec.selector ${JSON.stringify(selector.toString())}`,
      ),
    );
  }
  // Preflight checks to skip may be set here too: MachineDeployment annotations are copied to MachineSets.
  if (context.gates.MachineSetPreflightChecks)
    errs.push(...validateSkippedPreflightChecks(md.metadata?.annotations));
  if (oldMD)
    errs.push(
      ...forbidImmutableChange(spec.child('clusterName'), oldMD.spec?.clusterName, md.spec?.clusterName),
    );
  errs.push(
    ...validateTemplateClusterName(
      md.spec?.clusterName,
      md.spec?.template?.spec?.clusterName,
      spec.child('clusterName'),
    ),
  );
  const rollingUpdate = md.spec?.rollout?.strategy?.rollingUpdate;
  errs.push(
    ...validateRolloutStrategy(
      spec.child('rollout', 'strategy'),
      rollingUpdate?.maxUnavailable,
      rollingUpdate?.maxSurge,
    ),
  );
  errs.push(...validateRemediationMaxInFlight(spec.child('remediation'), md.spec?.remediation?.maxInFlight));
  errs.push(...versionErrors(templateSpec.child('version'), md.spec?.template?.spec?.version));
  errs.push(...validateMachineNaming(md.spec?.machineNaming?.template, spec.child('machineNaming')));
  const taints = md.spec?.template?.spec?.taints;
  const gate = context.gates.MachineTaintPropagation;
  errs.push(...validateMachineTaints(taints, templateSpec.child('taints'), gate));
  errs.push(...validateMachineTaintsForWorkers(taints, undefined, templateSpec.child('taints'), gate));
  errs.push(...validateObjectMeta(md.spec?.template?.metadata, spec.child('template', 'metadata')));
  denyIfInvalid(GROUP_KIND, name, errs);
}

/**
 * MachineDeployment: cluster-name label on the object, selector and template; replicas (1, or from the
 * autoscaler annotations); RollingUpdate with maxSurge 1 / maxUnavailable 0; a name-based selector when none
 * is given; `v` version prefix. Validation: name, selector/template agreement, rollout limits, template rules.
 */
export function machineDeploymentWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'MachineDeployment' },
    resource: 'machinedeployments',
    defaulter: { default: (obj, request) => setDefaults(obj, request, context) },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<MachineDeployment>(obj), context),
      validateUpdate: (oldObj, newObj) =>
        validate(loose<MachineDeployment>(oldObj), loose<MachineDeployment>(newObj), context),
    },
  };
}
