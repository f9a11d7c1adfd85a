// The admission webhooks of the kubeadm bootstrap provider, for the embedded API server and the HTTPS webhook
// server alike.
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import { kubeadmConfigTemplateWebhook } from './kubeadm-config-template-webhook.js';
import { kubeadmConfigWebhook } from './kubeadm-config-webhook.js';
import type { BootstrapKubeadmWebhookOptions } from './webhook-options.js';

export type { BootstrapKubeadmWebhookOptions } from './webhook-options.js';

/** KubeadmConfig and KubeadmConfigTemplate admission, with upstream's rules and messages. */
export function bootstrapKubeadmWebhooks(
  options: BootstrapKubeadmWebhookOptions = {},
): WebhookRegistration[] {
  return [kubeadmConfigWebhook(options), kubeadmConfigTemplateWebhook(options)];
}
