// The fields that differ between an object as it is and as it would be: spec, labels and annotations (status and
// server-managed metadata are not the user's to change), maps compared key by key, lists as a whole.
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { LAST_APPLIED_ANNOTATION } from './kubectl-apply.js';

export interface FieldChange {
  /**
   * `spec.topology.version`, `metadata.labels["app.kubernetes.io/name"]`; list items with a name are addressed by
   * it: `spec.topology.workers.machineDeployments[md-0].replicas`.
   */
  path: string;
  /** Absent: the field is added. */
  from?: unknown;
  /** Absent: the field is removed. */
  to?: unknown;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const child = (path: string, key: string) =>
  IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** A list of objects each with a distinct `name` (MachineDeployment topologies, variables), by name. */
function byName(list: unknown): Map<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const out = new Map<string, unknown>();
  for (const item of list) {
    const name = isMap(item) ? item.name : undefined;
    if (typeof name !== 'string' || out.has(name)) return undefined;
    out.set(name, item);
  }
  return out;
}

function diff(path: string, before: unknown, after: unknown, out: FieldChange[]): void {
  if (same(before, after)) return;
  const [b, a] = [byName(before), byName(after)];
  if (b && a && (b.size > 0 || a.size > 0)) {
    for (const name of new Set([...b.keys(), ...a.keys()]))
      diff(`${path}[${name}]`, b.get(name), a.get(name), out);
    return;
  }
  if (isMap(before) && isMap(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)]))
      diff(child(path, key), before[key], after[key], out);
    return;
  }
  out.push({
    path,
    ...(before !== undefined ? { from: before } : {}),
    ...(after !== undefined ? { to: after } : {}),
  });
}

export function fieldChanges(before: KubeObject, after: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  const annotations = (o: KubeObject) => {
    const a = { ...o.metadata.annotations };
    delete a[LAST_APPLIED_ANNOTATION];
    return a;
  };
  diff('metadata.labels', before.metadata.labels ?? {}, after.metadata.labels ?? {}, out);
  diff('metadata.annotations', annotations(before), annotations(after), out);
  diff('spec', before.spec ?? {}, after.spec ?? {}, out);
  return out;
}
