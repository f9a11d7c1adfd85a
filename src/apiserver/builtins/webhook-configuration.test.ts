import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { findBuiltinResource } from './builtin-resources.js';
import {
  mutatingWebhookConfigurationDefinition as mutating,
  validatingWebhookConfigurationDefinition as validating,
} from './webhook-configuration.js';

const messages = (errs: FieldError[] | undefined) => (errs ?? []).map(fieldErrorMessage);

const hook = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'default.cluster.cluster.x-k8s.io',
  clientConfig: {
    service: { namespace: 'capi-system', name: 'capi-webhook-service', path: '/mutate' },
    caBundle: 'Y2E=',
  },
  rules: [
    {
      operations: ['CREATE', 'UPDATE'],
      apiGroups: ['cluster.x-k8s.io'],
      apiVersions: ['v1beta2'],
      resources: ['clusters'],
    },
  ],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});

const config = (...webhooks: Record<string, unknown>[]): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: 'capi-mutating-webhook-configuration', creationTimestamp: '2024-05-01T10:00:00Z' },
  webhooks,
});

describe('admissionregistration.k8s.io/v1 webhook configurations', () => {
  it('are served cluster-scoped in the api-extensions category, as kube-apiserver lists them', () => {
    for (const plural of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
      const def = findBuiltinResource('admissionregistration.k8s.io', plural);
      assert.ok(def, plural);
      assert.equal(def.namespaced, false);
      assert.deepEqual(def.categories, ['api-extensions']);
      assert.deepEqual(def.shortNames, []);
    }
  });

  it('default like SetDefaults_MutatingWebhook (policies, selectors, timeout, rule scope, service port)', () => {
    const c = config(hook());
    mutating.strategy.prepareForCreate?.(c);
    const h = (c.webhooks as Record<string, unknown>[])[0]!;
    assert.equal(h.failurePolicy, 'Fail');
    assert.equal(h.matchPolicy, 'Equivalent');
    assert.equal(h.timeoutSeconds, 10);
    assert.equal(h.reinvocationPolicy, 'Never');
    assert.deepEqual(h.namespaceSelector, {});
    assert.deepEqual(h.objectSelector, {});
    assert.equal((h.rules as Record<string, unknown>[])[0]!.scope, '*');
    assert.equal(((h.clientConfig as Record<string, unknown>).service as Record<string, unknown>).port, 443);
    assert.deepEqual(messages(mutating.strategy.validate?.(c, undefined)), []);
    // Validating webhooks have no reinvocation policy.
    const v = config(hook());
    validating.strategy.prepareForCreate?.(v);
    assert.equal((v.webhooks as Record<string, unknown>[])[0]!.reinvocationPolicy, undefined);
  });

  it('reject what kube-apiserver rejects, with its messages', () => {
    const bad = config(
      hook({ name: 'short.name', sideEffects: undefined, admissionReviewVersions: [] }),
      hook({
        name: 'short.name',
        clientConfig: { url: 'http://example.com/x', service: { name: 's', namespace: 'n' } },
        timeoutSeconds: 31,
        rules: [{ operations: ['*', 'CREATE'], apiGroups: [], apiVersions: ['v1'], resources: ['x'] }],
        failurePolicy: 'Sometimes',
      }),
      hook({ name: 'third.hook.example.com', clientConfig: { url: 'http://example.com/x' } }),
    );
    assert.deepEqual(messages(validating.strategy.validate?.(bad, undefined)), [
      'webhooks[0].name: Invalid value: "short.name": should be a domain with at least three segments separated by dots',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
      'webhooks[1].name: Duplicate value: "short.name"',
      'webhooks[1].name: Invalid value: "short.name": should be a domain with at least three segments separated by dots',
      `webhooks[1].rules[0].operations: Invalid value: []string{"*", "CREATE"}: if '*' is present, must not specify other operations`,
      'webhooks[1].rules[0].apiGroups: Required value',
      'webhooks[1].failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"',
      'webhooks[1].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[1].clientConfig: Required value: exactly one of url or service is required',
      `webhooks[2].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme`,
    ]);
  });

  it('print NAME WEBHOOKS AGE', () => {
    const table = mutating.table!;
    assert.deepEqual(
      table.columns.map((c) => c.name),
      ['Name', 'Webhooks', 'Age'],
    );
    assert.deepEqual(table.cells(config(hook(), hook({ name: 'b.c.d' })), new Date()), [
      'capi-mutating-webhook-configuration',
      2,
      '2024-05-01T10:00:00Z',
    ]);
  });
});
