import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { PACKAGE_VERSION } from '../../version.js';
import { ComponentName, generateWebhookCertificate, renderComponents } from './components.js';
import type { PolicyRule } from './manager-rbac.js';

type Container = {
  image: string;
  command: string[];
  args: string[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
};
type PodSpec = {
  securityContext: Record<string, unknown>;
  serviceAccountName: string;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
};

const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name}`);
  return o;
};

describe('renderComponents', () => {
  it('runs `capi manager` from the release image, hardened as upstream, with the webhook certificate mounted', async () => {
    const objects = await renderComponents();
    const deployment = find(objects, 'Deployment', ComponentName.Deployment);
    const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec;
    const c = pod.containers[0]!;
    assert.equal(c.image, `ghcr.io/capi-ts/capi:v${PACKAGE_VERSION}`);
    assert.deepEqual(c.command, ['capi']);
    assert.deepEqual(c.args.slice(0, 2), ['manager', '--leader-elect']);
    assert.ok(c.args.includes('--webhook-cert-dir=/tmp/k8s-webhook-server/serving-certs'));
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.equal(pod.serviceAccountName, ComponentName.ServiceAccount);
    const cert = pod.volumes.find((v) => v.secret)!;
    assert.equal(cert.secret!.secretName, ComponentName.WebhookCertSecret);
    assert.ok(
      c.volumeMounts.some(
        (m) => m.name === cert.name && m.mountPath === '/tmp/k8s-webhook-server/serving-certs',
      ),
    );
  });

  it('takes the namespace, image and an existing certificate', async () => {
    const webhookCert = await generateWebhookCertificate('capi-ts');
    const objects = await renderComponents({
      namespace: 'capi-ts',
      image: 'registry.local/capi:dev',
      webhookCert,
    });
    for (const o of objects.filter((x) => x.metadata.namespace))
      assert.equal(o.metadata.namespace, 'capi-ts');
    const deployment = find(objects, 'Deployment', ComponentName.Deployment);
    assert.equal(
      (deployment.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!.image,
      'registry.local/capi:dev',
    );
    const secret = find(objects, 'Secret', ComponentName.WebhookCertSecret) as KubeObject & {
      data: Record<string, string>;
    };
    assert.equal(Buffer.from(secret.data['tls.crt']!, 'base64').toString(), webhookCert.certPem);
    const binding = find(objects, 'ClusterRoleBinding', ComponentName.ManagerRoleBinding) as KubeObject & {
      subjects: unknown[];
    };
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: ComponentName.ServiceAccount, namespace: 'capi-ts' },
    ]);
  });

  it('binds the aggregated role that providers extend with the aggregate-to-manager label', async () => {
    const objects = await renderComponents();
    const aggregated = find(objects, 'ClusterRole', ComponentName.AggregatedManagerRole) as KubeObject & {
      aggregationRule: unknown;
    };
    assert.deepEqual(aggregated.aggregationRule, {
      clusterRoleSelectors: [{ matchLabels: { 'cluster.x-k8s.io/aggregate-to-manager': 'true' } }],
    });
    const own = find(objects, 'ClusterRole', ComponentName.ManagerRole) as KubeObject & {
      rules: PolicyRule[];
    };
    assert.equal(own.metadata.labels?.['cluster.x-k8s.io/aggregate-to-manager'], 'true');
    const resources = own.rules.flatMap((r) => r.resources);
    for (const absent of ['pods', 'nodes', 'deployments', 'clusterroles', 'leases', 'serviceaccounts', '*/*'])
      assert.ok(!resources.includes(absent), `no ${absent}`);
    assert.ok(
      !own.rules.some((r) => r.apiGroups.includes('*') || r.verbs.includes('*')),
      'no wildcard group or verb',
    );
  });
});
