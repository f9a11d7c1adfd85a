import { UnknownFlavorError } from './errors.js';
import { IN_MEMORY_KCP_TEMPLATE, IN_MEMORY_TEMPLATE } from './in-memory-templates.js';

/** A built-in cluster template `capi generate cluster --flavor NAME` can render. */
export interface Flavor {
  readonly name: string;
  /** One line for `--help` and flavor listings. */
  readonly description: string;
  readonly template: string;
}

/** The flavor used when `--flavor` is absent (clusterctl's "default cluster template"). */
export const DEFAULT_FLAVOR = 'in-memory';

/** Every built-in flavor, default first. */
export const flavors: readonly Flavor[] = [
  {
    name: 'in-memory',
    description:
      'default: ClusterClass in-memory and its templates, and a Cluster of that class (topology with md-0)',
    template: IN_MEMORY_TEMPLATE,
  },
  {
    name: 'in-memory-kcp',
    description:
      'no ClusterClass: Cluster, DevCluster, KubeadmControlPlane, MachineDeployment md-0 and templates',
    template: IN_MEMORY_KCP_TEMPLATE,
  },
];

/** The flavor called `name`; throws {@link UnknownFlavorError} naming the available ones. */
export function findFlavor(name: string = DEFAULT_FLAVOR): Flavor {
  const flavor = flavors.find((f) => f.name === name);
  if (!flavor)
    throw new UnknownFlavorError(
      name,
      flavors.map((f) => f.name),
    );
  return flavor;
}
