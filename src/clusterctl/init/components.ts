import { stringify } from 'yaml';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { webhookConfigurations } from '../../controller-runtime/webhook/webhook-configurations.js';
import type { CustomResourceDefinition } from '../../core/api/openapi/crd.js';
import { Label } from '../../core/api/v1beta2/well-known.js';
import { clusterApiCrds } from '../../main/crds.js';
import { DEFAULT_CERT_DIR, DEFAULT_WEBHOOK_PORT } from '../../main/webhook-serve.js';
import { clusterApiWebhooks } from '../../main/webhooks.js';
import { CertificateAuthority } from '../../pki/index.js';
import { PACKAGE_VERSION } from '../../version.js';
import { leaderElectionRules, managerRules } from './manager-rbac.js';
import {
  ClusterctlLabel,
  type Provider,
  PROVIDER_TYPE,
  providerCrd,
  ProviderType,
} from './provider-inventory.js';

/**
 * The `cluster.x-k8s.io/provider` value of everything `capi init` installs, and the name of its inventory
 * entry. Upstream's core provider is `cluster-api`; capi-ts bundles core, CABPK, KCP and the dev provider in one
 * binary, so it registers under its own name: upstream clusterctl then never mistakes it for upstream core
 * (and never offers it an upstream upgrade).
 */
export const PROVIDER_NAME = 'capi-ts';
export const DEFAULT_NAMESPACE = 'capi-system';
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/capi-ts/capi';
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** Object names, as upstream's kustomize `namePrefix: capi-` makes them. */
export const ComponentName = {
  ServiceAccount: 'capi-controller-manager',
  Deployment: 'capi-controller-manager',
  ManagerRole: 'capi-manager-role',
  AggregatedManagerRole: 'capi-aggregated-manager-role',
  ManagerRoleBinding: 'capi-manager-rolebinding',
  LeaderElectionRole: 'capi-leader-election-role',
  LeaderElectionRoleBinding: 'capi-leader-election-rolebinding',
  WebhookService: 'capi-webhook-service',
  WebhookCertSecret: 'capi-webhook-service-cert',
  MetricsService: 'capi-controller-manager-metrics-service',
  /** The prefix of `capi-mutating-webhook-configuration` and `capi-validating-webhook-configuration`. */
  WebhookConfigurationPrefix: 'capi',
} as const;

const METRICS_PORT = 8080;
const HEALTH_PORT = 9440;
const SELECTOR = { [Label.ProviderName]: PROVIDER_NAME, 'control-plane': 'controller-manager' };

export interface WebhookCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ComponentsOptions {
  /** Where the manager runs (default `capi-system`). */
  namespace?: string;
  /** Manager image (default `ghcr.io/capi-ts/capi:v<version>`). */
  image?: string;
  /** The version recorded in labels and the inventory (default this package's, `v` prefixed). */
  version?: string;
  /** The webhook serving certificate; a fresh CA and certificate are made when absent. */
  webhookCert?: WebhookCertificate;
}

/** `v0.1.0` for `0.1.0`. */
export function releaseVersion(version = PACKAGE_VERSION): string {
  return version.startsWith('v') ? version : `v${version}`;
}

/** The DNS names the API server uses to reach the webhook Service. */
export function webhookServiceDnsNames(namespace: string): string[] {
  const svc = `${ComponentName.WebhookService}.${namespace}.svc`;
  return [svc, `${svc}.cluster.local`];
}

/**
 * A CA and a serving certificate for the webhook Service. Upstream asks cert-manager for one; capi-ts makes it
 * at install time instead, so a management cluster needs nothing but `capi init`. Re-running init on an
 * installed cluster keeps the Secret's certificate (see `init.ts`).
 */
export async function generateWebhookCertificate(namespace: string): Promise<WebhookCertificate> {
  const ca = await CertificateAuthority.create({ commonName: 'capi-webhook-ca', keyAlgorithm: 'ECDSA-P256' });
  const dnsNames = webhookServiceDnsNames(namespace);
  const leaf = await ca.issue({ commonName: dnsNames[0]!, dnsNames, usages: ['server'] });
  return { caPem: ca.certificatePem, certPem: leaf.certificatePem, keyPem: leaf.privateKeyPem };
}

/** The CRDs `capi init` installs: every Cluster API CRD capi-ts serves, and clusterctl's inventory CRD. */
export function componentCrds(version: string): CustomResourceDefinition[] {
  return [...clusterApiCrds(), providerCrd()].map((crd) => ({
    ...crd,
    metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...componentLabels(version) } },
  }));
}

