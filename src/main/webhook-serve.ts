import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../controller-runtime/client/kube-client.js';
import { webhookConfigurations } from '../controller-runtime/webhook/webhook-configurations.js';
import { WebhookServer } from '../controller-runtime/webhook/webhook-server.js';
import { clusterApiWebhooks } from './webhooks.js';

/** Where controller-runtime's webhook server looks for `tls.crt`/`tls.key` by default. */
export const DEFAULT_CERT_DIR = '/tmp/k8s-webhook-server/serving-certs';
/** Upstream Cluster API's webhook port. */
export const DEFAULT_WEBHOOK_PORT = 9443;

export interface ServeWebhooksOptions {
  host: string;
  port: number;
  certDir: string;
  /** For the webhooks' lookups (a Cluster's ClusterClass, ...); default `$KUBECONFIG`, in-cluster, ~/.kube/config. */
  kubeconfigPath?: string;
}

export interface ServingWebhooks {
  url: string;
  paths: string[];
  stop(): Promise<void>;
}

/**
 * Cluster API's admission webhooks over HTTPS for a real management cluster: the same registrations
 * `capi up` runs in-process, behind the AdmissionReview server, with the serving certificate from `certDir`.
 */
export async function serveWebhooks(options: ServeWebhooksOptions): Promise<ServingWebhooks> {
  const [certificatePem, privateKeyPem] = await Promise.all([
    readFile(path.join(options.certDir, 'tls.crt'), 'utf8'),
    readFile(path.join(options.certDir, 'tls.key'), 'utf8'),
  ]);
  const client = KubeClient.fromKubeconfig({ kubeconfigPath: options.kubeconfigPath });
  try {
    const server = await WebhookServer.start(
      { host: options.host, port: options.port, certificatePem, privateKeyPem },
      clusterApiWebhooks({ reader: client }),
    );
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return {
      url: `https://${host}:${server.port}`,
      paths: server.paths,
      stop: async () => {
        await server.close();
        client.close();
      },
    };
  } catch (err) {
    client.close();
    throw err;
  }
}

export interface WebhookManifestOptions {
  caFile: string;
  service?: { namespace: string; name: string; port?: number };
  url?: string;
}

/** The Mutating- and ValidatingWebhookConfiguration for `serveWebhooks`, as one YAML stream. */
export async function webhookManifestsYaml(options: WebhookManifestOptions): Promise<string> {
  if (!options.service === !options.url)
    throw new Error('give either a service (namespace and name) or a url');
  const caBundlePem = await readFile(options.caFile, 'utf8');
  const configs = webhookConfigurations('capi', clusterApiWebhooks(), {
    caBundlePem,
    ...(options.service ? { service: options.service } : {}),
    ...(options.url ? { url: options.url } : {}),
  });
  return configs.map((c) => stringify(c, { lineWidth: 0 })).join('---\n');
}
