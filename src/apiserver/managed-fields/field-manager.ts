import type { KubeObject, ManagedFieldsEntry, ResourceDefinition } from '../registry/resource-definition.js';
import { builtinTypeResolver } from './builtin-type-resolver.js';
import { crdTypeResolver } from './crd-type-resolver.js';
import { type ApplyServerSideResult, applyServerSide } from './server-side-apply.js';
import type { TypeResolver } from './type-resolver.js';
import { updateManagedFields } from './update-managed-fields.js';

const resolvers = new WeakMap<ResourceDefinition, TypeResolver>();

/** Groups served by kube-apiserver itself: the core group, unqualified groups, and `*.k8s.io`. */
function isBuiltinGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

/**
 * The type resolver of a resource: the built-in table for kube-apiserver's own groups, the structural
 * schema for custom resources (deduction when there is none).
 */
export function typeResolverFor(def: ResourceDefinition): TypeResolver {
  let resolver = resolvers.get(def);
  if (!resolver) {
    resolver = isBuiltinGroup(def.group)
      ? builtinTypeResolver({
          group: def.group,
          kind: def.kind,
          ...(def.strategicMerge ? { listMergeKeys: def.strategicMerge.listMergeKeys } : {}),
        })
      : crdTypeResolver(def.schema);
    resolvers.set(def, resolver);
  }
  return resolver;
}

function apiVersionOf(def: ResourceDefinition): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/**
 * Server-side apply and managedFields bookkeeping per ResourceDefinition: the `FieldManager` the generic
 * registry is given. `internal` writes (the server's own controllers) are tracked like main-resource writes
 * that may touch any field.
 */
export class ManagedFieldsManager {
  apply(input: {
    def: ResourceDefinition;
    live: KubeObject | undefined;
    applied: KubeObject;
    manager: string;
    force: boolean;
    subresource: string | undefined;
    now: Date;
  }): ApplyServerSideResult {
    return applyServerSide({
      live: input.live,
      applied: input.applied,
      manager: input.manager,
      force: input.force,
      apiVersion: apiVersionOf(input.def),
      ...(input.subresource ? { subresource: input.subresource } : {}),
      resolver: typeResolverFor(input.def),
      now: input.now,
      statusSubresource: Boolean(input.def.subresources.status),
    });
  }

  update(input: {
    def: ResourceDefinition;
    previous: KubeObject | undefined;
    next: KubeObject;
    manager: string;
    subresource: string | undefined;
    now: Date;
  }): ManagedFieldsEntry[] {
    const internal = input.subresource === 'internal';
    return updateManagedFields({
      previous: input.previous,
      next: input.next,
      manager: input.manager,
      apiVersion: apiVersionOf(input.def),
      ...(input.subresource && !internal ? { subresource: input.subresource } : {}),
      resolver: typeResolverFor(input.def),
      now: input.now,
      statusSubresource: Boolean(input.def.subresources.status),
      ...(internal ? { resetFields: [] } : {}),
    });
  }
}
