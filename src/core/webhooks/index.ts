// Admission for the core kinds beyond what their schemas can say: defaults that depend on other fields, and
// the cross-field, update and lookup rules of upstream's webhooks, with upstream's messages and field paths.
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { clusterClassWebhook } from './cluster-class-webhook.js';
import { clusterResourceSetBindingWebhook } from './cluster-resource-set-binding-webhook.js';
import { clusterResourceSetWebhook } from './cluster-resource-set-webhook.js';
import { clusterWebhook } from './cluster-webhook.js';
import { extensionConfigWebhook } from './extension-config-webhook.js';
import { ipAddressClaimWebhook } from './ip-address-claim-webhook.js';
import { ipAddressWebhook } from './ip-address-webhook.js';
import { machineDeploymentWebhook } from './machine-deployment-webhook.js';
import { machineDrainRuleWebhook } from './machine-drain-rule-webhook.js';
import { machineHealthCheckWebhook } from './machine-health-check-webhook.js';
import { machinePoolWebhook } from './machine-pool-webhook.js';
import { machineSetWebhook } from './machine-set-webhook.js';
import { machineWebhook } from './machine-webhook.js';
import { type CoreWebhookOptions, webhookContext } from './webhook-options.js';

export { validateMachineDrainRuleSelectors } from './machine-drain-rule-webhook.js';
export type { CoreWebhookOptions } from './webhook-options.js';

/**
 * One registration per core kind (cluster.x-k8s.io, addons.cluster.x-k8s.io, ipam.cluster.x-k8s.io and
 * runtime.cluster.x-k8s.io) that upstream has a webhook for.
 */
export function coreWebhooks(options: CoreWebhookOptions = {}): WebhookRegistration[] {
  const context = webhookContext(options);
  return [
    clusterWebhook(context),
    clusterClassWebhook(context),
    machineWebhook(context),
    machineSetWebhook(context),
    machineDeploymentWebhook(context),
    machineHealthCheckWebhook(context),
    machinePoolWebhook(context),
    machineDrainRuleWebhook(context),
    clusterResourceSetWebhook(context),
    clusterResourceSetBindingWebhook(context),
    ipAddressClaimWebhook(context),
    ipAddressWebhook(context),
    extensionConfigWebhook(context),
  ];
}
