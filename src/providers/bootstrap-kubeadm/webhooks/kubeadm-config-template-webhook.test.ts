import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAdmissionDenied } from '../../../controller-runtime/webhook/field-errors.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import type { KubeadmConfigSpec } from '../api/kubeadm-config-spec-types.js';
import {
  type KubeadmConfigTemplateObject,
  kubeadmConfigTemplateWebhook,
} from './kubeadm-config-template-webhook.js';

const request: AdmissionRequestInfo = {
  operation: 'CREATE',
  userInfo: { username: 'system:serviceaccount:capi-system:capi-manager', groups: [] },
  dryRun: false,
};

const template = (
  spec: KubeadmConfigSpec,
  annotations?: Record<string, string>,
): KubeadmConfigTemplateObject => ({
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfigTemplate',
  metadata: { name: 'workers', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { template: { spec } },
});

const dryRunAnnotation = { 'topology.cluster.x-k8s.io/dry-run': '' };

describe('KubeadmConfigTemplate webhook', () => {
  it('leaves a user request as sent: no defaults since v1.11', async () => {
    const t = template({ joinConfiguration: { caCertPath: '/etc/ca.crt' } });
    await kubeadmConfigTemplateWebhook().defaulter?.default(t, request);
    assert.deepEqual(t.spec?.template.spec, { joinConfiguration: { caCertPath: '/etc/ca.crt' } });
  });

  it('applies the pre-v1.11 defaults to topology dry-run requests, so old templates do not look changed', async () => {
    const t = template(
      {
        joinConfiguration: {
          discovery: {
            file: { kubeConfigPath: '/k', kubeConfig: { user: { exec: { command: '/bin/token' } } } },
          },
        },
      },
      dryRunAnnotation,
    );
    await kubeadmConfigTemplateWebhook().defaulter?.default(t, { ...request, dryRun: true });
    assert.deepEqual(t.spec?.template.spec, {
      format: 'cloud-config',
      initConfiguration: { nodeRegistration: { imagePullPolicy: 'IfNotPresent' } },
      joinConfiguration: {
        nodeRegistration: { imagePullPolicy: 'IfNotPresent' },
        discovery: {
          file: {
            kubeConfigPath: '/k',
            kubeConfig: {
              user: { exec: { command: '/bin/token', apiVersion: 'client.authentication.k8s.io/v1' } },
            },
          },
        },
      },
    });
  });

  it('needs both the dry-run flag and the annotation to count as a topology dry-run', async () => {
    const annotated = template({}, dryRunAnnotation);
    await kubeadmConfigTemplateWebhook().defaulter?.default(annotated, request);
    assert.deepEqual(annotated.spec?.template.spec, {});
    const plainDryRun = template({});
    await kubeadmConfigTemplateWebhook().defaulter?.default(plainDryRun, { ...request, dryRun: true });
    assert.deepEqual(plainDryRun.spec?.template.spec, {});
  });

  it('keeps values that are already set when applying the old defaults', async () => {
    const t = template(
      { format: 'ignition', initConfiguration: { nodeRegistration: { imagePullPolicy: 'Always' } } },
      dryRunAnnotation,
    );
    await kubeadmConfigTemplateWebhook().defaulter?.default(t, { ...request, dryRun: true });
    assert.equal(t.spec?.template.spec?.format, 'ignition');
    assert.equal(t.spec?.template.spec?.initConfiguration?.nodeRegistration?.imagePullPolicy, 'Always');
  });

  it('validates the embedded spec under spec.template.spec', async () => {
    const t = template({
      files: [{ path: '/a', content: 'x', contentFrom: { secret: { name: 's', key: 'k' } } }],
    });
    await assert.rejects(
      async () => kubeadmConfigTemplateWebhook().validator?.validateCreate?.(t, request),
      (err: unknown) => {
        assert.ok(isAdmissionDenied(err));
        assert.deepEqual(
          err.causes.map((c) => c.field),
          ['spec.template.spec.files[0]'],
        );
        assert.match(
          err.message,
          /^KubeadmConfigTemplate\.bootstrap\.cluster\.x-k8s\.io "workers" is invalid/,
        );
        return true;
      },
    );
  });

  it('validates the labels and annotations the KubeadmConfigs get, on create and update', async () => {
    const t = template({});
    t.spec = { template: { metadata: { labels: { app: 'not ok' } }, spec: {} } };
    const labelValueErr =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
      "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used " +
      "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    const validator = kubeadmConfigTemplateWebhook().validator;
    for (const validate of [
      () => validator?.validateCreate?.(t, request),
      () => validator?.validateUpdate?.(template({}), t, { ...request, operation: 'UPDATE' }),
    ]) {
      await assert.rejects(
        async () => validate(),
        (err: unknown) => {
          assert.ok(isAdmissionDenied(err));
          assert.deepEqual(
            err.causes.map((c) => `${c.field}: ${c.detail}`),
            [`spec.template.metadata.labels: Invalid value: "not ok": ${labelValueErr}`],
          );
          return true;
        },
      );
    }
  });
});
