// The admission webhooks of the kubeadm bootstrap provider, for the embedded API server and the HTTPS webhook
// server alike.
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import type { FeatureGateOptions } from '../../../core/api/feature-gates.js';
import { kubeadmConfigTemplateWebhook } from './kubeadm-config-template-webhook.js';
import { kubeadmConfigWebhook } from './kubeadm-config-webhook.js';

/** KubeadmConfig and KubeadmConfigTemplate admission, with upstream's rules and messages. */
export function bootstrapKubeadmWebhooks(options: FeatureGateOptions = {}): WebhookRegistration[] {
  return [kubeadmConfigWebhook(options), kubeadmConfigTemplateWebhook(options)];
}
