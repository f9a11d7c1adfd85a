import { parseApiVersion } from '../api/object.js';
import { type WebhookRegistration, webhookPath } from './webhook.js';

export interface WebhookClientTarget {
  /** In-cluster Service in front of the webhook server (the usual deployment). */
  service?: { namespace: string; name: string; port?: number };
  /** Or a URL the API server can reach (`https://host:port`), e.g. a manager outside the cluster. */
  url?: string;
  /** PEM of the CA that signed the webhook server's certificate. */
  caBundlePem: string;
}

interface WebhookEntry {
  name: string;
  clientConfig: {
    service?: { namespace: string; name: string; path: string; port?: number };
    url?: string;
    caBundle: string;
  };
  rules: {
    apiGroups: string[];
    apiVersions: string[];
    operations: string[];
    resources: string[];
    scope?: string;
  }[];
  sideEffects: 'None';
  admissionReviewVersions: ['v1'];
  failurePolicy: 'Fail';
  matchPolicy: 'Equivalent';
  timeoutSeconds: number;
}

export interface WebhookConfiguration {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
  metadata: { name: string; labels?: Record<string, string> };
  webhooks: WebhookEntry[];
}

/** A webhook's name in its configuration, as upstream names them: `default.<kind>.<group>`, `validation.<kind>.<group>`. */
export function webhookName(kind: 'mutate' | 'validate', type: { apiVersion: string; kind: string }): string {
  const { group } = parseApiVersion(type.apiVersion);
  return `${kind === 'mutate' ? 'default' : 'validation'}.${type.kind.toLowerCase()}.${group}`;
}

/**
 * The Mutating- and ValidatingWebhookConfiguration that point a kube-apiserver at our webhook server, named
 * and shaped as upstream's (`default.<kind>.<group>`, `validation.<kind>.<group>`, sideEffects None, v1
 * reviews, failurePolicy Fail).
 */
export function webhookConfigurations(
  name: string,
  registrations: WebhookRegistration[],
  target: WebhookClientTarget,
): [WebhookConfiguration, WebhookConfiguration] {
  const caBundle = Buffer.from(target.caBundlePem).toString('base64');
  const entry = (kind: 'mutate' | 'validate', r: WebhookRegistration): WebhookEntry => {
    const { group, version } = parseApiVersion(r.type.apiVersion);
    const path = webhookPath(kind, r.type);
    const operations = ['CREATE', 'UPDATE'];
    if (kind === 'validate' && r.validator?.validateDelete) operations.push('DELETE');
    return {
      name: webhookName(kind, r.type),
      clientConfig: {
        ...(target.service ? { service: { ...target.service, path } } : {}),
        ...(target.url ? { url: `${target.url.replace(/\/$/, '')}${path}` } : {}),
        caBundle,
      },
      rules: [{ apiGroups: [group], apiVersions: [version], operations, resources: [r.resource] }],
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      timeoutSeconds: 10,
    };
  };
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: `${name}-mutating-webhook-configuration` },
      webhooks: registrations.filter((r) => r.defaulter).map((r) => entry('mutate', r)),
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: `${name}-validating-webhook-configuration` },
      webhooks: registrations.filter((r) => r.validator).map((r) => entry('validate', r)),
    },
  ];
}