function componentLabels(version: string): Record<string, string> {
  return {
    [Label.ProviderName]: PROVIDER_NAME,
    [ClusterctlLabel.Clusterctl]: '',
    [VERSION_LABEL]: version,
  };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/**
 * Everything a management cluster needs to run capi-ts, as clusterctl would install a core provider's
 * components: one Namespace, every CRD, the manager's ServiceAccount and least-privilege RBAC (aggregated like
 * upstream's, so infrastructure providers add rules with `cluster.x-k8s.io/aggregate-to-manager: "true"`),
 * the webhook serving certificate, Services, the Deployment, the webhook configurations, and last the
 * `Provider` inventory entry. Every object is labelled `cluster.x-k8s.io/provider: capi-ts`,
 * `clusterctl.cluster.x-k8s.io` and `app.kubernetes.io/version`.
 */
export async function renderComponents(options: ComponentsOptions = {}): Promise<KubeObject[]> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const version = releaseVersion(options.version);
  const image = options.image ?? `${DEFAULT_IMAGE_REPOSITORY}:${version}`;
  const cert = options.webhookCert ?? (await generateWebhookCertificate(namespace));
  const labels = componentLabels(version);
  const meta = (name: string, ns?: string, extra: Record<string, string> = {}) => ({
    name,
    ...(ns ? { namespace: ns } : {}),
    labels: { ...labels, ...extra },
  });
  const subject = { kind: 'ServiceAccount', name: ComponentName.ServiceAccount, namespace };
  const rules = managerRules(clusterApiCrds());
  const [mutating, validating] = webhookConfigurations(
    ComponentName.WebhookConfigurationPrefix,
    clusterApiWebhooks(),
    {
      caBundlePem: cert.caPem,
      service: { namespace, name: ComponentName.WebhookService, port: 443 },
    },
  );
  const inventory: Provider = {
    ...PROVIDER_TYPE,
    metadata: meta(PROVIDER_NAME, namespace),
    providerName: PROVIDER_NAME,
    type: ProviderType.Core,
    version,
  };

  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace) },
    ...componentCrds(version).map((crd) => ({ ...crd })),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ComponentName.ServiceAccount, namespace) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(ComponentName.ManagerRole, undefined, { [Label.AggregateToManager]: 'true' }),
      rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(ComponentName.AggregatedManagerRole),
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [Label.AggregateToManager]: 'true' } }] },
      // What kube-controller-manager's aggregation controller computes at install time (our own role's rules);
      // it keeps them the union of every labelled role from then on. Written out so API servers without that
      // controller (the capi-ts management plane) grant them too.
      rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(ComponentName.ManagerRoleBinding),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: ComponentName.AggregatedManagerRole,
      },
      subjects: [subject],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(ComponentName.LeaderElectionRole, namespace),
      rules: leaderElectionRules(),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(ComponentName.LeaderElectionRoleBinding, namespace),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: ComponentName.LeaderElectionRole,
      },
      subjects: [subject],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(ComponentName.WebhookCertSecret, namespace),
      type: 'kubernetes.io/tls',
      data: { 'ca.crt': b64(cert.caPem), 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem) },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(ComponentName.WebhookService, namespace),
      spec: {
        selector: { ...SELECTOR },
        ports: [{ name: 'https', port: 443, targetPort: 'webhook-server', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(ComponentName.MetricsService, namespace),
      spec: {
        selector: { ...SELECTOR },
        ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
      },
    },
    managerDeployment({ namespace, image, labels }),
    ...[mutating, validating].map((config) => ({
      ...config,
      metadata: meta(config.metadata.name),
      // Rules are an atomic list: spelling out the API server's default scope keeps a re-apply (kubectl's
      // three-way merge, server-side apply) from seeing a change where there is none.
      webhooks: config.webhooks.map((w) => ({
        ...w,
        rules: w.rules.map((r) => ({ ...r, scope: r.scope ?? '*' })),
      })),
    })),
    inventory,
  ];
}

/** The manager Deployment, hardened as upstream's `config/manager/manager.yaml` (and a read-only root). */
function managerDeployment(o: {
  namespace: string;
  image: string;
  labels: Record<string, string>;
}): KubeObject {
  const podLabels = { ...o.labels, ...SELECTOR };
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ComponentName.Deployment, namespace: o.namespace, labels: podLabels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { ...SELECTOR } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: ComponentName.ServiceAccount,
          terminationGracePeriodSeconds: 10,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          tolerations: [
            { effect: 'NoSchedule', key: 'node-role.kubernetes.io/master' },
            { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' },
          ],
          containers: [
            {
              name: 'manager',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['capi'],
              args: [
                'manager',
                '--leader-elect',
                `--webhook-port=${DEFAULT_WEBHOOK_PORT}`,
                `--webhook-cert-dir=${DEFAULT_CERT_DIR}`,
                `--metrics-bind-address=:${METRICS_PORT}`,
                `--health-probe-bind-address=:${HEALTH_PORT}`,
              ],
              env: [
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_UID', 'metadata.uid'),
              ],
              ports: [
                { name: 'webhook-server', containerPort: DEFAULT_WEBHOOK_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'healthz', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { memory: '1Gi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsUser: 65532,
                runAsGroup: 65532,
              },
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [
                { name: 'cert', mountPath: DEFAULT_CERT_DIR, readOnly: true },
                // The root is read-only; Node and the in-memory backend may still want a scratch /tmp.
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'cert', secret: { secretName: ComponentName.WebhookCertSecret } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** A multi-document YAML stream of `objects`, in order, as `kubectl apply -f -` reads it. */
export function componentsYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}
