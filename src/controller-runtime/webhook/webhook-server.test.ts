import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../../pki/index.js';
import type { KubeObject } from '../api/object.js';
import { AdmissionDeniedError, denyIfInvalid, fieldError } from './field-errors.js';
import { webhookConfigurations } from './webhook-configurations.js';
import { type AdmissionReview, WebhookServer } from './webhook-server.js';
import type { WebhookRegistration } from './webhook.js';

type Gadget = KubeObject & { spec?: { size?: number; version?: string } };

const gadgets: WebhookRegistration<Gadget> = {
  type: { apiVersion: 'example.com/v1', kind: 'Gadget' },
  resource: 'gadgets',
  defaulter: {
    default(obj) {
      if (obj.spec?.version && !obj.spec.version.startsWith('v')) obj.spec.version = `v${obj.spec.version}`;
    },
  },
  validator: {
    validateCreate(obj) {
      denyIfInvalid(
        'Gadget',
        obj.metadata.name ?? '',
        (obj.spec?.size ?? 0) < 0
          ? [fieldError.invalid('spec.size', obj.spec?.size, 'must be positive')]
          : [],
      );
      return obj.spec?.size === 0 ? ['spec.size is 0: the gadget does nothing'] : undefined;
    },
    validateDelete() {
      throw new AdmissionDeniedError({
        kind: 'Gadget',
        name: 'g',
        reason: 'Forbidden',
        message: 'gadgets are forever',
      });
    },
  },
};

describe('WebhookServer', () => {
  let ca: CertificateAuthority;
  let server: WebhookServer;

  const review = async (
    path: string,
    request: AdmissionReview['request'],
  ): Promise<AdmissionReview['response']> => {
    const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
    const text = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server.port,
          path,
          method: 'POST',
          ca: ca.certificatePem,
          headers: { 'Content-Type': 'application/json' },
        },
        (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve(data));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    return (JSON.parse(text) as AdmissionReview).response;
  };

  before(async () => {
    ca = await CertificateAuthority.create({ commonName: 'webhook-ca' });
    const cert = await ca.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'], usages: ['server'] });
    server = await WebhookServer.start(
      { host: '127.0.0.1', port: 0, certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem },
      [gadgets],
    );
  });
  after(async () => {
    await server?.close();
  });

  it('answers a mutating review with a JSON patch of the defaults', async () => {
    const object = {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g' },
      spec: { version: '1.33.0' },
    };
    const response = await review('/mutate-example-com-v1-gadget', {
      uid: 'u1',
      operation: 'CREATE',
      object,
    });
    assert.equal(response?.uid, 'u1');
    assert.equal(response?.allowed, true);
    assert.equal(response?.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(response?.patch ?? '', 'base64').toString()), [
      { op: 'replace', path: '/spec/version', value: 'v1.33.0' },
    ]);
    const unchanged = await review('/mutate-example-com-v1-gadget', {
      uid: 'u2',
      operation: 'CREATE',
      object: { ...object, spec: { version: 'v1' } },
    });
    assert.equal(unchanged?.patch, undefined);
  });

  it('denies with 422 and field causes, passes warnings, and forbids deletes with 403', async () => {
    const bad = await review('/validate-example-com-v1-gadget', {
      uid: 'u3',
      operation: 'CREATE',
      name: 'g',
      object: { metadata: { name: 'g' }, spec: { size: -1 } },
    });
    assert.equal(bad?.allowed, false);
    assert.equal(bad?.status?.code, 422);
    assert.equal(bad?.status?.reason, 'Invalid');
    assert.deepEqual(bad?.status?.details?.causes, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.size',
        message: 'spec.size: Invalid value: -1: must be positive',
      },
    ]);
    const warned = await review('/validate-example-com-v1-gadget', {
      uid: 'u4',
      operation: 'CREATE',
      object: { metadata: { name: 'g' }, spec: { size: 0 } },
    });
    assert.equal(warned?.allowed, true);
    assert.deepEqual(warned?.warnings, ['spec.size is 0: the gadget does nothing']);
    const del = await review('/validate-example-com-v1-gadget', {
      uid: 'u5',
      operation: 'DELETE',
      oldObject: { metadata: { name: 'g' } },
    });
    assert.equal(del?.status?.code, 403);
    assert.match(del?.status?.message ?? '', /forever/);
  });

  it('generates webhook configurations pointing at the served paths', () => {
    const [mutating, validating] = webhookConfigurations('capi', [gadgets], {
      service: { namespace: 'capi-system', name: 'capi-webhook-service' },
      caBundlePem: ca.certificatePem,
    });
    assert.equal(mutating.webhooks[0]?.name, 'default.gadget.example.com');
    assert.equal(mutating.webhooks[0]?.clientConfig.service?.path, '/mutate-example-com-v1-gadget');
    assert.deepEqual(validating.webhooks[0]?.rules[0]?.operations, ['CREATE', 'UPDATE', 'DELETE']);
    assert.deepEqual(server.paths, ['/mutate-example-com-v1-gadget', '/validate-example-com-v1-gadget']);
    assert.equal(
      Buffer.from(validating.webhooks[0]?.clientConfig.caBundle ?? '', 'base64').toString(),
      ca.certificatePem,
    );
  });
});
