/**
 * Feature gates the kubeadm control plane webhooks consult. Unset gates take upstream's defaults (off), except
 * ClusterTopology: on, as in the core webhooks (`DEFAULT_CORE_FEATURE_GATES`), because the embedded management
 * plane is built around ClusterClass quick starts.
 */
export interface ControlPlaneKubeadmWebhookOptions {
  featureGates?: {
    /** Alpha upstream (on here): KubeadmControlPlaneTemplates exist for ClusterClass topologies only. */
    ClusterTopology?: boolean;
    /** Alpha upstream: lets the embedded KubeadmConfigSpec use `format: ignition`. */
    KubeadmBootstrapFormatIgnition?: boolean;
    /** Alpha upstream: lets `spec.machineTemplate.spec.taints` be set. */
    MachineTaintPropagation?: boolean;
  };
}

type Gate = keyof NonNullable<ControlPlaneKubeadmWebhookOptions['featureGates']>;

const DEFAULT_GATES: Readonly<Record<Gate, boolean>> = {
  ClusterTopology: true,
  KubeadmBootstrapFormatIgnition: false,
  MachineTaintPropagation: false,
};

export const gateEnabled = (options: ControlPlaneKubeadmWebhookOptions, gate: Gate): boolean =>
  options.featureGates?.[gate] ?? DEFAULT_GATES[gate];
