/**
 * PersistentVolume (core/v1, cluster-scoped, `pv`) with `status`. Served so that controllers draining a Node can
 * map attached volumes (Node `status.volumesAttached`, VolumeAttachments) to the claims using them.
 * Upstream: `pkg/registry/core/persistentvolume/strategy.go`, `ValidatePersistentVolumeSpec` (the checks on the
 * fields modelled here), `SetDefaults_PersistentVolume`, printer `printPersistentVolume`.
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
import { ensureObject, getObject, getString, isObject, text, type JsonObject } from './object-access.js';
import {
  bool,
  kindSchema,
  obj,
  openObj,
  quantityMap,
  str,
  stringList,
  stringMap,
  time,
} from './schema-builders.js';
import { isDNS1123Subdomain } from './validation-helpers.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * The volume sources of a PersistentVolumeSpec, in the order upstream checks them ("may not specify more than
 * 1 volume type" names every one after the first). Only `csi`, `hostPath`, `local` and `nfs` are modelled; the
 * others keep their fields as given.
 */
const VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
] as const;

const secretReference = (description: string) =>
  obj(description, { name: str('Secret name.'), namespace: str('Secret namespace.') });

const csiSource = () =>
  obj('A volume of an external CSI driver.', {
    driver: str('Name of the CSI driver.'),
    volumeHandle: str('Driver-specific id of the volume.'),
    readOnly: bool('Whether the volume is published read-only.'),
    fsType: str('Filesystem type to mount.'),
    volumeAttributes: stringMap('Driver-specific attributes of the volume.'),
    controllerPublishSecretRef: secretReference('Secret for ControllerPublishVolume.'),
    nodeStageSecretRef: secretReference('Secret for NodeStageVolume.'),
    nodePublishSecretRef: secretReference('Secret for NodePublishVolume.'),
    controllerExpandSecretRef: secretReference('Secret for ControllerExpandVolume.'),
    nodeExpandSecretRef: secretReference('Secret for NodeExpandVolume.'),
  });

/** The PersistentVolumeSpec schema; VolumeAttachment's `spec.source.inlineVolumeSpec` reuses it. */
export function persistentVolumeSpecSchema(description: string) {
  const sources: Record<string, ReturnType<typeof obj>> = {};
  for (const name of VOLUME_SOURCES) sources[name] = openObj(`A ${name} volume.`);
  return obj(description, {
    capacity: quantityMap('Size of the volume; only `storage` is allowed.'),
    accessModes: stringList('ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.'),
    claimRef: obj('The claim this volume is bound to (set by the binder or pre-bound by a user).', {
      kind: str('PersistentVolumeClaim.'),
      namespace: str('Namespace of the claim.'),
      name: str('Name of the claim.'),
      uid: str('UID of the claim.'),
      apiVersion: str('API version of the claim.'),
      resourceVersion: str('Resource version of the claim.'),
      fieldPath: str('Unused for claims.'),
    }),
    persistentVolumeReclaimPolicy: str('Retain (default), Delete or Recycle.'),
    storageClassName: str('StorageClass the volume belongs to.'),
    mountOptions: stringList('Mount options.'),
    volumeMode: str('Filesystem (default) or Block.'),
    nodeAffinity: openObj('Nodes the volume can be reached from.'),
    volumeAttributesClassName: str('VolumeAttributesClass of the volume.'),
    ...sources,
    hostPath: obj('A directory on the host.', { path: str('Path on the host.'), type: str('Type check.') }),
    local: obj('A local disk of one node.', { path: str('Path on the node.'), fsType: str('Filesystem.') }),
    nfs: obj('An NFS export.', {
      server: str('NFS server.'),
      path: str('Exported path.'),
      readOnly: bool('Mount read-only.'),
    }),
    csi: csiSource(),
  });
}

/** ValidateCSIDriverName: required, at most 63 characters, a DNS subdomain once lower-cased. */
export function validateCSIDriverName(name: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(fieldErrors.required(field));
  if (name.length > 63) errs.push(fieldErrors.tooLong(field, name, 63));
  for (const m of isDNS1123Subdomain(name.toLowerCase())) errs.push(fieldErrors.invalid(field, name, m));
  return errs;
}

