import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { deepClone, isJsonObject } from '../../../controller-runtime/util/json.js';
import {
  denyForbidden,
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { jsonDiff } from '../../../controller-runtime/webhook/json-diff.js';
import { validateObjectMeta } from '../../../controller-runtime/webhook/validation.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import {
  type FeatureGateOptions,
  type FeatureGates,
  resolveFeatureGates,
} from '../../../core/api/feature-gates.js';
import { GROUP as CORE_GROUP } from '../../../core/api/v1beta2/group.js';
import {
  applyPreviousKubeadmConfigDefaults,
  isDefined,
  validateKubeadmConfigSpec,
} from '../../bootstrap-kubeadm/api/kubeadm-config-spec-validation.js';
import type {
  KubeadmControlPlaneTemplate,
  KubeadmControlPlaneTemplateResourceSpec,
} from '../api/kubeadm-control-plane-template-types.js';
import { API_VERSION, KubeadmControlPlaneRolloutStrategyType } from '../api/well-known.js';
import {
  validateClusterConfiguration,
  validateMachineNaming,
  validateMachineTaints,
  validateRolloutAndCertValidityFields,
} from './kubeadm-control-plane-validation.js';

export type KubeadmControlPlaneTemplateObject = KubeadmControlPlaneTemplate & KubeObject;

/** Built with the core group, like upstream (`KubeadmControlPlaneTemplate.cluster.x-k8s.io "x" is invalid`). */
const GROUP_KIND = `KubeadmControlPlaneTemplate.${CORE_GROUP}`;
const SPEC_FIELD_PATH = FieldPath.of('spec', 'template', 'spec');
const SPEC_PATH = SPEC_FIELD_PATH.toString();

/** The template counterpart of the KubeadmControlPlane spec rules: no replicas, version or infrastructureRef. */
function validateResourceSpec(
  spec: KubeadmControlPlaneTemplateResourceSpec,
  gates: FeatureGates,
): FieldError[] {
  return [
    ...validateRolloutAndCertValidityFields(
      spec.rollout,
      spec.kubeadmConfigSpec?.clusterConfiguration,
      undefined,
      SPEC_PATH,
    ),
    ...validateMachineNaming(spec.machineNaming, `${SPEC_PATH}.machineNaming`),
    ...validateMachineTaints(
      spec.machineTemplate?.spec?.taints,
      `${SPEC_PATH}.machineTemplate.spec.taints`,
      gates.MachineTaintPropagation,
    ),
    ...validateObjectMeta(
      spec.machineTemplate?.metadata,
      SPEC_FIELD_PATH.child('machineTemplate', 'metadata'),
    ),
    ...validateClusterConfiguration(
      undefined,
      spec.kubeadmConfigSpec?.clusterConfiguration,
      `${SPEC_PATH}.kubeadmConfigSpec.clusterConfiguration`,
    ),
    ...validateKubeadmConfigSpec(spec.kubeadmConfigSpec, {
      path: `${SPEC_PATH}.kubeadmConfigSpec`,
      isKCP: true,
      ignitionFormatEnabled: gates.KubeadmBootstrapFormatIgnition,
    }),
  ];
}

/** The resource spec as it is compared on update, with the defaults older releases stored filled in. */
function comparableSpec(
  template: KubeadmControlPlaneTemplateObject,
): KubeadmControlPlaneTemplateResourceSpec {
  // A copy: a validator must not change the object it judges (the embedded server passes the real one).
  const spec = deepClone(template.spec?.template.spec ?? {});
  applyPreviousKubeadmConfigDefaults((spec.kubeadmConfigSpec ??= {}));
  return spec;
}

/**
 * Members that Go's value-typed structs cannot tell from absent: `undefined` and empty objects (a zero struct).
 * KubeadmControlPlaneTemplate's nested structs are value types, so comparing after this keeps `rollout: {}` and a
 * missing `rollout` equal, as upstream's comparison does. (The dev kinds use pointers, where `{}` matters.)
 */
function withoutEmptyObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyObjects);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const cleaned = withoutEmptyObjects(member);
    if (cleaned === undefined || (isJsonObject(cleaned) && Object.keys(cleaned).length === 0)) continue;
    out[key] = cleaned;
  }
  return out;
}

/**
 * KubeadmControlPlaneTemplate admission: created only with the ClusterTopology gate, validated like a
 * KubeadmControlPlane, and immutable in `spec.template.spec` afterwards (ClusterClass rotates templates instead).
 */
export function kubeadmControlPlaneTemplateWebhook(
  options: FeatureGateOptions = {},
): WebhookRegistration<KubeadmControlPlaneTemplateObject> {
  const gates = resolveFeatureGates(options.featureGates);
  return {
    type: { apiVersion: API_VERSION, kind: 'KubeadmControlPlaneTemplate' },
    resource: 'kubeadmcontrolplanetemplates',
    validator: {
      validateCreate(template) {
        if (!gates.ClusterTopology) {
          // Upstream returns a bare field error here, which controller-runtime turns into a 403 denial.
          denyForbidden(
            GROUP_KIND,
            template.metadata.name ?? '',
            'spec: Forbidden: can be set only if the ClusterTopology feature flag is enabled',
          );
        }
        const errors = [
          ...validateResourceSpec(template.spec?.template.spec ?? {}, gates),
          ...validateObjectMeta(
            template.spec?.template.metadata,
            FieldPath.of('spec', 'template', 'metadata'),
          ),
        ];
        denyIfInvalid(GROUP_KIND, template.metadata.name ?? '', errors);
      },
      validateUpdate(oldTemplate, newTemplate) {
        const before = comparableSpec(oldTemplate);
        const after = comparableSpec(newTemplate);
        // Before v1.11 the strategy was defaulted to RollingUpdate/maxSurge 1; re-applying a template without it
        // must not count as a change.
        const oldStrategy = before.rollout?.strategy;
        if (
          !isDefined(after.rollout?.strategy) &&
          oldStrategy?.type === KubeadmControlPlaneRolloutStrategyType.RollingUpdate &&
          oldStrategy.rollingUpdate?.maxSurge === 1
        ) {
          (after.rollout ??= {}).strategy = oldStrategy;
        }
        const diff = jsonDiff(withoutEmptyObjects(before), withoutEmptyObjects(after));
        if (diff === '') return;
        denyIfInvalid(GROUP_KIND, newTemplate.metadata.name ?? '', [
          fieldError.invalid(
            SPEC_PATH,
            newTemplate,
            `KubeadmControlPlaneTemplate spec.template.spec field is immutable. Please create new resource instead. Diff: ${diff}`,
          ),
        ]);
      },
    },
  };
}
