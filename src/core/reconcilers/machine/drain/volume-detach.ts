// The wait for volume detach of the Machine controller's deletion (upstream's shouldWaitForNodeVolumes and its
// helpers in machine_controller.go): after the drain, the volumes still attached to the Node (its
// `status.volumesAttached` and the attached VolumeAttachments naming it), mapped through PersistentVolumes to
// the claims using them, minus the claims of Pods the drain skipped (DaemonSet, static, `drain=skip`).
import type { KubeObject } from '../../../../controller-runtime/api/object.js';
import type { Reader } from '../../../../controller-runtime/client/client.js';
import { isNotFoundOrNoKind } from '../../../../controller-runtime/client/errors.js';
import { formatRfc3339 } from './drain-result.js';
import { type ClassifiedPod, DrainBehavior } from './drain-types.js';
import { compareStrings } from './machine-drain-rules.js';

export const VOLUME_ATTACHMENT = { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment' } as const;
export const PERSISTENT_VOLUME = { apiVersion: 'v1', kind: 'PersistentVolume' } as const;

/** Page size of the VolumeAttachment and PersistentVolume lists, as upstream. */
const PAGE_SIZE = 100;
/** How many names of each kind the condition message shows (upstream's StringListToString). */
const MESSAGE_NAME_LIMIT = 5;

/** A storage.k8s.io/v1 VolumeAttachment, the fields read here. */
export type VolumeAttachment = KubeObject & {
  spec?: { attacher?: string; nodeName?: string; source?: { persistentVolumeName?: string | null } };
  status?: { attached?: boolean };
};

/** A core/v1 PersistentVolume, the fields read here. */
export type PersistentVolume = KubeObject & {
  spec?: {
    csi?: { driver?: string; volumeHandle?: string };
    claimRef?: { kind?: string; namespace?: string; name?: string };
  };
};

/** What a Node reports as attached (`status.volumesAttached[].name`, e.g. `kubernetes.io/csi/<driver>^<handle>`). */
export interface NodeWithVolumes {
  metadata: { name?: string };
  status?: { volumesAttached?: { name?: string }[] };
}

/** The two views of what is attached to a Node. */
export interface AttachedVolumes {
  /** Node `status.volumesAttached[].name`. */
  nodeVolumeNames: Set<string>;
  /** `spec.source.persistentVolumeName` of the VolumeAttachments attached to the Node. */
  persistentVolumeNames: Set<string>;
}

/** What the Machine still waits for, each list as upstream names it in the condition message. */
export interface VolumesWaitingForDetach {
  /** `namespace/name` of claims whose volumes are attached (claims of skipped Pods excluded). */
  persistentVolumeClaims: string[];
  /** Attached PersistentVolumes without a claimRef to a PersistentVolumeClaim. */
  persistentVolumesWithoutClaimRef: string[];
  /** Node `status.volumesAttached` entries no PersistentVolume's CSI source matches. */
  nodeVolumeNamesWithoutPV: string[];
  /** VolumeAttachment PersistentVolume names no PersistentVolume has. */
  persistentVolumeNamesWithoutPV: string[];
}

/** Raised when the attached volumes cannot be worked out; the reconcile fails and is retried. */
export class VolumeDetachError extends Error {
  override readonly name = 'VolumeDetachError';
}

const causeText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The VolumeAttachments attached (`status.attached`) to `nodeName`, read live and paged. A workload cluster
 * that does not serve the kind (no storage.k8s.io/v1, NoKindMatch or 404) has none: the Node's status is
 * then all there is to go by. Returns `undefined` in that case, so callers can tell.
 */
export async function volumeAttachmentsOfNode(
  client: Reader,
  nodeName: string,
  signal?: AbortSignal,
): Promise<VolumeAttachment[] | undefined> {
  const out: VolumeAttachment[] = [];
  let page: string | undefined;
  try {
    do {
      const list = await client.list<VolumeAttachment>(VOLUME_ATTACHMENT, {
        limit: PAGE_SIZE,
        ...(page ? { continue: page } : {}),
        signal,
      });
      for (const va of list.items)
        if (va.status?.attached === true && va.spec?.nodeName === nodeName) out.push(va);
      page = list.metadata.continue || undefined;
    } while (page);
  } catch (err) {
    if (isNotFoundOrNoKind(err)) return undefined;
    throw new VolumeDetachError(`failed to list VolumeAttachments: ${causeText(err)}`, { cause: err });
  }
  return out;
}

/**
 * Upstream's getAttachedVolumeInformation over a Node and its attached VolumeAttachments. A VolumeAttachment
 * of an inline volume (no PersistentVolume name) cannot be mapped to a claim: that is an error, as upstream.
 */
export function attachedVolumes(
  node: NodeWithVolumes,
  attachments: readonly VolumeAttachment[],
): AttachedVolumes {
  const nodeVolumeNames = new Set<string>();
  for (const v of node.status?.volumesAttached ?? []) if (v.name) nodeVolumeNames.add(v.name);
  const persistentVolumeNames = new Set<string>();
  for (const va of attachments) {
    const pv = va.spec?.source?.persistentVolumeName;
    if (typeof pv !== 'string')
      throw new VolumeDetachError(
        `spec.source.persistentVolumeName for VolumeAttachment ${va.metadata.name ?? ''} is not set`,
      );
    persistentVolumeNames.add(pv);
  }
  return { nodeVolumeNames, persistentVolumeNames };
}

/** `namespace/name` of every claim a skipped Pod mounts: their volumes stay attached until the Node goes. */
export function claimsOfSkippedPods(pods: readonly ClassifiedPod[]): Set<string> {
  const claims = new Set<string>();
  for (const { pod, status } of pods) {
    if (status.behavior !== DrainBehavior.Skip) continue;
    for (const volume of pod.spec?.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (claim) claims.add(`${pod.metadata.namespace ?? ''}/${claim}`);
    }
  }
  return claims;
}

/** The name the kubelet reports in `status.volumesAttached` for a CSI PersistentVolume. */
export function csiAttachedVolumeName(pv: PersistentVolume): string | undefined {
  const csi = pv.spec?.csi;
  return csi ? `kubernetes.io/csi/${csi.driver ?? ''}^${csi.volumeHandle ?? ''}` : undefined;
}

/** Upstream's getPersistentVolumesWaitingForDetach, over the listed PersistentVolumes. */
export function volumesWaitingForDetach(
  attached: AttachedVolumes,
  persistentVolumes: readonly PersistentVolume[],
  claimsToIgnore: ReadonlySet<string>,
): VolumesWaitingForDetach {
  const claims = new Set<string>();
  const withoutClaimRef: string[] = [];
  const foundNodeVolumeNames = new Set<string>();
  const foundPersistentVolumeNames = new Set<string>();
  for (const pv of persistentVolumes) {
    const name = pv.metadata.name ?? '';
    let found = false;
    const csiName = csiAttachedVolumeName(pv);
    if (csiName !== undefined && attached.nodeVolumeNames.has(csiName)) {
      foundNodeVolumeNames.add(csiName);
      found = true;
    }
    if (attached.persistentVolumeNames.has(name)) {
      foundPersistentVolumeNames.add(name);
      found = true;
    }
    if (!found) continue;
    // Bound volumes have a claimRef; anything else can only be named by the volume itself.
    const ref = pv.spec?.claimRef;
    if (!ref || ref.kind !== 'PersistentVolumeClaim') {
      withoutClaimRef.push(name);
      continue;
    }
    claims.add(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
  }
  return {
    persistentVolumeClaims: [...claims].filter((c) => !claimsToIgnore.has(c)),
    persistentVolumesWithoutClaimRef: withoutClaimRef,
    nodeVolumeNamesWithoutPV: [...attached.nodeVolumeNames].filter((n) => !foundNodeVolumeNames.has(n)),
    persistentVolumeNamesWithoutPV: [...attached.persistentVolumeNames].filter(
      (n) => !foundPersistentVolumeNames.has(n),
    ),
  };
}

/** Whether anything is still waited for. */
export function isWaitingForDetach(v: VolumesWaitingForDetach): boolean {
  return (
    v.persistentVolumeClaims.length > 0 ||
    v.persistentVolumesWithoutClaimRef.length > 0 ||
    v.nodeVolumeNamesWithoutPV.length > 0 ||
    v.persistentVolumeNamesWithoutPV.length > 0
  );
}

/** Sorted, the first five, then `... (n more)` (upstream's StringListToString). */
export function nameListToString(names: readonly string[], limit = MESSAGE_NAME_LIMIT): string {
  const sorted = [...names].sort(compareStrings);
  const shown = sorted.slice(0, limit);
  if (sorted.length > limit) shown.push(`... (${sorted.length - limit} more)`);
  return shown.join(', ');
}

/**
 * The Deleting condition's message while volumes are attached, e.g.
 *
 *     Waiting for Node volumes to be detached (started at 2024-10-09T16:13:59Z)
 *     * PersistentVolumeClaims: default/data-0, default/data-1
 *     * PersistentVolumes without a .spec.claimRef to a PersistentVolumeClaim: pv-static
 *     * Node with .status.volumesAttached entries not matching a PersistentVolume: kubernetes.io/csi/d^h
 *     * VolumeAttachment with .spec.source.persistentVolumeName not matching a PersistentVolume: pv-gone
 *
 * Empty when nothing is waited for.
 */
export function volumeDetachConditionMessage(v: VolumesWaitingForDetach, startedAt: Date): string {
  if (!isWaitingForDetach(v)) return '';
  let message = `Waiting for Node volumes to be detached (started at ${formatRfc3339(startedAt)})`;
  const sections: [string, string[]][] = [
    ['PersistentVolumeClaims', v.persistentVolumeClaims],
    [
      'PersistentVolumes without a .spec.claimRef to a PersistentVolumeClaim',
      v.persistentVolumesWithoutClaimRef,
    ],
    ['Node with .status.volumesAttached entries not matching a PersistentVolume', v.nodeVolumeNamesWithoutPV],
    [
      'VolumeAttachment with .spec.source.persistentVolumeName not matching a PersistentVolume',
      v.persistentVolumeNamesWithoutPV,
    ],
  ];
  for (const [title, names] of sections)
    if (names.length > 0) message += `\n* ${title}: ${nameListToString(names)}`;
  return message;
}

async function listPersistentVolumes(client: Reader, signal?: AbortSignal): Promise<PersistentVolume[]> {
  const out: PersistentVolume[] = [];
  let page: string | undefined;
  try {
    do {
      const list = await client.list<PersistentVolume>(PERSISTENT_VOLUME, {
        limit: PAGE_SIZE,
        ...(page ? { continue: page } : {}),
        signal,
      });
      out.push(...list.items);
      page = list.metadata.continue || undefined;
    } while (page);
  } catch (err) {
    throw new VolumeDetachError(`failed to list PersistentVolumes: ${causeText(err)}`, { cause: err });
  }
  return out;
}

export interface VolumeDetachCheck {
  /** The Node, read by the caller (reachable: an unreachable Node is not waited for). */
  node: NodeWithVolumes;
  /** The workload cluster: VolumeAttachments and PersistentVolumes are listed live. */
  client: Reader;
  /** The drain's verdict on the Node's Pods (`Drainer.podsForEviction`); asked only when something is attached. */
  podsForEviction: () => Promise<ClassifiedPod[]>;
  signal?: AbortSignal;
}

/**
 * One look at a Node's volumes (upstream's shouldWaitForNodeVolumes after the Node checks): what the Machine
 * still has to wait for; nothing left when `isWaitingForDetach` is false. Throws VolumeDetachError.
 */
export async function findVolumesWaitingForDetach(
  check: VolumeDetachCheck,
): Promise<VolumesWaitingForDetach> {
  const nodeName = check.node.metadata.name ?? '';
  const attachments = (await volumeAttachmentsOfNode(check.client, nodeName, check.signal)) ?? [];
  const attached = attachedVolumes(check.node, attachments);
  if (attached.nodeVolumeNames.size === 0 && attached.persistentVolumeNames.size === 0)
    return {
      persistentVolumeClaims: [],
      persistentVolumesWithoutClaimRef: [],
      nodeVolumeNamesWithoutPV: [],
      persistentVolumeNamesWithoutPV: [],
    };
  let ignore: Set<string>;
  try {
    ignore = claimsOfSkippedPods(await check.podsForEviction());
  } catch (err) {
    throw new VolumeDetachError(
      `failed to find PersistentVolumeClaims from Pods ignored during drain: ${causeText(err)}`,
      { cause: err },
    );
  }
  return volumesWaitingForDetach(attached, await listPersistentVolumes(check.client, check.signal), ignore);
}
