// The admission webhooks of the kubeadm control plane provider, for the embedded API server and the HTTPS
// webhook server alike.
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import type { FeatureGateOptions } from '../../../core/api/feature-gates.js';
import { kubeadmControlPlaneTemplateWebhook } from './kubeadm-control-plane-template-webhook.js';
import { kubeadmControlPlaneWebhook } from './kubeadm-control-plane-webhook.js';

/** KubeadmControlPlane and KubeadmControlPlaneTemplate admission, with upstream's rules and messages. */
export function controlPlaneKubeadmWebhooks(options: FeatureGateOptions = {}): WebhookRegistration[] {
  return [kubeadmControlPlaneWebhook(options), kubeadmControlPlaneTemplateWebhook(options)];
}
