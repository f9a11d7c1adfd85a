// Once the control plane is stable, KCP points the kube-proxy DaemonSet at the KCP's Kubernetes version
// (upstream `Workload.UpdateKubeProxyImageInfo`): same image, tag = the version (made tag-safe), and the
// KCP's `clusterConfiguration.imageRepository` when it sets one; otherwise the DaemonSet keeps its registry.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { type KubeadmControlPlane, KubeadmControlPlaneAnnotation } from '../api/index.js';
import { containerImagePatch } from './container-image-patch.js';
import { withImageRepository, withImageTag } from './image-reference.js';
import type { WorkloadCallOptions, WorkloadStepResult } from './kubeadm-config-map.js';

const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet' } as const;
export const KUBE_PROXY = { namespace: 'kube-system', name: 'kube-proxy' } as const;

/** The image kube-proxy should run for `version`, from the image it runs now. */
export function desiredKubeProxyImage(current: string, version: string, imageRepository?: string): string {
  const tagged = withImageTag(current, version);
  return imageRepository ? withImageRepository(tagged, imageRepository) : tagged;
}

/**
 * Sets the kube-proxy container's image; nothing with the `skip-kube-proxy` annotation on the KCP, when there
 * is no kube-proxy DaemonSet or container (a CNI replaced it), or when the image is already right.
 * ImageReferenceError when the image cannot be retagged (pinned by digest).
 */
export async function updateKubeProxyImage(
  client: Client,
  kcp: KubeadmControlPlane,
  options: WorkloadCallOptions = {},
): Promise<WorkloadStepResult> {
  if (kcp.metadata?.annotations?.[KubeadmControlPlaneAnnotation.SkipKubeProxy] !== undefined) {
    return { changed: false };
  }
  let ds: KubeObject & DaemonSet;
  try {
    ds = await client.get<KubeObject & DaemonSet>(DAEMON_SET, KUBE_PROXY, options);
  } catch (err) {
    if (isNotFound(err)) return { changed: false };
    throw err;
  }
  const container = ds.spec?.template.spec?.containers.find((c) => c.name === KUBE_PROXY.name);
  if (!container?.image) return { changed: false };
  const image = desiredKubeProxyImage(
    container.image,
    kcp.spec.version,
    kcp.spec.kubeadmConfigSpec?.clusterConfiguration?.imageRepository,
  );
  const patch = containerImagePatch(ds, KUBE_PROXY.name, image);
  if (patch.length === 0) return { changed: false };
  await client.patch(ds, { type: 'json', data: patch }, { signal: options.signal });
  return { changed: true };
}
