/** Feature gates the kubeadm control plane webhooks consult; unset gates take upstream's defaults (all off). */
export interface ControlPlaneKubeadmWebhookOptions {
  featureGates?: {
    /** Alpha upstream: KubeadmControlPlaneTemplates exist for ClusterClass topologies only. */
    ClusterTopology?: boolean;
    /** Alpha upstream: lets the embedded KubeadmConfigSpec use `format: ignition`. */
    KubeadmBootstrapFormatIgnition?: boolean;
    /** Alpha upstream: lets `spec.machineTemplate.spec.taints` be set. */
    MachineTaintPropagation?: boolean;
  };
}

export const gateEnabled = (
  options: ControlPlaneKubeadmWebhookOptions,
  gate: keyof NonNullable<ControlPlaneKubeadmWebhookOptions['featureGates']>,
): boolean => options.featureGates?.[gate] ?? false;