/** A value as Go's `%#v` prints a core.ResourceList (quantities shown as written). */
const goResourceList = (capacity: JsonObject): string =>
  `core.ResourceList{${Object.keys(capacity)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(text(capacity[k]))}`)
    .join(', ')}}`;

/**
 * `ValidatePersistentVolumeSpec` for the fields modelled here. `inline` is the VolumeAttachment context
 * (`spec.source.inlineVolumeSpec`): no claim, capacity, node affinity or class, and a CSI source.
 */
export function validatePersistentVolumeSpec(spec: JsonObject, path: string, inline: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const has = (k: string) => spec[k] !== undefined && spec[k] !== null;
  if (inline) {
    if (has('claimRef'))
      errs.push(
        fieldErrors.forbidden(`${path}.claimRef`, 'may not be specified in the context of inline volumes'),
      );
    if (isObject(spec.capacity) && Object.keys(spec.capacity).length > 0)
      errs.push(
        fieldErrors.forbidden(`${path}.capacity`, 'may not be specified in the context of inline volumes'),
      );
    if (!has('csi'))
      errs.push(fieldErrors.required(`${path}.csi`, 'has to be specified in the context of inline volumes'));
  }
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes.map(text) : [];
  if (modes.length === 0) errs.push(fieldErrors.required(`${path}.accessModes`));
  let rwop = false;
  let others = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode))
      errs.push(fieldErrors.notSupported(`${path}.accessModes`, mode, ACCESS_MODES));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(mode)) others = true;
  }
  if (rwop && others)
    errs.push(
      fieldErrors.forbidden(`${path}.accessModes`, 'may not use ReadWriteOncePod with other access modes'),
    );
  if (!inline) {
    const capacity = isObject(spec.capacity) ? spec.capacity : {};
    const keys = Object.keys(capacity);
    if (keys.length === 0) errs.push(fieldErrors.required(`${path}.capacity`));
    if (!keys.includes('storage') || keys.length > 1)
      errs.push({
        type: 'FieldValueNotSupported',
        field: `${path}.capacity`,
        detail: `Unsupported value: ${goResourceList(capacity)}: supported values: "storage"`,
      });
  }
  const reclaim = getString(spec, 'persistentVolumeReclaimPolicy') ?? '';
  if (reclaim) {
    if (inline && reclaim !== 'Retain')
      errs.push(
        fieldErrors.forbidden(
          `${path}.persistentVolumeReclaimPolicy`,
          'may only be Retain in the context of inline volumes',
        ),
      );
    else if (!inline && !RECLAIM_POLICIES.includes(reclaim))
      errs.push(fieldErrors.notSupported(`${path}.persistentVolumeReclaimPolicy`, reclaim, RECLAIM_POLICIES));
  }
  if (has('nodeAffinity') && inline)
    errs.push(
      fieldErrors.forbidden(`${path}.nodeAffinity`, 'may not be specified in the context of inline volumes'),
    );
  let sources = 0;
  for (const name of VOLUME_SOURCES) {
    if (!has(name)) continue;
    // Upstream counts flexVolume without the "more than 1" check.
    if (sources > 0 && name !== 'flexVolume') {
      errs.push(fieldErrors.forbidden(`${path}.${name}`, 'may not specify more than 1 volume type'));
      continue;
    }
    sources++;
    if (name === 'csi') errs.push(...validateCSISource(getObject(spec, 'csi') ?? {}, `${path}.csi`));
    if (name === 'local' && !has('nodeAffinity'))
      errs.push(fieldErrors.required(`${path}.nodeAffinity`, 'Local volume requires node affinity'));
  }
  if (sources === 0) errs.push(fieldErrors.required(path, 'must specify a volume type'));
  const storageClass = getString(spec, 'storageClassName') ?? '';
  if (storageClass) {
    if (inline)
      errs.push(
        fieldErrors.forbidden(
          `${path}.storageClassName`,
          'may not be specified in the context of inline volumes',
        ),
      );
    else
      for (const m of isDNS1123Subdomain(storageClass))
        errs.push(fieldErrors.invalid(`${path}.storageClassName`, storageClass, m));
  }
  const volumeMode = getString(spec, 'volumeMode');
  if (volumeMode !== undefined) {
    if (inline && volumeMode !== 'Filesystem')
      errs.push(
        fieldErrors.forbidden(
          `${path}.volumeMode`,
          'may not specify volumeMode other than Filesystem in the context of inline volumes',
        ),
      );
    else if (!inline && !VOLUME_MODES.includes(volumeMode))
      errs.push(fieldErrors.notSupported(`${path}.volumeMode`, volumeMode, VOLUME_MODES));
  }
  return errs;
}

function validateCSISource(csi: JsonObject, path: string): FieldError[] {
  const errs = validateCSIDriverName(getString(csi, 'driver') ?? '', `${path}.driver`);
  if (!getString(csi, 'volumeHandle')) errs.push(fieldErrors.required(`${path}.volumeHandle`));
  for (const ref of [
    'controllerPublishSecretRef',
    'controllerExpandSecretRef',
    'nodePublishSecretRef',
    'nodeExpandSecretRef',
    'nodeStageSecretRef',
  ]) {
    const secret = getObject(csi, ref);
    if (!secret) continue;
    if (!getString(secret, 'name')) errs.push(fieldErrors.required(`${path}.${ref}.name`));
    if (!getString(secret, 'namespace')) errs.push(fieldErrors.required(`${path}.${ref}.namespace`));
  }
  return errs;
}

/** SetDefaults_PersistentVolume: Retain, Filesystem; applied on every write, as decoding does. */
function defaultPersistentVolume(pv: KubeObject): void {
  const spec = ensureObject(pv, 'spec');
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ??= 'Filesystem';
}

/** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
function accessModesString(pv: KubeObject): string {
  const modes = new Set((getObject(pv, 'spec')?.accessModes as unknown[] | undefined)?.map(text) ?? []);
  return [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ]
    .filter(([mode]) => modes.has(mode!))
    .map(([, short]) => short)
    .join(',');
}

function claimOf(pv: KubeObject): string {
  const ref = getObject(pv, 'spec.claimRef');
  return ref ? `${text(ref.namespace)}/${text(ref.name)}` : '';
}

export const persistentVolumeDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  shortNames: ['pv'],
  namespaced: false,
  subresources: { status: true },
  schema: kindSchema('A piece of storage in the cluster, provisioned by an administrator or a provisioner.', {
    spec: persistentVolumeSpecSchema('Desired state of the volume.'),
    status: obj('Observed state of the volume.', {
      phase: str('Pending, Available, Bound, Released or Failed.'),
      message: str('Why the volume is in this phase.'),
      reason: str('Machine-readable reason for a failure.'),
      lastPhaseTransitionTime: time('When the phase last changed.'),
    }),
  }),
  strategy: builtinStrategy(false, {
    prepareForCreate(pv) {
      defaultPersistentVolume(pv);
      pv.status = {
        phase: 'Pending',
        lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      };
    },
    prepareForUpdate: (pv) => defaultPersistentVolume(pv),
    validate(pv, old) {
      const errs = validatePersistentVolumeSpec(getObject(pv, 'spec') ?? {}, 'spec', false);
      if (old) {
        const source = (o: KubeObject) =>
          JSON.stringify(VOLUME_SOURCES.map((name) => getObject(o, 'spec')?.[name] ?? null));
        if (source(pv) !== source(old))
          errs.push(
            fieldErrors.forbidden(
              'spec.persistentvolumesource',
              'spec.persistentvolumesource is immutable after creation',
            ),
          );
      }
      return errs;
    },
  }),
  table: {
    columns: [
      nameColumn(),
      column('Capacity', 'string', 'Size of the volume.'),
      column('Access Modes', 'string', 'How the volume can be mounted.'),
      column('Reclaim Policy', 'string', 'What happens to the volume when its claim goes.'),
      column('Status', 'string', 'Phase of the volume.'),
      column('Claim', 'string', 'The claim the volume is bound to.'),
      column('StorageClass', 'string', 'StorageClass of the pv'),
      column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
      column('Reason', 'string', 'Why the volume failed.'),
      ageColumn(),
      column('VolumeMode', 'string', 'Filesystem or Block.', 1),
    ],
    cells: (pv) => [
      objectName(pv),
      text(getObject(pv, 'spec.capacity')?.storage) || '0',
      accessModesString(pv),
      getString(pv, 'spec.persistentVolumeReclaimPolicy') ?? '',
      pv.metadata?.deletionTimestamp ? 'Terminating' : (getString(pv, 'status.phase') ?? ''),
      claimOf(pv),
      pv.metadata?.annotations?.[STORAGE_CLASS_ANNOTATION] ?? getString(pv, 'spec.storageClassName') ?? '',
      getString(pv, 'spec.volumeAttributesClassName') ?? '<unset>',
      getString(pv, 'status.reason') ?? '',
      creationTimestamp(pv),
      getString(pv, 'spec.volumeMode') ?? '<unset>',
    ],
  },
});
