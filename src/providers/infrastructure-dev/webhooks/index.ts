// The admission webhooks of the dev infrastructure provider, for the embedded API server and the HTTPS webhook
// server alike.
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import type { FeatureGateOptions } from '../../../core/api/feature-gates.js';
import { devClusterTemplateWebhook } from './dev-cluster-template-webhook.js';
import { devClusterWebhook } from './dev-cluster-webhook.js';
import { devMachineTemplateWebhook } from './dev-machine-template-webhook.js';
import { devMachineWebhook } from './dev-machine-webhook.js';

/** DevCluster, DevClusterTemplate, DevMachine and DevMachineTemplate admission, with upstream's rules. */
export function infrastructureDevWebhooks(options: FeatureGateOptions = {}): WebhookRegistration[] {
  return [
    devClusterWebhook(),
    devClusterTemplateWebhook(options),
    devMachineWebhook(),
    devMachineTemplateWebhook(),
  ];
}
