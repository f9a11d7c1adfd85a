// In-place propagation (upstream's syncMachines): what a MachineSet changes on its existing Machines, their
// InfraMachines and BootstrapConfigs without replacing them, and when a write is needed at all.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { deepEqual } from '../../../controller-runtime/util/json.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { inPlaceMachineSpec } from './machine-set-machines.js';
import {
  appliedFields,
  mapNeedsApply,
  metadataApplyConfiguration,
  ownsField,
} from '../../../controller-runtime/helpers/managed-fields.js';

/** Field managers as upstream names them: the Machines' fields, and the metadata of their provider objects. */
export const FieldManager = {
  MachineSet: 'capi-machineset',
  MachineSetMetadata: 'capi-machineset-metadata',
} as const;

/** Upstream's default of `spec.deletion.nodeDeletionTimeoutSeconds` (the Machine webhook sets it). */
const DEFAULT_NODE_DELETION_TIMEOUT_SECONDS = 10;

const DELETION_FIELDS = [
  'nodeDrainTimeoutSeconds',
  'nodeDeletionTimeoutSeconds',
  'nodeVolumeDetachTimeoutSeconds',
] as const;

/**
 * Whether applying `desired` (from computeDesiredMachine) to `current` would change it: labels, annotations,
 * the controller reference, the finalizer, or an in-place field (readinessGates, deletion timeouts,
 * minReadySeconds, taints) differs, or the MachineSet once applied a value it no longer wants.
 */
export function machineNeedsApply(current: Stored<Machine>, desired: Stored<Machine>): boolean {
  const owned = appliedFields(current, FieldManager.MachineSet);
  const meta = current.metadata;
  if (mapNeedsApply(meta.labels, desired.metadata.labels ?? {}, owned, ['metadata', 'labels'])) return true;
  if (mapNeedsApply(meta.annotations, desired.metadata.annotations ?? {}, owned, ['metadata', 'annotations']))
    return true;
  const ref = desired.metadata.ownerReferences?.[0];
  if (ref && !(meta.ownerReferences ?? []).some((r) => r.uid === ref.uid && r.controller === true))
    return true;
  if (desired.metadata.finalizers?.some((f) => !(meta.finalizers ?? []).includes(f))) return true;
  const c = current.spec;
  const d = desired.spec;
  const differs = (have: unknown, want: unknown, path: string[]): boolean =>
    want === undefined ? have !== undefined && ownsField(owned, path) : !deepEqual(have, want);
  if (differs(c.readinessGates, d.readinessGates, ['spec', 'readinessGates'])) return true;
  if (differs(c.minReadySeconds, d.minReadySeconds, ['spec', 'minReadySeconds'])) return true;
  if (differs(c.taints, d.taints, ['spec', 'taints'])) return true;
  return DELETION_FIELDS.some((f) => differs(c.deletion?.[f], d.deletion?.[f], ['spec', 'deletion', f]));
}

/**
 * For a Machine already deleting only what affects its teardown is kept in line, as a merge patch (upstream
 * patches rather than applies here); undefined when nothing changes.
 */
export function deletingMachinePatch(
  current: Stored<Machine>,
  ms: Stored<MachineSet>,
): Record<string, unknown> | undefined {
  const want = inPlaceMachineSpec(ms);
  const spec: Record<string, unknown> = {};
  const c = current.spec;
  if (!deepEqual(c.readinessGates, want.readinessGates)) spec['readinessGates'] = want.readinessGates ?? null;
  if (!deepEqual(c.minReadySeconds, want.minReadySeconds))
    spec['minReadySeconds'] = want.minReadySeconds ?? null;
  if (!deepEqual(c.taints, want.taints)) spec['taints'] = want.taints ?? null;
  const deletion: Record<string, unknown> = {};
  for (const f of DELETION_FIELDS) {
    let value: number | undefined = want.deletion?.[f];
    if (f === 'nodeDeletionTimeoutSeconds') value ??= DEFAULT_NODE_DELETION_TIMEOUT_SECONDS;
    if (c.deletion?.[f] !== value) deletion[f] = value ?? null;
  }
  if (Object.keys(deletion).length > 0) spec['deletion'] = deletion;
  return Object.keys(spec).length > 0 ? { spec } : undefined;
}

/** The apply configuration keeping an InfraMachine's or BootstrapConfig's labels and annotations in line. */
export function desiredMetadata(
  obj: KubeObject,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): KubeObject | undefined {
  return metadataApplyConfiguration(obj, FieldManager.MachineSetMetadata, labels, annotations);
}
