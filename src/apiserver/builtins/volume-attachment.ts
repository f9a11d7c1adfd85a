/**
 * VolumeAttachment (storage.k8s.io/v1, cluster-scoped) with `status`: the attach/detach controller's request that
 * a volume be attached to a node, and the CSI attacher's answer. The Machine controller waits for those of a
 * Node being deleted to go. Upstream: `pkg/apis/storage/validation` (`ValidateVolumeAttachment`, the stricter
 * `ValidateVolumeAttachmentV1` for new v1 objects, `ValidateVolumeAttachmentUpdate`), printer
 * `printVolumeAttachment`.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { goQuote } from './go-format.js';
import { deepEqual, getObject, getString, isObject, type JsonObject } from './object-access.js';
import {
  persistentVolumeSpecSchema,
  validateCSIDriverName,
  validatePersistentVolumeSpec,
} from './persistent-volume.js';
import { bool, int32, kindSchema, obj, str, stringMap, time } from './schema-builders.js';
import { invalidRaw, isDNS1123Subdomain } from './validation-helpers.js';

/** Upstream's limits on status: metadata 256 KiB in total, error messages 1 KiB. */
const MAX_ATTACHMENT_METADATA_SIZE = 256 * 1024;
const MAX_VOLUME_ERROR_MESSAGE_SIZE = 1024;
const EXACTLY_ONE_SOURCE = 'must specify exactly one of inlineVolumeSpec and persistentVolumeName';

const volumeError = (description: string) =>
  obj(description, {
    time: time('When the error happened.'),
    message: str('What went wrong (may be logged, so no secrets).'),
    errorCode: int32('Numeric gRPC code of the error, when the CSI driver reported one.'),
  });

const present = (value: unknown) => value !== undefined && value !== null;

function validateSpec(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!getString(spec, 'attacher')) errs.push(fieldErrors.required('spec.attacher'));
  const source = getObject(spec, 'source') ?? {};
  const pvName = source.persistentVolumeName;
  const inline = source.inlineVolumeSpec;
  if (!present(pvName) && !present(inline)) {
    errs.push(fieldErrors.required('spec.source', EXACTLY_ONE_SOURCE));
  } else if (present(pvName) && present(inline)) {
    errs.push(fieldErrors.forbidden('spec.source', EXACTLY_ONE_SOURCE));
  } else if (present(pvName)) {
    if (pvName === '')
      errs.push(
        fieldErrors.required(
          'spec.source.persistentVolumeName',
          'must specify non empty persistentVolumeName',
        ),
      );
  } else {
    errs.push(
      ...validatePersistentVolumeSpec(isObject(inline) ? inline : {}, 'spec.source.inlineVolumeSpec', true),
    );
  }
  const nodeName = getString(spec, 'nodeName') ?? '';
  for (const m of isDNS1123Subdomain(nodeName)) errs.push(fieldErrors.invalid('spec.nodeName', nodeName, m));
  return errs;
}

function validateVolumeError(error: unknown, path: string): FieldError[] {
  if (!isObject(error)) return [];
  const errs: FieldError[] = [];
  const message = getString(error, 'message') ?? '';
  // Upstream reports the metadata limit here too.
  if (message.length > MAX_VOLUME_ERROR_MESSAGE_SIZE)
    errs.push(fieldErrors.tooLong(`${path}.message`, message, MAX_ATTACHMENT_METADATA_SIZE));
  const code = error.errorCode;
  if (typeof code === 'number' && code < 0)
    errs.push(fieldErrors.invalid(`${path}.errorCode`, code, 'must be between 0 and 2147483647, inclusive'));
  return errs;
}

function validateStatus(va: KubeObject): FieldError[] {
  const status = getObject(va, 'status');
  if (!status) return [];
  const errs: FieldError[] = [];
  const metadata = getObject(status, 'attachmentMetadata') ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(metadata)) size += k.length + (typeof v === 'string' ? v.length : 0);
  if (size > MAX_ATTACHMENT_METADATA_SIZE)
    errs.push(fieldErrors.tooLong('status.attachmentMetadata', '', MAX_ATTACHMENT_METADATA_SIZE));
  errs.push(...validateVolumeError(status.attachError, 'status.attachError'));
  errs.push(...validateVolumeError(status.detachError, 'status.detachError'));
  return errs;
}

