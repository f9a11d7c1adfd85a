// The public surface of the kubeadm bootstrap API: kinds, their schemas and CRDs, and the shared
// KubeadmConfigSpec the control plane provider embeds.
export * from './kubeadm-config-spec-types.js';
export * from './kubeadm-config-template-types.js';
export * from './kubeadm-config-types.js';
export * from './kubeadm-types.js';
export * from './well-known.js';
