import type { KubeObject, TypeRef } from '../api/object.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What a webhook learns about the request besides the object (AdmissionRequest, trimmed). */
export interface AdmissionRequestInfo {
  operation: AdmissionOperation;
  userInfo: { username: string; groups: string[] };
  dryRun: boolean;
  subresource?: string;
  /** The stored object an UPDATE replaces (also passed to `validateUpdate`); defaulters need it too. */
  oldObject?: KubeObject;
}

/**
 * Sets defaults on an object before it is stored (upstream's `webhook.CustomDefaulter`). Mutates `obj` in
 * place; the webhook server turns the change into a JSON patch, the embedded server applies it directly.
 */
export interface Defaulter<T extends KubeObject = KubeObject> {
  default(obj: T, request: AdmissionRequestInfo): void | Promise<void>;
}

/** Warnings a validator returns are shown by kubectl ("Warning: ..."); a denial throws `AdmissionDeniedError`. */
export type AdmissionWarnings = string[] | undefined | void;

/** Validates creates, updates and deletes (upstream's `webhook.CustomValidator`). */
export interface Validator<T extends KubeObject = KubeObject> {
  validateCreate?(obj: T, request: AdmissionRequestInfo): AdmissionWarnings | Promise<AdmissionWarnings>;
  validateUpdate?(
    oldObj: T,
    newObj: T,
    request: AdmissionRequestInfo,
  ): AdmissionWarnings | Promise<AdmissionWarnings>;
  validateDelete?(obj: T, request: AdmissionRequestInfo): AdmissionWarnings | Promise<AdmissionWarnings>;
}

/**
 * One kind's admission logic. The same registration runs in-process in the embedded API server and behind
 * the HTTPS webhook server on a real management cluster, so both enforce exactly the same rules.
 */
export interface WebhookRegistration<T extends KubeObject = KubeObject> {
  type: TypeRef;
  /** Plural resource name (for webhook configuration rules). */
  resource: string;
  defaulter?: Defaulter<T>;
  validator?: Validator<T>;
}

/** kubebuilder's path convention: `/mutate-cluster-x-k8s-io-v1beta2-machine`. */
export function webhookPath(kind: 'mutate' | 'validate', type: TypeRef): string {
  const slash = type.apiVersion.indexOf('/');
  const group = slash < 0 ? 'core' : type.apiVersion.slice(0, slash);
  const version = slash < 0 ? type.apiVersion : type.apiVersion.slice(slash + 1);
  return `/${kind}-${group.replace(/\./g, '-')}-${version}-${type.kind.toLowerCase()}`;
}
