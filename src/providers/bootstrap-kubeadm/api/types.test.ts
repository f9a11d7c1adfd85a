import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type KubeadmConfig,
  kubeadmConfigCrd,
  type KubeadmConfigTemplate,
  kubeadmConfigTemplateCrd,
} from './index.js';

describe('bootstrap.cluster.x-k8s.io/v1beta2 types', () => {
  it('accepts a typical KubeadmConfig of a joining worker', () => {
    const config: KubeadmConfig = {
      apiVersion: API_VERSION,
      kind: 'KubeadmConfig',
      metadata: { name: 'worker-0', namespace: 'default' },
      spec: {
        joinConfiguration: {
          nodeRegistration: {
            kubeletExtraArgs: [{ name: 'eviction-hard', value: 'nodefs.available<0%' }],
            taints: [],
          },
          discovery: { bootstrapToken: { token: 'abcdef.0123456789abcdef', unsafeSkipCAVerification: true } },
        },
        files: [{ path: '/etc/motd', content: 'hello', contentFormat: 'Raw' }],
        users: [{ name: 'capi', sshAuthorizedKeys: ['ssh-ed25519 AAAA'] }],
        format: 'cloud-config',
      },
      status: { initialization: { dataSecretCreated: true }, dataSecretName: 'worker-0' },
    };
    assert.equal(
      config.spec?.joinConfiguration?.nodeRegistration?.kubeletExtraArgs?.[0]?.name,
      'eviction-hard',
    );

    const wrongEnum: KubeadmConfig = {
      // @ts-expect-error format is cloud-config or ignition only
      spec: { format: 'yaml' },
    };
    const wrongField: KubeadmConfig = {
      // @ts-expect-error a misspelt field is a type error, not a silently dropped field
      spec: { joinConfigurations: {} },
    };
    assert.ok(wrongEnum && wrongField);
  });

  it('accepts a KubeadmConfigTemplate, whose template is required', () => {
    const template: KubeadmConfigTemplate = {
      spec: { template: { metadata: { labels: { role: 'worker' } }, spec: { verbosity: 4 } } },
    };
    assert.equal(template.spec?.template.spec?.verbosity, 4);
    // @ts-expect-error spec.template is required
    const missing: KubeadmConfigTemplate = { spec: {} };
    assert.ok(missing);
  });

  it('declares the v1beta2 contract label and the status subresource', () => {
    for (const crd of [kubeadmConfigCrd(), kubeadmConfigTemplateCrd()]) {
      assert.equal(crd.metadata.labels?.['cluster.x-k8s.io/v1beta2'], 'v1beta2');
    }
    assert.deepEqual(kubeadmConfigCrd().spec.versions[0]?.subresources, { status: {} });
    assert.equal(kubeadmConfigTemplateCrd().spec.versions[0]?.subresources, undefined);
  });
});
