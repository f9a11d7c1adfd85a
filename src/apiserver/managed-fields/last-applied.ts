/**
 * Client-side apply's annotation, as kube-apiserver treats it when `kubectl` moves to server-side apply
 * (`lastAppliedManager`, `lastAppliedUpdater`).
 */
import type { KubeObject } from '../registry/resource-definition.js';
import { goJson } from './field-path.js';
import type { FieldSet } from './field-set.js';
import type { SchemaNode } from './type-resolver.js';
import { TypedValueError, compareTyped, toFieldSet, validateTyped } from './typed-value.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The 256 KiB limit on all annotations of an object together. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Only kubectl's own manager gets the client-side apply upgrade; other managers opt out by name. */
export const CSA_UPGRADE_MANAGER = 'kubectl';

function lastAppliedOf(obj: KubeObject): string | undefined {
  const value = obj.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The fields the last client-side apply set and that still hold those values: conflicts on them are the
 * user's own earlier intent, so `kubectl apply --server-side` may take them over without `--force-conflicts`.
 * Undefined when there is no usable annotation.
 */
export function allowedConflictsFromLastApplied(
  live: KubeObject,
  apiVersion: string,
  root: SchemaNode,
): FieldSet | undefined {
  const raw = lastAppliedOf(live);
  if (!raw) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof lastApplied !== 'object' || lastApplied === null || Array.isArray(lastApplied)) return undefined;
  if ((lastApplied as KubeObject).apiVersion !== apiVersion) return undefined;
  if (validateTyped(lastApplied, root, false).length > 0 || validateTyped(live, root, false).length > 0)
    return undefined;
  try {
    const set = toFieldSet(lastApplied, root);
    const cmp = compareTyped(lastApplied, live, root);
    return set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch (err) {
    if (err instanceof TypedValueError) return undefined;
    throw err;
  }
}

/**
 * Keeps an existing last-applied annotation in step with what kubectl now applies server-side, so a later
 * client-side apply computes its three-way diff from the right base. Dropped when it would exceed the
 * annotation size limit.
 */
export function syncLastApplied(object: KubeObject, config: KubeObject): void {
  if (!lastAppliedOf(object)) return;
  const applied = structuredClone(config);
  const annotations = applied.metadata?.annotations;
  if (annotations) delete annotations[LAST_APPLIED_ANNOTATION];
  // Go's unstructured JSON encoder: sorted keys, HTML-escaped, newline-terminated.
  const value = `${goJson(applied)}\n`;
  const meta = (object.metadata ??= {});
  const target = (meta.annotations ??= {});
  target[LAST_APPLIED_ANNOTATION] = value;
  let size = 0;
  for (const [k, v] of Object.entries(target)) size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete target[LAST_APPLIED_ANNOTATION];
}
