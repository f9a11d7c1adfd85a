// Admission rules of KubeadmConfigSpec that the OpenAPI schema cannot express, shared by the KubeadmConfig(+Template)
// webhooks and the KubeadmControlPlane(+Template) webhooks, which embed the same spec (upstream's
// `bootstrap/kubeadm/webhooks/admission.Validate`). Pure functions: no request, no client, so the control plane
// provider can import them from the API package.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { KubeadmConfigSpec } from './kubeadm-config-spec-types.js';
import { Format } from './well-known.js';

export interface KubeadmConfigSpecValidationOptions {
  /** Where the spec sits in the object: `spec`, `spec.template.spec`, `spec.kubeadmConfigSpec`, ... */
  path: string;
  /**
   * Set for KubeadmControlPlane(+Template): their Machines run init and join from one spec, so the two
   * control plane health check timeouts must agree (upstream's v1beta1 conversion keeps only one).
   */
  isKCP: boolean;
  /** The KubeadmBootstrapFormatIgnition feature gate (alpha, off unless enabled). */
  ignitionFormatEnabled: boolean;
}

/** Upstream's messages, word for word: users and tests compare them. */
export const KubeadmConfigSpecMessage = {
  cannotUseWithIgnition: `not supported when spec.format is set to: "${Format.Ignition}"`,
  conflictingFileSource: 'only one of content or contentFrom may be specified for a single file',
  conflictingUserSource: 'only one of passwd or passwdFrom may be specified for a single user',
  ignitionFeatureDisabled: 'can be set only if the KubeadmBootstrapFormatIgnition feature gate is enabled',
  missingSecretName: 'secret file source must specify non-empty secret name',
  missingSecretKey: 'secret file source must specify non-empty secret key',
  pathConflict: 'path property must be unique among all files',
} as const;

/**
 * Go's `IsDefined()` on an optional struct: present and not its zero value (`!reflect.DeepEqual(x, zero)`).
 * v1beta2 declares optional numbers and booleans as pointers and strings as plain values, so a number or boolean
 * that is present counts as set, a string only when non-empty, a list even when empty (a non-nil slice).
 */
export function isDefined(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (typeof value !== 'object' || Array.isArray(value)) return true;
  return Object.values(value).some(isDefined);
}

/** Every rule of upstream's `Validate(spec, isKCP, pathPrefix)`, in its order. */
export function validateKubeadmConfigSpec(
  spec: KubeadmConfigSpec | undefined,
  options: KubeadmConfigSpecValidationOptions,
): FieldError[] {
  const s = spec ?? {};
  const p = options.path;
  const errors = [
    ...validateFiles(s, p),
    ...validateUsers(s, p),
    ...validateIgnition(s, p, options.ignitionFormatEnabled),
    ...validateDiskSetup(s, p),
  ];

  if (isDefined(s.joinConfiguration)) {
    const user = s.joinConfiguration?.discovery?.file?.kubeConfig?.user;
    if (isDefined(user?.authProvider) && isDefined(user?.exec)) {
      // Upstream spells the path segment `kubeconfig` (the field is `kubeConfig`); kept so paths match.
      errors.push(
        fieldError.invalid(
          `${p}.joinConfiguration.discovery.file.kubeconfig.user`,
          user,
          'only one of authProvider or exec must be defined',
        ),
      );
    }
  }

  // A KubeadmConfig usually holds only one of init and join, so the rule only makes sense for KCP.
  if (options.isKCP) {
    const initTimeout = s.initConfiguration?.timeouts?.controlPlaneComponentHealthCheckSeconds;
    const joinTimeout = s.joinConfiguration?.timeouts?.controlPlaneComponentHealthCheckSeconds;
    const tInit = initTimeout === undefined ? 'unset' : String(initTimeout);
    const tJoin = joinTimeout === undefined ? 'unset' : String(joinTimeout);
    if (tInit !== tJoin) {
      const detail = `controlPlaneComponentHealthCheckSeconds must be set to the same value both in initConfiguration.timeouts (${tInit}) and in joinConfiguration.timeouts (${tJoin})`;
      errors.push(
        fieldError.invalid(
          `${p}.initConfiguration.timeouts.controlPlaneComponentHealthCheckSeconds`,
          tInit,
          detail,
        ),
        fieldError.invalid(
          `${p}.joinConfiguration.timeouts.controlPlaneComponentHealthCheckSeconds`,
          tJoin,
          detail,
        ),
      );
    }
  }
  return errors;
}

function validateFiles(spec: KubeadmConfigSpec, p: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  (spec.files ?? []).forEach((file, i) => {
    const filePath = `${p}.files[${i}]`;
    if (file.content && isDefined(file.contentFrom)) {
      errors.push(fieldError.invalid(filePath, file, KubeadmConfigSpecMessage.conflictingFileSource));
    }
    if (isDefined(file.contentFrom)) {
      const secret = file.contentFrom?.secret;
      if (!secret?.name) {
        errors.push(
          fieldError.required(
            `${filePath}.contentFrom.secret.name`,
            KubeadmConfigSpecMessage.missingSecretName,
          ),
        );
      }
      if (!secret?.key) {
        errors.push(
          fieldError.required(
            `${filePath}.contentFrom.secret.key`,
            KubeadmConfigSpecMessage.missingSecretKey,
          ),
        );
      }
    }
    if (seen.has(file.path)) {
      errors.push(fieldError.invalid(`${filePath}.path`, file, KubeadmConfigSpecMessage.pathConflict));
    }
    seen.add(file.path);
  });
  return errors;
}

