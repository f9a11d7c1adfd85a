import { StatusError, statusErrors } from '../apiserver/errors/status-error.js';
import type { AdmissionContext, AdmissionPlugin } from '../apiserver/registry/ports.js';
import type { KubeObject } from '../controller-runtime/api/object.js';
import { isAdmissionDenied } from '../controller-runtime/webhook/field-errors.js';
import { webhookName } from '../controller-runtime/webhook/webhook-configurations.js';
import type {
  AdmissionRequestInfo,
  AdmissionWarnings,
  WebhookRegistration,
} from '../controller-runtime/webhook/webhook.js';

const keyOf = (group: string, kind: string): string => `${kind}.${group}`;

function requestInfo(ctx: AdmissionContext): AdmissionRequestInfo {
  return {
    operation: ctx.operation,
    userInfo: { username: ctx.user.name, groups: ctx.user.groups },
    dryRun: ctx.dryRun,
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
    ...(ctx.oldObject ? { oldObject: ctx.oldObject as KubeObject } : {}),
  };
}

/**
 * Runs webhook registrations inside the embedded API server, where a real cluster would call them over
 * HTTPS: the defaulter after schema defaulting, the validator after schema validation passed. A denial becomes
 * what kube-apiserver makes of a webhook's answer: its 422 `Invalid` (with field causes) or 403 `Forbidden`,
 * the message prefixed with `admission webhook "<name>" denied the request: `. Like upstream's webhooks, they
 * see the main resource only, not the status subresource.
 */
export function inProcessAdmission(registrations: WebhookRegistration[]): AdmissionPlugin {
  const byKind = new Map<string, WebhookRegistration>();
  for (const r of registrations) {
    const slash = r.type.apiVersion.indexOf('/');
    byKind.set(keyOf(slash < 0 ? '' : r.type.apiVersion.slice(0, slash), r.type.kind), r);
  }
  const find = (ctx: AdmissionContext): WebhookRegistration | undefined =>
    ctx.subresource ? undefined : byKind.get(keyOf(ctx.def.group, ctx.def.kind));

  return {
    name: 'ClusterAPIWebhooks',
    mutate: async (ctx) => {
      const registration = find(ctx);
      if (!registration?.defaulter || !ctx.object || ctx.operation === 'DELETE') return;
      try {
        await registration.defaulter.default(ctx.object as KubeObject, requestInfo(ctx));
      } catch (err) {
        throw asStatus(err, ctx, webhookName('mutate', registration.type));
      }
    },
    validate: async (ctx) => {
      const registration = find(ctx);
      const validator = registration?.validator;
      if (!registration || !validator) return [];
      const info = requestInfo(ctx);
      try {
        let warnings: AdmissionWarnings;
        if (ctx.operation === 'CREATE' && ctx.object) {
          warnings = await validator.validateCreate?.(ctx.object as KubeObject, info);
        } else if (ctx.operation === 'UPDATE' && ctx.object && ctx.oldObject) {
          warnings = await validator.validateUpdate?.(
            ctx.oldObject as KubeObject,
            ctx.object as KubeObject,
            info,
          );
        } else if (ctx.operation === 'DELETE' && ctx.oldObject) {
          warnings = await validator.validateDelete?.(ctx.oldObject as KubeObject, info);
        }
        // kubectl prints these as "Warning: ..." lines, as it does for a webhook's warnings.
        for (const w of warnings ?? []) ctx.warnings?.push(w);
      } catch (err) {
        throw asStatus(err, ctx, webhookName('validate', registration.type));
      }
      return [];
    },
  };
}

/**
 * A denial as kube-apiserver returns a webhook's: an `Invalid` with causes as apimachinery's NewInvalid builds
 * it, anything else with the webhook's own code, reason and causes; the message says which webhook denied.
 */
function asStatus(err: unknown, ctx: AdmissionContext, webhook: string): unknown {
  if (!isAdmissionDenied(err)) return err;
  const name = (ctx.object ?? ctx.oldObject)?.metadata?.name ?? '';
  const status =
    err.reason === 'Invalid' && err.causes.length > 0
      ? statusErrors.invalid(
          ctx.def.group,
          ctx.def.kind,
          name,
          err.causes.map((c) => ({ type: c.type, field: c.field, detail: c.detail })),
        ).status
      : new StatusError(err.code, err.reason, err.message, {
          name,
          group: ctx.def.group,
          kind: ctx.def.kind,
          causes: err.causes.map((c) => ({
            reason: c.type,
            field: c.field,
            message: `${c.field}: ${c.detail}`,
          })),
        }).status;
  return new StatusError(
    status.code,
    status.reason,
    `admission webhook "${webhook}" denied the request: ${status.message}`,
    status.details,
  );
}
