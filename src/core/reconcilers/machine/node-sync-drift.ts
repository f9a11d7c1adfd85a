import { Annotation } from '../../api/v1beta2/well-known.js';
import type { Node } from './machine-node.js';
import type { NodeTaint } from './machine-taints.js';

type MetadataPatch = { labels?: Record<string, string | null>; annotations?: Record<string, string | null> };

const tracked = (annotations: Record<string, string>, key: string): Set<string> =>
  new Set((annotations[key] ?? '').split(',').filter(Boolean));

/** Keys the patch sets (not removes) that the tracking list says were put there before and the Node lacks now. */
const restoresTracked = (
  patch: Record<string, string | null> | undefined,
  tracking: Set<string>,
  current: Record<string, string>,
): boolean => Object.entries(patch ?? {}).some(([k, v]) => v !== null && tracking.has(k) && !(k in current));

/** The annotations tracing a Node to its Machine, which the Machine controller never removes. */
const TRACING = [Annotation.ClusterNameOnNode, Annotation.ClusterNamespaceOnNode, Annotation.MachineOnNode];

/**
 * Whether the Node sync patch (`nodeSyncPatch`) puts back something that someone other than the Machine
 * controller removed: a label, annotation or taint the Node's tracking annotations (`labels-from-machine`,
 * `annotations-from-machine`, `taints-from-machine`) say the controller put there and still wants, or a tracing
 * annotation of a Node synced before. Only removals tell: a changed value could as well be the Machine's own
 * change being propagated, so those are not counted.
 */
export function nodeSyncRestoresForeignChange(
  node: Node,
  patch: Record<string, unknown> | undefined,
): boolean {
  if (!patch) return false;
  const labels = node.metadata.labels ?? {};
  const annotations = node.metadata.annotations ?? {};
  const metadata = patch.metadata as MetadataPatch | undefined;
  if (restoresTracked(metadata?.labels, tracked(annotations, Annotation.LabelsFromMachine), labels))
    return true;
  if (
    restoresTracked(
      metadata?.annotations,
      tracked(annotations, Annotation.AnnotationsFromMachine),
      annotations,
    )
  )
    return true;
  if (
    Annotation.LabelsFromMachine in annotations &&
    TRACING.some((k) => typeof metadata?.annotations?.[k] === 'string' && !(k in annotations))
  )
    return true;
  const taints = (patch.spec as { taints?: NodeTaint[] } | undefined)?.taints;
  if (taints) {
    const owned = tracked(annotations, Annotation.TaintsFromMachine);
    const present = node.spec?.taints ?? [];
    return taints.some(
      (t) =>
        owned.has(`${t.key}:${t.effect}`) && !present.some((p) => p.key === t.key && p.effect === t.effect),
    );
  }
  return false;
}
