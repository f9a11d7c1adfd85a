import type { KubeObject } from '../controller-runtime/api/object.js';
import type { Reader } from '../controller-runtime/client/client.js';
import { isNotFoundOrNoKind } from '../controller-runtime/client/errors.js';
import { Label } from '../core/api/v1beta2/well-known.js';

interface CrdVersion {
  name: string;
  storage?: boolean;
}
type Crd = KubeObject & {
  spec: { group: string; scope: string; names: { kind: string }; versions: CrdVersion[] };
};

/** The namespaced kinds of every installed `*.cluster.x-k8s.io` CRD, at their storage version. */
export async function clusterApiKinds(client: Reader): Promise<{ apiVersion: string; kind: string }[]> {
  const crds = await client.list<Crd>({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
  });
  return crds.items
    .filter((crd) => crd.spec.group.endsWith('cluster.x-k8s.io') && crd.spec.scope === 'Namespaced')
    .map((crd) => {
      const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
      return { apiVersion: `${crd.spec.group}/${version?.name ?? 'v1beta2'}`, kind: crd.spec.names.kind };
    })
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

/**
 * What still belongs to a cluster: objects of the Cluster API kinds (and Secrets) in its namespace that carry
 * its `cluster.x-k8s.io/cluster-name` label or an owner reference to it — including templates the Cluster
 * adopted — and the Cluster itself.
 */
export async function clusterObjects(
  client: Reader,
  options: {
    namespace: string;
    name: string;
    clusterUid?: string;
    kinds?: { apiVersion: string; kind: string }[];
  },
): Promise<KubeObject[]> {
  const kinds = [...(options.kinds ?? (await clusterApiKinds(client))), { apiVersion: 'v1', kind: 'Secret' }];
  const found: KubeObject[] = [];
  for (const type of kinds) {
    let items: KubeObject[];
    try {
      items = (await client.list(type, { namespace: options.namespace })).items;
    } catch (err) {
      if (isNotFoundOrNoKind(err)) continue;
      throw err;
    }
    for (const obj of items) {
      const labelled = obj.metadata.labels?.[Label.ClusterName] === options.name;
      const owned = options.clusterUid
        ? (obj.metadata.ownerReferences ?? []).some((r) => r.uid === options.clusterUid)
        : false;
      const self = type.kind === 'Cluster' && obj.metadata.name === options.name;
      if (labelled || owned || self) found.push({ ...obj, apiVersion: type.apiVersion, kind: type.kind });
    }
  }
  return found;
}

/** `3 Machines, 1 MachineDeployment, 2 Secrets` in a stable order. */
export function countByKind(objects: readonly KubeObject[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.kind ?? '?', (counts.get(o.kind ?? '?') ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${n} ${n === 1 ? kind : pluralKind(kind)}`)
    .join(', ');
}

const pluralKind = (kind: string): string => (kind.endsWith('s') ? `${kind}es` : `${kind}s`);
