import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { ForbiddenError, InvalidError } from '../../src/controller-runtime/client/errors.js';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import {
  AdmissionDeniedError,
  denyIfInvalid,
  fieldError,
} from '../../src/controller-runtime/webhook/field-errors.js';
import type { WebhookRegistration } from '../../src/controller-runtime/webhook/webhook.js';
import { inProcessAdmission } from '../../src/main/in-process-admission.js';
import { startTestApiServer, type TestApiServer } from '../controller-runtime/helpers/api-server.js';

type Widget = KubeObject & { spec?: { replicas?: number; color?: string }; status?: { replicas?: number } };
const WIDGET = { apiVersion: 'test.example.com/v1', kind: 'Widget' };

const widgetWebhook: WebhookRegistration<Widget> = {
  type: WIDGET,
  resource: 'widgets',
  defaulter: {
    default(obj) {
      obj.metadata.labels = { ...obj.metadata.labels, 'example.com/defaulted': 'true' };
    },
  },
  validator: {
    validateCreate(obj) {
      const errors = [
        ...((obj.spec?.replicas ?? 0) > 5
          ? [fieldError.invalid('spec.replicas', obj.spec?.replicas, 'must be at most 5')]
          : []),
        ...(obj.spec?.color === 'cyan'
          ? [fieldError.invalid('spec.color', 'cyan', 'is not allowed here')]
          : []),
      ];
      denyIfInvalid('Widget', obj.metadata.name ?? '', errors);
    },
    validateUpdate(oldObj, newObj) {
      if (oldObj.spec?.color !== newObj.spec?.color) {
        denyIfInvalid('Widget', newObj.metadata.name ?? '', [
          fieldError.invalid('spec.color', newObj.spec?.color, 'field is immutable'),
        ]);
      }
    },
    validateDelete(obj) {
      if (obj.metadata.name === 'keep') {
        throw new AdmissionDeniedError({
          kind: 'Widget',
          name: 'keep',
          reason: 'Forbidden',
          message: 'widget "keep" must not be deleted',
        });
      }
    },
  },
};

describe('webhook registrations run in-process in the embedded API server', () => {
  let api: TestApiServer;
  let client: KubeClient;

  before(async () => {
    api = await startTestApiServer({
      widgets: true,
      admissionPlugins: [inProcessAdmission([widgetWebhook])],
    });
    client = api.client;
  });
  after(async () => {
    await api?.stop();
  });

  it('answers what fails the schema with the schema 422 alone, without asking the webhook', async () => {
    const err = await client
      .create<Widget>({
        ...WIDGET,
        metadata: { name: 'negative', namespace: 'default' },
        spec: { replicas: -1, color: 'cyan' },
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof InvalidError, String(err));
    const fields = err.causes.map((c) => c.field);
    assert.ok(fields.includes('spec.replicas'), fields.join(', '));
    assert.ok(
      !fields.includes('spec.color'),
      `the webhook (which refuses cyan) is not called: ${fields.join(', ')}`,
    );
    const webhookOnly = await client
      .create<Widget>({
        ...WIDGET,
        metadata: { name: 'grey', namespace: 'default' },
        spec: { color: 'cyan' },
      })
      .catch((e: unknown) => e);
    assert.ok(webhookOnly instanceof InvalidError, String(webhookOnly));
    assert.match(webhookOnly.message, /spec\.color: Invalid value: "cyan": is not allowed here/);
  });

  it('defaults on create and validates with 422 field causes', async () => {
    const created = await client.create<Widget>({
      ...WIDGET,
      metadata: { name: 'w', namespace: 'default' },
      spec: { replicas: 1, color: 'red' },
    });
    assert.equal(created.metadata.labels?.['example.com/defaulted'], 'true');
    const err = await client
      .create<Widget>({ ...WIDGET, metadata: { name: 'big', namespace: 'default' }, spec: { replicas: 9 } })
      .catch((e: unknown) => e);
    assert.ok(err instanceof InvalidError, String(err));
    assert.equal(err.code, 422);
    assert.deepEqual(
      err.causes.map((c) => c.field),
      ['spec.replicas'],
    );
    assert.match(err.message, /spec\.replicas: Invalid value: 9: must be at most 5/);
    // As kube-apiserver words a webhook's denial: which webhook said no, then what it said.
    assert.match(
      err.message,
      /^admission webhook "validation\.widget\.test\.example\.com" denied the request: Widget\.test\.example\.com "big" is invalid: /,
    );
  });

  it('checks updates against the old object, but not status writes', async () => {
    const w = await client.get<Widget>(WIDGET, { namespace: 'default', name: 'w' });
    await assert.rejects(
      client.update({ ...w, spec: { ...w.spec, color: 'blue' } }),
      (e) => e instanceof InvalidError && e.causes[0]?.field === 'spec.color',
    );
    const status = await client.updateStatus<Widget>({ ...w, status: { replicas: 1 } });
    assert.equal(status.status?.replicas, 1);
  });

  it('turns a Forbidden denial of a delete into 403', async () => {
    const keep = await client.create<Widget>({
      ...WIDGET,
      metadata: { name: 'keep', namespace: 'default' },
      spec: { replicas: 1 },
    });
    await assert.rejects(
      client.delete(keep),
      (e) => e instanceof ForbiddenError && /must not be deleted/.test(e.message),
    );
    await client.get(WIDGET, { namespace: 'default', name: 'keep' });
  });
});
