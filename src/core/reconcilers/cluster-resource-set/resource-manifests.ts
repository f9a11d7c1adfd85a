import { createHash } from 'node:crypto';
import { isMap, isScalar, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ClusterResourceSetResourceKind } from '../../api/addons/v1beta2/well-known.js';

/** A Secret or ConfigMap a ClusterResourceSet names, as read from the management cluster. */
export interface ResourceContent {
  kind: string;
  metadata: { name?: string; namespace?: string };
  data?: Record<string, string>;
}

/** A resource's content cannot be turned into objects; the message names the resource and what is wrong. */
export class ResourceContentError extends Error {
  override readonly name = 'ResourceContentError';
}

/**
 * The values of the resource's `data`, ordered by key (so the hash does not depend on map order); a Secret's
 * values base64-decoded. Each value holds one or more manifests.
 */
export function normalizedData(resource: ResourceContent): Buffer[] {
  const what = `${resource.kind} ${resource.metadata.namespace ?? ''}/${resource.metadata.name ?? ''}`;
  if (!resource.data) throw new ResourceContentError(`${what} has no data`);
  const secret = resource.kind === ClusterResourceSetResourceKind.Secret;
  return Object.keys(resource.data)
    .sort()
    .map((key) => {
      const value = resource.data![key];
      if (typeof value !== 'string') throw new ResourceContentError(`${what}: data.${key} is not a string`);
      return secret ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
    });
}

/** `sha256:<hex>` over the normalized values, as upstream records in the binding to notice changes. */
export function contentHash(parts: readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Creation order within one value (upstream's `SortForCreate`): what others depend on first, the rest in the
 * order written.
 */
const CREATE_PRIORITY: Record<string, number> = {
  Namespace: -100,
  CustomResourceDefinition: -99,
  StorageClass: -98,
  PersistentVolume: -97,
  PersistentVolumeClaim: -96,
  Secret: -95,
  ConfigMap: -94,
  ServiceAccount: -93,
  LimitRange: -92,
  Pod: -91,
  ReplicaSet: -90,
  Endpoint: -89,
};

export function sortForCreate(objects: readonly KubeObject[]): KubeObject[] {
  // Array.prototype.sort is stable: equal priorities keep their written order.
  return [...objects].sort(
    (a, b) => (CREATE_PRIORITY[a.kind ?? ''] ?? 0) - (CREATE_PRIORITY[b.kind ?? ''] ?? 0),
  );
}

/**
 * The objects of every value, value by value (keys in order), each value's objects sorted for creation. A value
 * is a JSON list of objects, or YAML / JSON documents separated by `---`; empty documents are skipped. Anything
 * that is not an object with `apiVersion`, `kind` and a name is an error naming the value's position.
 */
export function manifestObjects(parts: readonly Buffer[], resourceName: string): KubeObject[] {
  const out: KubeObject[] = [];
  parts.forEach((part, index) => {
    const where = `${resourceName} (value ${index + 1} of ${parts.length})`;
    const text = part.toString('utf8');
    const found: unknown[] = [];
    if (text.trimStart().startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new ResourceContentError(`${where}: not a valid JSON list: ${(err as Error).message}`);
      }
      if (!Array.isArray(parsed)) throw new ResourceContentError(`${where}: not a JSON list`);
      found.push(...(parsed as unknown[]));
    } else {
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0)
          throw new ResourceContentError(`${where}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
        // An empty document (nothing, or only comments, between separators) is no object and is skipped.
        if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
        if (!isMap(doc.contents)) throw new ResourceContentError(`${where}: a document is not an object`);
        found.push(doc.toJS());
      }
    }
    const objects = found.map((obj, i) => {
      const o = obj as Partial<KubeObject> | null;
      if (!o || typeof o !== 'object' || Array.isArray(o))
        throw new ResourceContentError(`${where}: item ${i + 1} is not an object`);
      if (!o.apiVersion || !o.kind)
        throw new ResourceContentError(`${where}: item ${i + 1} has no apiVersion or kind`);
      if (!o.metadata?.name && !o.metadata?.generateName)
        throw new ResourceContentError(`${where}: ${o.kind} (item ${i + 1}) has no metadata.name`);
      return o as KubeObject;
    });
    out.push(...sortForCreate(objects));
  });
  return out;
}
