// Shared by the webhook tests: requests as the API server sends them, and denials as a user reads them.
import assert from 'node:assert/strict';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { AdmissionDeniedError } from '../../controller-runtime/webhook/field-errors.js';
import type { AdmissionRequestInfo, WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { type CoreWebhookOptions, coreWebhooks } from './index.js';

const user = { username: 'kubernetes-admin', groups: ['system:masters'] };

export const CREATE: AdmissionRequestInfo = { operation: 'CREATE', userInfo: user, dryRun: false };
export const DELETE: AdmissionRequestInfo = { operation: 'DELETE', userInfo: user, dryRun: false };

/** An UPDATE request that carries the stored object, as the API server's admission chain has it. */
export function updateOf(oldObject: KubeObject): AdmissionRequestInfo {
  return Object.assign({ operation: 'UPDATE' as const, userInfo: user, dryRun: false }, { oldObject });
}

/** The registration of `kind` from `coreWebhooks`, with both halves present. */
export function webhookFor(kind: string, options: CoreWebhookOptions = {}): Required<WebhookRegistration> {
  const found = coreWebhooks(options).find((r) => r.type.kind === kind);
  assert.ok(found, `no webhook for ${kind}`);
  return {
    ...found,
    defaulter: found.defaulter ?? { default: () => undefined },
    validator: found.validator ?? {},
  };
}

/** Runs `fn`, which must deny, and returns the denial. */
export async function denial(fn: () => unknown): Promise<AdmissionDeniedError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AdmissionDeniedError) return err;
    throw err;
  }
  assert.fail('expected the request to be denied');
}

/** The causes of a denial as kubectl prints them: `field: detail`. */
export async function causes(fn: () => unknown): Promise<string[]> {
  return (await denial(fn)).causes.map((c) => `${c.field}: ${c.detail}`);
}
