// Taints the Machine controller keeps on Nodes: the Machine's own `spec.taints` (feature gate
// MachineTaintPropagation) and `node.cluster.x-k8s.io/outdated-revision` on Nodes of old MachineSets. Every
// function here is pure: it takes the Node's taint list and returns the list it should have.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { type MachineTaint, MachineTaintPropagation } from '../../api/v1beta2/common-types.js';
import { Annotation } from '../../api/v1beta2/well-known.js';

/** `corev1.Taint` as far as Cluster API looks at it. */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** Two taints are the same taint when key and effect match (`corev1.Taint.MatchTaint`); the value is not part of it. */
export const sameTaint = (a: { key: string; effect: string }, b: { key: string; effect: string }): boolean =>
  a.key === b.key && a.effect === b.effect;

/** The list without the taint (matched by key and effect). */
export function withoutTaint(
  taints: readonly NodeTaint[],
  drop: { key: string; effect: string },
): NodeTaint[] {
  return taints.filter((t) => !sameTaint(t, drop));
}

/** The list with the taint, appended when no taint with its key and effect is there (a present one is left as it is). */
export function withTaint(taints: readonly NodeTaint[], taint: NodeTaint): NodeTaint[] {
  return taints.some((t) => sameTaint(t, taint)) ? [...taints] : [...taints, taint];
}

/** The list with the taint, and with its value when a taint of the same key and effect has another one. */
function withTaintValue(taints: readonly NodeTaint[], taint: NodeTaint): NodeTaint[] {
  const i = taints.findIndex((t) => sameTaint(t, taint));
  if (i < 0) return [...taints, taint];
  if ((taints[i]!.value ?? '') === (taint.value ?? '')) return [...taints];
  const out = [...taints];
  out[i] = taint;
  return out;
}

/** `key:effect`, the form the `taints-from-machine` annotation lists (sorted, comma-separated). */
const taintId = (t: { key: string; effect: string }): string => `${t.key}:${t.effect}`;

/** An entry of the tracking annotation that is not `key:effect`. */
export class InvalidTaintsAnnotationError extends Error {
  override readonly name = 'InvalidTaintsAnnotationError';
}

/**
 * Upstream's `propagateMachineTaintsToNode`. `Always` taints are put on the Node with the Machine's value on
 * every call; the `key:effect` of each is remembered in the Node annotation `cluster.x-k8s.io/taints-from-machine`,
 * so a taint dropped from the Machine (or turned into `OnInitialization`) is removed from the Node later, while
 * taints others set are never touched. `OnInitialization` taints are put on the Node only while it has no such
 * annotation yet, i.e. the first time Cluster API syncs the Node. Returns the new taint list and annotation value.
 */
export function propagateMachineTaints(
  nodeTaints: readonly NodeTaint[],
  trackingAnnotation: string | undefined,
  machineTaints: readonly MachineTaint[],
): { taints: NodeTaint[]; annotation: string } {
  const initialized = trackingAnnotation !== undefined;
  const owned = new Set((trackingAnnotation ?? '').split(',').filter(Boolean));
  const always = new Set<string>();
  const onInitialization = new Set<string>();
  let taints = [...nodeTaints];
  for (const t of machineTaints) {
    if (t.propagation === MachineTaintPropagation.Always) always.add(taintId(t));
    else if (t.propagation === MachineTaintPropagation.OnInitialization) onInitialization.add(taintId(t));
    if (t.propagation === MachineTaintPropagation.OnInitialization && initialized) continue;
    taints = withTaintValue(taints, { key: t.key, effect: t.effect, ...(t.value ? { value: t.value } : {}) });
  }
  for (const id of owned) {
    if (always.has(id) || onInitialization.has(id)) continue;
    const parts = id.split(':');
    if (parts.length !== 2)
      throw new InvalidTaintsAnnotationError(
        `invalid taint format in annotation ${Annotation.TaintsFromMachine}: ${JSON.stringify(id)}`,
      );
    taints = withoutTaint(taints, { key: parts[0]!, effect: parts[1]! });
  }
  return { taints, annotation: [...always].sort().join(',') };
}

/** The `machinedeployment.clusters.x-k8s.io/revision` annotation is not a whole number. */
export class InvalidRevisionError extends Error {
  override readonly name = 'InvalidRevisionError';
}

/** Upstream `mdutil.Revision`: the revision annotation as a number, 0 when absent. */
export function revisionOf(obj: Pick<KubeObject, 'kind' | 'metadata'>): number {
  const raw = obj.metadata.annotations?.[Annotation.MachineDeploymentRevision];
  if (raw === undefined) return 0;
  if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new InvalidRevisionError(
      `${obj.kind ?? 'object'} ${obj.metadata.name ?? ''}: annotation ${Annotation.MachineDeploymentRevision} is not a number: ${JSON.stringify(raw)}`,
    );
  return Number(raw);
}

/**
 * Upstream `shouldNodeHaveOutdatedTaint`: the Node of a Machine is outdated when the Machine's MachineSet has a
 * lower revision than the MachineDeployment that owns it. Stand-alone Machines and MachineSets never are.
 */
export function isOutdatedRevision(
  ms: Pick<KubeObject, 'kind' | 'metadata'> | undefined,
  md: Pick<KubeObject, 'kind' | 'metadata'> | undefined,
): boolean {
  if (!ms || !md) return false;
  return revisionOf(ms) < revisionOf(md);
}
