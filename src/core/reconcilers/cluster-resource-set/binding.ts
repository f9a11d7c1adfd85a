import type {
  ClusterResourceSetBinding,
  ResourceBinding,
  ResourceSetBinding,
} from '../../api/addons/v1beta2/cluster-resource-set-binding-types.js';
import type { ResourceRef } from '../../api/addons/v1beta2/cluster-resource-set-types.js';

// What a ClusterResourceSetBinding records, one entry per ClusterResourceSet and in it one per resource: the
// helpers upstream keeps on the API type, as plain functions over the spec.

/** The entry of `crsName` in the binding, added (with no resources yet) when missing. */
export function bindingEntry(binding: ClusterResourceSetBinding, crsName: string): ResourceSetBinding {
  const bindings = (binding.spec.bindings ??= []);
  let entry = bindings.find((b) => b.clusterResourceSetName === crsName);
  if (!entry) {
    entry = { clusterResourceSetName: crsName, resources: [] };
    bindings.push(entry);
  }
  return entry;
}

/** What the entry says about `ref`, if anything. */
export function resourceEntry(entry: ResourceSetBinding, ref: ResourceRef): ResourceBinding | undefined {
  return entry.resources?.find((r) => r.kind === ref.kind && r.name === ref.name);
}

/** Records `record` for its resource, replacing what was there. */
export function setResourceEntry(entry: ResourceSetBinding, record: ResourceBinding): void {
  const resources = (entry.resources ??= []);
  const i = resources.findIndex((r) => r.kind === record.kind && r.name === record.name);
  if (i >= 0) resources[i] = record;
  else resources.push(record);
}

/** Drops the entry of `crsName`; returns whether there was one. */
export function removeBindingEntry(binding: ClusterResourceSetBinding, crsName: string): boolean {
  const before = binding.spec.bindings?.length ?? 0;
  binding.spec.bindings = (binding.spec.bindings ?? []).filter((b) => b.clusterResourceSetName !== crsName);
  return binding.spec.bindings.length !== before;
}
