/**
 * The objects every target writes: ConfigMaps of about 1 KB. The API server receives the client's body;
 * the storage layer and etcd receive the JSON the registry would store for it (with uid, timestamp and
 * managedFields added), so every target handles values of the same size.
 */
import { randomUUID } from 'node:crypto';

/** Target size of a ConfigMap's `data` payload, chosen so the client body is about 1 KB. */
const DATA_BYTES = 800;

function configText(generation: number): string {
  const line = `key-${generation}: value generated for the benchmark, revision ${generation}\n`;
  return line.repeat(Math.ceil(DATA_BYTES / line.length)).slice(0, DATA_BYTES);
}

export interface ConfigMapBody {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; labels: Record<string, string>; resourceVersion?: string };
  data: Record<string, string>;
}

/** What a client sends for a create (or, with `resourceVersion`, an update). */
export function configMapBody(
  namespace: string,
  name: string,
  generation: number,
  resourceVersion?: number,
): ConfigMapBody {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: { app: 'capi-bench', tier: 'config' },
      ...(resourceVersion === undefined ? {} : { resourceVersion: String(resourceVersion) }),
    },
    data: { 'config.yaml': configText(generation) },
  };
}

/** The registry-shaped storage key of a ConfigMap. */
export function configMapKey(namespace: string, name: string): string {
  return `/registry/core/configmaps/${namespace}/${name}`;
}

/** The JSON the registry stores for `configMapBody(namespace, name, generation)`. */
export function storedConfigMap(namespace: string, name: string, generation: number): string {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const body = configMapBody(namespace, name, generation);
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      uid: randomUUID(),
      creationTimestamp: now,
      labels: body.metadata.labels,
      managedFields: [
        {
          manager: 'capi-bench',
          operation: 'Update',
          apiVersion: 'v1',
          time: now,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': { '.': {}, 'f:config.yaml': {} },
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } },
          },
        },
      ],
    },
    data: body.data,
  });
}
