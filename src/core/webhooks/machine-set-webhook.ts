import type { KubeObject } from '../../controller-runtime/api/object.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import { validateObjectMeta } from '../../controller-runtime/webhook/validation.js';
import type { AdmissionRequestInfo, WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { API_VERSION, GROUP, Label, type MachineSet } from '../api/v1beta2/index.js';
import { forbidImmutableChange } from './util/immutable.js';
import { isSelectorError, labelSelectorAsSelector, selectorForDisplay } from './util/label-selector.js';
import { validateMachineTaints, validateMachineTaintsForWorkers } from './util/machine-taints.js';
import { formatLabelValue } from '../util/index.js';
import {
  validateSkippedPreflightChecks,
  validateTemplateBootstrap,
  validateTemplateClusterName,
} from './util/machine-template.js';
import { validateMachineNaming } from './util/name-template.js';
import { loose, type Loose, previousVersionOf, setLabel, sortedMap } from './util/object.js';
import { defaultReplicas } from './util/replicas.js';
import { defaultVersionPrefix, versionErrors } from './util/version.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `MachineSet.${GROUP}`;

async function setDefaults(
  obj: KubeObject,
  request: AdmissionRequestInfo,
  context: WebhookContext,
): Promise<void> {
  const ms = loose<MachineSet>(obj);
  const old = await previousVersionOf(obj, request, context.reader);
  ms.spec ??= {};
  setLabel(ms, Label.ClusterName, ms.spec.clusterName ?? '');
  ms.spec.replicas = defaultReplicas({
    kind: 'MachineSet',
    name: ms.metadata?.name ?? '',
    replicas: ms.spec.replicas,
    annotations: ms.metadata?.annotations,
    isCreate: old === undefined,
    oldReplicas: old ? loose<MachineSet>(old).spec?.replicas : undefined,
  });
  ms.spec.selector ??= {};
  ms.spec.template ??= {};
  const selector = ms.spec.selector;
  // Without a selector the MachineSet would own every Machine of the namespace; its own name makes one.
  if (
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  ) {
    const value = formatLabelValue(ms.metadata?.name ?? '');
    selector.matchLabels = { ...selector.matchLabels, [Label.MachineSetName]: value };
    ms.spec.template.metadata ??= {};
    ms.spec.template.metadata.labels = { ...ms.spec.template.metadata.labels, [Label.MachineSetName]: value };
  }
  defaultVersionPrefix(ms.spec.template.spec);
}

function validate(
  oldMS: Loose<MachineSet> | undefined,
  ms: Loose<MachineSet>,
  context: WebhookContext,
): void {
  const errs: FieldError[] = [];
  const spec = FieldPath.of('spec');
  const templateSpec = spec.child('template', 'spec');
  errs.push(
    ...validateTemplateBootstrap(ms.spec?.template?.spec?.bootstrap, templateSpec.child('bootstrap')),
  );
  const selector = labelSelectorAsSelector(ms.spec?.selector);
  const templateLabels = ms.spec?.template?.metadata?.labels;
  if (isSelectorError(selector)) {
    errs.push(
      fieldError.invalid(
        spec.child('selector').toString(),
        selectorForDisplay(ms.spec?.selector),
        selector.error,
      ),
    );
  } else if (!selector.matches(templateLabels)) {
    errs.push(
      fieldError.invalid(
        spec.child('template', 'metadata', 'labels').toString(),
        sortedMap(templateLabels),
        `must match spec.selector ${JSON.stringify(selector.toString())}`,
      ),
    );
  }
  if (context.gates.MachineSetPreflightChecks)
    errs.push(...validateSkippedPreflightChecks(ms.metadata?.annotations));
  if (oldMS)
    errs.push(
      ...forbidImmutableChange(spec.child('clusterName'), oldMS.spec?.clusterName, ms.spec?.clusterName),
    );
  errs.push(
    ...validateTemplateClusterName(
      ms.spec?.clusterName,
      ms.spec?.template?.spec?.clusterName,
      spec.child('clusterName'),
    ),
  );
  errs.push(...versionErrors(templateSpec.child('version'), ms.spec?.template?.spec?.version));
  const taints = ms.spec?.template?.spec?.taints;
  const gate = context.gates.MachineTaintPropagation;
  errs.push(...validateMachineTaints(taints, templateSpec.child('taints'), gate));
  errs.push(...validateMachineTaintsForWorkers(taints, undefined, templateSpec.child('taints'), gate));
  errs.push(...validateMachineNaming(ms.spec?.machineNaming?.template, spec.child('machineNaming')));
  errs.push(...validateObjectMeta(ms.spec?.template?.metadata, spec.child('template', 'metadata')));
  denyIfInvalid(GROUP_KIND, ms.metadata?.name ?? '', errs);
}

/**
 * MachineSet: cluster-name label, replicas (1, or from the autoscaler annotations), a name-based selector when
 * none is given, `v` version prefix; selector/template agreement and template rules.
 */
export function machineSetWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'MachineSet' },
    resource: 'machinesets',
    defaulter: { default: (obj, request) => setDefaults(obj, request, context) },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<MachineSet>(obj), context),
      validateUpdate: (oldObj, newObj) =>
        validate(loose<MachineSet>(oldObj), loose<MachineSet>(newObj), context),
    },
  };
}
