import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type ExtensionConfig,
  extensionConfigCrd,
  ExtensionConfigConditionType,
  ExtensionConfigDiscoveredReason,
  FailurePolicy,
  InjectCAFromSecretAnnotation,
} from './index.js';

describe('runtime.cluster.x-k8s.io/v1beta2 types', () => {
  it('accepts an ExtensionConfig reaching its server by Service, and the handlers discovery found', () => {
    const ext: ExtensionConfig = {
      apiVersion: API_VERSION,
      kind: 'ExtensionConfig',
      metadata: {
        name: 'test-extension',
        annotations: { [InjectCAFromSecretAnnotation]: 'test-extension/test-extension-webhook-service-cert' },
      },
      spec: {
        clientConfig: { service: { name: 'webhook', namespace: 'test-extension', port: 443 } },
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'Exists' }] },
        settings: { defaultAllHandlersToBlocking: 'true' },
      },
      status: {
        conditions: [
          {
            type: ExtensionConfigConditionType.Discovered,
            status: 'True',
            reason: ExtensionConfigDiscoveredReason.Discovered,
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
        handlers: [
          {
            name: 'before-cluster-create.test-extension',
            requestHook: {
              apiVersion: 'hooks.runtime.cluster.x-k8s.io/v1alpha1',
              hook: 'BeforeClusterCreate',
            },
            timeoutSeconds: 10,
            failurePolicy: FailurePolicy.Fail,
          },
        ],
      },
    };
    assert.equal(ext.status?.handlers?.[0]?.requestHook.hook, 'BeforeClusterCreate');

    // @ts-expect-error clientConfig is required
    const noClient: ExtensionConfig['spec'] = { settings: {} };
    const noServiceName: ExtensionConfig['spec'] = {
      // @ts-expect-error a Service needs its name
      clientConfig: { service: { namespace: 'ns' } },
    };
    const handler: NonNullable<NonNullable<ExtensionConfig['status']>['handlers']>[number] = {
      name: 'h',
      requestHook: { apiVersion: 'v', hook: 'h' },
      // @ts-expect-error only Ignore and Fail are failure policies
      failurePolicy: 'Retry',
    };
    assert.ok(noClient && noServiceName && handler);
  });

  it('serves the kind cluster-scoped, v1beta2 only, as ext in the cluster-api category, with a status', () => {
    const crd = extensionConfigCrd();
    assert.equal(crd.metadata.name, 'extensionconfigs.runtime.cluster.x-k8s.io');
    assert.equal(crd.spec.scope, 'Cluster');
    assert.deepEqual(crd.spec.names, {
      kind: 'ExtensionConfig',
      listKind: 'ExtensionConfigList',
      plural: 'extensionconfigs',
      singular: 'extensionconfig',
      shortNames: ['ext'],
      categories: ['cluster-api'],
    });
    assert.deepEqual(
      crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
      [['v1beta2', true, true]],
    );
    const version = crd.spec.versions[0];
    assert.deepEqual(version?.subresources, { status: {} });
    assert.deepEqual(
      version?.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath, c.priority]),
      [
        ['Paused', '.status.conditions[?(@.type=="Paused")].status', 10],
        ['Discovered', '.status.conditions[?(@.type=="Discovered")].status', undefined],
        ['Age', '.metadata.creationTimestamp', undefined],
      ],
    );
    assert.deepEqual(version?.schema.openAPIV3Schema.required, ['spec']);
  });

  it('bounds and requires the fields as upstream does', () => {
    const root = extensionConfigCrd().spec.versions[0]?.schema.openAPIV3Schema;
    const spec = root?.properties?.spec;
    assert.deepEqual(spec?.required, ['clientConfig']);
    const clientConfig = spec?.properties?.clientConfig;
    assert.equal(clientConfig?.minProperties, 1);
    const caBundle = clientConfig?.properties?.caBundle;
    assert.deepEqual([caBundle?.format, caBundle?.minLength, caBundle?.maxLength], ['byte', 1, 51200]);
    assert.deepEqual(
      [clientConfig?.properties?.url?.minLength, clientConfig?.properties?.url?.maxLength],
      [1, 512],
    );
    const service = clientConfig?.properties?.service;
    assert.deepEqual(service?.required, ['name', 'namespace']);
    assert.equal(service?.properties?.port?.format, 'int32');
    assert.equal(
      service?.properties?.port?.default,
      undefined,
      'the webhook defaults the port, not the schema',
    );
    assert.equal(spec?.properties?.namespaceSelector?.['x-kubernetes-map-type'], 'atomic');
    assert.deepEqual(spec?.properties?.settings?.additionalProperties, { type: 'string' });

    const status = root?.properties?.status;
    assert.equal(status?.minProperties, 1);
    const handlers = status?.properties?.handlers;
    assert.deepEqual(
      [handlers?.maxItems, handlers?.['x-kubernetes-list-type'], handlers?.['x-kubernetes-list-map-keys']],
      [512, 'map', ['name']],
    );
    assert.deepEqual(handlers?.items?.required, ['name', 'requestHook']);
    assert.deepEqual(handlers?.items?.properties?.failurePolicy?.enum, ['Ignore', 'Fail']);
    assert.equal(handlers?.items?.properties?.timeoutSeconds?.minimum, 1);
    assert.deepEqual(status?.properties?.conditions?.['x-kubernetes-list-map-keys'], ['type']);
    assert.ok(status?.properties?.deprecated?.properties?.v1beta1?.properties?.conditions);
  });

  it('names the conditions, reasons and annotations as upstream does', () => {
    assert.deepEqual(Object.values(ExtensionConfigConditionType), ['Discovered', 'Paused']);
    assert.deepEqual(Object.values(ExtensionConfigDiscoveredReason), ['Discovered', 'NotDiscovered']);
    assert.equal(InjectCAFromSecretAnnotation, 'runtime.cluster.x-k8s.io/inject-ca-from-secret');
  });
});
