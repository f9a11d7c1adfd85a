import { StatusError, statusErrors } from '../errors/status-error.js';
import type { KubeObject, ManagedFieldsEntry } from '../registry/resource-definition.js';
import { ApplyConflictError } from './apply-conflict-error.js';
import {
  type ApplyAttempt,
  type CoreContext,
  ConflictsFound,
  pathsToSet,
  tryApply,
} from './field-manager-core.js';
import { CSA_UPGRADE_MANAGER, allowedConflictsFromLastApplied, syncLastApplied } from './last-applied.js';
import {
  type Managed,
  ManagedFieldsDecodeError,
  decodeManagedFields,
  encodeManagedFields,
} from './managed-fields-codec.js';
import { defaultResetFields, restoreResetFields } from './reset-fields.js';
import type { TypeResolver } from './type-resolver.js';
import { validateTyped } from './typed-value.js';

export interface ApplyServerSideInput {
  /** The stored object, with its managedFields; undefined when the apply creates the object. */
  live: KubeObject | undefined;
  /** The apply configuration (the request body). */
  applied: KubeObject;
  /** `?fieldManager=`. */
  manager: string;
  /** `?force=true`: take conflicting fields instead of failing. */
  force: boolean;
  /** The group/version the request addressed, e.g. `test.example.com/v1`. */
  apiVersion: string;
  /** `status` for `/status`, `scale` for `/scale`, undefined for the main resource. */
  subresource?: string;
  resolver: TypeResolver;
  now: Date;
  /** Whether the kind has a status subresource (then the main resource does not own `status`). */
  statusSubresource?: boolean;
  /** Field-name paths the endpoint resets; defaults from `subresource` and `statusSubresource`. */
  resetFields?: readonly (readonly string[])[];
}

export interface ApplyServerSideResult {
  /** The object to persist, `metadata.managedFields` included. */
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Server-side apply (`FieldManager.Apply`): merges the configuration into the live object following the
 * schema, records the configuration's fields as `manager`'s (operation Apply), removes fields the manager
 * applied before and dropped now unless someone else owns them, and refuses to change other managers'
 * fields without `force` (ApplyConflictError, 409).
 *
 * Throws StatusError 400 for a configuration carrying managedFields or of the wrong type, 500 (as upstream)
 * for list items without keys or with duplicate keys, or for undecodable stored managedFields.
 */
export function applyServerSide(input: ApplyServerSideInput): ApplyServerSideResult {
  const config = input.applied;
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw statusErrors.badRequest('error decoding apply patch: must be an object');
  const live: KubeObject = input.live ? structuredClone(input.live) : {};
  checkType(config, live, input.apiVersion);
  const configManaged = config.metadata?.managedFields as unknown;
  if (configManaged !== undefined && configManaged !== null)
    throw statusErrors.badRequest('metadata.managedFields must be nil');

  let managed: Managed;
  try {
    managed = decodeManagedFields(live.metadata?.managedFields);
  } catch (err) {
    if (err instanceof ManagedFieldsDecodeError)
      throw new StatusError(500, undefined, `failed to decode managed fields: ${err.message}`);
    throw err;
  }
  if (live.metadata) delete live.metadata.managedFields;

  const root = input.resolver.root;
  const configErrors = validateTyped(config, root, false);
  if (configErrors.length > 0)
    throw new StatusError(
      500,
      undefined,
      `failed to create typed patch object (${describe(config, input.apiVersion)}): ${formatErrors(configErrors)}`,
    );
  const liveErrors = validateTyped(live, root, true);
  if (liveErrors.length > 0)
    throw new StatusError(
      500,
      undefined,
      `failed to create typed live object (${describe(live, input.apiVersion)}): ${formatErrors(liveErrors)}`,
    );

  const resetPaths = input.resetFields ?? defaultResetFields(input.subresource, input.statusSubresource);
  const ctx: CoreContext = {
    root,
    apiVersion: input.apiVersion,
    subresource: input.subresource,
    ignored: pathsToSet(resetPaths),
    now: input.now,
  };

  let attempt: ApplyAttempt;
  try {
    attempt = applyWithUpgrade(live, config, managed, input.manager, input.force, ctx);
  } catch (err) {
    if (err instanceof ConflictsFound) throw new ApplyConflictError(err.conflicts);
    throw err;
  }

  let object: KubeObject;
  if (attempt.object === undefined) {
    object = live;
  } else {
    object = structuredClone(attempt.object);
    restoreResetFields(object, live, resetPaths);
  }
  if (input.manager === CSA_UPGRADE_MANAGER) syncLastApplied(object, config);

  const managedFields = encodeManagedFields(attempt.managed);
  if (managedFields.length > 0) (object.metadata ??= {}).managedFields = structuredClone(managedFields);
  else if (object.metadata) delete object.metadata.managedFields;
  return { object, managedFields };
}

/**
 * Conflicts on fields kubectl's last client-side apply had set (to the values still live) do not count
 * when kubectl itself moves to server-side apply.
 */
function applyWithUpgrade(
  live: KubeObject,
  config: KubeObject,
  managed: Managed,
  manager: string,
  force: boolean,
  ctx: CoreContext,
): ApplyAttempt {
  try {
    return tryApply(live, config, managed, manager, force, ctx);
  } catch (err) {
    if (!(err instanceof ConflictsFound) || manager !== CSA_UPGRADE_MANAGER) throw err;
    const allowed = allowedConflictsFromLastApplied(live, ctx.apiVersion, ctx.root);
    if (!allowed) throw err;
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw new ConflictsFound(remaining);
    return tryApply(live, config, managed, manager, true, ctx);
  }
}

/** `versionCheckManager`: the configuration must name the addressed group/version and the live kind. */
function checkType(config: KubeObject, live: KubeObject, apiVersion: string): void {
  const kind = typeof config.kind === 'string' ? config.kind : '';
  const version = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  if (version !== apiVersion || !kind || (live.kind !== undefined && live.kind !== kind))
    throw statusErrors.badRequest(`invalid object type: ${gvkString(version, kind)}`);
}

/** Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  return `${group}/${version}, Kind=${kind}`;
}

/** `namespace/name; group/version, Kind=kind`, as upstream names objects in these errors. */
function describe(obj: KubeObject, apiVersion: string): string {
  const meta = obj.metadata ?? {};
  return `${meta.namespace ?? ''}/${meta.name ?? ''}; ${gvkString(apiVersion, typeof obj.kind === 'string' ? obj.kind : '')}`;
}

function formatErrors(errors: readonly string[]): string {
  return errors.length === 1 ? (errors[0] ?? '') : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
}
