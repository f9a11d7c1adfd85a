// `status.versions` of the kinds that own Machines (MachineSet, MachineDeployment, KubeadmControlPlane): the
// versions their Machines run, oldest first, as upstream's `internal/util/version.VersionsFromMachines`.
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Machine } from '../api/v1beta2/machine-types.js';
import { compareVersions, isSemverError, parseSemverTolerant } from '../api/version.js';

/**
 * `status.versions`: how many Machines run each version (the kubelet's once the Node reports one, else
 * spec.version), oldest version first; versions that cannot be ordered keep the order of the Machines
 * (oldest Machine first).
 */
export function versionsFromMachines(
  machines: readonly (Machine & KubeObject)[],
): { version: string; replicas: number }[] {
  const sorted = [...machines].sort((a, b) => {
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta !== tb) return ta - tb;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '')
      ? -1
      : (a.metadata.name ?? '') > (b.metadata.name ?? '')
        ? 1
        : 0;
  });
  const found: { version: string; replicas: number; order: number }[] = [];
  for (const m of sorted) {
    const version = m.status?.nodeInfo?.kubeletVersion || m.spec.version || '';
    if (!version) continue;
    const existing = found.find((f) => f.version === version);
    if (existing) existing.replicas++;
    else found.push({ version, replicas: 1, order: found.length });
  }
  const less = (i: (typeof found)[number], j: (typeof found)[number]): boolean => {
    const vi = parseSemverTolerant(i.version);
    const vj = parseSemverTolerant(j.version);
    if (!isSemverError(vi) && !isSemverError(vj)) {
      switch (compareVersions(vi, vj, { withBuildTags: true })) {
        case -1:
          return true;
        case 1:
          return false;
        case 0:
          return i.version !== j.version ? i.version < j.version : i.order < j.order;
        case 2:
          return i.order < j.order;
      }
    }
    if (!isSemverError(vi)) return true;
    if (!isSemverError(vj)) return false;
    return i.version !== j.version ? i.version < j.version : i.order < j.order;
  };
  // Stable insertion sort: `less` is not a total order when versions cannot be compared.
  const out: typeof found = [];
  for (const f of found) {
    let k = out.length;
    while (k > 0 && less(f, out[k - 1]!)) k--;
    out.splice(k, 0, f);
  }
  return out.map(({ version, replicas }) => ({ version, replicas }));
}