function validateUsers(spec: KubeadmConfigSpec, p: string): FieldError[] {
  const errors: FieldError[] = [];
  (spec.users ?? []).forEach((user, i) => {
    const userPath = `${p}.users[${i}]`;
    if (user.passwd && isDefined(user.passwdFrom)) {
      errors.push(fieldError.invalid(userPath, user, KubeadmConfigSpecMessage.conflictingUserSource));
    }
    if (isDefined(user.passwdFrom)) {
      const secret = user.passwdFrom?.secret;
      if (!secret?.name) {
        errors.push(
          fieldError.required(
            `${userPath}.passwdFrom.secret.name`,
            KubeadmConfigSpecMessage.missingSecretName,
          ),
        );
      }
      if (!secret?.key) {
        errors.push(
          fieldError.required(`${userPath}.passwdFrom.secret.key`, KubeadmConfigSpecMessage.missingSecretKey),
        );
      }
    }
  });
  return errors;
}

function validateIgnition(spec: KubeadmConfigSpec, p: string, gateEnabled: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (!gateEnabled) {
    if (spec.format === Format.Ignition) {
      errors.push(fieldError.forbidden(`${p}.format`, KubeadmConfigSpecMessage.ignitionFeatureDisabled));
    }
    if (isDefined(spec.ignition)) {
      errors.push(fieldError.forbidden(`${p}.ignition`, KubeadmConfigSpecMessage.ignitionFeatureDisabled));
    }
    return errors;
  }

  if (spec.format !== Format.Ignition) {
    if (isDefined(spec.ignition)) {
      // Go prints the unset format as "" (its zero value), not null.
      errors.push(
        fieldError.invalid(
          `${p}.format`,
          spec.format ?? '',
          `must be set to "${Format.Ignition}" if spec.ignition is set`,
        ),
      );
    }
    return errors;
  }

  const { cannotUseWithIgnition } = KubeadmConfigSpecMessage;
  (spec.users ?? []).forEach((user, i) => {
    if (user.inactive === true) {
      errors.push(fieldError.forbidden(`${p}.users[${i}].inactive`, cannotUseWithIgnition));
    }
  });
  (spec.files ?? []).forEach((file, i) => {
    if (file.encoding === 'gzip' || file.encoding === 'gzip+base64') {
      errors.push(fieldError.forbidden(`${p}.files[${i}].encoding`, cannotUseWithIgnition));
    }
  });
  if (spec.bootCommands !== undefined) {
    errors.push(fieldError.forbidden(`${p}.bootCommands`, cannotUseWithIgnition));
  }
  (spec.diskSetup?.partitions ?? []).forEach((partition, i) => {
    if (partition.tableType && partition.tableType !== 'gpt') {
      errors.push(
        fieldError.invalid(
          `${p}.diskSetup.partitions[${i}].tableType`,
          partition.tableType,
          `only partition type "gpt" is supported when spec.format is set to "${Format.Ignition}"`,
        ),
      );
    }
  });
  (spec.diskSetup?.filesystems ?? []).forEach((fs, i) => {
    if (fs.replaceFS) {
      errors.push(fieldError.forbidden(`${p}.diskSetup.filesystems[${i}].replaceFS`, cannotUseWithIgnition));
    }
    if (fs.partition) {
      errors.push(fieldError.forbidden(`${p}.diskSetup.filesystems[${i}].partition`, cannotUseWithIgnition));
    }
  });
  return errors;
}

function validateDiskSetup(spec: KubeadmConfigSpec, p: string): FieldError[] {
  const errors: FieldError[] = [];
  (spec.diskSetup?.partitions ?? []).forEach((partition, i) => {
    const layout = partition.diskLayout ?? [];
    if (layout.length === 0) return;
    const total = layout.reduce((sum, part) => sum + part.percentage, 0);
    if (total > 100) {
      errors.push(
        fieldError.invalid(
          `${p}.diskSetup.partitions[${i}].diskLayout`,
          total,
          'the sum of all partition percentages must not be greater than 100',
        ),
      );
    }
  });
  return errors;
}

/**
 * The defaults older Cluster API releases set on every KubeadmConfigSpec (dropped in v1.11). Applied where an
 * old object meets a new one, so objects created before the change do not look modified: topology dry-runs of
 * KubeadmConfigTemplates, and the immutability check of KubeadmControlPlaneTemplates. Mutates `spec`.
 */
export function applyPreviousKubeadmConfigDefaults(spec: KubeadmConfigSpec): void {
  spec.format ||= Format.CloudConfig;
  const init = (spec.initConfiguration ??= {});
  const initRegistration = (init.nodeRegistration ??= {});
  initRegistration.imagePullPolicy ||= 'IfNotPresent';
  const join = (spec.joinConfiguration ??= {});
  const joinRegistration = (join.nodeRegistration ??= {});
  joinRegistration.imagePullPolicy ||= 'IfNotPresent';
  const exec = join.discovery?.file?.kubeConfig?.user.exec;
  if (exec && isDefined(exec)) exec.apiVersion ||= 'client.authentication.k8s.io/v1';
}
