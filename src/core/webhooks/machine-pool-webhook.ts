import type { KubeObject } from '../../controller-runtime/api/object.js';
import {
  denyForbidden,
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import { validateObjectMeta } from '../../controller-runtime/webhook/validation.js';
import type { AdmissionRequestInfo, WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { API_VERSION, GROUP, Label, type MachinePool, TAINTS_NEED_GATE } from '../api/v1beta2/index.js';
import { DEFAULT_NODE_DELETION_TIMEOUT_SECONDS } from './machine-webhook.js';
import { forbidImmutableChange } from './util/immutable.js';
import { validateTemplateBootstrap, validateTemplateClusterName } from './util/machine-template.js';
import { loose, type Loose, previousVersionOf, setLabel } from './util/object.js';
import { defaultReplicas } from './util/replicas.js';
import { defaultVersionPrefix, versionErrors } from './util/version.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `MachinePool.${GROUP}`;

async function setDefaults(
  obj: KubeObject,
  request: AdmissionRequestInfo,
  context: WebhookContext,
): Promise<void> {
  const mp = loose<MachinePool>(obj);
  const old = await previousVersionOf(obj, request, context.reader);
  mp.spec ??= {};
  setLabel(mp, Label.ClusterName, mp.spec.clusterName ?? '');
  mp.spec.replicas = defaultReplicas({
    kind: 'MachinePool',
    name: mp.metadata?.name ?? '',
    replicas: mp.spec.replicas,
    annotations: mp.metadata?.annotations,
    isCreate: old === undefined,
    oldReplicas: old ? loose<MachinePool>(old).spec?.replicas : undefined,
  });
  mp.spec.template ??= {};
  mp.spec.template.spec ??= {};
  mp.spec.template.spec.deletion ??= {};
  mp.spec.template.spec.deletion.nodeDeletionTimeoutSeconds ??= DEFAULT_NODE_DELETION_TIMEOUT_SECONDS;
  defaultVersionPrefix(mp.spec.template.spec);
}

function validate(
  oldMP: Loose<MachinePool> | undefined,
  mp: Loose<MachinePool>,
  context: WebhookContext,
): void {
  const name = mp.metadata?.name ?? '';
  const spec = FieldPath.of('spec');
  if (!context.gates.MachinePool) {
    denyForbidden(
      'MachinePool',
      name,
      'spec: Forbidden: can be set only if the MachinePool feature flag is enabled',
    );
  }
  const errs: FieldError[] = [];
  const templateSpec = spec.child('template', 'spec');
  errs.push(
    ...validateTemplateBootstrap(mp.spec?.template?.spec?.bootstrap, templateSpec.child('bootstrap')),
  );
  if (oldMP)
    errs.push(
      ...forbidImmutableChange(spec.child('clusterName'), oldMP.spec?.clusterName, mp.spec?.clusterName),
    );
  errs.push(
    ...validateTemplateClusterName(
      mp.spec?.clusterName,
      mp.spec?.template?.spec?.clusterName,
      spec.child('clusterName'),
    ),
  );
  errs.push(...versionErrors(templateSpec.child('version'), mp.spec?.template?.spec?.version));
  if ((mp.spec?.template?.spec?.taints ?? []).length > 0) {
    errs.push(
      fieldError.forbidden(
        spec.child('taints').toString(),
        'taints feature for MachinePools is not yet implemented',
      ),
    );
    if (!context.gates.MachineTaintPropagation) {
      errs.push(fieldError.forbidden(spec.child('taints').toString(), TAINTS_NEED_GATE));
    }
  }
  errs.push(...validateObjectMeta(mp.spec?.template?.metadata, spec.child('template', 'metadata')));
  denyIfInvalid(GROUP_KIND, name, errs);
}

/**
 * MachinePool: cluster-name label, replicas (1, or from the autoscaler annotations), node deletion timeout,
 * `v` version prefix; feature gate, bootstrap, immutable clusterName, version, no taints yet, template metadata.
 */
export function machinePoolWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'MachinePool' },
    resource: 'machinepools',
    defaulter: { default: (obj, request) => setDefaults(obj, request, context) },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<MachinePool>(obj), context),
      validateUpdate: (oldObj, newObj) =>
        validate(loose<MachinePool>(oldObj), loose<MachinePool>(newObj), context),
      // Upstream validates deletes too, so pools cannot even be deleted while the feature gate is off.
      validateDelete: (obj) => validate(undefined, loose<MachinePool>(obj), context),
    },
  };
}
