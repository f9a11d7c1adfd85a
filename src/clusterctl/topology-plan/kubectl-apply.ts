// What `kubectl apply -f` would store for an object, asked of the API server with a dry run: custom resources are
// patched with kubectl's three-way JSON merge patch (the last applied configuration, the file, the live object), so
// defaulting and validation webhooks run as they will on the real apply.
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Client } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * kubectl's `CreateThreeWayJSONMergePatch`: what changed from `current` to `modified` (maps recursively, lists
 * whole), plus `null` for keys the last applied configuration had and the file no longer has.
 */
export function threeWayMergePatch(original: unknown, modified: Json, current: unknown): Json {
  const patch: Json = {};
  const cur = isMap(current) ? current : {};
  for (const [k, v] of Object.entries(modified)) {
    if (isMap(v) && isMap(cur[k])) {
      const sub = threeWayMergePatch(isMap(original) ? original[k] : undefined, v, cur[k]);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (!same(v, cur[k])) patch[k] = v;
  }
  if (isMap(original))
    for (const k of Object.keys(original)) if (!(k in modified) && k in cur) patch[k] = null;
  return patch;
}

/** The object as `kubectl apply` would leave it (created or patched), without writing anything. */
export async function dryRunKubectlApply(client: Client, obj: KubeObject): Promise<KubeObject> {
  const modified = structuredClone(obj);
  const lastApplied = JSON.stringify(obj);
  modified.metadata.annotations = {
    ...modified.metadata.annotations,
    [LAST_APPLIED_ANNOTATION]: lastApplied,
  };
  let current: KubeObject;
  try {
    current = await client.get(
      { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '' },
      {
        namespace: obj.metadata.namespace,
        name: obj.metadata.name ?? '',
      },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return client.create(modified, { dryRun: true, fieldManager: 'kubectl-client-side-apply' });
  }
  const annotation = current.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  let original: unknown;
  try {
    original = annotation ? JSON.parse(annotation) : undefined;
  } catch {
    original = undefined;
  }
  const patch = threeWayMergePatch(original, modified, current);
  if (Object.keys(patch).length === 0) return current;
  return client.patch(
    current,
    { type: 'merge', data: patch },
    { dryRun: true, fieldManager: 'kubectl-client-side-apply' },
  );
}
