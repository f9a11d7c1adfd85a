// Names of new control plane Machines (and of their KubeadmConfigs and InfraMachines, which share the name),
// from `spec.machineNaming.template` as upstream's `KCPMachineNameGenerator` renders it.
import { renderNameTemplate } from '../../../core/api/name-template.js';
import { RANDOM_LENGTH, randomString } from '../../../core/util/index.js';
import type { KubeadmControlPlane } from '../api/index.js';

/** Upstream's default `machineNaming.template` for KubeadmControlPlanes. */
export const DEFAULT_KCP_MACHINE_NAME_TEMPLATE = '{{ .kubeadmControlPlane.name }}-{{ .random }}';

const MAX_NAME_LENGTH = 63;
/** What `renderNameTemplate` (which only validates names) puts at the end of a name it had to shorten. */
const SHORTENED_SUFFIX = 'x7k2m';

/** A `machineNaming.template` that cannot name a Machine (admission normally keeps these out). */
export class MachineNameError extends Error {
  override readonly name = 'MachineNameError';
}

/**
 * A fresh Machine name. The template may use `.cluster.name`, `.kubeadmControlPlane.name` and `.random` (five
 * random characters) and must use `.random`; a name longer than 63 characters is cut to 58 and gets five more
 * random characters.
 */
export function generateMachineName(
  kcp: Pick<KubeadmControlPlane, 'spec'> & { metadata?: { name?: string } },
  clusterName: string,
  random: () => string = () => randomString(),
): string {
  const template = kcp.spec.machineNaming?.template || DEFAULT_KCP_MACHINE_NAME_TEMPLATE;
  if (!template.includes('{{ .random }}')) {
    throw new MachineNameError(
      'failed to compute desired Machine: cannot generate Machine name: {{ .random }} is missing in machineNaming.template',
    );
  }
  const result = renderNameTemplate(template, {
    cluster: { name: clusterName },
    kubeadmControlPlane: { name: kcp.metadata?.name ?? '' },
    random: random(),
  });
  if (result.kind !== 'rendered') {
    throw new MachineNameError(
      `failed to compute desired Machine: failed to generate Machine name: ${result.message}`,
    );
  }
  const name = result.name;
  if (name.length === MAX_NAME_LENGTH && name.endsWith(SHORTENED_SUFFIX)) {
    return name.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + random();
  }
  return name;
}
