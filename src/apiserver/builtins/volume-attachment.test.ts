import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedApiServer, type EmbeddedApiServer } from '../embedded/embedded-api-server.js';
import { fieldErrorMessage } from '../errors/field-error.js';
import { isStatusError } from '../errors/status-error.js';
import { internalScope } from '../registry/generic-registry.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { persistentVolumeDefinition } from './persistent-volume.js';
import { volumeAttachmentDefinition } from './volume-attachment.js';

const RFC1123 =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const va = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'VolumeAttachment',
  metadata: { name: 'csi-123' },
  spec,
  ...(status ? { status } : {}),
});
const good = { attacher: 'csi.example.com', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' };
const errorsOf = (obj: KubeObject, old?: KubeObject) =>
  (volumeAttachmentDefinition.strategy.validate?.(obj, old) ?? []).map(fieldErrorMessage);

const pv = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv-1' },
  spec,
});
const csiPv = {
  capacity: { storage: '10Gi' },
  accessModes: ['ReadWriteOnce'],
  claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' },
  csi: { driver: 'csi.example.com', volumeHandle: 'vol-1' },
};
const pvErrorsOf = (obj: KubeObject, old?: KubeObject) =>
  (persistentVolumeDefinition.strategy.validate?.(obj, old) ?? []).map(fieldErrorMessage);

describe('VolumeAttachment strategy', () => {
  it('accepts a PersistentVolume attachment', () => {
    assert.deepEqual(errorsOf(va(good)), []);
  });

  it('requires the attacher, a DNS-subdomain node name and exactly one source', () => {
    assert.deepEqual(errorsOf(va({ source: {} })), [
      'spec.attacher: Required value',
      'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
      `spec.nodeName: Invalid value: "": ${RFC1123}`,
      // ValidateVolumeAttachmentV1 checks the attacher again, as a CSI driver name.
      'spec.attacher: Required value',
      `spec.attacher: Invalid value: "": ${RFC1123}`,
    ]);
    assert.deepEqual(
      errorsOf(
        va({
          ...good,
          source: {
            persistentVolumeName: 'pv-1',
            inlineVolumeSpec: { csi: { driver: 'd', volumeHandle: 'h' } },
          },
        }),
      ),
      ['spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName'],
    );
    assert.deepEqual(errorsOf(va({ ...good, source: { persistentVolumeName: '' } })), [
      'spec.source.persistentVolumeName: Required value: must specify non empty persistentVolumeName',
      `spec.source.persistentVolumeName: Invalid value: "": ${RFC1123}`,
    ]);
    assert.deepEqual(errorsOf(va({ ...good, attacher: 'CSI_Driver', nodeName: 'Node_1' })), [
      `spec.nodeName: Invalid value: "Node_1": ${RFC1123}`,
      `spec.attacher: Invalid value: "CSI_Driver": ${RFC1123}`,
    ]);
  });

  it('validates an inline volume spec as an inline PersistentVolumeSpec', () => {
    const inline = (spec: Record<string, unknown>) =>
      errorsOf(va({ ...good, source: { inlineVolumeSpec: spec } }));
    assert.deepEqual(
      inline({ accessModes: ['ReadWriteOnce'], csi: { driver: 'csi.example.com', volumeHandle: 'h' } }),
      [],
    );
    assert.deepEqual(inline({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] }), [
      'spec.source.inlineVolumeSpec.capacity: Forbidden: may not be specified in the context of inline volumes',
      'spec.source.inlineVolumeSpec.csi: Required value: has to be specified in the context of inline volumes',
      'spec.source.inlineVolumeSpec: Required value: must specify a volume type',
    ]);
  });

  it('checks status limits and keeps the spec immutable', () => {
    assert.deepEqual(errorsOf(va(good, { attached: true, attachError: { message: 'x', errorCode: -1 } })), [
      'status.attachError.errorCode: Invalid value: -1: must be between 0 and 2147483647, inclusive',
    ]);
    assert.deepEqual(errorsOf(va(good, { attached: true }), va(good)), []);
    assert.deepEqual(errorsOf(va({ ...good, nodeName: 'node-2' }), va(good)), [
      'spec: Invalid value: storage.VolumeAttachmentSpec{Attacher:"csi.example.com", Source:storage.VolumeAttachmentSource{PersistentVolumeName:(*string)("pv-1"), InlineVolumeSpec:(*core.PersistentVolumeSpec)(nil)}, NodeName:"node-2"}: field is immutable',
    ]);
  });

  it('prints NAME, ATTACHER, PV, NODE, ATTACHED, AGE', () => {
    const { table } = volumeAttachmentDefinition;
    assert.deepEqual(
      table?.columns.map((c) => c.name),
      ['Name', 'Attacher', 'PV', 'Node', 'Attached', 'Age'],
    );
    const obj = va(good, { attached: true });
    obj.metadata!.creationTimestamp = '2026-01-01T00:00:00Z';
    assert.deepEqual(table?.cells(obj, new Date()), [
      'csi-123',
      'csi.example.com',
      'pv-1',
      'node-1',
      true,
      '2026-01-01T00:00:00Z',
    ]);
  });
});

