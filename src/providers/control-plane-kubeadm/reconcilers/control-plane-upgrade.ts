// The workload cluster around a rollout (upstream `updateControlPlane` before `rollingUpdate`, and the end of
// `reconcile` once the control plane is stable: kube-proxy, CoreDNS, `reconcileCertificateExpiries`), and the
// upgrade and certificate-expiry metrics that go with them. What changes inside the workload cluster is
// `workload/`'s; this sequences it, words the errors as upstream and writes the KubeadmConfig annotations.
import { getCondition } from '../../../controller-runtime/conditions/index.js';
import { Annotation } from '../../../core/api/v1beta2/index.js';
import { KubeadmControlPlaneConditionType as T } from '../api/index.js';
import { isDeleting, type KubeadmConfigObject, type MachineObject, nodeNameOf } from '../internal/index.js';
import type { ClusterKey } from '../metrics.js';
import {
  ensureKubeadmPermissions,
  updateCoreDNS,
  updateKubeadmConfigMap,
  updateKubeProxyImage,
} from '../workload/index.js';
import { errorText, type KcpDeps, type KcpScope, objectKey } from './kubeadm-control-plane-scope.js';

/** kube-apiserver's port when the KubeadmConfig does not bind another (kubeadm's default). */
const DEFAULT_API_SERVER_PORT = 6443;

export const clusterKeyOf = (s: KcpScope): ClusterKey => ({
  namespace: s.cluster.metadata.namespace ?? '',
  name: s.cluster.metadata.name ?? '',
});

/** Some Machine (deleting ones included) runs another Kubernetes version than the KCP asks for. */
export const versionDiffers = (s: KcpScope): boolean =>
  s.cp.machines.some((m) => m.spec.version !== s.kcp.spec.version);

/**
 * Before every step of a rollout: the kubeadm RBAC of the target version, then `kubeadm-config` rewritten for
 * it (the joining Machines read it), each a no-op when the cluster already matches. A rollout that changes the
 * version counts as an upgrade (started once, from when RollingOut turned True, so a restarted controller keeps
 * the duration). Errors stop the pass, worded as upstream's.
 */
export async function prepareWorkloadForRollout(deps: KcpDeps, s: KcpScope): Promise<void> {
  const { kcp } = s;
  if (versionDiffers(s)) {
    const rollingOut = getCondition(kcp, T.RollingOut);
    const since = rollingOut?.status === 'True' ? rollingOut.lastTransitionTime : undefined;
    if (deps.metrics.upgradeStarted(clusterKeyOf(s), kcp.spec.version, since))
      s.log.info({ version: kcp.spec.version }, `Upgrading control plane to ${kcp.spec.version}`);
  }
  let client;
  try {
    client = s.workload.client();
  } catch (err) {
    s.log.error({ err: errorText(err) }, 'failed to get remote client for workload cluster');
    throw new Error(`failed to update control plane: ${errorText(err)}`, { cause: err });
  }
  const call = { signal: s.signal };
  try {
    await ensureKubeadmPermissions(client, kcp.spec.version, call);
  } catch (err) {
    throw new Error(
      `failed to update control plane: failed to set cluster-admin ClusterRoleBinding for kubeadm: ${errorText(err)}`,
      { cause: err },
    );
  }
  try {
    const { changed } = await updateKubeadmConfigMap(client, kcp, call);
    if (changed) s.log.info({ version: kcp.spec.version }, 'Updated the kubeadm-config ConfigMap');
  } catch (err) {
    throw new Error(`failed to update control plane: ${errorText(err)}`, { cause: err });
  }
}

/**
 * Upstream's end of `reconcile` (replicas as desired, nothing to roll out): kube-proxy's image, CoreDNS, then
 * the API server certificate expiry of Machines whose KubeadmConfig does not carry it yet. An upgrade being
 * tracked ends as succeeded once kube-proxy and CoreDNS follow (every Machine runs the version by then). Skipped
 * until the control plane is initialized: kubeadm init creates what these steps change.
 */
