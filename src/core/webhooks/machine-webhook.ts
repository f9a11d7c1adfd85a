import type { KubeObject } from '../../controller-runtime/api/object.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { API_VERSION, GROUP, Label, type Machine } from '../api/v1beta2/index.js';
import { forbidImmutableChange } from './util/immutable.js';
import { validateMachineTaints, validateMachineTaintsForWorkers } from './util/machine-taints.js';
import { loose, type Loose, setLabel } from './util/object.js';
import { defaultVersionPrefix, versionErrors } from './util/version.js';
import type { WebhookContext } from './webhook-options.js';

/** How long the Machine controller keeps retrying to delete the Node when nothing else is set. */
export const DEFAULT_NODE_DELETION_TIMEOUT_SECONDS = 10;

const GROUP_KIND = `Machine.${GROUP}`;

/** Whether a MachinePool owns the Machine: such Machines get their bootstrap data from the pool. */
function isMachinePoolOwned(m: Loose<Machine>): boolean {
  if (m.metadata?.labels && Label.MachinePoolName in m.metadata.labels) return true;
  return (m.metadata?.ownerReferences ?? []).some((o) => o.kind === 'MachinePool');
}

function validate(oldM: Loose<Machine> | undefined, m: Loose<Machine>, context: WebhookContext): void {
  const errs: FieldError[] = [];
  const spec = FieldPath.of('spec');
  const bootstrap = m.spec?.bootstrap;
  if (!bootstrap?.configRef && bootstrap?.dataSecretName === undefined && !isMachinePoolOwned(m)) {
    errs.push(
      fieldError.required(
        spec.child('bootstrap').toString(),
        'expected either spec.bootstrap.dataSecretName or spec.bootstrap.configRef to be populated',
      ),
    );
  }
  if (oldM)
    errs.push(
      ...forbidImmutableChange(spec.child('clusterName'), oldM.spec?.clusterName, m.spec?.clusterName),
    );
  errs.push(...versionErrors(spec.child('version'), m.spec?.version));
  const taints = spec.child('taints');
  errs.push(...validateMachineTaints(m.spec?.taints, taints, context.gates.MachineTaintPropagation));
  errs.push(
    ...validateMachineTaintsForWorkers(
      m.spec?.taints,
      m.metadata?.labels,
      taints,
      context.gates.MachineTaintPropagation,
    ),
  );
  denyIfInvalid(GROUP_KIND, m.metadata?.name ?? '', errs);
}

/** Machine: cluster-name label, `v` version prefix, node deletion timeout default; bootstrap, version and taint rules. */
export function machineWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'Machine' },
    resource: 'machines',
    defaulter: {
      default(obj: KubeObject) {
        const m = loose<Machine>(obj);
        m.spec ??= {};
        setLabel(m, Label.ClusterName, m.spec.clusterName ?? '');
        defaultVersionPrefix(m.spec);
        m.spec.deletion ??= {};
        m.spec.deletion.nodeDeletionTimeoutSeconds ??= DEFAULT_NODE_DELETION_TIMEOUT_SECONDS;
      },
    },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<Machine>(obj), context),
      validateUpdate: (oldObj, newObj) => validate(loose<Machine>(oldObj), loose<Machine>(newObj), context),
    },
  };
}