describe('PersistentVolume strategy', () => {
  const { strategy } = persistentVolumeDefinition;

  it('defaults the reclaim policy, volume mode and phase', () => {
    const obj = pv({ ...csiPv });
    strategy.prepareForCreate?.(obj);
    const spec = obj.spec as Record<string, unknown>;
    assert.equal(spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(spec.volumeMode, 'Filesystem');
    assert.equal((obj.status as { phase?: string }).phase, 'Pending');
    assert.deepEqual(pvErrorsOf(obj), []);
  });

  it('requires access modes, a storage capacity and one volume type', () => {
    assert.deepEqual(pvErrorsOf(pv({})), [
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"',
      'spec: Required value: must specify a volume type',
    ]);
    assert.deepEqual(
      pvErrorsOf(
        pv({ ...csiPv, accessModes: ['ReadWriteOncePod', 'ReadWriteMany'], hostPath: { path: '/data' } }),
      ),
      [
        'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
        'spec.csi: Forbidden: may not specify more than 1 volume type',
      ],
    );
    assert.deepEqual(pvErrorsOf(pv({ ...csiPv, csi: { driver: '' } })), [
      'spec.csi.driver: Required value',
      `spec.csi.driver: Invalid value: "": ${RFC1123}`,
      'spec.csi.volumeHandle: Required value',
    ]);
  });

  it('keeps the volume source immutable', () => {
    const old = pv(csiPv);
    assert.deepEqual(pvErrorsOf(pv({ ...csiPv, claimRef: undefined }), old), []);
    assert.deepEqual(
      pvErrorsOf(pv({ ...csiPv, csi: { driver: 'other.example.com', volumeHandle: 'v' } }), old),
      ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'],
    );
  });

  it('prints the claim and the short access modes', () => {
    const obj = pv({ ...csiPv, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'] });
    strategy.prepareForCreate?.(obj);
    const cells = persistentVolumeDefinition.table?.cells(obj, new Date()) ?? [];
    assert.deepEqual(cells.slice(0, 9), [
      'pv-1',
      '10Gi',
      'RWO,RWX',
      'Retain',
      'Pending',
      'default/data',
      '',
      '<unset>',
      '',
    ]);
  });
});

describe('VolumeAttachment and PersistentVolume on the embedded API server', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let vaDef: ResourceDefinition;
  const scope = internalScope('test');

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-volume-attachment-'));
    server = await startEmbeddedApiServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inMemory: true,
      workloadControllers: false,
    });
    vaDef = server.catalog.get('storage.k8s.io', 'v1', 'volumeattachments')!;
  });
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves both kinds cluster-scoped', () => {
    assert.equal(vaDef.namespaced, false);
    assert.equal(server.catalog.get('', 'v1', 'persistentvolumes')?.namespaced, false);
  });

  it('answers an invalid VolumeAttachment with a 422 Status naming each field once', async () => {
    const err = await server.registry.create(vaDef, undefined, va({ source: {} }), scope).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isStatusError(err), String(err));
    assert.equal(err.status.code, 422);
    assert.equal(err.status.reason, 'Invalid');
    assert.equal(
      err.status.message,
      `VolumeAttachment.storage.k8s.io "csi-123" is invalid: [spec.attacher: Required value, ` +
        'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName, ' +
        `spec.nodeName: Invalid value: "": ${RFC1123}, spec.attacher: Invalid value: "": ${RFC1123}]`,
    );
    assert.deepEqual(
      err.status.details?.causes?.map((c) => `${c.field} ${c.reason}`),
      [
        'spec.attacher FieldValueRequired',
        'spec.source FieldValueRequired',
        'spec.nodeName FieldValueInvalid',
        'spec.attacher FieldValueRequired',
        'spec.attacher FieldValueInvalid',
      ],
    );
  });

  it('keeps status for the status subresource', async () => {
    const created = await server.registry.create(
      vaDef,
      undefined,
      { ...va(good, { attached: true }), metadata: { name: 'csi-456' } },
      scope,
    );
    assert.equal(created.status, undefined, 'status sent on create is dropped');
    const { object } = await server.registry.update(
      vaDef,
      undefined,
      'csi-456',
      { ...created, status: { attached: true } },
      scope,
      'status',
    );
    assert.deepEqual(object.status, { attached: true });
  });
});