export async function reconcileStableControlPlane(deps: KcpDeps, s: KcpScope): Promise<void> {
  const { kcp, cp } = s;
  if (!cp.initialized) return;
  let client;
  try {
    client = s.workload.client();
  } catch (err) {
    throw new Error(`failed to create client to workload cluster: ${errorText(err)}`, { cause: err });
  }
  const call = { signal: s.signal };
  try {
    const { changed } = await updateKubeProxyImage(client, kcp, call);
    if (changed) s.log.info({ version: kcp.spec.version }, 'Updated the kube-proxy DaemonSet image');
  } catch (err) {
    s.log.error({ err: errorText(err) }, 'Failed to update kube-proxy daemonset');
    throw err;
  }
  try {
    const { changed } = await updateCoreDNS(client, kcp, call);
    if (changed) s.log.info('Updated CoreDNS');
  } catch (err) {
    throw new Error(`failed to update CoreDNS deployment: ${errorText(err)}`, { cause: err });
  }
  if (!versionDiffers(s)) {
    const seconds = deps.metrics.upgradeFinished(clusterKeyOf(s), true);
    if (seconds !== undefined)
      s.log.info({ version: kcp.spec.version, seconds }, `Control plane upgraded to ${kcp.spec.version}`);
  }
  // Nothing later in this reconcile depends on it, and it needs every Machine's API server: last, as upstream.
  await reconcileCertificateExpiries(deps, s);
}

/**
 * Upstream `reconcileCertificateExpiries`: for each Machine with a Node and a KubeadmConfig that lacks it, the
 * `machine.cluster.x-k8s.io/certificates-expiry` annotation (RFC 3339) from the serving certificate of the
 * kube-apiserver on the Machine's Node; the Machine controller turns it into `status.certificatesExpiryDate`.
 */
export async function reconcileCertificateExpiries(deps: KcpDeps, s: KcpScope): Promise<void> {
  const { cp } = s;
  if (cp.machines.length === 0 || !cp.initialized) return;
  for (const m of cp.machines) {
    if (isDeleting(m)) continue;
    const config = cp.kubeadmConfig(m.metadata.name ?? '');
    if (!config) continue;
    if (config.metadata.annotations?.[Annotation.MachineCertificatesExpiryDate] !== undefined) continue;
    if (!m.status?.nodeRef?.name) continue;
    const nodeName = nodeNameOf(m);
    let expiry: string;
    try {
      const notAfter = await s.workload.apiServerCertificateExpiry(nodeName, apiServerPort(config));
      expiry = rfc3339(notAfter);
    } catch (err) {
      throw new Error(
        `failed to reconcile certificate expiry for Machine ${objectKey(m)}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    }
    s.log.info(
      { machine: m.metadata.name, node: nodeName, expiryDate: expiry },
      `Setting certificate expiry date on KubeadmConfig ${objectKey(config)}`,
    );
    try {
      await deps.client.patch(config, {
        type: 'merge',
        data: { metadata: { annotations: { [Annotation.MachineCertificatesExpiryDate]: expiry } } },
      });
    } catch (err) {
      throw new Error(
        `failed to reconcile certificate expiry for Machine ${objectKey(m)}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    }
  }
}

/** The certificate expiry of the control plane Machines that are not deleting, for the metrics. */
export function recordCertificateExpiry(deps: KcpDeps, s: KcpScope): void {
  deps.metrics.setCertificateExpiry(
    clusterKeyOf(s),
    s.cp.machines.filter((m) => !isDeleting(m)).map(certificateExpiryOf),
  );
}

const certificateExpiryOf = (m: MachineObject) => ({
  name: m.metadata.name ?? '',
  ...(m.status?.certificatesExpiryDate ? { certificatesExpiryDate: m.status.certificatesExpiryDate } : {}),
});

/** Upstream `calculateAPIServerPort`: the init, then the join bind port, else 6443. */
function apiServerPort(config: KubeadmConfigObject): number {
  return (
    config.spec?.initConfiguration?.localAPIEndpoint?.bindPort ||
    config.spec?.joinConfiguration?.controlPlane?.localAPIEndpoint?.bindPort ||
    DEFAULT_API_SERVER_PORT
  );
}

/** Go's `time.RFC3339`: seconds, `Z` for UTC. */
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