/** ValidateVolumeAttachmentV1: the attacher is a CSI driver name, the volume a PersistentVolume name. */
function validateV1(spec: JsonObject): FieldError[] {
  const errs = validateCSIDriverName(getString(spec, 'attacher') ?? '', 'spec.attacher');
  const pvName = getObject(spec, 'source')?.persistentVolumeName;
  if (typeof pvName === 'string')
    for (const m of isDNS1123Subdomain(pvName))
      errs.push(fieldErrors.invalid('spec.source.persistentVolumeName', pvName, m));
  return errs;
}

/**
 * The spec as the immutability error prints it (`%#v` of storage.VolumeAttachmentSpec). Go prints the
 * pointers' addresses; the values are shown here instead, so the message stays readable and stable.
 */
function goSyntaxSpec(spec: JsonObject): string {
  const source = getObject(spec, 'source') ?? {};
  const pv = source.persistentVolumeName;
  const pvText = typeof pv === 'string' ? `(*string)(${goQuote(pv)})` : '(*string)(nil)';
  const inlineText = present(source.inlineVolumeSpec)
    ? '&core.PersistentVolumeSpec{...}'
    : '(*core.PersistentVolumeSpec)(nil)';
  return (
    `storage.VolumeAttachmentSpec{Attacher:${goQuote(getString(spec, 'attacher') ?? '')}, ` +
    `Source:storage.VolumeAttachmentSource{PersistentVolumeName:${pvText}, InlineVolumeSpec:${inlineText}}, ` +
    `NodeName:${goQuote(getString(spec, 'nodeName') ?? '')}}`
  );
}

function validateVolumeAttachment(va: KubeObject, old: KubeObject | undefined): FieldError[] {
  const spec = getObject(va, 'spec') ?? {};
  const errs = [...validateSpec(spec), ...validateStatus(va)];
  if (!old) return [...errs, ...validateV1(spec)];
  const oldSpec = getObject(old, 'spec') ?? {};
  if (!deepEqual(spec, oldSpec)) errs.push(invalidRaw('spec', goSyntaxSpec(spec), 'field is immutable'));
  return errs;
}

export const volumeAttachmentDefinition = defineBuiltin({
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'VolumeAttachment',
  plural: 'volumeattachments',
  namespaced: false,
  subresources: { status: true },
  schema: kindSchema('The request to attach a volume to a node, and whether it is attached.', {
    spec: obj('The attachment wanted.', {
      attacher: str('Name of the CSI driver (or in-tree plugin) that attaches the volume.'),
      source: obj('The volume to attach: exactly one of the two fields.', {
        persistentVolumeName: str('Name of the PersistentVolume.'),
        inlineVolumeSpec: persistentVolumeSpecSchema('An inline CSI volume translated from a Pod.'),
      }),
      nodeName: str('The node the volume is attached to.'),
    }),
    status: obj('What the attacher reports.', {
      attached: bool('Whether the volume is attached.'),
      attachmentMetadata: stringMap('Information the attach step returned, passed on to the mount step.'),
      attachError: volumeError('The last error while attaching, if any.'),
      detachError: volumeError('The last error while detaching, if any.'),
    }),
  }),
  strategy: builtinStrategy(false, { validate: validateVolumeAttachment }),
  table: {
    columns: [
      nameColumn(),
      // Upstream also gives this column `format: name`; kubectl only looks at the first such column, and our
      // printers keep a single one.
      column('Attacher', 'string', 'Name of the volume driver.'),
      column('PV', 'string', 'Name of the PersistentVolume to attach.'),
      column('Node', 'string', 'The node the volume is attached to.'),
      column('Attached', 'boolean', 'Whether the volume is attached.'),
      ageColumn(),
    ],
    cells: (va) => [
      objectName(va),
      getString(va, 'spec.attacher') ?? '',
      getString(va, 'spec.source.persistentVolumeName') ?? '',
      getString(va, 'spec.nodeName') ?? '',
      getObject(va, 'status')?.attached === true,
      creationTimestamp(va),
    ],
  },
});
